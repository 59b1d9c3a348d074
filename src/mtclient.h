/*
 * NAME
 *	mtclient 3h - the MTA side of the Sendmail milter protocol (version 6)
 * SUMMARY
 *	mt_open(), mt_message(), mt_close(), mt_decision_name(),
 *	mt_result_header()
 * DESCRIPTION
 *	A small client that talks to a milter the way Postfix or Sendmail
 *	would: option negotiation, then per message the macros, CONNECT (once
 *	per connection), HELO, MAIL, RCPT, DATA, each header, end of headers,
 *	the body in chunks and end of message, honouring the steps and
 *	replies the filter negotiated away. mt_message() returns the
 *	decision, the SMTP reply the filter set, the header changes and any
 *	quarantine. Used by check_clamshim --probe, the system tests and the
 *	bench tools.
 *
 *	Sockets: "unix:/PATH", "local:/PATH", "/PATH", "inet:PORT@HOST",
 *	"inet6:PORT@HOST". Every wait is bounded by the timeout given to
 *	mt_open(); every length read from the filter is bounded.
 */
#ifndef CLAMSHIM_MTCLIENT_H
#define CLAMSHIM_MTCLIENT_H

#include <stddef.h>

#define MT_REPLY_MAX		1024	/* reply and quarantine texts kept, NUL included */
#define MT_HDR_NAME_MAX		128
#define MT_HDR_VALUE_MAX	1024	/* longer values are cut (changes_cut set) */
#define MT_CHANGES_MAX		32	/* header changes kept (changes_dropped counts more) */

enum mt_decision {
	MT_ACCEPT = 0,			/* delivered (the filter continued or accepted) */
	MT_REJECT,
	MT_TEMPFAIL,
	MT_DISCARD,
	MT_DECISION_COUNT
};

/* One header change the filter asked for. */
struct mt_change {
	char	op;			/* 'h' add, 'i' insert at index, 'm' change (value "" deletes) */
	unsigned index;			/* 'i', 'm': the index the filter sent */
	char	name[MT_HDR_NAME_MAX];
	char	value[MT_HDR_VALUE_MAX];
};

/* What became of one message. */
struct mt_result {
	enum mt_decision decision;
	const char *stage;		/* where it was decided: "connect" ... "eom" */
	char	reply[MT_REPLY_MAX];	/* "550 5.7.1 Virus found: ..." when the filter set one */
	int	quarantined;
	char	quarantine_reason[MT_REPLY_MAX];
	size_t	nchanges;
	int	changes_dropped;	/* more changes than MT_CHANGES_MAX */
	int	changes_cut;		/* a name or value was cut */
	struct mt_change changes[MT_CHANGES_MAX];
};

/* The envelope and the client; NULL fields get harmless defaults. */
struct mt_envelope {
	const char *client_name;	/* "localhost" */
	const char *client_addr;	/* "127.0.0.1" ("::1" is sent as IPv6) */
	const char *helo;		/* "localhost" */
	const char *queue_id;		/* macro "i"; "MTCLIENT" */
	const char *from;		/* "<probe@localhost>" */
	const char *const *rcpt;	/* NULL: one, "<postmaster@localhost>" */
	size_t	nrcpt;
	const char *auth_authen;	/* macro {auth_authen}; NULL = not authenticated */
	const char *daemon_name;	/* macro {daemon_name} at CONNECT; "mtclient" */
};

struct mt_conn;

/* mt_open - connect and negotiate; 0 ok with *out set, -1 err filled */
int	mt_open(const char *spec, int timeout_ms, struct mt_conn **out, char *err, size_t errlen);
/*
 * mt_message - send one message (an RFC 5322 text: headers, blank line,
 * body; LF or CRLF line ends) and read the decision. 0 with r filled, -1
 * on a protocol or I/O error (err filled; the connection is then unusable).
 * Several messages may go over one connection.
 */
int	mt_message(struct mt_conn *c, const struct mt_envelope *env, const char *msg,
		   size_t len, struct mt_result *r, char *err, size_t errlen);
/* mt_close - say QUIT and close; NULL is fine */
void	mt_close(struct mt_conn *c);
/* mt_decision_name - "accept", "reject", "tempfail", "discard" */
const char *mt_decision_name(enum mt_decision d);
/* mt_result_header - the value of the first added/inserted header name (any case), or NULL */
const char *mt_result_header(const struct mt_result *r, const char *name);
/* mt_read_message - a whole message file ("-" = stdin) into memory; NULL when
   unreadable or larger than max bytes (an empty file is an empty message). free() it. */
char	*mt_read_message(const char *path, size_t max, size_t *len);

#endif
