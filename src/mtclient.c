/*
 * NAME
 *	mtclient 3 - the MTA side of the Sendmail milter protocol: connection and packets
 * SUMMARY
 *	mt_open(), mt_close(), mt_send(), mt_recv(), mt_fail(), mt_u32()
 * DESCRIPTION
 *	mt_open() connects to "unix:PATH", "local:PATH", "/PATH",
 *	"inet:PORT@HOST" or "inet6:PORT@HOST" and negotiates. A packet is a
 *	4-byte big-endian length (command byte included), the command byte
 *	and its data. The client offers protocol version 6, every action and
 *	every step it can leave out; the filter's answer says which steps to
 *	skip (SMFIP_NO*) and which steps get no reply (SMFIP_NR_*). Packets
 *	the client sends stay within the 64 KB the protocol allows by
 *	default; a reply packet longer than MT_PACKET_MAX is an error.
 *	mtclient_msg.c drives a message over these packets.
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
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#include "mtclient_int.h"

#define MT_VERSION	6
#define MT_PACKET_MAX	(1024 * 1024 + 16)	/* the longest reply packet accepted */
#define MT_ACTIONS	0x1ffUL	/* every SMFIF_* action of version 6 (mfapi.h: 0x01 .. 0x100) */
#define MT_STEPS	(SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | \
			 SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NR_HDR | \
			 SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_SKIP | SMFIP_NR_CONN | \
			 SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA | \
			 SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY)

/* mt_fail - fill err, mark the connection broken, return -1 */
int
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
int
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
int
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
uint32_t
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
