/*
 * NAME
 *	soakload - the soak test's load: many milter connections, unique queue ids, and clients that give up
 * SUMMARY
 *	soakload [-c CONNS] [-x ABORTERS] [-d SECONDS] [-s STOPFILE] [-t TIMEOUT_MS]
 *		-l LOGFILE SOCKET FILE...
 * DESCRIPTION
 *	CONNS threads (default 6) each keep one milter connection
 *	(mtclient(3)) and send the FILEs round robin until SECONDS have
 *	passed (default 60) or STOPFILE exists. Every attempt has a queue id
 *	of its own, SOAK<conn>A<attempt>, also when an earlier attempt
 *	failed, so that the test can count the daemon's log lines per queue
 *	id. A connection that fails (a timeout while the daemon or clamd is
 *	stopped, a dropped connection) is logged and opened again.
 *
 *	ABORTERS threads (default 2) are clients that give up: each opens a
 *	raw milter connection, goes through CONNECT, HELO, MAIL, RCPT, two
 *	headers, end of headers and one body chunk, and then alternately
 *	sends ABORT and QUIT or just closes the socket. Their queue ids are
 *	SOAKX<conn>A<attempt>; the daemon must decide none of them.
 *
 *	LOGFILE gets one line per attempt:
 *
 *	qid=SOAK3A17 file=clean.eml result=decided decision=accept time=0.012 status="Clean"
 *	qid=SOAK3A18 file=big.eml result=error time=30.001 err="..."
 *	qid=SOAKX1A5 result=aborted how=disconnect
 *
 *	and stdout one summary line:
 *
 *	attempts=812 decided=790 errors=2 aborted=20 accept=406 reject=380 tempfail=4
 *	  discard=0 max=0.081
 * DIAGNOSTICS
 *	Exit 0 when at least one message was decided, 1 otherwise, 2 on
 *	usage errors. Judging the decisions is the test's job.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mtclient.h"

#define SOAK_FILE_MAX	(16 * 1024 * 1024)
#define SOAK_FILES_MAX	32
#define SOAK_CONNS_MAX	64

/* One message file. */
struct soak_msg {
	const char *base;
	char   *text;
	size_t	len;
};

/* What all threads share. */
struct soak {
	const char *socket;
	const char *stopfile;
	double	deadline;
	int	timeout_ms;
	struct soak_msg msgs[SOAK_FILES_MAX];
	size_t	nmsgs;
	FILE   *log;
	pthread_mutex_t mu;
	unsigned long attempts, decided, errors, aborted;
	unsigned long decisions[MT_DECISION_COUNT];
	double	max;
};

/* One thread. */
struct soak_thread {
	struct soak *S;
	int	id;
	pthread_t th;
};

/* soak_mono - monotonic seconds */
static double
soak_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* soak_stop - 1 when the run is over */
static int
soak_stop(const struct soak *S)
{
	return soak_mono() >= S->deadline || (S->stopfile && access(S->stopfile, F_OK) == 0);
}

/* soak_clean - a text safe inside a log line's quotes */
static void
soak_clean(char *dst, size_t len, const char *src)
{
	size_t	o = 0;

	for (; src && *src && o + 1 < len; src++)
		dst[o++] = (*src >= 0x20 && *src < 0x7f && *src != '"') ? *src : '?';
	dst[o] = 0;
}

/* soak_worker - one mtclient connection sending messages until the end */
static void *
soak_worker(void *arg)
{
	struct soak_thread *T = arg;
	struct soak *S = T->S;
	struct mt_conn *c = NULL;
	struct mt_envelope env;
	struct mt_result *r = malloc(sizeof(*r));
	char	err[512], qid[32], safe[512];
	unsigned long a = 0;
	size_t	k = (size_t) T->id % S->nmsgs;

	if (r == NULL)
		abort();
	while (!soak_stop(S)) {
		const struct soak_msg *m = &S->msgs[k];
		double	t0, secs;
		int	rc;

		if (c == NULL && mt_open(S->socket, S->timeout_ms, &c, err, sizeof(err)) < 0) {
			c = NULL;
			usleep(200 * 1000);	/* the daemon is stopped or busy: no attempt made */
			continue;
		}
		snprintf(qid, sizeof(qid), "SOAK%dA%lu", T->id, a++);
		memset(&env, 0, sizeof(env));
		env.queue_id = qid;
		t0 = soak_mono();
		rc = mt_message(c, &env, m->text, m->len, r, err, sizeof(err));
		secs = soak_mono() - t0;
		pthread_mutex_lock(&S->mu);
		S->attempts++;
		if (rc < 0) {
			S->errors++;
			soak_clean(safe, sizeof(safe), err);
			fprintf(S->log, "qid=%s file=%s result=error time=%.3f err=\"%s\"\n", qid,
				m->base, secs, safe);
		} else {
			const char *st = mt_result_header(r, "X-Virus-Status");

			S->decided++;
			S->decisions[r->decision]++;
			if (secs > S->max)
				S->max = secs;
			soak_clean(safe, sizeof(safe), st ? st : "");
			fprintf(S->log, "qid=%s file=%s result=decided decision=%s stage=%s time=%.3f "
				"status=\"%s\"\n", qid, m->base, mt_decision_name(r->decision), r->stage,
				secs, safe);
		}
		fflush(S->log);
		pthread_mutex_unlock(&S->mu);
		if (rc < 0) {
			mt_close(c);
			c = NULL;
		}
		k = (k + 1) % S->nmsgs;
	}
	mt_close(c);
	free(r);
	return NULL;
}

/* soak_raw_send - one milter packet; 0 ok, -1 err */
static int
soak_raw_send(int fd, char cmd, const void *data, size_t len)
{
	unsigned char h[5];
	uint32_t n = (uint32_t) len + 1;

	h[0] = (unsigned char) (n >> 24);
	h[1] = (unsigned char) (n >> 16);
	h[2] = (unsigned char) (n >> 8);
	h[3] = (unsigned char) n;
	h[4] = (unsigned char) cmd;
	if (send(fd, h, 5, MSG_NOSIGNAL) != 5)
		return -1;
	if (len && send(fd, data, len, MSG_NOSIGNAL) != (ssize_t) len)
		return -1;
	return 0;
}

/* soak_raw_read - read exactly len bytes within timeout_ms; 0 ok, -1 err */
static int
soak_raw_read(int fd, void *buf, size_t len, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t	off = 0;
	ssize_t	n;

	while (off < len) {
		if (poll(&p, 1, timeout_ms) <= 0)
			return -1;
		n = read(fd, (char *) buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t) n;
	}
	return 0;
}

/* soak_raw_reply - the command of the next reply that is not progress; -1 on error */
static int
soak_raw_reply(int fd, int timeout_ms)
{
	unsigned char h[5];
	char	junk[512];
	uint32_t n;

	for (;;) {
		if (soak_raw_read(fd, h, 5, timeout_ms) < 0)
			return -1;
		n = (uint32_t) h[0] << 24 | (uint32_t) h[1] << 16 | (uint32_t) h[2] << 8 | h[3];
		if (n == 0 || n - 1 > sizeof(junk))
			return -1;
		if (n > 1 && soak_raw_read(fd, junk, n - 1, timeout_ms) < 0)
			return -1;
		if (h[4] != 'p')
			return h[4];
	}
}

/* soak_raw_step - send a packet and expect continue; 0 ok, -1 err or other reply */
static int
soak_raw_step(int fd, char cmd, const void *data, size_t len, int timeout_ms)
{
	if (soak_raw_send(fd, cmd, data, len) < 0)
		return -1;
	return soak_raw_reply(fd, timeout_ms) == 'c' ? 0 : -1;
}

/* soak_raw_open - a connected unix socket to the daemon, negotiated; -1 err */
static int
soak_raw_open(const char *spec, int timeout_ms)
{
	static const unsigned char optneg[12] = {0, 0, 0, 6, 0, 0, 1, 0xff, 0, 0, 0, 0};
	struct sockaddr_un sun;
	const char *path = strncmp(spec, "unix:", 5) == 0 ? spec + 5 : spec;
	int	fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0
	    || soak_raw_send(fd, 'O', optneg, sizeof(optneg)) < 0
	    || soak_raw_reply(fd, timeout_ms) != 'O') {
		close(fd);
		return -1;
	}
	return fd;
}

/* soak_aborter - clients that stop in the middle of a message */
static void *
soak_aborter(void *arg)
{
	struct soak_thread *T = arg;
	struct soak *S = T->S;
	char	macro[64], body[4096];
	unsigned long a = 0;
	int	fd, n;

	memset(body, 'b', sizeof(body));
	while (!soak_stop(S)) {
		const char *how = a % 2 ? "disconnect" : "abort";

		usleep(50 * 1000);
		if ((fd = soak_raw_open(S->socket, S->timeout_ms)) < 0) {
			usleep(200 * 1000);
			continue;
		}
		n = snprintf(macro, sizeof(macro), "Mi%cSOAKX%dA%lu", 0, T->id, a++);
		if (soak_raw_step(fd, 'C', "localhost\0U", 11, S->timeout_ms) < 0
		    || soak_raw_step(fd, 'H', "localhost", 10, S->timeout_ms) < 0
		    || soak_raw_send(fd, 'D', macro, (size_t) n + 1) < 0
		    || soak_raw_step(fd, 'M', "<a@example.com>", 16, S->timeout_ms) < 0
		    || soak_raw_step(fd, 'R', "<b@example.net>", 16, S->timeout_ms) < 0
		    || soak_raw_step(fd, 'L', "Subject\0given up", 17, S->timeout_ms) < 0
		    || soak_raw_step(fd, 'L', "X-Virus-Status\0Clean", 21, S->timeout_ms) < 0
		    || soak_raw_step(fd, 'N', NULL, 0, S->timeout_ms) < 0
		    || soak_raw_step(fd, 'B', body, sizeof(body), S->timeout_ms) < 0) {
			how = "refused";	/* the daemon said something else or went away */
		} else if (a % 2) {
			(void) soak_raw_send(fd, 'A', NULL, 0);
			(void) soak_raw_send(fd, 'Q', NULL, 0);
		}
		close(fd);
		pthread_mutex_lock(&S->mu);
		S->aborted++;
		fprintf(S->log, "qid=SOAKX%dA%lu result=aborted how=%s\n", T->id, a - 1, how);
		fflush(S->log);
		pthread_mutex_unlock(&S->mu);
	}
	return NULL;
}

/* soak_usage - the usage line; exit 2 */
static void
soak_usage(void)
{
	fprintf(stderr, "usage: soakload [-c CONNS] [-x ABORTERS] [-d SECONDS] [-s STOPFILE] "
		"[-t TIMEOUT_MS] -l LOGFILE SOCKET FILE...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct soak S;
	static struct soak_thread th[2 * SOAK_CONNS_MAX];
	const char *logfile = NULL;
	double	seconds = 60;
	int	opt, nconns = 6, naborters = 2, i, n;

	S.timeout_ms = 30000;
	while ((opt = getopt(argc, argv, "c:x:d:s:t:l:")) != -1) {
		switch (opt) {
		case 'c':
			nconns = atoi(optarg);
			break;
		case 'x':
			naborters = atoi(optarg);
			break;
		case 'd':
			seconds = atof(optarg);
			break;
		case 's':
			S.stopfile = optarg;
			break;
		case 't':
			S.timeout_ms = atoi(optarg);
			break;
		case 'l':
			logfile = optarg;
			break;
		default:
			soak_usage();
		}
	}
	if (argc - optind < 2 || logfile == NULL || nconns < 1 || nconns > SOAK_CONNS_MAX
	    || naborters < 0 || naborters > SOAK_CONNS_MAX || seconds <= 0)
		soak_usage();
	S.socket = argv[optind];
	for (i = optind + 1; i < argc && S.nmsgs < SOAK_FILES_MAX; i++) {
		struct soak_msg *m = &S.msgs[S.nmsgs++];
		const char *slash = strrchr(argv[i], '/');

		m->base = slash ? slash + 1 : argv[i];
		if ((m->text = mt_read_message(argv[i], SOAK_FILE_MAX, &m->len)) == NULL) {
			fprintf(stderr, "soakload: cannot read %s\n", argv[i]);
			return 2;
		}
	}
	if ((S.log = fopen(logfile, "a")) == NULL) {
		perror(logfile);
		return 2;
	}
	pthread_mutex_init(&S.mu, NULL);
	S.deadline = soak_mono() + seconds;
	for (i = 0, n = 0; i < nconns + naborters; i++, n++) {
		th[i].S = &S;
		th[i].id = i < nconns ? i : i - nconns;
		if (pthread_create(&th[i].th, NULL, i < nconns ? soak_worker : soak_aborter, &th[i]) != 0) {
			fprintf(stderr, "soakload: pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < n; i++)
		pthread_join(th[i].th, NULL);
	printf("attempts=%lu decided=%lu errors=%lu aborted=%lu accept=%lu reject=%lu tempfail=%lu "
	       "discard=%lu max=%.3f\n", S.attempts, S.decided, S.errors, S.aborted,
	       S.decisions[MT_ACCEPT], S.decisions[MT_REJECT], S.decisions[MT_TEMPFAIL],
	       S.decisions[MT_DISCARD], S.max);
	fclose(S.log);
	for (i = 0; i < (int) S.nmsgs; i++)
		free(S.msgs[i].text);
	return S.decided > 0 ? 0 : 1;
}
