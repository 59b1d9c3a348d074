/*
 * NAME
 *	mtclient 3 - the MTA side of the Sendmail milter protocol (version 6)
 * DESCRIPTION
 *	A packet is a 4-byte big-endian length (command byte included), the
 *	command byte and its data. The client offers protocol version 6,
 *	every action and every step it can leave out; the filter's answer
 *	says which steps to skip (SMFIP_NO*) and which steps get no reply
 *	(SMFIP_NR_*). Packets the client sends stay within the 64 KB the
 *	protocol allows by default (body chunks of MILTER_CHUNK_SIZE).
 *
 *	Replies: SMFIR_PROGRESS is skipped at any point; at end of message
 *	the modification replies (add/insert/change header, quarantine, and
 *	the ones this client does not keep: recipients, body, sender) come
 *	before the final reply. A final reply is continue, accept, reject,
 *	tempfail, discard or a reply code ("4xx ..." tempfail, "5xx ..."
 *	reject). Skip ends the body early. Anything else, a packet longer
 *	than MT_PACKET_MAX, or a wait longer than the timeout is an error.
 *
 *	The socket is non-blocking; every read and write waits in poll()
 *	for at most the timeout; MSG_NOSIGNAL keeps SIGPIPE away.
 * DIAGNOSTICS
 *	Functions return -1 with the reason in the caller's buffer; after an
 *	error the connection is marked broken and later calls fail at once.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#include "mtclient.h"

#define MT_VERSION	6
#define MT_PACKET_MAX	(1024 * 1024 + 16)	/* the longest reply packet accepted */
#define MT_SEND_MAX	MILTER_MAX_DATA_SIZE	/* the longest data the client sends */
#define MT_ACTIONS	0x1ffUL	/* every SMFIF_* action of version 6 (mfapi.h: 0x01 .. 0x100) */
#define MT_STEPS	(SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | \
			 SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NR_HDR | \
			 SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_SKIP | SMFIP_NR_CONN | \
			 SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA | \
			 SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY)

struct mt_conn {
	int	fd;
	int	timeout_ms;
	unsigned long actions;		/* what the filter may do */
	unsigned long steps;		/* SMFIP_* the filter asked for */
	int	connected;		/* CONNECT (and HELO) sent */
	int	broken;
	char	chunk[MILTER_CHUNK_SIZE];	/* one body chunk */
};

/* A reply packet. */
struct mt_packet {
	char	cmd;
	char   *data;			/* NUL-terminated copy, len bytes before the NUL */
	size_t	len;
};

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

/* mt_fail - fill err, mark the connection broken, return -1 */
static int __attribute__((format(printf, 4, 5)))
mt_fail(struct mt_conn *c, char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (c)
		c->broken = 1;
	return -1;
}

/* mt_wait - poll fd for events up to timeout; 1 ready, 0 timeout, -1 error */
static int
mt_wait(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = {fd, events, 0};
	int	rc;

	do
		rc = poll(&pfd, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	return rc;
}

/* mt_xfer - send (out) or receive exactly len bytes, each wait bounded by the timeout */
static int
mt_xfer(struct mt_conn *c, char *p, size_t len, int out, char *err, size_t errlen)
{
	while (len > 0) {
		ssize_t	n = out ? send(c->fd, p, len, MSG_NOSIGNAL) : recv(c->fd, p, len, 0);
		int	w;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((w = mt_wait(c->fd, out ? POLLOUT : POLLIN, c->timeout_ms)) == 0)
				return mt_fail(c, err, errlen, out ? "write: timed out after %d ms" :
					       "no reply from the filter in %d ms", c->timeout_ms);
			if (w < 0)
				return mt_fail(c, err, errlen, "poll: %s", strerror(errno));
			continue;
		}
		if (n == 0)
			return mt_fail(c, err, errlen, "%s", out ? "write: connection closed" :
				       "the filter closed the connection");
		if (n < 0)
			return mt_fail(c, err, errlen, "%s: %s", out ? "write" : "read", strerror(errno));
		p += n;
		len -= (size_t) n;
	}
	return 0;
}

/* mt_write - write all of buf */
static int
mt_write(struct mt_conn *c, const void *buf, size_t len, char *err, size_t errlen)
{
	return mt_xfer(c, (char *) buf, len, 1, err, errlen);
}

/* mt_read - read exactly len bytes */
static int
mt_read(struct mt_conn *c, void *buf, size_t len, char *err, size_t errlen)
{
	return mt_xfer(c, buf, len, 0, err, errlen);
}

/* mt_send - one packet: length, command, data */
static int
mt_send(struct mt_conn *c, char cmd, const void *data, size_t len, char *err, size_t errlen)
{
	unsigned char hdr[5];
	uint32_t n = (uint32_t) len + 1;

	if (len > MT_SEND_MAX)
		return mt_fail(c, err, errlen, "'%c' packet of %zu bytes is too long", cmd, len);
	hdr[0] = (unsigned char) (n >> 24);
	hdr[1] = (unsigned char) (n >> 16);
	hdr[2] = (unsigned char) (n >> 8);
	hdr[3] = (unsigned char) n;
	hdr[4] = (unsigned char) cmd;
	if (mt_write(c, hdr, sizeof(hdr), err, errlen) < 0)
		return -1;
	return len ? mt_write(c, data, len, err, errlen) : 0;
}

/* mt_recv - one reply packet (data malloc'd, NUL-terminated) */
static int
mt_recv(struct mt_conn *c, struct mt_packet *pk, char *err, size_t errlen)
{
	unsigned char hdr[5];
	uint32_t n;

	pk->data = NULL;
	if (mt_read(c, hdr, 4, err, errlen) < 0)
		return -1;
	n = (uint32_t) hdr[0] << 24 | (uint32_t) hdr[1] << 16 | (uint32_t) hdr[2] << 8 | hdr[3];
	if (n == 0 || n > MT_PACKET_MAX)
		return mt_fail(c, err, errlen, "unreasonable packet length %lu from the filter",
			       (unsigned long) n);
	if (mt_read(c, hdr + 4, 1, err, errlen) < 0)
		return -1;
	pk->cmd = (char) hdr[4];
	pk->len = n - 1;
	if ((pk->data = malloc(pk->len + 1)) == NULL)
		return mt_fail(c, err, errlen, "out of memory");
	if (pk->len && mt_read(c, pk->data, pk->len, err, errlen) < 0) {
		free(pk->data);
		pk->data = NULL;
		return -1;
	}
	pk->data[pk->len] = 0;
	return 0;
}

/* mt_u32 - a big-endian 32-bit number at p */
static uint32_t
mt_u32(const char *p)
{
	const unsigned char *u = (const unsigned char *) p;

	return (uint32_t) u[0] << 24 | (uint32_t) u[1] << 16 | (uint32_t) u[2] << 8 | u[3];
}

/* mt_put32 - store a big-endian 32-bit number */
static void
mt_put32(char *p, uint32_t v)
{
	p[0] = (char) (v >> 24);
	p[1] = (char) (v >> 16);
	p[2] = (char) (v >> 8);
	p[3] = (char) v;
}

/* mt_connect_unix - a unix socket */
static int
mt_connect_unix(const char *path, struct sockaddr_storage *ss, socklen_t *sl,
		char *err, size_t errlen)
{
	struct sockaddr_un *sun = (struct sockaddr_un *) ss;

	if (strlen(path) >= sizeof(sun->sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	*sl = (socklen_t) sizeof(*sun);
	return 0;
}

/* mt_connect_inet - "PORT@HOST" */
static int
mt_connect_inet(const char *spec, int family, struct sockaddr_storage *ss, socklen_t *sl,
		char *err, size_t errlen)
{
	char	port[16], host[256];
	const char *at = strchr(spec, '@');
	struct addrinfo hints, *res = NULL;
	int	rc;

	if (at == NULL || at == spec || (size_t) (at - spec) >= sizeof(port) ||
	    strlen(at + 1) >= sizeof(host) || at[1] == 0) {
		snprintf(err, errlen, "bad inet socket \"%s\" (want PORT@HOST)", spec);
		return -1;
	}
	memcpy(port, spec, (size_t) (at - spec));
	port[at - spec] = 0;
	snprintf(host, sizeof(host), "%s", at + 1);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0 || res == NULL) {
		snprintf(err, errlen, "cannot resolve %s: %s", host, rc ? gai_strerror(rc) : "no address");
		return -1;
	}
	if (res->ai_addrlen > sizeof(*ss)) {
		freeaddrinfo(res);
		snprintf(err, errlen, "address too long");
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sl = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* mt_negotiate - OPTNEG both ways */
static int
mt_negotiate(struct mt_conn *c, char *err, size_t errlen)
{
	char	buf[12];
	struct mt_packet pk;
	uint32_t version;

	mt_put32(buf, MT_VERSION);
	mt_put32(buf + 4, MT_ACTIONS);
	mt_put32(buf + 8, MT_STEPS);
	if (mt_send(c, SMFIC_OPTNEG, buf, sizeof(buf), err, errlen) < 0 ||
	    mt_recv(c, &pk, err, errlen) < 0)
		return -1;
	if (pk.cmd != SMFIC_OPTNEG || pk.len < 12) {
		free(pk.data);
		return mt_fail(c, err, errlen, "bad option negotiation reply '%c' (%zu bytes)",
			       pk.cmd, pk.len);
	}
	version = mt_u32(pk.data);
	c->actions = mt_u32(pk.data + 4);
	c->steps = mt_u32(pk.data + 8);
	free(pk.data);
	if (version < 2 || version > MT_VERSION)
		return mt_fail(c, err, errlen, "filter speaks milter protocol version %lu",
			       (unsigned long) version);
	if ((c->steps & ~(unsigned long) MT_STEPS) != 0)
		return mt_fail(c, err, errlen, "filter wants protocol steps 0x%lx not offered",
			       c->steps & ~(unsigned long) MT_STEPS);
	return 0;
}

/* mt_open - connect and negotiate */
int
mt_open(const char *spec, int timeout_ms, struct mt_conn **out, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	struct mt_conn *c;
	int	rc, soerr = 0;
	socklen_t el = sizeof(soerr);

	*out = NULL;
	if (spec == NULL)
		spec = "";
	if (strncmp(spec, "unix:", 5) == 0)
		rc = mt_connect_unix(spec + 5, &ss, &sl, err, errlen);
	else if (strncmp(spec, "local:", 6) == 0)
		rc = mt_connect_unix(spec + 6, &ss, &sl, err, errlen);
	else if (spec[0] == '/')
		rc = mt_connect_unix(spec, &ss, &sl, err, errlen);
	else if (strncmp(spec, "inet:", 5) == 0)
		rc = mt_connect_inet(spec + 5, AF_INET, &ss, &sl, err, errlen);
	else if (strncmp(spec, "inet6:", 6) == 0)
		rc = mt_connect_inet(spec + 6, AF_INET6, &ss, &sl, err, errlen);
	else {
		snprintf(err, errlen, "bad socket \"%s\" (unix:PATH or inet:PORT@HOST)", spec);
		return -1;
	}
	if (rc < 0)
		return -1;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		free(c);
		return -1;
	}
	rc = connect(c->fd, (struct sockaddr *) &ss, sl);
	if (rc < 0 && errno == EINPROGRESS) {
		rc = mt_wait(c->fd, POLLOUT, c->timeout_ms);
		if (rc == 0) {
			snprintf(err, errlen, "connect to %s: timed out after %d ms", spec, c->timeout_ms);
			goto fail;
		}
		if (rc < 0 || getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &el) < 0 || soerr) {
			snprintf(err, errlen, "connect to %s: %s", spec, strerror(soerr ? soerr : errno));
			goto fail;
		}
	} else if (rc < 0) {
		snprintf(err, errlen, "connect to %s: %s", spec, strerror(errno));
		goto fail;
	}
	if (mt_negotiate(c, err, errlen) < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	close(c->fd);
	free(c);
	return -1;
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
	const char *const macros[] = {"j", "localhost", "{daemon_name}", "mtclient",
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

/* mt_close - QUIT and close */
void
mt_close(struct mt_conn *c)
{
	char	err[64];

	if (c == NULL)
		return;
	if (!c->broken)
		(void) mt_send(c, SMFIC_QUIT, NULL, 0, err, sizeof(err));
	close(c->fd);
	free(c);
}

/* mt_read_message - a whole message file ("-" = stdin) into memory */
char *
mt_read_message(const char *path, size_t max, size_t *len)
{
	FILE   *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t	cap = 65536, n = 0, r;
	char   *buf;
	int	bad;

	if (fp == NULL)
		return NULL;
	if ((buf = malloc(cap)) == NULL)
		abort();
	while ((r = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += r;
		if (n == cap) {
			if (cap > max)
				break;
			cap *= 2;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
	}
	bad = ferror(fp) || n > max;		/* an empty message is a message too */
	if (fp != stdin)
		fclose(fp);
	if (bad) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}
