/*
 * NAME
 *	test_hold - unit tests for the ledger of held messages
 * DESCRIPTION
 *	Each test in its own temp directory. Tokens: 32 lowercase hex
 *	characters, never the same twice. A ledger file: the three lines,
 *	mode 0600, no TOKEN.tmp left; never over an existing file; never
 *	through a link planted at TOKEN.tmp or as the directory. The census:
 *	held count and oldest time= (the modification time for a file
 *	without one), TOKEN.done-RESULT counted per result and removed,
 *	everything else left alone, totals kept across censuses, the held
 *	count of hold_reserve() replaced by what the directory holds. The
 *	directory is made 0700, its parent too, an existing one untouched.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hold.h"
#include "testutil.h"

/* One temp directory per test (dir first: tu_dir_free removes it); the ledger is DIR/held. */
struct fixture {
	char	dir[PATH_MAX];
	char	held[PATH_MAX + 16];
};
_Static_assert(offsetof(struct fixture, dir) == 0, "tu_dir_free takes dir first");

/* setup - a fresh temp directory with an empty held/ in it */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	if (tu_tempdir(f->dir, sizeof(f->dir), "test_hold") != 0)
		return -1;
	snprintf(f->held, sizeof(f->held), "%s/held", f->dir);
	if (mkdir(f->held, 0700) != 0)
		return -1;
	*state = f;
	return 0;
}

/* teardown - remove the temp directory */
static int
teardown(void **state)
{
	return tu_dir_free(*state);
}

/* put - a file DIR/held/name with text */
static void
put(const struct fixture *f, const char *name, const char *text)
{
	char	path[PATH_MAX + 128];
	FILE   *fp;

	snprintf(path, sizeof(path), "%s/%s", f->held, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* there - 1 when DIR/held/name exists (not followed) */
static int
there(const struct fixture *f, const char *name)
{
	char	path[PATH_MAX + 128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", f->held, name);
	return lstat(path, &st) == 0;
}

/* slurp - the content of DIR/held/name into buf */
static void
slurp(const struct fixture *f, const char *name, char *buf, size_t len)
{
	char	path[PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/%s", f->held, name);
	tu_read_text(path, buf, len);
}

#define T1	"0123456789abcdef0123456789abcdef"
#define T2	"fedcba9876543210fedcba9876543210"
#define T3	"00000000000000000000000000000003"

/* test_token - 32 lowercase hex, different each time; hold_is_token's edges */
static void
test_token(void **state)
{
	char	a[HOLD_TOKEN_LEN + 1], b[HOLD_TOKEN_LEN + 1], err[128];

	(void) state;
	assert_int_equal(hold_token(a, sizeof(a), err, sizeof(err)), 0);
	assert_int_equal(hold_token(b, sizeof(b), err, sizeof(err)), 0);
	assert_int_equal(strlen(a), HOLD_TOKEN_LEN);
	assert_true(hold_is_token(a));
	assert_true(hold_is_token(b));
	assert_string_not_equal(a, b);
	assert_int_equal(hold_token(a, HOLD_TOKEN_LEN, err, sizeof(err)), -1);
	assert_true(hold_is_token(T1));
	assert_false(hold_is_token("0123456789ABCDEF0123456789abcdef"));	/* upper case */
	assert_false(hold_is_token(T1 "0"));
	assert_false(hold_is_token("0123456789abcdef0123456789abcde"));
	assert_false(hold_is_token(T1 ".done-clean"));
	assert_false(hold_is_token(T1 ".tmp"));
	assert_false(hold_is_token(""));
}

/* test_record - the three lines, 0600, no .tmp left, never over a file */
static void
test_record(void **state)
{
	struct fixture *f = *state;
	char	buf[512], err[512], path[PATH_MAX + 64];
	struct stat st;

	assert_int_equal(hold_record(f->held, T1, "4XyZ1abc", 1700000000, CONF_MTA_POSTFIX,
				     err, sizeof(err)), 0);
	slurp(f, T1, buf, sizeof(buf));
	assert_string_equal(buf, "queue_id=4XyZ1abc\ntime=1700000000\nmta=postfix\n");
	snprintf(path, sizeof(path), "%s/%s", f->held, T1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_false(there(f, T1 ".tmp"));
	/* hostile qid bytes and sendmail */
	assert_int_equal(hold_record(f->held, T2, "a b\nc=d", 5, CONF_MTA_SENDMAIL,
				     err, sizeof(err)), 0);
	slurp(f, T2, buf, sizeof(buf));
	assert_string_equal(buf, "queue_id=a?b?c=d\ntime=5\nmta=sendmail\n");
	/* the same token again: refused, the first file kept */
	assert_int_equal(hold_record(f->held, T1, "OTHER", 1, CONF_MTA_POSTFIX,
				     err, sizeof(err)), -1);
	slurp(f, T1, buf, sizeof(buf));
	assert_string_equal(buf, "queue_id=4XyZ1abc\ntime=1700000000\nmta=postfix\n");
	/* not a token: refused, nothing written */
	assert_int_equal(hold_record(f->held, "../x", "Q", 1, CONF_MTA_POSTFIX,
				     err, sizeof(err)), -1);
	/* forget */
	assert_int_equal(hold_forget(f->held, T2, err, sizeof(err)), 0);
	assert_false(there(f, T2));
	assert_int_equal(hold_forget(f->held, T2, err, sizeof(err)), -1);
	assert_int_equal(hold_forget(f->held, "../../etc/passwd", err, sizeof(err)), -1);
}

/* test_record_links - a link at TOKEN.tmp or as the directory is never followed */
static void
test_record_links(void **state)
{
	struct fixture *f = *state;
	char	err[512], target[PATH_MAX + 64], link[PATH_MAX + 64], buf[64];

	snprintf(target, sizeof(target), "%s/target", f->dir);
	put(f, "../target", "keep\n");
	snprintf(link, sizeof(link), "%s/%s.tmp", f->held, T1);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(hold_record(f->held, T1, "Q", 1, CONF_MTA_POSTFIX, err, sizeof(err)), -1);
	assert_false(there(f, T1));
	slurp(f, "../target", buf, sizeof(buf));
	assert_string_equal(buf, "keep\n");
	/* the directory itself a link */
	snprintf(link, sizeof(link), "%s/heldlink", f->dir);
	assert_int_equal(symlink(f->held, link), 0);
	assert_int_equal(hold_record(link, T2, "Q", 1, CONF_MTA_POSTFIX, err, sizeof(err)), -1);
	assert_false(there(f, T2));
}

/* test_census - held, oldest, the done files counted and removed, the rest left */
static void
test_census(void **state)
{
	struct fixture *f = *state;
	struct hold *h = hold_new();
	struct hold_census c;
	struct timeval tv[2] = {{1600000000, 0}, {1600000000, 0}};
	char	err[512], path[PATH_MAX + 64];

	assert_int_equal(hold_record(f->held, T1, "A", 1700000100, CONF_MTA_POSTFIX,
				     err, sizeof(err)), 0);
	assert_int_equal(hold_record(f->held, T2, "B", 1700000050, CONF_MTA_POSTFIX,
				     err, sizeof(err)), 0);
	put(f, T3, "garbage without a time\n");		/* counts with its mtime */
	snprintf(path, sizeof(path), "%s/%s", f->held, T3);
	assert_int_equal(utimes(path, tv), 0);
	put(f, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.done-clean", "");
	put(f, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.done-clean", "");
	put(f, "cccccccccccccccccccccccccccccccc.done-infected", "");
	put(f, "dddddddddddddddddddddddddddddddd.done-deleted", "");
	put(f, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.done-other", "");	/* not a result */
	put(f, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.tmp", "");		/* a crash's leftover */
	put(f, "README", "");
	assert_int_equal(hold_reserve(h, 100), 0);			/* in memory: 1 */
	assert_int_equal(hold_census(h, f->held, &c, err, sizeof(err)), 0);
	assert_int_equal(c.held, 3);
	assert_int_equal((long long) c.oldest, 1600000000LL);
	assert_int_equal(c.released[HOLD_RESULT_CLEAN], 2);
	assert_int_equal(c.released[HOLD_RESULT_INFECTED], 1);
	assert_int_equal(c.released[HOLD_RESULT_DELETED], 1);
	assert_false(there(f, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.done-clean"));
	assert_false(there(f, "dddddddddddddddddddddddddddddddd.done-deleted"));
	assert_true(there(f, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.done-other"));
	assert_true(there(f, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.tmp"));
	assert_true(there(f, "README"));
	/* the in-memory count is now the directory's: 3 of 4 allowed */
	assert_int_equal(hold_reserve(h, 4), 0);
	assert_int_equal(hold_reserve(h, 4), -1);
	hold_unreserve(h);
	assert_int_equal(hold_reserve(h, 4), 0);
	/* clamshim-release deals with T1: one more clean, in the totals */
	snprintf(path, sizeof(path), "%s/%s", f->held, T1);
	{
		char	done[PATH_MAX + 64];

		snprintf(done, sizeof(done), "%s/%s.done-clean", f->held, T1);
		assert_int_equal(rename(path, done), 0);
	}
	assert_int_equal(hold_census(h, f->held, &c, err, sizeof(err)), 0);
	assert_int_equal(c.held, 2);
	assert_int_equal(c.released[HOLD_RESULT_CLEAN], 3);
	assert_int_equal(c.released[HOLD_RESULT_INFECTED], 1);
	/* none held: oldest 0 */
	assert_int_equal(unlink(path), -1);
	snprintf(path, sizeof(path), "%s/%s", f->held, T2);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/%s", f->held, T3);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(hold_census(h, f->held, &c, err, sizeof(err)), 0);
	assert_int_equal(c.held, 0);
	assert_int_equal((long long) c.oldest, 0);
	hold_free(h);
}

/* test_census_nodir - no directory: nothing held, no error; a file there: error */
static void
test_census_nodir(void **state)
{
	struct fixture *f = *state;
	struct hold *h = hold_new();
	struct hold_census c;
	char	err[512] = "", path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/none", f->dir);
	assert_int_equal(hold_census(h, path, &c, err, sizeof(err)), 0);
	assert_int_equal(c.held, 0);
	put(f, "../afile", "x");
	snprintf(path, sizeof(path), "%s/afile", f->dir);
	assert_int_equal(hold_census(h, path, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "afile"));
	hold_free(h);
}

/* test_reserve - the cap */
static void
test_reserve(void **state)
{
	struct hold *h = hold_new();

	(void) state;
	assert_int_equal(hold_reserve(h, 2), 0);
	assert_int_equal(hold_reserve(h, 2), 0);
	assert_int_equal(hold_reserve(h, 2), -1);
	hold_unreserve(h);
	assert_int_equal(hold_reserve(h, 2), 0);
	hold_unreserve(h);
	hold_unreserve(h);
	hold_unreserve(h);
	hold_unreserve(h);				/* never below 0 */
	assert_int_equal(hold_reserve(h, 1), 0);
	assert_int_equal(hold_reserve(h, 1), -1);
	assert_string_equal(hold_result_name(HOLD_RESULT_CLEAN), "clean");
	assert_string_equal(hold_result_name(HOLD_RESULT_INFECTED), "infected");
	assert_string_equal(hold_result_name(HOLD_RESULT_DELETED), "deleted");
	assert_string_equal(hold_result_name(HOLD_RESULT_COUNT), "unknown");
	hold_free(h);
}

/* test_dir_make - 0700, the parent made too, an existing one untouched, relative refused */
static void
test_dir_make(void **state)
{
	struct fixture *f = *state;
	char	err[512], path[PATH_MAX + 64];
	struct stat st;

	snprintf(path, sizeof(path), "%s/lib/held", f->dir);
	assert_int_equal(hold_dir_make(path, (uid_t) -1, (gid_t) -1, err, sizeof(err)), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(hold_dir_make(path, (uid_t) -1, (gid_t) -1, err, sizeof(err)), 0);
	assert_int_equal(chmod(path, 0750), 0);
	assert_int_equal(hold_dir_make(path, (uid_t) -1, (gid_t) -1, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);		/* left as it was */
	assert_int_equal(hold_dir_make("relative/held", (uid_t) -1, (gid_t) -1, err,
				       sizeof(err)), -1);
	put(f, "../afile", "x");
	snprintf(path, sizeof(path), "%s/afile", f->dir);
	assert_int_equal(hold_dir_make(path, (uid_t) -1, (gid_t) -1, err, sizeof(err)), -1);
	/* a link where the directory goes is not a directory */
	snprintf(path, sizeof(path), "%s/linked", f->dir);
	assert_int_equal(symlink(f->held, path), 0);
	assert_int_equal(hold_dir_make(path, (uid_t) -1, (gid_t) -1, err, sizeof(err)), -1);
	if (geteuid() == 0) {			/* given away */
		snprintf(path, sizeof(path), "%s/given", f->dir);
		assert_int_equal(hold_dir_make(path, 12345, 12346, err, sizeof(err)), 1);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_uid, 12345);
		assert_int_equal(st.st_gid, 12346);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test_setup_teardown(test_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_census, setup, teardown),
		cmocka_unit_test_setup_teardown(test_census_nodir, setup, teardown),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test_setup_teardown(test_dir_make, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
