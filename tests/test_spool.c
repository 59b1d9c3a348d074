/*
 * NAME
 *	test_spool - unit tests for the message spool
 * DESCRIPTION
 *	Table-driven: each row writes a message in chunks with a given
 *	memory_limit and max_size and checks where it ended up (RAM or an
 *	unlinked 0600 temp file), the counters, the over-limit flag and every
 *	byte read back through spool_mem() and spool_pread(). Other cases:
 *	reuse after spool_reset(), spool_from_file(), a write error (the file
 *	size limit stands in for a full disk), a missing spool_dir, writes
 *	after spool_finish(). Every case runs in its own temp directory, which
 *	must be empty again afterwards (nothing left on disk).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "log.h"
#include "spool.h"

/* One temp directory per test. */
struct fixture {
	char	dir[PATH_MAX];
};

/* pattern_byte - the test content: byte i of every message */
static unsigned char
pattern_byte(uint64_t i)
{
	return (unsigned char) ((i * 7 + 3) ^ (i >> 8));
}

/* fill_pattern - len pattern bytes starting at message offset off */
static void
fill_pattern(unsigned char *buf, size_t len, uint64_t off)
{
	size_t	i;

	for (i = 0; i < len; i++)
		buf[i] = pattern_byte(off + i);
}

/* dir_entries - number of entries other than . and .. in dir */
static int
dir_entries(const char *dir)
{
	DIR    *d = opendir(dir);
	struct dirent *de;
	int	n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* setup - a fresh temp dir */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/test_spool.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

/* teardown - the temp dir must be empty: then remove it */
static int
teardown(void **state)
{
	struct fixture *f = *state;
	int	left = dir_entries(f->dir);

	rmdir(f->dir);
	free(f);
	return left == 0 ? 0 : -1;
}

/* assert_unlinked_0600 - fd is a deleted regular file with mode 0600 */
static void
assert_unlinked_0600(int fd)
{
	char	link[64], target[PATH_MAX];
	ssize_t	n;
	struct stat st;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_non_null(strstr(target, "(deleted)"));
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_nlink, 0);
}

/* assert_content - every stored byte reads back right, in RAM or from the file */
static void
assert_content(const struct spool *sp, uint64_t size)
{
	unsigned char want[4096], got[4096];
	uint64_t off;
	ssize_t	n;
	size_t	memlen = 0;
	const unsigned char *mem = spool_mem(sp, &memlen);

	if (mem != NULL) {
		unsigned char *exp = malloc(size ? size : 1);

		assert_int_equal(memlen, size);
		assert_non_null(exp);
		fill_pattern(exp, size, 0);
		assert_memory_equal(mem, exp, size ? size : 0);
		free(exp);
	}
	/* odd chunk size so reads straddle the RAM/file boundaries */
	for (off = 0; off < size; off += (uint64_t) n) {
		n = spool_pread(sp, got, 1531, off);
		assert_true(n > 0);
		fill_pattern(want, (size_t) n, off);
		assert_memory_equal(got, want, (size_t) n);
	}
	assert_int_equal(spool_pread(sp, got, sizeof(got), size), 0);
	assert_int_equal(spool_pread(sp, got, sizeof(got), size + 100), 0);
}

/* write_chunks - write total bytes of pattern in chunks of chunk bytes */
static void
write_chunks(struct spool *sp, uint64_t total, size_t chunk)
{
	unsigned char *buf = malloc(chunk);
	uint64_t off;
	char	err[256];

	assert_non_null(buf);
	for (off = 0; off < total; off += chunk) {
		size_t	n = (size_t) (total - off < chunk ? total - off : chunk);

		fill_pattern(buf, n, off);
		assert_int_equal(spool_write(sp, buf, n, err, sizeof(err)), 0);
	}
	free(buf);
}

struct spool_case {
	const char *name;
	size_t	memory_limit;
	uint64_t max_size;
	uint64_t total;		/* bytes written */
	size_t	chunk;		/* in chunks of this size */
	int	spilled;	/* expect a temp file */
	int	over;		/* expect over the limit */
	uint64_t stored;	/* expected spool_size() */
};

static const struct spool_case spool_cases[] = {
	{"empty", 1024, 0, 0, 1, 0, 0, 0},
	{"ram small", 1024, 0, 300, 100, 0, 0, 300},
	{"ram exactly at memory_limit", 300, 0, 300, 7, 0, 0, 300},
	{"spill one past memory_limit", 300, 0, 301, 7, 1, 0, 301},
	{"spill in one big write", 1000, 0, 5000, 5000, 1, 0, 5000},
	{"memory_limit 0 spills at once", 0, 0, 10, 10, 1, 0, 10},
	{"ram grows past first buffer", 1 << 20, 0, 200000, 65536, 0, 0, 200000},
	{"spill large", 4096, 0, 300000, 8191, 1, 0, 300000},
	{"max_size exactly", 1 << 20, 1000, 1000, 100, 0, 0, 1000},
	{"max_size passed in RAM", 1 << 20, 1000, 1500, 100, 0, 1, 1000},
	{"max_size passed in one write", 1 << 20, 1000, 1500, 1500, 0, 1, 1000},
	{"max_size passed after spill", 100, 1000, 5000, 333, 1, 1, 1000},
};

/* test_spool_table - every row of spool_cases */
static void
test_spool_table(void **state)
{
	struct fixture *f = *state;
	size_t	i;
	char	err[256];

	for (i = 0; i < sizeof(spool_cases) / sizeof(spool_cases[0]); i++) {
		const struct spool_case *c = &spool_cases[i];
		struct spool *sp = spool_new(f->dir, c->memory_limit, c->max_size);

		print_message("case: %s\n", c->name);
		write_chunks(sp, c->total, c->chunk);
		assert_int_equal(spool_finish(sp, err, sizeof(err)), 0);
		assert_int_equal(spool_offered(sp), c->total);
		assert_int_equal(spool_size(sp), c->stored);
		assert_int_equal(spool_over_limit(sp), c->over);
		if (c->spilled) {
			assert_true(spool_fd(sp) >= 0);
			assert_null(spool_mem(sp, NULL));
			assert_unlinked_0600(spool_fd(sp));
		} else {
			assert_int_equal(spool_fd(sp), -1);
			assert_non_null(spool_mem(sp, NULL));
		}
		assert_content(sp, c->stored);
		assert_int_equal(dir_entries(f->dir), 0);
		spool_free(sp);
	}
}

/* test_reset_reuse - a spilled spool, reset, holds the next message in RAM */
static void
test_reset_reuse(void **state)
{
	struct fixture *f = *state;
	struct spool *sp = spool_new(f->dir, 1000, 3000);
	char	err[256];

	write_chunks(sp, 4000, 1000);
	assert_true(spool_fd(sp) >= 0);
	assert_int_equal(spool_over_limit(sp), 1);
	spool_reset(sp);
	assert_int_equal(spool_fd(sp), -1);
	assert_int_equal(spool_size(sp), 0);
	assert_int_equal(spool_offered(sp), 0);
	assert_int_equal(spool_over_limit(sp), 0);
	write_chunks(sp, 500, 64);
	assert_int_equal(spool_finish(sp, err, sizeof(err)), 0);
	assert_int_equal(spool_fd(sp), -1);
	assert_content(sp, 500);
	spool_reset(sp);
	write_chunks(sp, 2500, 64);
	assert_true(spool_fd(sp) >= 0);
	assert_content(sp, 2500);
	spool_free(sp);
}

/* test_write_after_finish - refused */
static void
test_write_after_finish(void **state)
{
	struct fixture *f = *state;
	struct spool *sp = spool_new(f->dir, 1000, 0);
	char	err[256] = "";

	assert_int_equal(spool_write(sp, "abc", 3, err, sizeof(err)), 0);
	assert_int_equal(spool_finish(sp, err, sizeof(err)), 0);
	assert_int_equal(spool_write(sp, "abc", 3, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
	assert_int_equal(spool_size(sp), 3);
	spool_free(sp);
}

/* test_missing_dir - no spool_dir: the spill fails with a text, nothing crashes */
static void
test_missing_dir(void **state)
{
	struct fixture *f = *state;
	char	dir[PATH_MAX + 16], err[256] = "";
	struct spool *sp;

	snprintf(dir, sizeof(dir), "%s/no-such-dir", f->dir);
	sp = spool_new(dir, 10, 0);
	assert_int_equal(spool_write(sp, "0123456789", 10, err, sizeof(err)), 0);
	assert_int_equal(spool_write(sp, "x", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file or directory"));
	assert_int_equal(spool_finish(sp, err, sizeof(err)), -1);
	assert_int_equal(spool_write(sp, "x", 1, err, sizeof(err)), -1);
	spool_free(sp);
}

/* test_write_error - a write that fails (file size limit, as a full disk would) */
static void
test_write_error(void **state)
{
	struct fixture *f = *state;
	struct rlimit old, lim;
	struct spool *sp = spool_new(f->dir, 100, 0);
	char	err[256] = "";
	unsigned char buf[1000];
	int	rc;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 500;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	fill_pattern(buf, sizeof(buf), 0);
	rc = spool_write(sp, buf, sizeof(buf), err, sizeof(err));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "write to temp file"));
	assert_int_equal(spool_finish(sp, err, sizeof(err)), -1);
	spool_free(sp);
}

/* test_from_file - a file read into a spool, in RAM and spilled; a missing file */
static void
test_from_file(void **state)
{
	struct fixture *f = *state;
	char	path[PATH_MAX + 16], err[256] = "";
	unsigned char buf[150000];
	struct spool *sp;
	int	fd;

	snprintf(path, sizeof(path), "%s/input", f->dir);
	fill_pattern(buf, sizeof(buf), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t) sizeof(buf));
	close(fd);

	sp = spool_from_file(path, f->dir, 1 << 20, 0, err, sizeof(err));
	assert_non_null(sp);
	assert_int_equal(spool_fd(sp), -1);
	assert_content(sp, sizeof(buf));
	spool_free(sp);

	sp = spool_from_file(path, f->dir, 1000, 0, err, sizeof(err));
	assert_non_null(sp);
	assert_true(spool_fd(sp) >= 0);
	assert_unlinked_0600(spool_fd(sp));
	assert_content(sp, sizeof(buf));
	spool_free(sp);

	sp = spool_from_file(path, f->dir, 1000, 100000, err, sizeof(err));
	assert_non_null(sp);
	assert_int_equal(spool_over_limit(sp), 1);
	assert_int_equal(spool_offered(sp), sizeof(buf));
	spool_free(sp);
	unlink(path);

	sp = spool_from_file(path, f->dir, 1000, 0, err, sizeof(err));
	assert_null(sp);
	assert_non_null(strstr(err, path));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spool_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_after_finish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_file, setup, teardown),
	};

	log_set_stderr_only(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
