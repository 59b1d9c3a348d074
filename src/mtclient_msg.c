/*
 * NAME
 *	mtclient_msg 3 - the MTA side of the milter protocol: one message and its replies
 * SUMMARY
 *	mt_message(), mt_decision_name(), mt_result_header()
 * DESCRIPTION
 *	mt_message() sends one message over a connection from mt_open():
 *	CONNECT and HELO once per connection, then the macros, MAIL, RCPT,
 *	DATA, each header (folded lines joined with "\n"), EOH, the body in
 *	chunks of MILTER_CHUNK_SIZE (bare LF sent as CR LF) and end of
 *	message, leaving out the steps the filter asked to skip and waiting
 *	for no reply where it asked for none. A message decided before its
 *	end is aborted so that the filter forgets it.
 *
 *	Replies: SMFIR_PROGRESS is skipped at any point; at end of message
 *	the modification replies (add/insert/change header, quarantine, and
 *	the ones this client does not keep: recipients, body, sender) come
 *	before the final reply. A final reply is continue, accept, reject,
 *	tempfail, discard or a reply code ("4xx ..." tempfail, "5xx ..."
 *	reject). Skip ends the body early. Anything else is an error.
 * DIAGNOSTICS
 *	mt_message() returns -1 with the reason in the caller's buffer and
 *	the connection marked broken; a connection refused at CONNECT or
 *	HELO is decided (0) and marked broken too. Header changes beyond
 *	MT_CHANGES_MAX or longer than their fields are noted in the result.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libmilter/mfdef.h>

#include "mtclient_int.h"

static const char *const mt_decision_names[MT_DECISION_COUNT] = {
	[MT_ACCEPT] = "accept",
	[MT_REJECT] = "reject",
	[MT_TEMPFAIL] = "tempfail",
	[MT_DISCARD] = "discard",
};

/* mt_decision_name - the decision's name */
const char *
mt_decision_name(enum mt_decision d)
{
	return (unsigned) d < MT_DECISION_COUNT ? mt_decision_names[d] : "unknown";
}

/* mt_result_header - value of the first added or inserted header called name */
const char *
mt_result_header(const struct mt_result *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nchanges; i++)
		if ((r->changes[i].op == 'h' || r->changes[i].op == 'i') &&
		    strcasecmp(r->changes[i].name, name) == 0)
			return r->changes[i].value;
	return NULL;
}
/* A growing buffer of NUL-separated strings, for packets we send. */
struct mt_out {
	char	buf[MT_SEND_MAX];
	size_t	len;
	int	over;
};

/* mt_out_add - append n bytes */
static void
mt_out_add(struct mt_out *o, const void *p, size_t n)
{
	if (o->over || n > sizeof(o->buf) - o->len) {
		o->over = 1;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* mt_out_str - append a string and its NUL */
static void
mt_out_str(struct mt_out *o, const char *s)
{
	mt_out_add(o, s, strlen(s) + 1);
}

/* mt_result_set - a final reply into the result; 1 when the message is decided */
static int
mt_result_set(struct mt_result *r, const struct mt_packet *pk, const char *stage)
{
	r->stage = stage;
	switch (pk->cmd) {
	case SMFIR_CONTINUE:
		r->decision = MT_ACCEPT;
		return 0;
	case SMFIR_ACCEPT:
		r->decision = MT_ACCEPT;
		return 1;
	case SMFIR_REJECT:
		r->decision = MT_REJECT;
		return 1;
	case SMFIR_TEMPFAIL:
	case SMFIR_SHUTDOWN:
	case SMFIR_CONN_FAIL:
		r->decision = MT_TEMPFAIL;
		return 1;
	case SMFIR_DISCARD:
		r->decision = MT_DISCARD;
		return 1;
	case SMFIR_REPLYCODE:
		snprintf(r->reply, sizeof(r->reply), "%s", pk->data);
		r->decision = pk->data[0] == '4' ? MT_TEMPFAIL : MT_REJECT;
		return 1;
	default:
		return 0;
	}
}

/* mt_is_final - a reply that ends a step */
static int
mt_is_final(char cmd)
{
	return cmd == SMFIR_CONTINUE || cmd == SMFIR_ACCEPT || cmd == SMFIR_REJECT ||
	    cmd == SMFIR_TEMPFAIL || cmd == SMFIR_DISCARD || cmd == SMFIR_REPLYCODE ||
	    cmd == SMFIR_SHUTDOWN || cmd == SMFIR_CONN_FAIL || cmd == SMFIR_SKIP;
}

/* mt_copy_cut - bounded copy that notes a cut */
static void
mt_copy_cut(char *dst, size_t len, const char *src, struct mt_result *r)
{
	size_t	n = strlen(src);

	if (n >= len) {
		n = len - 1;
		r->changes_cut = 1;
	}
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* mt_take_change - a modification reply at end of message; 0 ok, -1 malformed */
static int
mt_take_change(struct mt_result *r, const struct mt_packet *pk)
{
	struct mt_change *ch;
	const char *name, *value;
	size_t	off = 0;
	unsigned idx = 0;

	switch (pk->cmd) {
	case SMFIR_QUARANTINE:
		r->quarantined = 1;
		snprintf(r->quarantine_reason, sizeof(r->quarantine_reason), "%s", pk->data);
		return 0;
	case SMFIR_ADDHEADER:
	case SMFIR_INSHEADER:
	case SMFIR_CHGHEADER:
		break;
	case SMFIR_ADDRCPT:
	case SMFIR_DELRCPT:
	case SMFIR_ADDRCPT_PAR:
	case SMFIR_REPLBODY:
	case SMFIR_CHGFROM:
	case SMFIR_SETSYMLIST:
		return 0;		/* recipients, body, sender, macros: not kept */
	default:
		return -1;		/* not a reply of the protocol */
	}
	if (pk->cmd != SMFIR_ADDHEADER) {
		if (pk->len < 4)
			return -1;
		idx = mt_u32(pk->data);
		off = 4;
	}
	name = pk->data + off;
	if (memchr(name, 0, pk->len - off) == NULL)
		return -1;
	value = name + strlen(name) + 1;
	if ((size_t) (value - pk->data) > pk->len)
		return -1;
	if ((size_t) (value - pk->data) == pk->len)
		value = "";		/* a change with no value: delete */
	if (r->nchanges == MT_CHANGES_MAX) {
		r->changes_dropped = 1;
		return 0;
	}
	ch = &r->changes[r->nchanges++];
	ch->op = pk->cmd == SMFIR_ADDHEADER ? 'h' : pk->cmd == SMFIR_INSHEADER ? 'i' : 'm';
	ch->index = idx;
	mt_copy_cut(ch->name, sizeof(ch->name), name, r);
	mt_copy_cut(ch->value, sizeof(ch->value), value, r);
	return 0;
}

/*
 * mt_step - send one command and, unless no reply is due, read up to the
 * final reply. Returns 1 when the message is decided, 0 to go on, 2 for
 * skip (rest of body), -1 on error.
 */
static int
mt_step(struct mt_conn *c, char cmd, const void *data, size_t len, int reply_due,
	const char *stage, struct mt_result *r, char *err, size_t errlen)
{
	struct mt_packet pk;
	int	decided;

	if (mt_send(c, cmd, data, len, err, errlen) < 0)
		return -1;
	if (!reply_due)
		return 0;
	for (;;) {
		if (mt_recv(c, &pk, err, errlen) < 0)
			return -1;
		if (pk.cmd == SMFIR_PROGRESS) {
			free(pk.data);
			continue;
		}
		if (!mt_is_final(pk.cmd)) {
			if (cmd != SMFIC_BODYEOB || mt_take_change(r, &pk) < 0) {
				char	c0 = pk.cmd;

				free(pk.data);
				return mt_fail(c, err, errlen, "unexpected reply '%c' at %s", c0, stage);
			}
			free(pk.data);
			continue;
		}
		if (pk.cmd == SMFIR_SKIP) {
			free(pk.data);
			return 2;
		}
		decided = mt_result_set(r, &pk, stage);
		free(pk.data);
		return decided;
	}
}

/* mt_macro - a macro packet for stage code */
static int
mt_macro(struct mt_conn *c, char code, const char *const *pairs, char *err, size_t errlen)
{
	struct mt_out o;
	size_t	i;

	o.len = 0;
	o.over = 0;
	mt_out_add(&o, &code, 1);
	for (i = 0; pairs[i] && pairs[i + 1]; i += 2) {
		mt_out_str(&o, pairs[i]);
		mt_out_str(&o, pairs[i + 1]);
	}
	if (o.over)
		return mt_fail(c, err, errlen, "macros too long");
	return mt_send(c, SMFIC_MACRO, o.buf, o.len, err, errlen);
}

/* mt_str_step - a step whose packet is one string; 1 decided, 0 go on, -1 error */
static int
mt_str_step(struct mt_conn *c, char cmd, const char *str, int reply, const char *name,
	    const char *what, struct mt_result *r, char *err, size_t errlen)
{
	struct mt_out o;
	int	rc;

	o.len = 0;
	o.over = 0;
	mt_out_str(&o, str);
	if (o.over)
		return mt_fail(c, err, errlen, "%s too long", what);
	rc = mt_step(c, cmd, o.buf, o.len, reply, name, r, err, errlen);
	return rc == 0 ? 0 : rc < 0 ? -1 : 1;
}

/* mt_connect_step - CONNECT and HELO, once per connection; 1 decided, 0 go on, -1 err */
static int
mt_connect_step(struct mt_conn *c, const struct mt_envelope *env, struct mt_result *r,
		char *err, size_t errlen)
{
	const char *name = env->client_name ? env->client_name : "localhost";
	const char *addr = env->client_addr ? env->client_addr : "127.0.0.1";
	const char *helo = env->helo ? env->helo : "localhost";
	const char *const macros[] = {"j", "localhost", "{daemon_name}",
		env->daemon_name ? env->daemon_name : "mtclient",
		"_", "localhost [127.0.0.1]", NULL};
	struct mt_out o;
	char	family = strchr(addr, ':') ? '6' : '4';
	unsigned char port[2] = {0x61, 0xa8};	/* 25000, any client port */
	int	rc;

	c->connected = 1;
	if (!(c->steps & SMFIP_NOCONNECT)) {
		if (mt_macro(c, SMFIC_CONNECT, macros, err, errlen) < 0)
			return -1;
		o.len = 0;
		o.over = 0;
		mt_out_str(&o, name);
		mt_out_add(&o, &family, 1);
		mt_out_add(&o, port, 2);
		mt_out_str(&o, addr);
		if (o.over)
			return mt_fail(c, err, errlen, "client name too long");
		rc = mt_step(c, SMFIC_CONNECT, o.buf, o.len, !(c->steps & SMFIP_NR_CONN), "connect",
			     r, err, errlen);
		if (rc != 0)
			return rc < 0 ? -1 : 1;
	}
	if (!(c->steps & SMFIP_NOHELO))
		return mt_str_step(c, SMFIC_HELO, helo, !(c->steps & SMFIP_NR_HELO), "helo",
				   "HELO name", r, err, errlen);
	return 0;
}

/* mt_envelope_steps - macros, MAIL, RCPT, DATA; 1 decided, 0 go on, -1 err */
static int
mt_envelope_steps(struct mt_conn *c, const struct mt_envelope *env, struct mt_result *r,
		  char *err, size_t errlen)
{
	static const char *const def_rcpt[] = {"<postmaster@localhost>"};
	const char *const *rcpt = env->rcpt ? env->rcpt : def_rcpt;
	size_t	nrcpt = env->rcpt ? env->nrcpt : 1, i;
	const char *macros[] = {"i", env->queue_id ? env->queue_id : "MTCLIENT",
		"{mail_addr}", env->from ? env->from : "<probe@localhost>",
		env->auth_authen ? "{auth_authen}" : NULL, env->auth_authen, NULL};
	int	rc;

	if (mt_macro(c, SMFIC_MAIL, macros, err, errlen) < 0)
		return -1;
	if (!(c->steps & SMFIP_NOMAIL) &&
	    (rc = mt_str_step(c, SMFIC_MAIL, env->from ? env->from : "<probe@localhost>",
			      !(c->steps & SMFIP_NR_MAIL), "mail", "sender", r, err, errlen)) != 0)
		return rc;
	for (i = 0; i < nrcpt && !(c->steps & SMFIP_NORCPT); i++)
		if ((rc = mt_str_step(c, SMFIC_RCPT, rcpt[i], !(c->steps & SMFIP_NR_RCPT), "rcpt",
				      "recipient", r, err, errlen)) != 0)
			return rc;
	if (!(c->steps & SMFIP_NODATA)) {
		rc = mt_step(c, SMFIC_DATA, NULL, 0, !(c->steps & SMFIP_NR_DATA), "data",
			     r, err, errlen);
		if (rc != 0)
			return rc < 0 ? -1 : 1;
	}
	return 0;
}

/* mt_line_end - the end of the line at p (before CR LF or LF), and the start of the next */
static const char *
mt_line_end(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t) (end - p));
	const char *e = nl ? nl : end;

	*next = nl ? nl + 1 : end;
	if (e > p && e[-1] == '\r')
		e--;
	return e;
}

/* mt_headers - each header (unfolded lines joined with "\n"), then EOH; *body set */
static int
mt_headers(struct mt_conn *c, const char *msg, size_t len, const char **body,
	   struct mt_result *r, char *err, size_t errlen)
{
	const char *p = msg, *end = msg + len, *next, *e;
	struct mt_out o;
	int	rc;

	while (p < end) {
		const char *colon;

		e = mt_line_end(p, end, &next);
		if (e == p) {			/* the blank line */
			p = next;
			break;
		}
		colon = memchr(p, ':', (size_t) (e - p));
		if (colon == NULL || colon == p)	/* not a header: the body starts here */
			break;
		o.len = 0;
		o.over = 0;
		mt_out_add(&o, p, (size_t) (colon - p));
		mt_out_add(&o, "", 1);
		colon++;
		while (colon < e && (*colon == ' ' || *colon == '\t'))
			colon++;
		mt_out_add(&o, colon, (size_t) (e - colon));
		p = next;
		while (p < end && (*p == ' ' || *p == '\t')) {	/* folded */
			e = mt_line_end(p, end, &next);
			mt_out_add(&o, "\n", 1);
			mt_out_add(&o, p, (size_t) (e - p));
			p = next;
		}
		mt_out_add(&o, "", 1);
		if (o.over)
			return mt_fail(c, err, errlen, "a header longer than %d bytes", MT_SEND_MAX);
		if (!(c->steps & SMFIP_NOHDRS)) {
			rc = mt_step(c, SMFIC_HEADER, o.buf, o.len, !(c->steps & SMFIP_NR_HDR),
				     "header", r, err, errlen);
			if (rc != 0)
				return rc < 0 ? -1 : 1;
		}
	}
	*body = p;
	if (!(c->steps & SMFIP_NOEOH)) {
		rc = mt_step(c, SMFIC_EOH, NULL, 0, !(c->steps & SMFIP_NR_EOH), "eoh", r, err, errlen);
		if (rc != 0)
			return rc < 0 ? -1 : 1;
	}
	return 0;
}

/* mt_body - the body in chunks, bare LF sent as CR LF; 1 decided, 0 go on, -1 err */
static int
mt_body(struct mt_conn *c, const char *p, const char *end, struct mt_result *r,
	char *err, size_t errlen)
{
	size_t	n = 0;
	char	prev = 0;
	int	rc;

	if (c->steps & SMFIP_NOBODY)
		return 0;
	while (p < end) {
		while (p < end && n + 2 <= sizeof(c->chunk)) {
			if (*p == '\n' && prev != '\r')
				c->chunk[n++] = '\r';
			prev = *p;
			c->chunk[n++] = *p++;
		}
		rc = mt_step(c, SMFIC_BODY, c->chunk, n, !(c->steps & SMFIP_NR_BODY), "body",
			     r, err, errlen);
		n = 0;
		if (rc == 2)
			return 0;		/* skip: straight to end of message */
		if (rc != 0)
			return rc < 0 ? -1 : 1;
	}
	return 0;
}

/* mt_message - one message through the filter */
int
mt_message(struct mt_conn *c, const struct mt_envelope *env, const char *msg, size_t len,
	   struct mt_result *r, char *err, size_t errlen)
{
	static const struct mt_envelope none;
	const char *body = msg + len;
	int	rc;

	memset(r, 0, sizeof(*r));
	r->stage = "none";
	if (c == NULL || c->broken)
		return mt_fail(NULL, err, errlen, "connection unusable after an earlier error");
	if (env == NULL)
		env = &none;
	if (!c->connected) {
		rc = mt_connect_step(c, env, r, err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			c->broken = 1;		/* the connection itself was refused */
			return 0;
		}
	}
	if ((rc = mt_envelope_steps(c, env, r, err, errlen)) == 0 &&
	    (rc = mt_headers(c, msg, len, &body, r, err, errlen)) == 0 &&
	    (rc = mt_body(c, body, msg + len, r, err, errlen)) == 0)
		rc = mt_step(c, SMFIC_BODYEOB, NULL, 0, 1, "eom", r, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 2)
		return mt_fail(c, err, errlen, "skip reply at end of message");
	if (strcmp(r->stage, "eom") != 0 && mt_send(c, SMFIC_ABORT, NULL, 0, err, errlen) < 0)
		return -1;		/* decided early: the filter forgets the message */
	r->stage = r->stage ? r->stage : "eom";
	return 0;
}
