/*
 * NAME
 *	scan_clamd 3 - the clamd backend: zINSTREAM to a pool of clamd servers
 * SUMMARY
 *	scan_clamd_ops
 * DESCRIPTION
 *	A message is streamed to one clamd of the pool with zINSTREAM, in
 *	chunks read from the spool (or straight from the spool's memory),
 *	never copied whole. Servers are "unix:/PATH", "tcp:HOST:PORT" or
 *	"tcp:[V6ADDR]:PORT". Sockets are non-blocking: connect_timeout
 *	bounds the connect, scan_timeout the whole exchange after it.
 *
 *	Pool: messages go round-robin to the servers that are up. A server
 *	that refuses, times out, resets or answers anything that is not a
 *	reply is marked down (since, last_error) and the same message goes to
 *	the next server; only when none is left is the verdict unavailable,
 *	with every server's reason. A down server is skipped; once its
 *	retry_after has passed one message may try it again, unless the
 *	probe has just found it unreachable (then no message waits on it).
 *
 *	A probe thread brings servers back without waiting for mail: it
 *	sends zPING to every down server every min(retry_after, 1s) and marks
 *	it up on "PONG" (and reads zVERSION for the engine version). A
 *	server that was marked down by a failed scan (garbage, reset, scan
 *	timeout) while still answering PING at once (clamd alive but its
 *	scans fail) comes back only after retry_after; one whose PING failed
 *	or took longer than 250 ms too comes back on the first PONG.
 *
 *	A hung clamd (accepts, never answers): the probe pings every server
 *	that has a scan in flight and has shown no sign of life for 500 ms
 *	(clamd answers PING from its accept loop, even with every scanning
 *	thread busy); no PONG within 1 s marks it down, so that new messages
 *	skip it at once. Scans already in flight wait on; the first that
 *	reaches scan_timeout marks the server down and makes every other scan
 *	waiting on that server give up at once and go to the next server.
 *	So about one message per server per retry_after waits the full
 *	scan_timeout (more only when several arrive in the ~1.5 s before the
 *	probe has found the server silent, and those are released with the
 *	first), and when every server is down a scan is decided at once,
 *	without any connect.
 *
 *	Up servers are asked zVERSION once a minute (and when they come
 *	up); "ClamAV 1.4.6/27432/..." makes the engine "1.4.6/27432".
 *
 *	Limits: clamd's default (AlertExceedsMax no) answers OK for a file
 *	it stopped unpacking at a limit, so an OK is trusted only from a
 *	server that was seen to report its limits. The probe thread sends
 *	each server the limits probe (clamd_limits_probe(): EICAR 64 zips
 *	deep, 6.5 KB) when it is first up, after each time it went down and
 *	came back, and once an hour: Heuristics.Limits.Exceeded.* or the
 *	EICAR name means it reports them, OK means it does not. The OK
 *	answers of a server that does not are turned into limit, unless
 *	clamd.limits_unreported_ok names it. A clean answer from a server
 *	not probed yet since it came up (a message got there before the
 *	probe thread) is checked at once: that message's thread sends the
 *	probe itself (one more ~15 ms exchange, bounded by the scan's
 *	timeouts) and decides from the answer; no answer means limit. So an
 *	unverified OK never becomes clean and no message waits for the probe
 *	thread. The probe's answers never mark a server down: PING does.
 *
 *	Local failures: a socket() or connect() that fails for want of
 *	descriptors, memory, buffers or local ports says nothing about the
 *	server. The message gets error (on_error), the probe tries again
 *	later, and no server's state changes.
 *
 *	Host names (rather than numeric addresses) are resolved by the
 *	probe thread only, so that a scan never waits for DNS: the server
 *	stays down until one of the name's addresses answers PING, and that
 *	address is kept.
 * DIAGNOSTICS
 *	A server going down is logged as a warning with the reason, coming
 *	back as info. Per-message failures on a server already down are
 *	logged at debug level. A server found not to report its limits is
 *	logged as a warning (once per change), one found to report them as
 *	info.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clamd_proto.h"
#include "clamd_zip.h"
#include "conf.h"
#include "log.h"
#include "scan.h"
#include "spool.h"

#define CLAMD_CHUNK		65536	/* bytes per INSTREAM chunk */
#define CLAMD_SLICE_MS		50	/* a waiting scan looks this often whether to give up */
#define CLAMD_TICK_MS		100	/* the probe thread's clock */
#define CLAMD_BUSY_PING_MS	500	/* silence with a scan in flight before the probe pings */
#define CLAMD_PROBE_MAX_MS	1000	/* a probe's connect and exchange, each at most */
#define CLAMD_PING_SLOW_MS	250	/* a PONG slower than this counts as a failed PING */
#define CLAMD_VERSION_EVERY_MS	60000	/* zVERSION to up servers this often */
#define CLAMD_IDLE_PING_MS	2000	/* an idle up server is pinged this often: a dead one is noticed without mail */
#define CLAMD_LIMITS_EVERY_MS	3600000	/* an up server gets the limits probe again this often */
#define CLAMD_ERR_MAX		SCAN_NAME_MAX

/* One server of the pool; shared by reference between scans, probe and config. */
struct clamd_server {
	int	refs;			/* under scanner lock */
	char	spec[CLAMD_SPEC_MAX];
	int	valid;			/* spec parsed */
	struct clamd_spec cs;
	int	resolved;		/* addr usable */
	struct sockaddr_storage addr;
	socklen_t addrlen;

	int	up;
	time_t	since;			/* wall clock of the last state change, 0 = never */
	char	last_error[CLAMD_ERR_MAX];
	int64_t	down_until;		/* monotonic ms: one message may try it after this */
	int	trial;			/* a message is trying it while down */
	int	down_by_scan;		/* down because a scan failed (not a connect or PING) */
	int	ping_failed;		/* a PING failed since it went down */
	int64_t	unreachable_at;		/* monotonic ms a PING or connect last failed, 0 = since up */
	unsigned abort_gen;		/* bumped when a scan timed out: waiters give up */
	int	inflight;		/* scans using it now */
	int64_t	last_alive;		/* monotonic ms of the last reply from it */
	int64_t	next_probe;		/* monotonic ms */
	int64_t	last_probe;		/* monotonic ms the last probe started */
	int64_t	next_version;		/* monotonic ms */
	char	engine[SCAN_ENGINE_MAX];
	char	sig[32];
	enum scan_limits limits;	/* what the limits probe said since it came up */
	enum scan_limits limits_logged;	/* the last answer logged (logs changes only) */
	unsigned limits_gen;		/* bumped when it goes down or up: older answers are dropped */
	int	limits_ok;		/* clamd.limits_unreported_ok names it */
	int64_t	next_limits;		/* monotonic ms: the probe thread sends the limits probe */
};

/* Timeouts and limits as one scan uses them. */
struct clamd_limits {
	int64_t	connect_ms;
	int64_t	scan_ms;
	int64_t	retry_ms;
	uint64_t stream_max;
};

struct scanner {
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* probe thread sleeps and stops on it; wait_ready too */
	struct clamd_server **srv;
	size_t	nsrv;
	size_t	rr;			/* next round-robin start */
	struct clamd_limits lim;
	char	engine[SCAN_ENGINE_MAX];
	char	sig[32];
	time_t	sig_time;		/* from the VERSION reply, 0 = unknown */
	int	probed;			/* a first probe round finished */
	int	stop;
	pthread_t probe;
	struct spool *limits_probe;	/* clamd_limits_probe(), in memory, read-only */
};

/* One connection's state for waiting: its deadline and what makes it give up. */
struct clamd_conn {
	int	fd;
	int64_t	deadline;		/* monotonic ms */
	struct scanner *s;		/* NULL: never give up early */
	struct clamd_server *srv;	/* NULL: give up only at stop (probes) */
	unsigned gen;
	int	local;			/* connect failed on our side (descriptors, memory) */
};

enum clamd_io { CLAMD_IO_OK = 0, CLAMD_IO_TIMEOUT, CLAMD_IO_ABORT, CLAMD_IO_ERR };

/* What one try of one server gave. */
enum clamd_try {
	CLAMD_TRY_VERDICT,		/* a reply: the verdict is filled in */
	CLAMD_TRY_NOCONN,		/* could not connect */
	CLAMD_TRY_FAIL,			/* connected, then no proper reply (garbage, reset, EOF) */
	CLAMD_TRY_TIMEOUT,		/* connected, then no reply within scan_timeout */
	CLAMD_TRY_ABORT,		/* gave up: the server hung for another message */
	CLAMD_TRY_LOCAL			/* our side failed (spool): error for this message */
};

/* clamd_oom - allocation failed: log and abort */
static void
clamd_oom(size_t n)
{
	log_error("clamd: out of memory allocating %zu bytes", n);
	abort();
}

/* clamd_calloc - zeroed memory or abort */
static void *
clamd_calloc(size_t n, size_t sz)
{
	void   *p = calloc(n ? n : 1, sz);

	if (p == NULL)
		clamd_oom(n * sz);
	return p;
}

/* clamd_now_ms - the monotonic clock in ms */
static int64_t
clamd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* clamd_min - the smaller of two durations */
static int64_t
clamd_min(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* clamd_probe_interval - how often down servers are pinged */
static int64_t
clamd_probe_interval(const struct clamd_limits *lim)
{
	int64_t	t = clamd_min(lim->retry_ms, 1000);

	return t < CLAMD_TICK_MS ? CLAMD_TICK_MS : t;
}

/* clamd_addrinfo - the addresses of a tcp server; NULL with err when none */
static struct addrinfo *
clamd_addrinfo(const struct clamd_server *srv, int numeric_only, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	int	rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (numeric_only ? AI_NUMERICHOST : 0);
	if ((rc = getaddrinfo(srv->cs.host, srv->cs.port, &hints, &res)) != 0 || res == NULL) {
		clamd_fmt(err, errlen, "cannot resolve %s: %s", srv->cs.host,
			  rc ? gai_strerror(rc) : "no address");
		return NULL;
	}
	return res;
}

/* clamd_addr_from - take one resolver answer as the server's address; 0 ok, -1 unusable */
static int
clamd_addr_from(struct clamd_server *srv, const struct addrinfo *ai)
{
	if (ai->ai_addrlen > sizeof(srv->addr))
		return -1;
	memcpy(&srv->addr, ai->ai_addr, ai->ai_addrlen);
	srv->addrlen = ai->ai_addrlen;
	return 0;
}

/* clamd_probe_cycle - longest time between two PINGs of a down server finishing */
static int64_t
clamd_probe_cycle(const struct clamd_limits *lim)
{
	return clamd_probe_interval(lim) + 2 * CLAMD_PROBE_MAX_MS + 2 * CLAMD_TICK_MS;
}

/* clamd_resolve - fill the server's address from its unix path or a numeric host */
static int
clamd_resolve(struct clamd_server *srv, char *err, size_t errlen)
{
	struct addrinfo *res;
	struct sockaddr_un *sun;

	if (srv->cs.kind == CLAMD_SPEC_UNIX) {
		sun = (struct sockaddr_un *) &srv->addr;
		memset(sun, 0, sizeof(*sun));
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, srv->cs.path, strlen(srv->cs.path) + 1);
		srv->addrlen = sizeof(*sun);
		srv->resolved = 1;
		return 0;
	}
	if ((res = clamd_addrinfo(srv, 1, err, errlen)) == NULL)
		return -1;
	if (clamd_addr_from(srv, res) < 0) {
		freeaddrinfo(res);
		clamd_fmt(err, errlen, "address of %s too long", srv->cs.host);
		return -1;
	}
	srv->resolved = 1;
	freeaddrinfo(res);
	return 0;
}

/* clamd_server_new - a server for spec, up until proved otherwise (refs 1) */
static struct clamd_server *
clamd_server_new(const char *spec)
{
	struct clamd_server *srv = clamd_calloc(1, sizeof(*srv));
	char	err[CLAMD_ERR_MAX];

	srv->refs = 1;
	clamd_fmt(srv->spec, sizeof(srv->spec), "%s", spec ? spec : "");
	srv->up = 1;
	if (clamd_parse_spec(spec, &srv->cs, err, sizeof(err)) < 0) {
		srv->up = 0;
		clamd_fmt(srv->last_error, sizeof(srv->last_error), "%s", err);
		srv->down_until = INT64_MAX;
		log_error("clamd: %s", err);
		return srv;
	}
	srv->valid = 1;
	if (clamd_resolve(srv, err, sizeof(err)) < 0) {
		/* a host name: the probe thread resolves it, scans never wait for DNS */
		srv->up = 0;
		clamd_fmt(srv->last_error, sizeof(srv->last_error), "not resolved yet");
		srv->down_until = INT64_MAX;
	}
	return srv;
}

/* clamd_unref - drop a reference (scanner lock held), freeing at zero */
static void
clamd_unref(struct clamd_server *srv)
{
	if (srv && --srv->refs == 0)
		free(srv);
}

/* clamd_mark_down - record a failure of srv (scanner lock held) */
static void
clamd_mark_down(struct scanner *s, struct clamd_server *srv, const char *why, int by_scan,
		int hung)
{
	clamd_fmt(srv->last_error, sizeof(srv->last_error), "%s", why);
	srv->down_until = clamd_now_ms() + s->lim.retry_ms;
	if (!by_scan)
		srv->unreachable_at = clamd_now_ms();
	if (hung)
		srv->abort_gen++;
	if (srv->up) {
		srv->up = 0;
		srv->since = time(NULL);
		srv->limits = SCAN_LIMITS_UNKNOWN;	/* asked again once it is back */
		srv->limits_gen++;
		srv->down_by_scan = by_scan;
		srv->ping_failed = !by_scan;
		srv->next_probe = clamd_now_ms() + clamd_probe_interval(&s->lim);
		log_warning("clamd server %s is down: %s", srv->spec, why);
	} else {
		if (!by_scan)
			srv->ping_failed = 1;
		log_debug("clamd server %s still down: %s", srv->spec, why);
	}
}

/* clamd_mark_alive - srv answered properly (scanner lock held) */
static void
clamd_mark_alive(struct clamd_server *srv)
{
	srv->last_alive = clamd_now_ms();
	srv->unreachable_at = 0;
	if (!srv->up) {
		srv->up = 1;
		srv->since = time(NULL);
		srv->limits = SCAN_LIMITS_UNKNOWN;
		srv->limits_gen++;
		srv->next_limits = 0;			/* the probe thread asks at once */
		log_info("clamd server %s is up again (was: %s)", srv->spec, srv->last_error);
	}
}

/* clamd_gave_up - 1 when the connection should stop waiting (server hung for another scan, or stop) */
static int
clamd_gave_up(struct clamd_conn *c)
{
	int	r;

	if (c->s == NULL)
		return 0;
	pthread_mutex_lock(&c->s->mu);
	r = c->s->stop || (c->srv != NULL && c->srv->abort_gen != c->gen);
	pthread_mutex_unlock(&c->s->mu);
	return r;
}

/* clamd_wait - poll fd for events until the deadline; revents, or a negative clamd_io */
static int
clamd_wait(struct clamd_conn *c, short events, enum clamd_io *io)
{
	struct pollfd pfd;
	int64_t	left;
	int	n;

	for (;;) {
		if ((left = c->deadline - clamd_now_ms()) <= 0) {
			*io = CLAMD_IO_TIMEOUT;
			return -1;
		}
		pfd.fd = c->fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, (int) clamd_min(left, CLAMD_SLICE_MS));
		if (n > 0)
			return pfd.revents;
		if (n < 0 && errno != EINTR) {
			*io = CLAMD_IO_ERR;
			return -1;
		}
		if (clamd_gave_up(c)) {
			*io = CLAMD_IO_ABORT;
			return -1;
		}
	}
}

/* clamd_local_errno - 1 when a socket()/connect() errno is a shortage on this host */
static int
clamd_local_errno(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS || e == EADDRNOTAVAIL;
}

/* clamd_connect - a non-blocking connected socket to srv within connect_ms; fd or -1 with err */
static int
clamd_connect(struct clamd_conn *c, const struct clamd_server *srv, int64_t connect_ms,
	      char *err, size_t errlen)
{
	enum clamd_io io = CLAMD_IO_OK;
	socklen_t len = sizeof(int);
	int	fd, soerr = 0;

	c->local = 0;
	fd = socket(srv->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		c->local = clamd_local_errno(errno);
		clamd_fmt(err, errlen, "socket: %s%s", strerror(errno),
			  c->local ? " (here, not the server)" : "");
		return -1;
	}
	c->fd = fd;
	c->deadline = clamd_now_ms() + connect_ms;
	if (connect(fd, (const struct sockaddr *) &srv->addr, srv->addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR) {
		c->local = clamd_local_errno(errno);
		clamd_fmt(err, errlen, "connect: %s%s", strerror(errno),
			  c->local ? " (here, not the server)" : "");
		goto fail;
	}
	if (clamd_wait(c, POLLOUT, &io) < 0) {
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
	return fd;
fail:
	close(fd);
	c->fd = -1;
	return -1;
}

/*
 * clamd_send - send the iovecs whole; CLAMD_IO_OK, or TIMEOUT/ABORT/ERR
 * (err filled). *early is set when the server has something to say
 * before all was sent (a reply such as the size limit): the caller reads it.
 */
static enum clamd_io
clamd_send(struct clamd_conn *c, struct iovec *iov, int iovcnt, int *early, char *err,
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
			if ((rev = clamd_wait(c, POLLOUT | POLLIN, &io)) < 0) {
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

/* clamd_recv_reply - read until a NUL, EOF or more than CLAMD_REPLY_MAX bytes; *len set */
static enum clamd_io
clamd_recv_reply(struct clamd_conn *c, char *buf, size_t cap, size_t *len, char *err,
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
		if (clamd_wait(c, POLLIN, &io) < 0) {
			clamd_fmt(err, errlen, io == CLAMD_IO_TIMEOUT ? "no complete reply in time"
				 : io == CLAMD_IO_ABORT ? "given up: server hung for another message"
				 : "reading the reply: poll failed");
			return io;
		}
	}
	return CLAMD_IO_OK;				/* full: too long, the parser says so */
}

/* clamd_io_try - the try result for an I/O failure */
static enum clamd_try
clamd_io_try(enum clamd_io io)
{
	return io == CLAMD_IO_TIMEOUT ? CLAMD_TRY_TIMEOUT
	    : io == CLAMD_IO_ABORT ? CLAMD_TRY_ABORT : CLAMD_TRY_FAIL;
}

/*
 * clamd_stream - send zINSTREAM and the message in chunks, then read the
 * reply into buf. CLAMD_TRY_VERDICT when a reply (of any kind) came.
 */
static enum clamd_try
clamd_stream(struct clamd_conn *c, const struct spool *msg, char *buf, size_t cap,
	     size_t *len, char *err, size_t errlen)
{
	static const char cmd[] = "zINSTREAM";
	unsigned char hdr[4], *chunk = NULL;
	struct iovec iov[2];
	const char *mem;
	size_t	memlen = 0;
	uint64_t total, off = 0;
	enum clamd_io io;
	enum clamd_try r = CLAMD_TRY_VERDICT;
	int	early = 0, sendfail = 0;
	char	senderr[CLAMD_ERR_MAX] = "";
	ssize_t	n;

	total = spool_size(msg);
	mem = spool_mem(msg, &memlen);
	if (mem == NULL && total > 0)
		chunk = clamd_calloc(1, CLAMD_CHUNK);
	iov[0].iov_base = (void *) cmd;
	iov[0].iov_len = sizeof(cmd);			/* NUL included */
	if ((io = clamd_send(c, iov, 1, &early, senderr, sizeof(senderr))) != CLAMD_IO_OK)
		goto sendfailed;
	while (off < total && !early) {
		size_t	want = (size_t) clamd_min((int64_t) (total - off), CLAMD_CHUNK);

		if (mem) {
			if (off + want > memlen) {
				clamd_fmt(err, errlen, "spool shorter than its size");
				r = CLAMD_TRY_LOCAL;
				goto out;
			}
			iov[1].iov_base = (void *) (mem + off);
		} else {
			n = spool_pread(msg, chunk, want, off);
			if (n <= 0) {
				clamd_fmt(err, errlen, "reading the spool: %s",
					 n < 0 ? strerror(errno) : "short file");
				r = CLAMD_TRY_LOCAL;
				goto out;
			}
			want = (size_t) n;
			iov[1].iov_base = chunk;
		}
		iov[1].iov_len = want;
		clamd_chunk_header(hdr, (uint32_t) want);
		iov[0].iov_base = hdr;
		iov[0].iov_len = sizeof(hdr);
		if ((io = clamd_send(c, iov, 2, &early, senderr, sizeof(senderr))) != CLAMD_IO_OK)
			goto sendfailed;
		off += want;
	}
	if (!early) {
		clamd_chunk_header(hdr, 0);
		iov[0].iov_base = hdr;
		iov[0].iov_len = sizeof(hdr);
		if ((io = clamd_send(c, iov, 1, &early, senderr, sizeof(senderr))) != CLAMD_IO_OK)
			goto sendfailed;
	}
	goto reply;
sendfailed:
	if (io != CLAMD_IO_ERR) {			/* timeout or given up */
		clamd_fmt(err, errlen, "%s", senderr);
		r = clamd_io_try(io);
		goto out;
	}
	sendfail = 1;					/* a reply may still be there */
reply:
	io = clamd_recv_reply(c, buf, cap, len, err, errlen);
	if (io != CLAMD_IO_OK) {
		r = clamd_io_try(io);
		if (sendfail)
			clamd_fmt(err, errlen, "%s", senderr);
	} else if (sendfail && *len == 0) {
		clamd_fmt(err, errlen, "%s", senderr);
		r = CLAMD_TRY_FAIL;
	}
out:
	free(chunk);
	return r;
}

/* clamd_verdict - turn a parsed reply into the verdict; CLAMD_TRY_FAIL when it is not a reply */
static enum clamd_try
clamd_verdict(const char *buf, size_t len, struct scan_verdict *v, char *err, size_t errlen)
{
	char	out[SCAN_NAME_MAX];

	switch (clamd_parse_reply(buf, len, out, sizeof(out))) {
	case CLAMD_REPLY_CLEAN:
		scan_verdict_set(v, SCAN_CLEAN, "clamd", NULL);
		return CLAMD_TRY_VERDICT;
	case CLAMD_REPLY_INFECTED:
		scan_verdict_set(v, SCAN_INFECTED, "clamd", "%s", out);
		return CLAMD_TRY_VERDICT;
	case CLAMD_REPLY_LIMIT:		/* out: "size" (StreamMaxLength) or the limit's name */
		if (strcmp(out, "size") == 0)
			scan_verdict_limit(v, SCAN_LIMIT_SIZE, "clamd", "INSTREAM size limit exceeded");
		else
			scan_verdict_limit(v, scan_limit_kind_of(out), "clamd", "%s", out);
		return CLAMD_TRY_VERDICT;
	case CLAMD_REPLY_ERROR:
		scan_verdict_set(v, SCAN_ERROR, "clamd", "%s", out);
		return CLAMD_TRY_VERDICT;
	case CLAMD_REPLY_BAD:
	default:
		clamd_fmt(err, errlen, "%s", out);
		return CLAMD_TRY_FAIL;
	}
}

/* clamd_try_server - stream msg to srv; a verdict or why not */
static enum clamd_try
clamd_try_server(struct scanner *s, struct clamd_server *srv, unsigned gen,
		 const struct clamd_limits *lim, const struct spool *msg,
		 struct scan_verdict *v, char *err, size_t errlen)
{
	struct clamd_conn c = { .fd = -1, .s = s, .srv = srv, .gen = gen };
	char	buf[CLAMD_REPLY_MAX + 1];
	size_t	len = 0;
	enum clamd_try r;

	if (clamd_connect(&c, srv, lim->connect_ms, err, errlen) < 0)
		return c.local ? CLAMD_TRY_LOCAL : clamd_gave_up(&c) ? CLAMD_TRY_ABORT
		    : CLAMD_TRY_NOCONN;
	c.deadline = clamd_now_ms() + lim->scan_ms;
	r = clamd_stream(&c, msg, buf, sizeof(buf), &len, err, errlen);
	if (r == CLAMD_TRY_VERDICT)
		r = clamd_verdict(buf, len, v, err, errlen);
	close(c.fd);
	return r;
}

/* clamd_limits_ask - send the limits probe to srv: what the reply says (text in answer; *local: our side failed) */
static enum scan_limits
clamd_limits_ask(struct scanner *s, struct clamd_server *srv, int64_t connect_ms, int64_t scan_ms,
		 char *answer, size_t len, int *local)
{
	struct clamd_conn c = { .fd = -1, .s = s, .srv = srv };
	char	buf[CLAMD_REPLY_MAX + 1], out[SCAN_NAME_MAX];
	enum clamd_try t;
	enum clamd_reply r;
	size_t	n = 0;

	pthread_mutex_lock(&s->mu);
	c.gen = srv->abort_gen;
	pthread_mutex_unlock(&s->mu);
	*local = 0;
	if (clamd_connect(&c, srv, connect_ms, answer, len) < 0) {
		*local = c.local;
		return SCAN_LIMITS_UNKNOWN;
	}
	c.deadline = clamd_now_ms() + scan_ms;
	t = clamd_stream(&c, s->limits_probe, buf, sizeof(buf), &n, answer, len);
	close(c.fd);
	if (t != CLAMD_TRY_VERDICT)
		return SCAN_LIMITS_UNKNOWN;
	r = clamd_parse_reply(buf, n, out, sizeof(out));
	if (r == CLAMD_REPLY_CLEAN)
		clamd_fmt(answer, len, "OK");
	else if (r == CLAMD_REPLY_INFECTED || (r == CLAMD_REPLY_LIMIT && strcmp(out, "size") != 0))
		clamd_fmt(answer, len, "%s FOUND", out);
	else if (r == CLAMD_REPLY_LIMIT)
		clamd_fmt(answer, len, "INSTREAM size limit exceeded");
	else
		clamd_fmt(answer, len, "%s", out);
	return clamd_limits_answer(r, out);
}

/* clamd_limits_log - a changed answer to the limits probe (scanner lock held) */
static void
clamd_limits_log(const struct clamd_server *srv, enum scan_limits got, const char *answer)
{
	if (got == SCAN_LIMITS_REPORTED)
		log_info("clamd server %s reports its limits (EICAR %d zips deep: %s)", srv->spec,
			 CLAMD_PROBE_DEPTH, answer);
	else
		log_warning("clamd server %s does not report its limits: EICAR %d zips deep got "
			    "\"%s\" (set AlertExceedsMax yes in its clamd.conf); %s", srv->spec,
			    CLAMD_PROBE_DEPTH, answer, srv->limits_ok ?
			    "clamd.limits_unreported_ok accepts the risk: its OK counts as clean" :
			    "its OK answers count as limit");
}

/* clamd_limits_record - keep an answer unless srv went down or up since gen; the state now */
static enum scan_limits
clamd_limits_record(struct scanner *s, struct clamd_server *srv, unsigned gen,
		    enum scan_limits got, const char *answer)
{
	enum scan_limits st;
	int64_t	now = clamd_now_ms();

	pthread_mutex_lock(&s->mu);
	if (srv->limits_gen == gen && got != SCAN_LIMITS_UNKNOWN) {
		srv->limits = got;
		srv->next_limits = now + CLAMD_LIMITS_EVERY_MS;
		if (got != srv->limits_logged)
			clamd_limits_log(srv, got, answer);
		srv->limits_logged = got;
	} else if (srv->limits_gen == gen) {
		srv->next_limits = now + clamd_probe_interval(&s->lim);
		log_debug("clamd server %s: no answer to the limits probe: %s", srv->spec, answer);
	}
	st = srv->limits;
	pthread_mutex_unlock(&s->mu);
	return st;
}

/* clamd_probe_limits - the probe thread sends srv the limits probe */
static void
clamd_probe_limits(struct scanner *s, struct clamd_server *srv)
{
	char	answer[SCAN_NAME_MAX] = "";
	struct clamd_limits lim;
	enum scan_limits got;
	unsigned gen;
	int	local;

	pthread_mutex_lock(&s->mu);
	lim = s->lim;
	gen = srv->limits_gen;
	pthread_mutex_unlock(&s->mu);
	got = clamd_limits_ask(s, srv, clamd_min(lim.connect_ms, CLAMD_PROBE_MAX_MS),
			       clamd_min(lim.scan_ms, CLAMD_PROBE_MAX_MS), answer, sizeof(answer),
			       &local);
	clamd_limits_record(s, srv, gen, got, answer);
}

/*
 * clamd_trust_clean - a clean answer of srv stays clean only when srv
 * reports its limits or clamd.limits_unreported_ok names it; when that
 * is not known yet, this thread asks srv now (within the scan's timeouts);
 * when our side cannot ask (no descriptor), the message gets error
 */
static void
clamd_trust_clean(struct scanner *s, struct clamd_server *srv, const struct clamd_limits *lim,
		  struct scan_verdict *v)
{
	char	answer[SCAN_NAME_MAX] = "";
	enum scan_limits st;
	unsigned gen;
	int	ok, local = 0;

	pthread_mutex_lock(&s->mu);
	st = srv->limits;
	ok = srv->limits_ok;
	gen = srv->limits_gen;
	pthread_mutex_unlock(&s->mu);
	if (ok)
		return;
	if (st == SCAN_LIMITS_UNKNOWN)
		st = clamd_limits_record(s, srv, gen, clamd_limits_ask(s, srv, lim->connect_ms,
			lim->scan_ms, answer, sizeof(answer), &local), answer);
	if (st == SCAN_LIMITS_REPORTED)
		return;
	if (st == SCAN_LIMITS_UNKNOWN && local)
		scan_verdict_set(v, SCAN_ERROR, "clamd", "limits probe: %s", answer);
	else if (st == SCAN_LIMITS_UNREPORTED)
		scan_verdict_set(v, SCAN_LIMIT, "clamd",
				 "clamd %s does not report its limits (AlertExceedsMax no)", srv->spec);
	else
		scan_verdict_set(v, SCAN_LIMIT, "clamd",
				 "clamd %s: not known whether it reports its limits (%s)", srv->spec,
				 answer[0] ? answer : "not probed yet");
}

/* clamd_pick - the next server to try for a message (ref taken, inflight counted) or NULL */
static struct clamd_server *
clamd_pick(struct scanner *s, struct clamd_server **tried, size_t ntried, unsigned *gen,
	   int *trial, struct clamd_limits *lim)
{
	struct clamd_server *srv, *pick = NULL;
	int64_t	now = clamd_now_ms();
	size_t	i, j, idx;
	int	pass;

	pthread_mutex_lock(&s->mu);
	*lim = s->lim;
	for (pass = 0; pass < 2 && pick == NULL; pass++) {
		for (i = 0; i < s->nsrv && pick == NULL; i++) {
			idx = (s->rr + i) % s->nsrv;
			srv = s->srv[idx];
			for (j = 0; j < ntried && tried[j] != srv; j++)
				;
			if (j < ntried || !srv->valid || !srv->resolved)
				continue;
			if (pass == 0 && srv->up) {
				pick = srv;
				*trial = 0;
			} else if (pass == 1 && !srv->up && !srv->trial && now >= srv->down_until
				   && (srv->unreachable_at == 0
				       || now - srv->unreachable_at > clamd_probe_cycle(&s->lim))) {
				pick = srv;
				*trial = 1;
				srv->trial = 1;
			}
			if (pick)
				s->rr = idx + 1;
		}
	}
	if (pick) {
		pick->refs++;
		pick->inflight++;
		*gen = pick->abort_gen;
	}
	pthread_mutex_unlock(&s->mu);
	return pick;
}

/* clamd_done - account the end of a try of srv (scanner lock taken here) */
static void
clamd_done(struct scanner *s, struct clamd_server *srv, int trial, enum clamd_try r,
	   const char *err, struct scan_verdict *v)
{
	pthread_mutex_lock(&s->mu);
	srv->inflight--;
	if (trial)
		srv->trial = 0;
	switch (r) {
	case CLAMD_TRY_VERDICT:
		clamd_mark_alive(srv);
		clamd_fmt(v->engine, sizeof(v->engine), "%s", srv->engine[0] ? srv->engine : s->engine);
		break;
	case CLAMD_TRY_NOCONN:
		clamd_mark_down(s, srv, err, 0, 0);
		break;
	case CLAMD_TRY_FAIL:
		clamd_mark_down(s, srv, err, 1, 0);
		break;
	case CLAMD_TRY_TIMEOUT:
		clamd_mark_down(s, srv, err, 1, 1);
		break;
	case CLAMD_TRY_ABORT:
	case CLAMD_TRY_LOCAL:
	default:
		break;
	}
	pthread_mutex_unlock(&s->mu);
}

/* clamd_append - add "; text" to a bounded reason */
static void
clamd_append(char *buf, size_t len, const char *spec, const char *text)
{
	size_t	n = strlen(buf);

	if (n + 1 < len)
		clamd_fmt(buf + n, len - n, "%s%s: %s", n ? "; " : "", spec, text);
}

/* clamd_unavailable_reason - every server's reason for an unavailable verdict */
static void
clamd_unavailable_reason(struct scanner *s, char *why, size_t len)
{
	size_t	i;

	pthread_mutex_lock(&s->mu);
	if (s->nsrv == 0)
		clamd_fmt(why, len, "no clamd servers configured");
	for (i = 0; i < s->nsrv; i++)
		if (!s->srv[i]->up)
			clamd_append(why, len, s->srv[i]->spec, s->srv[i]->last_error);
	pthread_mutex_unlock(&s->mu);
}

/* clamd_scan - the verdict for one message from the first server that answers */
static void
clamd_scan(struct scanner *s, const struct spool *msg, struct scan_verdict *v)
{
	struct clamd_server *tried[SCAN_MAX_UNITS + CONF_MAX_SERVERS], *srv;
	struct clamd_limits lim;
	char	why[SCAN_NAME_MAX] = "", err[CLAMD_ERR_MAX];
	size_t	ntried = 0, i;
	unsigned gen = 0;
	int	trial = 0;
	enum clamd_try r;

	pthread_mutex_lock(&s->mu);
	lim = s->lim;
	pthread_mutex_unlock(&s->mu);
	if (spool_over_limit(msg) || (lim.stream_max && spool_size(msg) > lim.stream_max)) {
		scan_verdict_limit(v, SCAN_LIMIT_SIZE, "clamd", "over %s",
				   spool_over_limit(msg) ? "max_size" : "stream_max");
		goto engine;
	}
	while (ntried < sizeof(tried) / sizeof(tried[0])
	       && (srv = clamd_pick(s, tried, ntried, &gen, &trial, &lim)) != NULL) {
		tried[ntried++] = srv;
		err[0] = 0;
		r = clamd_try_server(s, srv, gen, &lim, msg, v, err, sizeof(err));
		clamd_done(s, srv, trial, r, err, v);
		if (r == CLAMD_TRY_VERDICT) {
			if (v->result == SCAN_CLEAN)
				clamd_trust_clean(s, srv, &lim, v);
			goto out;
		}
		if (r == CLAMD_TRY_LOCAL) {
			scan_verdict_set(v, SCAN_ERROR, "clamd", "%s", err);
			goto engine;
		}
		log_debug("clamd server %s failed for a message: %s", srv->spec, err);
		clamd_append(why, sizeof(why), srv->spec, err);
	}
	if (ntried == 0)
		clamd_unavailable_reason(s, why, sizeof(why));
	scan_verdict_set(v, SCAN_UNAVAILABLE, "clamd", "%s", why[0] ? why : "no clamd server answered");
engine:
	pthread_mutex_lock(&s->mu);
	clamd_fmt(v->engine, sizeof(v->engine), "%s", s->engine);
	pthread_mutex_unlock(&s->mu);
out:
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < ntried; i++)
		clamd_unref(tried[i]);
	pthread_mutex_unlock(&s->mu);
}

/* clamd_command - send a z-command to srv and read its reply; 0 with buf/len, -1 with err, -2 local failure */
static int
clamd_command(struct scanner *s, struct clamd_server *srv, const struct clamd_limits *lim,
	      const char *cmd, char *buf, size_t cap, size_t *len, char *err, size_t errlen)
{
	struct clamd_conn c = { .fd = -1, .s = s };
	char	why[CLAMD_ERR_MAX] = "";
	struct iovec iov;
	int	early = 0, rc = -1;
	int64_t	wait_ms = clamd_min(lim->scan_ms, CLAMD_PROBE_MAX_MS);

	if (clamd_connect(&c, srv, clamd_min(lim->connect_ms, CLAMD_PROBE_MAX_MS), why,
			  sizeof(why)) < 0) {
		rc = c.local ? -2 : -1;
		goto out;
	}
	c.deadline = clamd_now_ms() + wait_ms;
	iov.iov_base = (void *) cmd;
	iov.iov_len = strlen(cmd) + 1;
	if (clamd_send(&c, &iov, 1, &early, why, sizeof(why)) == CLAMD_IO_OK
	    && clamd_recv_reply(&c, buf, cap, len, why, sizeof(why)) == CLAMD_IO_OK)
		rc = 0;
	else if (strcmp(why, "no complete reply in time") == 0)
		clamd_fmt(why, sizeof(why), "no answer within %lld ms", (long long) wait_ms);
	close(c.fd);
out:
	if (rc < 0)
		clamd_fmt(err, errlen, "%s: %s", cmd + 1, why);
	return rc;
}

/* clamd_resolve_name - resolve a host name (probe thread only): the first address that PONGs */
static int
clamd_resolve_name(struct scanner *s, struct clamd_server *tmp, const struct clamd_limits *lim,
		   char *err, size_t errlen)
{
	char	buf[CLAMD_REPLY_MAX + 1];
	struct addrinfo *res, *ai;
	size_t	len = 0;

	if ((res = clamd_addrinfo(tmp, 0, err, errlen)) == NULL)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (clamd_addr_from(tmp, ai) < 0)
			continue;
		if (clamd_command(s, tmp, lim, "zPING", buf, sizeof(buf), &len, err, errlen) == 0
		    && clamd_parse_pong(buf, len, err, errlen) == 0) {
			freeaddrinfo(res);
			return 0;
		}
	}
	freeaddrinfo(res);
	return -1;			/* err: why the last address failed; resolved again next time */
}

/* clamd_probe_one - PING (down) or VERSION (up) srv and record what it says */
static void
clamd_probe_one(struct scanner *s, struct clamd_server *srv, int ping)
{
	char	buf[CLAMD_REPLY_MAX + 1], err[CLAMD_ERR_MAX] = "", engine[SCAN_ENGINE_MAX] = "",
		sig[32] = "";
	struct clamd_limits lim;
	struct clamd_server tmp;
	size_t	len = 0;
	int	ok = 0, resolved, version = !ping, was_down, slow = 0, rc;
	int64_t	now, t0;
	time_t	sig_time = 0;

	pthread_mutex_lock(&s->mu);
	lim = s->lim;
	resolved = srv->resolved;
	was_down = !srv->up;
	tmp = *srv;					/* spec and address, read under lock */
	pthread_mutex_unlock(&s->mu);
	if (!tmp.valid)
		return;
	if (!resolved) {
		if (clamd_resolve_name(s, &tmp, &lim, err, sizeof(err)) < 0)
			goto record;
		pthread_mutex_lock(&s->mu);
		srv->addr = tmp.addr;
		srv->addrlen = tmp.addrlen;
		srv->resolved = 1;
		pthread_mutex_unlock(&s->mu);
	}
	if (ping) {
		t0 = clamd_now_ms();
		rc = clamd_command(s, &tmp, &lim, "zPING", buf, sizeof(buf), &len, err, sizeof(err));
		if (rc == -2)
			goto local;
		if (rc < 0 || clamd_parse_pong(buf, len, err, sizeof(err)) < 0)
			goto record;
		slow = clamd_now_ms() - t0 > CLAMD_PING_SLOW_MS;
		ok = 1;
		version = was_down;			/* coming back: learn its version too */
	}
	if (version) {
		rc = clamd_command(s, &tmp, &lim, "zVERSION", buf, sizeof(buf), &len, err, sizeof(err));
		if (rc < 0 || clamd_parse_version(buf, len, engine, sizeof(engine), sig, sizeof(sig)) < 0) {
			if (!ping && rc == -2)
				goto local;
			if (!ping) {
				if (engine[0])
					clamd_fmt(err, sizeof(err), "%s", engine);
				goto record;
			}
			engine[0] = 0;			/* PONG was enough to be up */
		} else {
			ok = 1;
			sig_time = clamd_version_time(buf, len);
		}
	}
record:
	now = clamd_now_ms();
	pthread_mutex_lock(&s->mu);
	if (ok) {
		if (engine[0]) {
			clamd_fmt(srv->engine, sizeof(srv->engine), "%s", engine);
			clamd_fmt(srv->sig, sizeof(srv->sig), "%s", sig);
			clamd_fmt(s->engine, sizeof(s->engine), "%s", engine);
			clamd_fmt(s->sig, sizeof(s->sig), "%s", sig);
			s->sig_time = sig_time;
			srv->next_version = now + CLAMD_VERSION_EVERY_MS;
		}
		if (slow)
			srv->ping_failed = 1;		/* it was not answering a while ago */
		/* alive all along but its scans failed: back only after retry_after */
		if (srv->up || !srv->down_by_scan || srv->ping_failed || now >= srv->down_until)
			clamd_mark_alive(srv);
		else
			srv->last_alive = now;
	} else if (srv->up) {
		clamd_mark_down(s, srv, err, 0, 0);
	} else {
		srv->ping_failed = 1;
		srv->unreachable_at = now;
		clamd_fmt(srv->last_error, sizeof(srv->last_error), "%s", err);
	}
	srv->next_probe = now + clamd_probe_interval(&s->lim);
	pthread_mutex_unlock(&s->mu);
	return;
local:
	/* no descriptor or memory here: nothing learnt about the server, ask again later */
	log_debug("clamd server %s: not probed: %s", tmp.spec, err);
	pthread_mutex_lock(&s->mu);
	srv->next_probe = clamd_now_ms() + clamd_probe_interval(&s->lim);
	if (!ping)
		srv->next_version = srv->next_probe;
	pthread_mutex_unlock(&s->mu);
}

/* clamd_probe_due - what the probe should do to srv now: 0 nothing, 1 PING, 2 VERSION, 3 limits (lock held) */
static int
clamd_probe_due(const struct clamd_server *srv, int64_t now)
{
	if (!srv->valid)
		return 0;
	if (!srv->up)
		return now >= srv->next_probe ? 1 : 0;
	if (srv->inflight > 0 && now - srv->last_alive >= CLAMD_BUSY_PING_MS
	    && now - srv->last_probe >= CLAMD_BUSY_PING_MS)
		return 1;
	if (now >= srv->next_version)
		return 2;
	if (now >= srv->next_limits)
		return 3;
	if (now - srv->last_alive >= CLAMD_IDLE_PING_MS && now - srv->last_probe >= CLAMD_IDLE_PING_MS)
		return 1;
	return 0;
}

/* clamd_probe_main - the probe thread: ping down and silent servers, learn versions */
static void *
clamd_probe_main(void *arg)
{
	struct scanner *s = arg;
	struct clamd_server *todo[CONF_MAX_SERVERS + SCAN_MAX_UNITS];
	int	what[CONF_MAX_SERVERS + SCAN_MAX_UNITS];
	struct timespec ts;
	size_t	n, i;
	int64_t	now;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		now = clamd_now_ms();
		for (i = 0, n = 0; i < s->nsrv && n < sizeof(todo) / sizeof(todo[0]); i++) {
			if ((what[n] = clamd_probe_due(s->srv[i], now)) != 0) {
				s->srv[i]->last_probe = now;
				todo[n] = s->srv[i];
				todo[n++]->refs++;
			}
		}
		pthread_mutex_unlock(&s->mu);
		for (i = 0; i < n; i++) {
			if (what[i] == 3)
				clamd_probe_limits(s, todo[i]);
			else
				clamd_probe_one(s, todo[i], what[i] == 1);
		}
		pthread_mutex_lock(&s->mu);
		for (i = 0; i < n; i++)
			clamd_unref(todo[i]);
		if (!s->probed) {
			s->probed = 1;
			pthread_cond_broadcast(&s->cv);
		}
		if (s->stop)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += CLAMD_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* clamd_limits_from - timeouts and limits from the configuration, with sane floors */
static void
clamd_limits_from(const struct conf *conf, struct clamd_limits *lim)
{
	lim->connect_ms = conf->clamd.connect_timeout_ms > 0 ? conf->clamd.connect_timeout_ms : 2000;
	lim->scan_ms = conf->clamd.scan_timeout_ms > 0 ? conf->clamd.scan_timeout_ms : 60000;
	lim->retry_ms = conf->clamd.retry_after_ms > 0 ? conf->clamd.retry_after_ms : 0;
	lim->stream_max = conf->clamd.stream_max;
}

/* clamd_configure - replace the server list, keeping the state of unchanged servers */
static void
clamd_configure(struct scanner *s, const struct conf *conf)
{
	struct clamd_server **nsrv, **old;
	size_t	n = conf->clamd.nservers, i, j, k, nold;

	if (n > CONF_MAX_SERVERS)
		n = CONF_MAX_SERVERS;
	nsrv = clamd_calloc(n, sizeof(*nsrv));
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < n; i++) {
		const char *spec = conf->clamd.servers[i] ? conf->clamd.servers[i] : "";

		for (j = 0; j < s->nsrv && strcmp(s->srv[j]->spec, spec) != 0; j++)
			;
		for (k = 0; k < i && j < s->nsrv && nsrv[k] != s->srv[j]; k++)
			;
		if (j < s->nsrv && k == i) {		/* unchanged (and not listed twice) */
			nsrv[i] = s->srv[j];
			nsrv[i]->refs++;
		} else
			nsrv[i] = clamd_server_new(spec);
		for (k = 0; k < conf->clamd.nlimits_unreported_ok
		     && strcmp(conf->clamd.limits_unreported_ok[k] ? conf->clamd.limits_unreported_ok[k]
			       : "", spec) != 0; k++)
			;
		nsrv[i]->limits_ok = k < conf->clamd.nlimits_unreported_ok;
	}
	old = s->srv;
	nold = s->nsrv;
	s->srv = nsrv;
	s->nsrv = n;
	s->rr = 0;
	clamd_limits_from(conf, &s->lim);
	for (i = 0; i < nold; i++)
		clamd_unref(old[i]);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	free(old);
}

/* clamd_probe_spool - the limits probe as an in-memory spool; NULL with err */
static struct spool *
clamd_probe_spool(char *err, size_t errlen)
{
	unsigned char *p = clamd_calloc(1, CLAMD_PROBE_MAX);
	struct spool *sp = spool_new(NULL, 2 * CLAMD_PROBE_MAX, 0);
	size_t	n = clamd_limits_probe(p, CLAMD_PROBE_MAX);

	if (n == 0 || spool_write(sp, p, n, err, errlen) < 0 || spool_finish(sp, err, errlen) < 0
	    || spool_mem(sp, NULL) == NULL) {
		if (n == 0)
			clamd_fmt(err, errlen, "clamd: cannot build the limits probe");
		spool_free(sp);
		sp = NULL;
	}
	free(p);
	return sp;
}

/* clamd_create - a pool for this configuration, with its probe thread */
static struct scanner *
clamd_create(const struct conf *conf, char *err, size_t errlen)
{
	struct scanner *s = clamd_calloc(1, sizeof(*s));
	pthread_condattr_t ca;
	int	rc;

	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((s->limits_probe = clamd_probe_spool(err, errlen)) == NULL) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return NULL;
	}
	clamd_configure(s, conf);
	if ((rc = pthread_create(&s->probe, NULL, clamd_probe_main, s)) != 0) {
		clamd_fmt(err, errlen, "clamd: cannot start the probe thread: %s", strerror(rc));
		clamd_configure(s, &(struct conf) { .clamd.nservers = 0 });
		free(s->srv);
		spool_free(s->limits_probe);
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return NULL;
	}
	return s;
}

/* clamd_wait_ready - wait for the first probe round; 0 when a server is up */
static int
clamd_wait_ready(struct scanner *s, int timeout_ms)
{
	struct timespec ts;
	size_t	i;
	int	up = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	while (!s->probed && !s->stop)
		if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) != 0)
			break;
	for (i = 0; i < s->nsrv; i++)
		up |= s->srv[i]->up;
	pthread_mutex_unlock(&s->mu);
	return up ? 0 : -1;
}

/* clamd_status - per-server health and the engine version */
static void
clamd_status(struct scanner *s, struct scan_status *st)
{
	size_t	i;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&s->mu);
	clamd_fmt(st->engine, sizeof(st->engine), "%s", s->engine);
	clamd_fmt(st->sig_version, sizeof(st->sig_version), "%s", s->sig);
	st->sig_time = s->sig_time;
	st->loading = !s->probed;
	for (i = 0; i < s->nsrv && i < SCAN_MAX_UNITS; i++) {
		struct scan_unit_status *u = &st->units[i];
		const struct clamd_server *srv = s->srv[i];

		clamd_fmt(u->name, sizeof(u->name), "%s", srv->spec);
		u->up = srv->up;
		u->since = srv->since;
		u->limits = srv->limits;
		u->limits_ok = srv->limits_ok;
		clamd_fmt(u->last_error, sizeof(u->last_error), "%s", srv->last_error);
		st->up |= srv->up;
	}
	st->nunits = i;
	pthread_mutex_unlock(&s->mu);
}

/* clamd_destroy - stop and join the probe thread, free everything */
static void
clamd_destroy(struct scanner *s)
{
	size_t	i;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->probe, NULL);
	for (i = 0; i < s->nsrv; i++)
		clamd_unref(s->srv[i]);
	free(s->srv);
	spool_free(s->limits_probe);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

const struct scan_ops scan_clamd_ops = {
	.name = "clamd",
	.create = clamd_create,
	.configure = clamd_configure,
	.scan = clamd_scan,
	.reload = NULL,
	.wait_ready = clamd_wait_ready,
	.status = clamd_status,
	.destroy = clamd_destroy,
};
