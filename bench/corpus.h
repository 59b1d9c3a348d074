/*
 * NAME
 *	corpus 3h - the benchmark corpus in memory, and latency statistics
 * SUMMARY
 *	corpus_load(), corpus_free(), corpus_now(), corpus_pct(), corpus_rss_kb()
 * DESCRIPTION
 *	raw-scan and milter-load read the corpus that mkcorpus wrote (its
 *	MANIFEST, then every message) into memory before they start the
 *	clock, so that neither measures the disk.
 */
#ifndef CLAMSHIM_BENCH_CORPUS_H
#define CLAMSHIM_BENCH_CORPUS_H

#include <stddef.h>

/* One message of the corpus. */
struct corpus_msg {
	char	name[32];		/* "m000042.eml" */
	char   *data;
	size_t	len;
	int	infected;		/* the MANIFEST expects a detection */
};

struct corpus {
	struct corpus_msg *msgs;
	size_t	n;
	size_t	bytes;
	size_t	ninfected;
};

/* corpus_load - the first max messages (0 = all) of DIR; 0 ok, -1 with err filled */
int	corpus_load(const char *dir, size_t max, struct corpus *c, char *err, size_t errlen);
/* corpus_free - release the messages */
void	corpus_free(struct corpus *c);
/* corpus_now - monotonic seconds */
double	corpus_now(void);
/* corpus_pct - the p-th percentile (0..100) of n values, sorting v in place; 0 when n is 0 */
double	corpus_pct(double *v, size_t n, double p);
/* corpus_rss_kb - a field of /proc/self/status ("VmRSS", "VmHWM") in kB, -1 if unknown */
long	corpus_rss_kb(const char *field);

#endif
