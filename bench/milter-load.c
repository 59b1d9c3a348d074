/*
 * NAME
 *	milter-load - send a corpus through any milter over concurrent connections
 * SUMMARY
 *	milter-load [-c CONNS] [-n COUNT] [-t TIMEOUT_MS] [-m MSGS_PER_CONN]
 *		[-l LATFILE] [-q] SOCKET CORPUS
 * DESCRIPTION
 *	The MTA side of a benchmark, on mtclient(3): reads the corpus that
 *	mkcorpus wrote into memory, then CONNS threads each hold one milter
 *	connection to SOCKET ("unix:/PATH", "inet:PORT@HOST" ...) and send
 *	messages taken in order, each message once; COUNT (default: all)
 *	larger than the corpus is cut to the corpus (a repeated message
 *	would be a scan-cache hit, not a scan). A connection carries at
 *	most MSGS_PER_CONN messages (default 0 = no limit) before it is
 *	closed and opened again, as an MTA does.
 *
 *	The latency of a message is the whole milter transaction, from MAIL
 *	FROM to the reply at end of message: what the MTA waits for. A
 *	connection that fails (protocol or I/O error, timeout) is counted,
 *	closed and opened again; its message counts as an error.
 *
 *	Output: one line of key=value pairs on stdout:
 *	milter-load conns=4 messages=2000 seconds=5.2 msgs_per_s=384.6
 *	  p50_ms=... p99_ms=... max_ms=... accept=1900 reject=100 tempfail=0
 *	  discard=0 errors=0 mismatches=0 first_ms=... rest_max_ms=...
 *	A mismatch is an infected message (MANIFEST) that was not rejected,
 *	or a clean one that was not accepted. first_ms is the latency of
 *	the first message sent, rest_max_ms the worst of all the others
 *	(for the hung-scanner test). -l writes "START_S LATENCY_MS DECISION"
 *	for every message to LATFILE (START_S counted from the first send).
 *	-q: no per-error lines on stderr.
 * DIAGNOSTICS
 *	Exit 0 when every message got a decision, 1 when any failed, 2 on
 *	usage or corpus errors.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"
#include "mtclient.h"

#define ML_ERRORS	MT_DECISION_COUNT	/* the kind slot of a failed message */

/* Shared by the connection threads. */
struct ml_run {
	const char *spec;
	const struct corpus *corpus;
	size_t	count;
	int	timeout_ms;
	unsigned long per_conn;
	int	quiet;
	double	t0;
	atomic_size_t next;
	double *start;			/* per message, seconds from t0 */
	double *lat;			/* per message, seconds */
	unsigned char *kind;		/* enum mt_decision or ML_ERRORS */
	atomic_ulong connect_errors;
};

/* ml_worker - one connection's loop: open, send messages, reopen after errors */
static void *
ml_worker(void *arg)
{
	struct ml_run *run = arg;
	struct mt_conn *c = NULL;
	struct mt_result *r = malloc(sizeof(*r));
	struct mt_envelope env;
	unsigned long sent = 0;
	char	err[256], qid[32];
	size_t	i;

	if (r == NULL)
		abort();
	memset(&env, 0, sizeof(env));
	env.queue_id = qid;
	while ((i = atomic_fetch_add(&run->next, 1)) < run->count) {
		const struct corpus_msg *m = &run->corpus->msgs[i];
		double	t = corpus_now();
		int	rc = 0;

		run->start[i] = t - run->t0;
		if (c == NULL && mt_open(run->spec, run->timeout_ms, &c, err, sizeof(err)) < 0) {
			c = NULL;
			rc = -1;
			atomic_fetch_add(&run->connect_errors, 1);
		}
		if (rc == 0) {
			snprintf(qid, sizeof(qid), "B%06zu", i);
			rc = mt_message(c, &env, m->data, m->len, r, err, sizeof(err));
		}
		run->lat[i] = corpus_now() - t;
		if (rc < 0) {
			run->kind[i] = ML_ERRORS;
			if (!run->quiet)
				fprintf(stderr, "milter-load: %s: %s\n", m->name, err);
			mt_close(c);
			c = NULL;
			sent = 0;
			continue;
		}
		run->kind[i] = (unsigned char) r->decision;
		if ((run->per_conn && ++sent >= run->per_conn) || strcmp(r->stage, "connect") == 0
		    || strcmp(r->stage, "helo") == 0) {
			/* refused at connect: the next message needs a new connection */
			mt_close(c);
			c = NULL;
			sent = 0;
		}
	}
	mt_close(c);
	free(r);
	return NULL;
}

/* ml_usage - print usage and exit 2 */
static void
ml_usage(void)
{
	fprintf(stderr, "usage: milter-load [-c CONNS] [-n COUNT] [-t TIMEOUT_MS] "
		"[-m MSGS_PER_CONN] [-l LATFILE] [-q] SOCKET CORPUS\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct corpus corpus;
	struct ml_run run;
	unsigned long conns = 4;
	size_t	count = 0, i, n, counts[MT_DECISION_COUNT + 1] = {0}, mismatches = 0;
	const char *latfile = NULL;
	pthread_t *th;
	double	secs, *lat, first = 0, rest_max = 0, first_start = 1e300;
	char	err[512];
	int	opt;

	memset(&run, 0, sizeof(run));
	run.timeout_ms = 120000;
	while ((opt = getopt(argc, argv, "c:n:t:m:l:q")) != -1) {
		switch (opt) {
		case 'c': conns = strtoul(optarg, NULL, 10); break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 't': run.timeout_ms = atoi(optarg); break;
		case 'm': run.per_conn = strtoul(optarg, NULL, 10); break;
		case 'l': latfile = optarg; break;
		case 'q': run.quiet = 1; break;
		default: ml_usage();
		}
	}
	if (optind + 2 != argc || conns == 0 || conns > 1024 || run.timeout_ms <= 0)
		ml_usage();
	run.spec = argv[optind];
	if (corpus_load(argv[optind + 1], count, &corpus, err, sizeof(err)) < 0) {
		fprintf(stderr, "milter-load: %s\n", err);
		return 2;
	}
	n = corpus.n;
	run.corpus = &corpus;
	run.count = n;
	atomic_init(&run.next, 0);
	atomic_init(&run.connect_errors, 0);
	if ((run.start = calloc(n, sizeof(double))) == NULL
	    || (run.lat = calloc(n, sizeof(double))) == NULL
	    || (run.kind = calloc(n, 1)) == NULL || (lat = calloc(n, sizeof(double))) == NULL
	    || (th = calloc(conns, sizeof(*th))) == NULL)
		abort();

	run.t0 = corpus_now();
	for (i = 0; i < conns; i++)
		if (pthread_create(&th[i], NULL, ml_worker, &run) != 0) {
			fprintf(stderr, "milter-load: cannot start thread %zu\n", i);
			return 2;
		}
	for (i = 0; i < conns; i++)
		pthread_join(th[i], NULL);
	secs = corpus_now() - run.t0;

	for (i = 0; i < n; i++) {
		int	k = run.kind[i];

		counts[k]++;
		lat[i] = run.lat[i];
		if (k != ML_ERRORS && (corpus.msgs[i].infected ? k != MT_REJECT : k != MT_ACCEPT))
			mismatches++;
		if (run.start[i] < first_start) {
			first_start = run.start[i];
			first = run.lat[i];
		}
	}
	for (i = 0; i < n; i++)
		if (run.start[i] != first_start && run.lat[i] > rest_max)
			rest_max = run.lat[i];
	if (latfile != NULL) {
		FILE   *fp = fopen(latfile, "w");

		if (fp == NULL) {
			perror(latfile);
		} else {
			for (i = 0; i < n; i++)
				fprintf(fp, "%.4f %.3f %s\n", run.start[i], run.lat[i] * 1e3,
					run.kind[i] == ML_ERRORS ? "error"
					: mt_decision_name((enum mt_decision) run.kind[i]));
			fclose(fp);
		}
	}
	printf("milter-load conns=%lu messages=%zu bytes=%zu seconds=%.3f msgs_per_s=%.1f "
	       "mb_per_s=%.2f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f accept=%zu reject=%zu "
	       "tempfail=%zu discard=%zu errors=%zu connect_errors=%lu mismatches=%zu "
	       "first_ms=%.2f rest_max_ms=%.2f\n",
	       conns, n, corpus.bytes, secs, (double) n / secs,
	       (double) corpus.bytes / secs / 1048576.0,
	       corpus_pct(lat, n, 50) * 1e3, corpus_pct(lat, n, 99) * 1e3,
	       corpus_pct(lat, n, 100) * 1e3, counts[MT_ACCEPT], counts[MT_REJECT],
	       counts[MT_TEMPFAIL], counts[MT_DISCARD], counts[ML_ERRORS],
	       atomic_load(&run.connect_errors), mismatches, first * 1e3, rest_max * 1e3);
	corpus_free(&corpus);
	free(run.start);
	free(run.lat);
	free(run.kind);
	free(lat);
	free(th);
	return counts[ML_ERRORS] ? 1 : 0;
}
