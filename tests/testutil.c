/*
 * NAME
 *	testutil - helpers the unit tests share
 * SUMMARY
 *	tu_tempdir() makes a private (0700) directory $TMPDIR/NAME.XXXXXX;
 *	tu_rmtree() removes a tree bottom-up without following links or
 *	leaving the file system; tu_dir_free() does that to a fixture
 *	whose first member is its directory's name, then frees it;
 *	tu_read_text() reads a small file's text
 *	(asserting it opens); tu_readn() reads exactly n bytes; tu_poll()
 *	re-evaluates a condition every 20 ms up to a bound; tu_clock_mono(),
 *	tu_clock_wall() and tu_rec_sink() are the alert tests' fake clock
 *	and recording sink.
 * DIAGNOSTICS
 *	tu_tempdir, tu_rmtree, tu_dir_free, tu_readn, tu_poll: 0 or -1. tu_read_text
 *	fails the test when the file cannot be opened.
 */
#include "config.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

/* tu_tempdir - a fresh private directory $TMPDIR/name.XXXXXX into dir; 0 or -1 */
int
tu_tempdir(char *dir, size_t len, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	int	n = snprintf(dir, len, "%s/%s.XXXXXX", tmp != NULL && *tmp != 0 ? tmp : "/tmp", name);

	if (n < 0 || (size_t) n >= len)
		return -1;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

/* rm_one - remove one entry (a link itself, never its target) */
static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return remove(path) == 0 ? 0 : -1;
}

/* tu_rmtree - remove dir and all below it, links not followed; 0 or -1 */
int
tu_rmtree(const char *dir)
{
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) == 0 ? 0 : -1;
}

/* tu_dir_free - tu_rmtree the dir a fixture starts with, then free it; 0 or -1 (kept) */
int
tu_dir_free(void *fixture)
{
	if (tu_rmtree(fixture) != 0)
		return -1;
	free(fixture);
	return 0;
}

/* tu_read_text - a small file's text, NUL-terminated, into buf */
void
tu_read_text(const char *path, char *buf, size_t len)
{
	FILE   *fp = fopen(path, "r");
	size_t	n;

	assert_non_null(fp);
	n = fread(buf, 1, len - 1, fp);
	buf[n] = 0;
	fclose(fp);
}

/* tu_readn - read exactly n bytes; 0, or -1 on EOF or error */
int
tu_readn(int fd, void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t	r = read(fd, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t) r;
	}
	return 0;
}

/* tu_poll - re-evaluate done(ctx) every 20 ms for up to ms; 0 once true, else -1 */
int
tu_poll(int (*done)(void *), void *ctx, int ms)
{
	for (; ms > 0; ms -= 20) {
		if (done(ctx))
			return 0;
		usleep(20000);
	}
	return -1;
}

/* tu_clock_mono - the fake monotonic clock of a struct tu_clock */
int64_t
tu_clock_mono(void *ctx)
{
	return ((struct tu_clock *) ctx)->mono;
}

/* tu_clock_wall - the fake wall clock of a struct tu_clock */
time_t
tu_clock_wall(void *ctx)
{
	return ((struct tu_clock *) ctx)->wall;
}

/* tu_rec_sink - an alert sink remembering each event in a struct tu_recorder */
void
tu_rec_sink(void *ctx, const struct alert_msg *m)
{
	struct tu_recorder *r = ctx;

	if (r->n < TU_REC_MAX)
		r->m[r->n++] = *m;
}
