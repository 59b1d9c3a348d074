/*
 * NAME
 *	envelope 3h - who sends a message, to whom, from where
 * SUMMARY
 *	struct envelope, env_set_client(), env_set_macros(), env_set_sender(),
 *	env_add_rcpt(), env_msg_clear(), env_free(), env_rcpts_join()
 * DESCRIPTION
 *	What the MTA tells the milter about a message besides its content:
 *	the client's address and name (per connection), the MTA's
 *	{daemon_name}, the SMTP AUTH name {auth_authen}, the envelope sender
 *	and the recipients. Classes match on it, the log line and the virus
 *	event show it. Every value comes from the network: it is stored
 *	sanitized (printable ASCII) and bounded; the sender and recipients
 *	lose their angle brackets ("<>", the null sender, is stored as "").
 *	At most ENV_RCPTS_MAX recipients are kept; beyond that, or for a
 *	recipient longer than ENV_ADDR_MAX - 1, rcpts_over is set and the
 *	recipient is only counted: a rule over every recipient must then
 *	treat the list as not known in full.
 * DIAGNOSTICS
 *	None; storage never fails (util_malloc aborts on exhaustion).
 */
#ifndef CLAMSHIM_ENVELOPE_H
#define CLAMSHIM_ENVELOPE_H

#include <stddef.h>

struct sockaddr;

#define ENV_ADDR_MAX	256		/* one address, NUL included */
#define ENV_NAME_MAX	256		/* client name, auth name, NUL included */
#define ENV_RCPTS_MAX	1000		/* recipients kept per message */

struct envelope {
	/* per connection */
	char	client_addr[64];	/* "192.0.2.1", "2001:db8::1"; "" when not IP */
	char	client_name[ENV_NAME_MAX];
	char	daemon[64];		/* {daemon_name}; "" when not sent */
	/* per message (env_msg_clear) */
	char	auth[ENV_NAME_MAX];	/* {auth_authen}; "" = not authenticated */
	int	has_sender;		/* MAIL FROM seen */
	char	sender[ENV_ADDR_MAX];	/* "" = the null sender <> */
	char  **rcpts;			/* nrcpts addresses */
	size_t	nrcpts;
	size_t	rcpts_cap;
	size_t	rcpts_seen;		/* every RCPT TO, kept or not */
	int	rcpts_over;		/* some recipient not kept */
};

/* env_set_client - the client's name and address (sa may be NULL) */
void	env_set_client(struct envelope *e, const char *name, const struct sockaddr *sa);
/* env_set_daemon - the MTA's {daemon_name} (NULL: none) */
void	env_set_daemon(struct envelope *e, const char *daemon);
/* env_set_auth - the SMTP AUTH name {auth_authen} (NULL or "": none) */
void	env_set_auth(struct envelope *e, const char *auth);
/* env_set_sender - the MAIL FROM address as the MTA gives it ("<a@b>", "<>") */
void	env_set_sender(struct envelope *e, const char *arg);
/* env_add_rcpt - one RCPT TO address; 1 kept, 0 only counted */
int	env_add_rcpt(struct envelope *e, const char *arg);
/* env_msg_clear - forget the message's part (auth, sender, recipients); keep the connection's */
void	env_msg_clear(struct envelope *e);
/* env_free - free what e holds (e itself is the caller's) */
void	env_free(struct envelope *e);
/* env_rcpts_join - the kept recipients, space separated, truncated to fit; returns buf */
char   *env_rcpts_join(const struct envelope *e, char *buf, size_t len);

#endif
