/*
 * NAME
 *	clamd_io 3 - sockets to a clamd with a monotonic deadline
 * DESCRIPTION
 *	See clamd_io(3h). Sockets are non-blocking: a connect waits at most
 *	connect_ms, every later wait at most until the connection's deadline,
 *	polling in slices of CLAMD_IO_SLICE_MS so that the caller's give-up
 *	test (a server found hung for another message, or stop) ends the
 *	wait early. Time is util_now_ms() (monotonic).
 *
 *	Server addresses: a unix path, or a numeric host (no DNS: a scan
 *	never waits for a resolver); clamd_io_addrinfo() with numeric_only 0
 *	is for the probe thread, which alone resolves host names.
 *
 *	zINSTREAM sends a message in chunks of CLAMD_IO_CHUNK bytes, straight
 *	from the spool's memory or read with spool_pread(), never copied
 *	whole. A server that speaks before the stream is sent (a reply such
 *	as the size limit) is read at once. A failure to send is not the
 *	end: the reply that may have been sent before is still read.
 *
 *	A socket() or connect() that fails for want of descriptors, memory,
 *	buffers or local ports says nothing about the server: c->local is
 *	set and the text says "(here, not the server)".
 * DIAGNOSTICS
 *	None logged: every failure is a code with its text in the caller's
 *	buffer.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "clamd_io.h"
#include "util.h"

#define CLAMD_IO_CHUNK		65536	/* bytes per INSTREAM chunk */
#define CLAMD_IO_SLICE_MS	50	/* a waiting connection asks this often whether to give up */

/* clamd_io_address - the socket address of a unix path or numeric host */
int
clamd_io_address(const struct clamd_spec *cs, struct sockaddr_storage *addr, socklen_t *addrlen,
		 char *err, size_t errlen)
{
	struct addrinfo *res;
	struct sockaddr_un *sun;

	if (cs->kind == CLAMD_SPEC_UNIX) {
		sun = (struct sockaddr_un *) addr;
		memset(sun, 0, sizeof(*sun));
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, cs->path, strlen(cs->path) + 1);
		*addrlen = sizeof(*sun);
		return 0;
	}
	if ((res = clamd_io_addrinfo(cs, 1, err, errlen)) == NULL)
		return -1;
	if (clamd_io_addr_from(res, addr, addrlen) < 0) {
		freeaddrinfo(res);
		clamd_fmt(err, errlen, "address of %s too long", cs->host);
		return -1;
	}
	freeaddrinfo(res);
	return 0;
}

/* clamd_io_addrinfo - the addresses of a tcp server; NULL with err when none */
struct addrinfo *
clamd_io_addrinfo(const struct clamd_spec *cs, int numeric_only, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	int	rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (numeric_only ? AI_NUMERICHOST : 0);
	if ((rc = getaddrinfo(cs->host, cs->port, &hints, &res)) != 0 || res == NULL) {
		clamd_fmt(err, errlen, "cannot resolve %s: %s", cs->host,
			  rc ? gai_strerror(rc) : "no address");
		return NULL;
	}
	return res;
}

/* clamd_io_addr_from - take one resolver answer as the address; 0 ok, -1 unusable */
int
clamd_io_addr_from(const struct addrinfo *ai, struct sockaddr_storage *addr, socklen_t *addrlen)
{
	if (ai->ai_addrlen > sizeof(*addr))
		return -1;
	memcpy(addr, ai->ai_addr, ai->ai_addrlen);
	*addrlen = ai->ai_addrlen;
	return 0;
}

/* clamd_io_wait - poll fd for events until the deadline; revents, or -1 with *io */
static int
clamd_io_wait(struct clamd_io_conn *c, short events, enum clamd_io *io)
{
	struct pollfd pfd;
	int64_t	left;
	int	n;

	for (;;) {
		if ((left = c->deadline - util_now_ms()) <= 0) {
			*io = CLAMD_IO_TIMEOUT;
			return -1;
		}
		pfd.fd = c->fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, (int) (left < CLAMD_IO_SLICE_MS ? left : CLAMD_IO_SLICE_MS));
		if (n > 0)
			return pfd.revents;
		if (n < 0 && errno != EINTR) {
			*io = CLAMD_IO_ERR;
			return -1;
		}
		if (c->gave_up != NULL && c->gave_up(c->arg)) {
			*io = CLAMD_IO_ABORT;
			return -1;
		}
	}
}

/* clamd_io_local_errno - 1 when a socket()/connect() errno is a shortage on this host */
static int
clamd_io_local_errno(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS || e == EADDRNOTAVAIL;
}

/* clamd_io_connect - a non-blocking connected socket in c->fd within connect_ms; 0, or -1 with err */
int
clamd_io_connect(struct clamd_io_conn *c, const struct sockaddr_storage *addr, socklen_t addrlen,
		 int64_t connect_ms, char *err, size_t errlen)
{
	enum clamd_io io = CLAMD_IO_OK;
	socklen_t len = sizeof(int);
	int	fd, soerr = 0;

	c->local = 0;
	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		c->local = clamd_io_local_errno(errno);
		clamd_fmt(err, errlen, "socket: %s%s", strerror(errno),
			  c->local ? " (here, not the server)" : "");
		return -1;
	}
	c->fd = fd;
	c->deadline = util_now_ms() + connect_ms;
	if (connect(fd, (const struct sockaddr *) addr, addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR) {
		c->local = clamd_io_local_errno(errno);
		clamd_fmt(err, errlen, "connect: %s%s", strerror(errno),
			  c->local ? " (here, not the server)" : "");
		goto fail;
	}
	if (clamd_io_wait(c, POLLOUT, &io) < 0) {
		if (io == CLAMD_IO_TIMEOUT)
			clamd_fmt(err, errlen, "connect timed out after %lld ms", (long long) connect_ms);
		else if (io == CLAMD_IO_ABORT)
			clamd_fmt(err, errlen, "given up: server hung for another message");
		else
			clamd_fmt(err, errlen, "connect: poll: %s", strerror(errno));
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	if (soerr != 0) {
		clamd_fmt(err, errlen, "connect: %s", strerror(soerr));
		goto fail;
	}
	return 0;
fail:
	close(fd);
	c->fd = -1;
	return -1;
}

/*
 * clamd_io_send - send the iovecs whole; CLAMD_IO_OK, or TIMEOUT/ABORT/ERR
 * (err filled). *early is set when the server has something to say
 * before all was sent (a reply such as the size limit): the caller reads it.
 */
enum clamd_io
clamd_io_send(struct clamd_io_conn *c, struct iovec *iov, int iovcnt, int *early, char *err,
	      size_t errlen)
{
	enum clamd_io io = CLAMD_IO_OK;
	struct msghdr mh;
	ssize_t	n;
	int	rev;

	while (iovcnt > 0) {
		if (iov->iov_len == 0) {
			iov++;
			iovcnt--;
			continue;
		}
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t) iovcnt;
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				clamd_fmt(err, errlen, "send: %s", strerror(errno));
				return CLAMD_IO_ERR;
			}
			if ((rev = clamd_io_wait(c, POLLOUT | POLLIN, &io)) < 0) {
				clamd_fmt(err, errlen, io == CLAMD_IO_TIMEOUT ? "timed out sending the message"
					 : io == CLAMD_IO_ABORT ? "given up: server hung for another message"
					 : "send: poll failed");
				return io;
			}
			if (rev & (POLLIN | POLLHUP | POLLERR)) {
				*early = 1;
				return CLAMD_IO_OK;
			}
			continue;
		}
		while (n > 0 && iovcnt > 0) {
			if ((size_t) n >= iov->iov_len) {
				n -= (ssize_t) iov->iov_len;
				iov->iov_len = 0;
				iov++;
				iovcnt--;
			} else {
				iov->iov_base = (char *) iov->iov_base + n;
				iov->iov_len -= (size_t) n;
				n = 0;
			}
		}
	}
	return CLAMD_IO_OK;
}

/* clamd_io_recv_reply - read until a NUL, EOF or cap bytes; *len set */
enum clamd_io
clamd_io_recv_reply(struct clamd_io_conn *c, char *buf, size_t cap, size_t *len, char *err,
		    size_t errlen)
{
	enum clamd_io io = CLAMD_IO_OK;
	ssize_t	n;

	*len = 0;
	while (*len < cap) {
		n = recv(c->fd, buf + *len, cap - *len, MSG_DONTWAIT);
		if (n > 0) {
			if (memchr(buf + *len, 0, (size_t) n) != NULL) {
				*len += (size_t) n;
				return CLAMD_IO_OK;
			}
			*len += (size_t) n;
			continue;
		}
		if (n == 0)
			return CLAMD_IO_OK;		/* EOF: the parser judges what came */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			clamd_fmt(err, errlen, "reading the reply: %s", strerror(errno));
			return CLAMD_IO_ERR;
		}
		if (clamd_io_wait(c, POLLIN, &io) < 0) {
			clamd_fmt(err, errlen, io == CLAMD_IO_TIMEOUT ? "no complete reply in time"
				 : io == CLAMD_IO_ABORT ? "given up: server hung for another message"
				 : "reading the reply: poll failed");
			return io;
		}
	}
	return CLAMD_IO_OK;				/* full: too long, the parser says so */
}

/*
 * clamd_io_instream - send zINSTREAM and the message in chunks, then read
 * the reply into buf. CLAMD_IO_OK when a reply (of any kind) came;
 * CLAMD_IO_LOCAL when the spool could not be read.
 */
enum clamd_io
clamd_io_instream(struct clamd_io_conn *c, const struct spool *msg, char *buf, size_t cap,
		  size_t *len, char *err, size_t errlen)
{
	static const char cmd[] = "zINSTREAM";
	unsigned char hdr[4], *chunk = NULL;
	struct iovec iov[2];
	const char *mem;
	size_t	memlen = 0;
	uint64_t total, off = 0;
	enum clamd_io io, r = CLAMD_IO_OK;
	int	early = 0, sendfail = 0;
	char	senderr[CLAMD_ERR_MAX] = "";
	ssize_t	n;

	total = spool_size(msg);
	mem = spool_mem(msg, &memlen);
	if (mem == NULL && total > 0)
		chunk = util_calloc(1, CLAMD_IO_CHUNK);
	iov[0].iov_base = (void *) cmd;
	iov[0].iov_len = sizeof(cmd);			/* NUL included */
	if ((io = clamd_io_send(c, iov, 1, &early, senderr, sizeof(senderr))) != CLAMD_IO_OK)
		goto sendfailed;
	while (off < total && !early) {
		size_t	want = total - off < CLAMD_IO_CHUNK ? (size_t) (total - off) : CLAMD_IO_CHUNK;

		if (mem) {
			if (off + want > memlen) {
				clamd_fmt(err, errlen, "spool shorter than its size");
				r = CLAMD_IO_LOCAL;
				goto out;
			}
			iov[1].iov_base = (void *) (mem + off);
		} else {
			n = spool_pread(msg, chunk, want, off);
			if (n <= 0) {
				clamd_fmt(err, errlen, "reading the spool: %s",
					 n < 0 ? strerror(errno) : "short file");
				r = CLAMD_IO_LOCAL;
				goto out;
			}
			want = (size_t) n;
			iov[1].iov_base = chunk;
		}
		iov[1].iov_len = want;
		clamd_chunk_header(hdr, (uint32_t) want);
		iov[0].iov_base = hdr;
		iov[0].iov_len = sizeof(hdr);
		if ((io = clamd_io_send(c, iov, 2, &early, senderr, sizeof(senderr))) != CLAMD_IO_OK)
			goto sendfailed;
		off += want;
	}
	if (!early) {
		clamd_chunk_header(hdr, 0);
		iov[0].iov_base = hdr;
		iov[0].iov_len = sizeof(hdr);
		if ((io = clamd_io_send(c, iov, 1, &early, senderr, sizeof(senderr))) != CLAMD_IO_OK)
			goto sendfailed;
	}
	goto reply;
sendfailed:
	if (io != CLAMD_IO_ERR) {			/* timeout or given up */
		clamd_fmt(err, errlen, "%s", senderr);
		r = io;
		goto out;
	}
	sendfail = 1;					/* a reply may still be there */
reply:
	io = clamd_io_recv_reply(c, buf, cap, len, err, errlen);
	if (io != CLAMD_IO_OK) {
		r = io;
		if (sendfail)
			clamd_fmt(err, errlen, "%s", senderr);
	} else if (sendfail && *len == 0) {
		clamd_fmt(err, errlen, "%s", senderr);
		r = CLAMD_IO_ERR;
	}
out:
	free(chunk);
	return r;
}

/* clamd_io_command - connect, send a z-command, read its reply; 0, -1 with err, -2 local failure */
int
clamd_io_command(struct clamd_io_conn *c, const struct sockaddr_storage *addr, socklen_t addrlen,
		 int64_t connect_ms, int64_t wait_ms, const char *cmd, char *buf, size_t cap,
		 size_t *len, char *err, size_t errlen)
{
	char	why[CLAMD_ERR_MAX] = "";
	struct iovec iov;
	int	early = 0, rc = -1;

	if (clamd_io_connect(c, addr, addrlen, connect_ms, why, sizeof(why)) < 0) {
		rc = c->local ? -2 : -1;
		goto out;
	}
	c->deadline = util_now_ms() + wait_ms;
	iov.iov_base = (void *) cmd;
	iov.iov_len = strlen(cmd) + 1;
	if (clamd_io_send(c, &iov, 1, &early, why, sizeof(why)) == CLAMD_IO_OK
	    && clamd_io_recv_reply(c, buf, cap, len, why, sizeof(why)) == CLAMD_IO_OK)
		rc = 0;
	else if (strcmp(why, "no complete reply in time") == 0)
		clamd_fmt(why, sizeof(why), "no answer within %lld ms", (long long) wait_ms);
	close(c->fd);
	c->fd = -1;
out:
	if (rc < 0)
		clamd_fmt(err, errlen, "%s: %s", cmd + 1, why);
	return rc;
}
