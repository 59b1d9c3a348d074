/*
 * NAME
 *	mtload - keep a milter busy from several connections and judge every decision (test and bench tool)
 * SUMMARY
 *	mtload [-c CONNS] [-d SECONDS] [-s STOPFILE] [-p PAUSE_MS] [-t TIMEOUT_MS]
 *		[-l LOGFILE] SOCKET EXPECT:FILE...
 * DESCRIPTION
 *	The load of the reload tests and of bench/reload-latency: CONNS
 *	threads (default 4), each with its own milter connection (mtclient(3)),
 *	send the given messages one after the other, round robin (connection
 *	i starts at message i), until SECONDS have passed (default 10) or
 *	STOPFILE exists, pausing PAUSE_MS after each message (default 0: as
 *	fast as the filter answers). EXPECT is the decision each message must
 *	get: accept, reject, tempfail or discard. A connection that fails is
 *	counted as an error and opened again.
 *
 *	Every message is logged to LOGFILE (when given) as one line:
 *
 *	at=1764385012.345 conn=2 n=17 file=eicar.eml expect=reject decision=reject
 *	  time=0.012 status="Infected (Eicar-Test-Signature)"
 *
 *	(at = wall clock when it was sent, time = seconds until the decision)
 *	and the summary goes to stdout as one line:
 *
 *	messages=812 accept=406 reject=406 tempfail=0 discard=0 errors=0
 *	  unexpected=0 max=0.081 p99=0.041 p50=0.006 mean=0.008
 * DIAGNOSTICS
 *	Exit 0 when every message got its expected decision, 1 when any did
 *	not or a connection failed (details on stderr, at most 20 lines),
 *	2 on usage errors.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mtclient.h"

#define MTLOAD_FILE_MAX		(16 * 1024 * 1024)	/* one message */
#define MTLOAD_MSGS_MAX		64		/* message files */
#define MTLOAD_CONNS_MAX	64
#define MTLOAD_COMPLAIN_MAX	20		/* stderr lines about failures */

/* One message file and what it must get. */
struct mtload_msg {
	const char *path;
	const char *base;
	enum mt_decision expect;
	char   *text;
	size_t	len;
};

/* What all threads share. */
struct mtload {
	const char *socket;
	const char *stopfile;
	double	deadline;		/* monotonic seconds */
	int	pause_ms;
	int	timeout_ms;
	struct mtload_msg msgs[MTLOAD_MSGS_MAX];
	size_t	nmsgs;
	FILE   *log;
	pthread_mutex_t mu;		/* log, counters, complaints */
	unsigned long decisions[MT_DECISION_COUNT];
	unsigned long errors;
	unsigned long unexpected;
	unsigned complaints;
};

/* One connection's thread and the latencies it measured. */
struct mtload_conn {
	struct mtload *L;
	int	id;
	pthread_t thread;
	double *lat;
	size_t	nlat, caplat;
};

/* mtload_mono - monotonic seconds */
static double
mtload_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* mtload_wall - wall clock seconds */
static double
mtload_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* mtload_decision - the decision named s; -1 unknown */
static int
mtload_decision(const char *s, size_t n)
{
	int	d;

	for (d = 0; d < MT_DECISION_COUNT; d++)
		if (strlen(mt_decision_name((enum mt_decision) d)) == n &&
		    strncmp(s, mt_decision_name((enum mt_decision) d), n) == 0)
			return d;
	return -1;
}

/* mtload_complain - one line to stderr, at most MTLOAD_COMPLAIN_MAX of them (lock held) */
static void mtload_complain(struct mtload *L, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void
mtload_complain(struct mtload *L, const char *fmt, ...)
{
	va_list	ap;

	if (L->complaints++ >= MTLOAD_COMPLAIN_MAX)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* mtload_stop - 1 when the run is over */
static int
mtload_stop(const struct mtload *L)
{
	return mtload_mono() >= L->deadline || (L->stopfile != NULL && access(L->stopfile, F_OK) == 0);
}

/* mtload_record - count and log one decided message */
static void
mtload_record(struct mtload_conn *C, unsigned long n, const struct mtload_msg *m,
	      const struct mt_result *r, double at, double secs)
{
	struct mtload *L = C->L;
	const char *status = mt_result_header(r, "X-Virus-Status");

	if (C->nlat == C->caplat) {
		C->caplat = C->caplat ? C->caplat * 2 : 1024;
		if ((C->lat = realloc(C->lat, C->caplat * sizeof(*C->lat))) == NULL)
			abort();
	}
	C->lat[C->nlat++] = secs;
	pthread_mutex_lock(&L->mu);
	L->decisions[r->decision]++;
	if (r->decision != m->expect) {
		L->unexpected++;
		mtload_complain(L, "mtload: conn %d message %lu (%s): %s, expected %s (%s)", C->id, n,
				m->base, mt_decision_name(r->decision), mt_decision_name(m->expect),
				r->reply[0] ? r->reply : status ? status : "no reply");
	}
	if (L->log != NULL)
		fprintf(L->log, "at=%.3f conn=%d n=%lu file=%s expect=%s decision=%s time=%.4f "
			"status=\"%s\"\n", at, C->id, n, m->base, mt_decision_name(m->expect),
			mt_decision_name(r->decision), secs, status ? status : "");
	pthread_mutex_unlock(&L->mu);
}

/* mtload_conn_main - one connection: send messages until the run is over */
static void *
mtload_conn_main(void *arg)
{
	struct mtload_conn *C = arg;
	struct mtload *L = C->L;
	struct mt_conn *c = NULL;
	struct mt_envelope env;
	struct mt_result *r;
	char	err[512], qid[32];
	unsigned long n = 0;
	size_t	k = (size_t) C->id % L->nmsgs;

	if ((r = malloc(sizeof(*r))) == NULL)
		abort();
	while (!mtload_stop(L)) {
		const struct mtload_msg *m = &L->msgs[k];
		double	t0, at;

		if (c == NULL && mt_open(L->socket, L->timeout_ms, &c, err, sizeof(err)) < 0) {
			pthread_mutex_lock(&L->mu);
			L->errors++;
			mtload_complain(L, "mtload: conn %d: %s", C->id, err);
			pthread_mutex_unlock(&L->mu);
			c = NULL;
			usleep(100 * 1000);
			continue;
		}
		memset(&env, 0, sizeof(env));
		snprintf(qid, sizeof(qid), "LOAD%dN%lu", C->id, n);
		env.queue_id = qid;
		at = mtload_wall();
		t0 = mtload_mono();
		if (mt_message(c, &env, m->text, m->len, r, err, sizeof(err)) < 0) {
			pthread_mutex_lock(&L->mu);
			L->errors++;
			mtload_complain(L, "mtload: conn %d message %lu (%s): %s", C->id, n, m->base, err);
			pthread_mutex_unlock(&L->mu);
			mt_close(c);
			c = NULL;
			continue;
		}
		mtload_record(C, n, m, r, at, mtload_mono() - t0);
		n++;
		k = (k + 1) % L->nmsgs;
		if (L->pause_ms > 0)
			usleep((useconds_t) L->pause_ms * 1000);
	}
	mt_close(c);
	free(r);
	return NULL;
}

/* mtload_cmp - qsort order of doubles */
static int
mtload_cmp(const void *a, const void *b)
{
	double	x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

/* mtload_usage - the usage line; exit 2 */
static void mtload_usage(void) __attribute__((noreturn));
static void
mtload_usage(void)
{
	fprintf(stderr, "usage: mtload [-c CONNS] [-d SECONDS] [-s STOPFILE] [-p PAUSE_MS] "
		"[-t TIMEOUT_MS] [-l LOGFILE] SOCKET EXPECT:FILE...\n"
		"  EXPECT: accept, reject, tempfail or discard\n");
	exit(2);
}

/* mtload_summary - the one summary line; 0 when all went as expected */
static int
mtload_summary(struct mtload *L, struct mtload_conn *conns, int nconns)
{
	double *all, sum = 0;
	size_t	n = 0, i;
	int	j;

	for (j = 0; j < nconns; j++)
		n += conns[j].nlat;
	if ((all = malloc((n ? n : 1) * sizeof(*all))) == NULL)
		abort();
	for (j = 0, n = 0; j < nconns; j++)
		for (i = 0; i < conns[j].nlat; i++) {
			all[n++] = conns[j].lat[i];
			sum += conns[j].lat[i];
		}
	qsort(all, n, sizeof(*all), mtload_cmp);
	printf("messages=%zu accept=%lu reject=%lu tempfail=%lu discard=%lu errors=%lu unexpected=%lu "
	       "max=%.4f p99=%.4f p50=%.4f mean=%.4f\n", n, L->decisions[MT_ACCEPT],
	       L->decisions[MT_REJECT], L->decisions[MT_TEMPFAIL], L->decisions[MT_DISCARD],
	       L->errors, L->unexpected, n ? all[n - 1] : 0.0,
	       n ? all[(size_t) ((double) (n - 1) * 0.99)] : 0.0, n ? all[(n - 1) / 2] : 0.0,
	       n ? sum / (double) n : 0.0);
	free(all);
	return n > 0 && L->errors == 0 && L->unexpected == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static struct mtload L;
	struct mtload_conn *conns;
	const char *logfile = NULL;
	double	seconds = 10;
	int	opt, nconns = 4, i, rc;
	size_t	k;

	while ((opt = getopt(argc, argv, "c:d:s:p:t:l:")) != -1) {
		switch (opt) {
		case 'c':
			nconns = atoi(optarg);
			break;
		case 'd':
			seconds = atof(optarg);
			break;
		case 's':
			L.stopfile = optarg;
			break;
		case 'p':
			L.pause_ms = atoi(optarg);
			break;
		case 't':
			L.timeout_ms = atoi(optarg);
			break;
		case 'l':
			logfile = optarg;
			break;
		default:
			mtload_usage();
		}
	}
	if (argc - optind < 2 || nconns < 1 || nconns > MTLOAD_CONNS_MAX || seconds <= 0
	    || L.pause_ms < 0 || L.timeout_ms < 0 || argc - optind - 1 > MTLOAD_MSGS_MAX)
		mtload_usage();
	if (L.timeout_ms == 0)
		L.timeout_ms = 60000;
	L.socket = argv[optind++];
	for (; optind < argc; optind++) {
		struct mtload_msg *m = &L.msgs[L.nmsgs++];
		const char *colon = strchr(argv[optind], ':');
		int	d = -1;

		if (colon == NULL || (d = mtload_decision(argv[optind], (size_t) (colon - argv[optind]))) < 0)
			mtload_usage();
		m->expect = (enum mt_decision) d;
		m->path = colon + 1;
		m->base = strrchr(m->path, '/') ? strrchr(m->path, '/') + 1 : m->path;
		if ((m->text = mt_read_message(m->path, MTLOAD_FILE_MAX, &m->len)) == NULL) {
			fprintf(stderr, "mtload: cannot read %s (empty, missing or over %d bytes)\n",
				m->path, MTLOAD_FILE_MAX);
			return 2;
		}
	}
	if (logfile != NULL && (L.log = fopen(logfile, "w")) == NULL) {
		fprintf(stderr, "mtload: %s: %s\n", logfile, strerror(errno));
		return 2;
	}
	pthread_mutex_init(&L.mu, NULL);
	L.deadline = mtload_mono() + seconds;
	if ((conns = calloc((size_t) nconns, sizeof(*conns))) == NULL)
		abort();
	for (i = 0; i < nconns; i++) {
		conns[i].L = &L;
		conns[i].id = i;
		if (pthread_create(&conns[i].thread, NULL, mtload_conn_main, &conns[i]) != 0) {
			fprintf(stderr, "mtload: cannot start thread %d\n", i);
			return 1;
		}
	}
	for (i = 0; i < nconns; i++)
		pthread_join(conns[i].thread, NULL);
	rc = mtload_summary(&L, conns, nconns);
	if (L.complaints > MTLOAD_COMPLAIN_MAX)
		fprintf(stderr, "mtload: %u more failures not shown\n", L.complaints - MTLOAD_COMPLAIN_MAX);
	if (L.log != NULL && fclose(L.log) != 0) {
		fprintf(stderr, "mtload: %s: write error\n", logfile);
		rc = 1;
	}
	for (i = 0; i < nconns; i++)
		free(conns[i].lat);
	for (k = 0; k < L.nmsgs; k++)
		free(L.msgs[k].text);
	free(conns);
	pthread_mutex_destroy(&L.mu);
	return rc;
}
