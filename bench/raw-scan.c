/*
 * NAME
 *	raw-scan - the corpus scanned in-process by libclamav: the ceiling
 * SUMMARY
 *	raw-scan [-t THREADS] [-n COUNT] [-c CONFIG] [-d DATABASE] [-C] [-s N]
 *		[-l LATFILE] [-m] CORPUS
 * DESCRIPTION
 *	Builds one libclamav engine with the code clamshim's embedded
 *	scanner builds its own with (emb_engine_build(), from the clamshim
 *	configuration CONFIG, built-in defaults without one; -d overrides
 *	embedded.database): the same limits, temporary directory and
 *	CL_DB_STDOPT. Each message is scanned with the daemon's own
 *	emb_scan_mem() (the same scan options and the same verdicts). The
 *	one difference: libclamav's clean-result cache stays on unless -C
 *	disables it (CL_ENGINE_DISABLE_CACHE; the daemon always does). -s N
 *	lists the N slowest messages on stderr. -l writes "START_S LATENCY_MS
 *	VERDICT" for every message to LATFILE (START_S counted from the
 *	first scan), as milter-load -l. -m runs clamshim's MIME check
 *	(mime_readings_make(), mime_check(3h)) on each message the scan
 *	found clean, as the daemon does, and times it alone with the
 *	thread's CPU clock: mime_ms_per_msg, and mime_ambiguous, the
 *	messages for which it built a reading or gave a reason (the readings
 *	are not scanned here); cpu_ms_per_msg then leaves that time out.
 *
 *	The corpus (mkcorpus) is read into memory first; then THREADS threads
 *	(default: the number of CPUs) take messages in order, each message
 *	once, and scan it from memory (cl_fmap_open_memory), as clamshim does
 *	with a message under memory_limit. Nothing else happens per message:
 *	no milter protocol, no spool, no policy. This is the throughput an
 *	embedded scanner cannot beat with this engine on this machine.
 *
 *	Output: one line of key=value pairs on stdout:
 *	raw-scan threads=2 messages=2000 seconds=4.1 msgs_per_s=487.3 ...
 *	engine_kb is the resident memory the engine added (VmRSS after the
 *	compile minus before the load); hwm_kb the process's peak, which
 *	also holds the corpus (corpus_kb). cpu_ms_per_msg is the CPU time
 *	(user + system, all threads) of the scanning phase per message: on
 *	a shared machine a steadier figure than the throughput.
 * DIAGNOSTICS
 *	Exit 0 when every message was scanned and each verdict matched the
 *	MANIFEST, 1 when a verdict differed (mismatches=N, the files on
 *	stderr) or a scan failed, 2 on a usage or setup error.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include <clamav.h>

#include "conf.h"
#include "corpus.h"
#include "emb_engine.h"
#include "emb_scan.h"
#include "log.h"
#include "mime_check.h"
#include "scan.h"
#include "util.h"

enum rs_kind { RS_CLEAN, RS_INFECTED, RS_LIMIT, RS_ERROR, RS_KINDS };
static const char *const rs_kind_names[RS_KINDS] = {"clean", "infected", "limit", "error"};

/* Shared by the scanning threads. */
struct rs_run {
	struct cl_engine *engine;
	struct cl_scan_options scan;	/* the engine's scan options */
	const struct corpus *corpus;
	atomic_size_t next;
	double	t0;			/* when the scanning started */
	double *start;			/* seconds from t0, per message */
	double *lat;			/* seconds, per message */
	unsigned char *kind;		/* enum rs_kind, per message */
	int	mime;			/* -m: the MIME check after a clean scan */
	atomic_llong mime_ns;		/* its thread CPU time, all messages */
	atomic_size_t mime_found;	/* messages with a reading or a reason */
};

/* rs_engine - an engine built as clamshim's embedded scanner builds one; exits on failure */
static struct cl_engine *
rs_engine(const struct conf *conf, const char *db, int nocache, unsigned *sigs,
	  struct cl_scan_options *scan)
{
	struct emb_settings set;
	struct cl_engine *e;
	char	err[512];

	emb_settings_from_conf(&set, conf);
	if (db != NULL) {
		free(set.database);
		set.database = util_strdup(db);
	}
	set.keep_cache = !nocache;
	*scan = set.scan;
	e = emb_engine_build(&set, sigs, err, sizeof(err));
	emb_settings_free(&set);
	if (e == NULL) {
		fprintf(stderr, "raw-scan: %s\n", err);
		exit(2);
	}
	return e;
}

/* rs_scan_one - scan one message from memory, as clamshim scans one held in RAM */
static enum rs_kind
rs_scan_one(struct cl_engine *e, const struct cl_scan_options *scan, const struct corpus_msg *m)
{
	struct scan_verdict v;

	emb_scan_mem(e, scan, m->data, m->len, &v);
	switch (v.result) {
	case SCAN_CLEAN:
		return RS_CLEAN;
	case SCAN_INFECTED:
		return RS_INFECTED;
	case SCAN_LIMIT:
		return RS_LIMIT;
	default:
		return RS_ERROR;
	}
}

/* rs_thread_ns - this thread's CPU time in nanoseconds */
static long long
rs_thread_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* rs_mime - the daemon's MIME check of one clean message, timed alone */
static void
rs_mime(struct rs_run *run, const struct corpus_msg *m)
{
	struct mime_readings rd;
	long long t0 = rs_thread_ns();

	mime_readings_make((const char *) m->data, m->len, &rd);
	atomic_fetch_add(&run->mime_ns, rs_thread_ns() - t0);
	if (rd.n || rd.reason[0])
		atomic_fetch_add(&run->mime_found, 1);
	mime_readings_free(&rd);
}

/* rs_worker - take messages in order until none is left */
static void *
rs_worker(void *arg)
{
	struct rs_run *run = arg;
	size_t	i;

	while ((i = atomic_fetch_add(&run->next, 1)) < run->corpus->n) {
		double	t0 = corpus_now();

		run->start[i] = t0 - run->t0;
		run->kind[i] = (unsigned char) rs_scan_one(run->engine, &run->scan, &run->corpus->msgs[i]);
		if (run->mime && run->kind[i] == RS_CLEAN)
			rs_mime(run, &run->corpus->msgs[i]);
		run->lat[i] = corpus_now() - t0;
	}
	return NULL;
}

/* rs_slowest - the n slowest messages on stderr */
static void
rs_slowest(const struct corpus *c, const double *lat, size_t n)
{
	unsigned char *done = calloc(c->n, 1);
	size_t	k, i, best;

	if (done == NULL)
		abort();
	for (k = 0; k < n && k < c->n; k++) {
		for (best = c->n, i = 0; i < c->n; i++)
			if (!done[i] && (best == c->n || lat[i] > lat[best]))
				best = i;
		done[best] = 1;
		fprintf(stderr, "raw-scan: slow: %s %zu bytes %.1f ms\n", c->msgs[best].name,
			c->msgs[best].len, lat[best] * 1e3);
	}
	free(done);
}

/* rs_latfile - "START_S LATENCY_MS VERDICT" per message; 0 ok */
static int
rs_latfile(const char *path, const struct rs_run *run)
{
	FILE   *f = fopen(path, "w");
	size_t	i;

	if (f == NULL)
		return -1;
	for (i = 0; i < run->corpus->n; i++)
		fprintf(f, "%.6f %.3f %s\n", run->start[i], run->lat[i] * 1e3, rs_kind_names[run->kind[i]]);
	return fclose(f) == 0 ? 0 : -1;
}

/* rs_cpu - CPU seconds (user + system) used by this process so far */
static double
rs_cpu(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6
	    + (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
}

/* rs_usage - print usage and exit 2 */
static void
rs_usage(void)
{
	fprintf(stderr, "usage: raw-scan [-t THREADS] [-n COUNT] [-c CONFIG] [-d DATABASE] [-C] "
		"[-s N] [-l LATFILE] [-m] CORPUS\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *cfgpath = NULL, *db = NULL, *latfile = NULL;
	struct conf *conf = NULL;
	struct corpus corpus;
	struct rs_run run;
	pthread_t *th;
	unsigned long threads = (unsigned long) sysconf(_SC_NPROCESSORS_ONLN);
	size_t	count = 0, i, counts[RS_KINDS] = {0}, mismatches = 0, slowest = 0;
	unsigned sigs;
	int	opt, nocache = 0, mime = 0;
	long	rss0, rss1;
	double	t0, tload, secs, *lat, cpu0, cpu;
	char	err[512];

	while ((opt = getopt(argc, argv, "t:n:c:d:Cs:l:m")) != -1) {
		switch (opt) {
		case 't': threads = strtoul(optarg, NULL, 10); break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'c': cfgpath = optarg; break;
		case 'd': db = optarg; break;
		case 'C': nocache = 1; break;
		case 's': slowest = strtoul(optarg, NULL, 10); break;
		case 'l': latfile = optarg; break;
		case 'm': mime = 1; break;
		default: rs_usage();
		}
	}
	if (optind + 1 != argc || threads == 0 || threads > 1024)
		rs_usage();
	log_set_stderr_only(1);
	log_set(LOG_LEVEL_WARNING, 0);
	if (conf_load(cfgpath, CONF_TOLERANT, NULL, NULL, &conf) < 0) {
		fprintf(stderr, "raw-scan: cannot use the configuration %s\n", cfgpath ? cfgpath : "");
		return 2;
	}
	if (corpus_load(argv[optind], count, &corpus, err, sizeof(err)) < 0) {
		fprintf(stderr, "raw-scan: %s\n", err);
		return 2;
	}

	rss0 = corpus_rss_kb("VmRSS");
	t0 = corpus_now();
	run.engine = rs_engine(conf, db, nocache, &sigs, &run.scan);
	tload = corpus_now() - t0;
	rss1 = corpus_rss_kb("VmRSS");

	run.corpus = &corpus;
	run.mime = mime;
	atomic_init(&run.next, 0);
	atomic_init(&run.mime_ns, 0);
	atomic_init(&run.mime_found, 0);
	if ((run.lat = calloc(corpus.n, sizeof(*run.lat))) == NULL
	    || (run.start = calloc(corpus.n, sizeof(*run.start))) == NULL
	    || (run.kind = calloc(corpus.n, 1)) == NULL
	    || (lat = calloc(corpus.n, sizeof(*lat))) == NULL
	    || (th = calloc(threads, sizeof(*th))) == NULL)
		abort();
	t0 = run.t0 = corpus_now();
	cpu0 = rs_cpu();
	for (i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, rs_worker, &run) != 0) {
			fprintf(stderr, "raw-scan: cannot start thread %zu\n", i);
			return 2;
		}
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	secs = corpus_now() - t0;
	cpu = rs_cpu() - cpu0 - (double) atomic_load(&run.mime_ns) / 1e9;

	for (i = 0; i < corpus.n; i++) {
		int	want = corpus.msgs[i].infected ? RS_INFECTED : RS_CLEAN;

		counts[run.kind[i]]++;
		lat[i] = run.lat[i];
		if (run.kind[i] != want) {
			mismatches++;
			fprintf(stderr, "raw-scan: %s: %s, expected %s\n", corpus.msgs[i].name,
				rs_kind_names[run.kind[i]], rs_kind_names[want]);
		}
	}
	rs_slowest(&corpus, run.lat, slowest);
	if (latfile != NULL && rs_latfile(latfile, &run) < 0) {
		fprintf(stderr, "raw-scan: cannot write %s\n", latfile);
		return 2;
	}
	printf("raw-scan threads=%lu messages=%zu bytes=%zu seconds=%.3f msgs_per_s=%.1f "
	       "mb_per_s=%.2f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f clean=%zu infected=%zu "
	       "limit=%zu error=%zu mismatches=%zu sigs=%u load_s=%.2f engine_kb=%ld "
	       "corpus_kb=%zu hwm_kb=%ld cache=%s cpu_s=%.2f cpu_ms_per_msg=%.2f",
	       threads, corpus.n, corpus.bytes, secs, (double) corpus.n / secs,
	       (double) corpus.bytes / secs / 1048576.0,
	       corpus_pct(lat, corpus.n, 50) * 1e3, corpus_pct(lat, corpus.n, 99) * 1e3,
	       corpus_pct(lat, corpus.n, 100) * 1e3, counts[RS_CLEAN], counts[RS_INFECTED],
	       counts[RS_LIMIT], counts[RS_ERROR], mismatches, sigs, tload,
	       rss1 - rss0, corpus.bytes / 1024, corpus_rss_kb("VmHWM"), nocache ? "off" : "on",
	       cpu, cpu * 1e3 / (double) corpus.n);
	if (mime)
		printf(" mime_ms_per_msg=%.4f mime_ambiguous=%zu",
		       (double) atomic_load(&run.mime_ns) / 1e6 / (double) corpus.n,
		       atomic_load(&run.mime_found));
	printf("\n");
	cl_engine_free(run.engine);
	conf_unref(conf);
	corpus_free(&corpus);
	free(run.lat);
	free(run.start);
	free(run.kind);
	free(lat);
	free(th);
	return mismatches || counts[RS_ERROR] ? 1 : 0;
}
