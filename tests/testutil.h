/*
 * NAME
 *	testutil - helpers the unit tests share
 * SYNOPSIS
 *	#include "testutil.h"
 * DESCRIPTION
 *	A private temp directory and its removal (recursive, never through a
 *	link), a small file's text, exact reads, polling a condition with a
 *	bound, and the alert tests' fake clock and recording sink. Failures
 *	inside a test are cmocka assertions; fixture helpers return -1.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "alert.h"

#define TU_REC_MAX	64		/* events a recorder keeps */

/* A fake clock: both values move only when the test moves them. */
struct tu_clock {
	int64_t	mono;
	time_t	wall;
};

/* What a recording alert sink received, the first TU_REC_MAX events. */
struct tu_recorder {
	size_t	n;
	struct alert_msg m[TU_REC_MAX];
};

extern int tu_tempdir(char *, size_t, const char *);
extern int tu_rmtree(const char *);
extern int tu_dir_free(void *);
extern void tu_read_text(const char *, char *, size_t);
extern int tu_readn(int, void *, size_t);
extern int tu_poll(int (*)(void *), void *, int);
extern int64_t tu_clock_mono(void *);
extern time_t tu_clock_wall(void *);
extern void tu_rec_sink(void *, const struct alert_msg *);

#endif
