/*
 * NAME
 *	envelope 3 - who sends a message, to whom, from where
 * DESCRIPTION
 *	See envelope.h. Values are copied through hdrs_sanitize(): what
 *	the MTA passes on comes from the SMTP client and may hold anything.
 * DIAGNOSTICS
 *	None.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "envelope.h"
#include "hdrs.h"
#include "util.h"

/* env_strip_brackets - copy an address without its angle brackets, sanitized */
static void
env_strip_brackets(char *dst, size_t dstlen, const char *arg)
{
	size_t	len;

	if (arg == NULL)
		arg = "";
	while (*arg == ' ')
		arg++;
	len = strlen(arg);
	if (len >= 2 && arg[0] == '<' && arg[len - 1] == '>') {
		arg++;
		len -= 2;
	}
	hdrs_sanitize_n(dst, dstlen, arg, len);
}

/* env_set_client - the client's name and address (sa may be NULL) */
void
env_set_client(struct envelope *e, const char *name, const struct sockaddr *sa)
{
	char	buf[INET6_ADDRSTRLEN];
	const char *addr = NULL;

	hdrs_sanitize(e->client_name, sizeof(e->client_name), name ? name : "unknown");
	if (sa != NULL && sa->sa_family == AF_INET)
		addr = inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr,
				 buf, sizeof(buf));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		addr = inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr,
				 buf, sizeof(buf));
	hdrs_sanitize(e->client_addr, sizeof(e->client_addr), addr ? addr : "");
}

/* env_set_daemon - the MTA's {daemon_name} (NULL: none) */
void
env_set_daemon(struct envelope *e, const char *daemon)
{
	hdrs_sanitize(e->daemon, sizeof(e->daemon), daemon ? daemon : "");
}

/* env_set_auth - the SMTP AUTH name {auth_authen} (NULL or "": none) */
void
env_set_auth(struct envelope *e, const char *auth)
{
	hdrs_sanitize(e->auth, sizeof(e->auth), auth ? auth : "");
}

/* env_set_sender - the MAIL FROM address as the MTA gives it ("<a@b>", "<>") */
void
env_set_sender(struct envelope *e, const char *arg)
{
	env_strip_brackets(e->sender, sizeof(e->sender), arg);
	e->has_sender = 1;
}

/* env_add_rcpt - one RCPT TO address; 1 kept, 0 only counted */
int
env_add_rcpt(struct envelope *e, const char *arg)
{
	char	addr[ENV_ADDR_MAX];

	e->rcpts_seen++;
	if (arg == NULL || strlen(arg) >= sizeof(addr) || e->nrcpts >= ENV_RCPTS_MAX) {
		e->rcpts_over = 1;
		return 0;
	}
	env_strip_brackets(addr, sizeof(addr), arg);
	if (e->nrcpts == e->rcpts_cap) {
		e->rcpts_cap = e->rcpts_cap ? 2 * e->rcpts_cap : 4;
		e->rcpts = util_realloc(e->rcpts, e->rcpts_cap * sizeof(*e->rcpts));
	}
	e->rcpts[e->nrcpts++] = util_strdup(addr);
	return 1;
}

/* env_msg_clear - forget the message's part (auth, sender, recipients); keep the connection's */
void
env_msg_clear(struct envelope *e)
{
	for (size_t i = 0; i < e->nrcpts; i++)
		free(e->rcpts[i]);
	e->nrcpts = 0;
	e->rcpts_seen = 0;
	e->rcpts_over = 0;
	e->auth[0] = 0;
	e->sender[0] = 0;
	e->has_sender = 0;
}

/* env_free - free what e holds (e itself is the caller's) */
void
env_free(struct envelope *e)
{
	env_msg_clear(e);
	free(e->rcpts);
	e->rcpts = NULL;
	e->rcpts_cap = 0;
}

/* env_rcpts_join - the kept recipients, space separated, truncated to fit; returns buf */
char   *
env_rcpts_join(const struct envelope *e, char *buf, size_t len)
{
	size_t	used = 0;

	if (len == 0)
		return buf;
	buf[0] = 0;
	for (size_t i = 0; i < e->nrcpts; i++) {
		size_t	n = strlen(e->rcpts[i]);

		if (used + (i > 0) + n >= len)
			break;
		if (i > 0)
			buf[used++] = ' ';
		memcpy(buf + used, e->rcpts[i], n);
		used += n;
		buf[used] = 0;
	}
	return buf;
}
