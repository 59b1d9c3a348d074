/*
 * NAME
 *	corpus 3 - the benchmark corpus in memory, and latency statistics
 * SUMMARY
 *	#include "corpus.h"
 * DESCRIPTION
 *	corpus_load() reads DIR/MANIFEST (lines "FILE SIZE KIND clean|infected
 *	HOW", as mkcorpus writes them) and then each file named there, whole,
 *	into memory. File names must be plain names (no '/').
 * DIAGNOSTICS
 *	corpus_load() returns -1 with a text in the caller's buffer when the
 *	manifest or a message cannot be read. Running out of memory aborts.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corpus.h"

#define CORPUS_MSG_MAX	(256UL * 1024 * 1024)	/* one message at most */

/* corpus_oom - out of memory: abort */
static void
corpus_oom(size_t n)
{
	fprintf(stderr, "corpus: out of memory allocating %zu bytes\n", n);
	abort();
}

/* corpus_read - a whole file into memory; 0 ok, -1 with errno */
static int
corpus_read(const char *path, char **out, size_t *len)
{
	FILE   *fp = fopen(path, "rb");
	long	sz;
	char   *p;

	if (fp == NULL)
		return -1;
	if (fseek(fp, 0, SEEK_END) < 0 || (sz = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) < 0) {
		fclose(fp);
		return -1;
	}
	if ((unsigned long) sz > CORPUS_MSG_MAX) {
		fclose(fp);
		errno = EFBIG;
		return -1;
	}
	if ((p = malloc((size_t) sz + 1)) == NULL)
		corpus_oom((size_t) sz + 1);
	if (fread(p, 1, (size_t) sz, fp) != (size_t) sz) {
		free(p);
		fclose(fp);
		errno = EIO;
		return -1;
	}
	fclose(fp);
	p[sz] = '\0';
	*out = p;
	*len = (size_t) sz;
	return 0;
}

/* corpus_load - the first max messages (0 = all) of dir */
int
corpus_load(const char *dir, size_t max, struct corpus *c, char *err, size_t errlen)
{
	char	path[4096], line[512], name[64], kind[64], expect[64];
	size_t	cap = 0;
	FILE   *man;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/MANIFEST", dir);
	if ((man = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((max == 0 || c->n < max) && fgets(line, sizeof(line), man) != NULL) {
		struct corpus_msg *m;
		unsigned long size;

		if (sscanf(line, "%63s %lu %63s %63s", name, &size, kind, expect) != 4
		    || strchr(name, '/') != NULL || strlen(name) >= sizeof(m->name))
			continue;
		if (c->n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((c->msgs = realloc(c->msgs, cap * sizeof(*c->msgs))) == NULL)
				corpus_oom(cap * sizeof(*c->msgs));
		}
		m = &c->msgs[c->n];
		memcpy(m->name, name, strlen(name) + 1);	/* length checked above */
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (corpus_read(path, &m->data, &m->len) < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			fclose(man);
			corpus_free(c);
			return -1;
		}
		m->infected = strcmp(expect, "infected") == 0;
		c->bytes += m->len;
		c->ninfected += (size_t) m->infected;
		c->n++;
	}
	fclose(man);
	if (c->n == 0) {
		snprintf(err, errlen, "%s/MANIFEST: no messages", dir);
		return -1;
	}
	return 0;
}

/* corpus_free - release the messages */
void
corpus_free(struct corpus *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		free(c->msgs[i].data);
	free(c->msgs);
	memset(c, 0, sizeof(*c));
}

/* corpus_now - monotonic seconds */
double
corpus_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* corpus_cmp - qsort order of doubles */
static int
corpus_cmp(const void *a, const void *b)
{
	double	x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

/* corpus_pct - the p-th percentile (nearest rank) of n values */
double
corpus_pct(double *v, size_t n, double p)
{
	size_t	k;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), corpus_cmp);
	k = (size_t) (p / 100.0 * (double) n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

/* corpus_rss_kb - a field of /proc/self/status in kB */
long
corpus_rss_kb(const char *field)
{
	FILE   *fp = fopen("/proc/self/status", "r");
	char	line[256];
	size_t	fl = strlen(field);
	long	kb = -1;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
			kb = strtol(line + fl + 1, NULL, 10);
			break;
		}
	fclose(fp);
	return kb;
}
