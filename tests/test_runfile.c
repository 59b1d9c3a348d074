/*
 * NAME
 *	test_runfile - unit tests for the runtime files made safely as root
 * DESCRIPTION
 *	Table-driven for the pid file: what is found at its name (nothing,
 *	our stale file, a symbolic link, a hard link, a directory, someone
 *	else's file); the check alone (which changes nothing) and the write
 *	must both accept or both refuse it, and the target of a link keeps
 *	its content and mode. Then: the pid file is removed
 *	at exit only while it is the file written; the socket is checked and
 *	changed only where allowed; the directory checks. Every case runs in
 *	its own temp directory. Cases that need root (another owner) are
 *	skipped without it.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "runfile.h"
#include "testutil.h"

#define TARGET_TEXT	"root only\n"

/* One temp directory per test (dir first: tu_dir_free removes it). */
struct fixture {
	char	dir[PATH_MAX];
	char	pid[PATH_MAX + 16];	/* DIR/x.pid */
	char	target[PATH_MAX + 16];	/* DIR/target: what a link points to */
};
_Static_assert(offsetof(struct fixture, dir) == 0, "tu_dir_free takes dir first");

/* setup - a fresh temp directory with a 0600 target file */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int	fd;

	if (f == NULL)
		return -1;
	if (tu_tempdir(f->dir, sizeof(f->dir), "test_runfile") != 0)
		return -1;
	snprintf(f->pid, sizeof(f->pid), "%s/x.pid", f->dir);
	snprintf(f->target, sizeof(f->target), "%s/target", f->dir);
	if ((fd = open(f->target, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
		return -1;
	if (write(fd, TARGET_TEXT, strlen(TARGET_TEXT)) != (ssize_t) strlen(TARGET_TEXT))
		return -1;
	close(fd);
	*state = f;
	return 0;
}

/* teardown - remove everything made */
static int
teardown(void **state)
{
	return tu_dir_free(*state);
}

/* read_file - the first len-1 bytes of path into buf, "" when unreadable */
static void
read_file(const char *path, char *buf, size_t len)
{
	int	fd = open(path, O_RDONLY | O_NOFOLLOW);
	ssize_t	n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/* assert_target_intact - the link target kept its content and mode */
static void
assert_target_intact(const struct fixture *f)
{
	struct stat st;
	char	buf[64];

	read_file(f->target, buf, sizeof(buf));
	assert_string_equal(buf, TARGET_TEXT);
	assert_int_equal(stat(f->target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

enum found { NOTHING, STALE_OURS, SYMLINK, HARDLINK, DIRECTORY, FOREIGN };

/* One row: what is at the pid file's name, and what must come of it. */
struct pid_case {
	const char *what;
	enum found found;
	int	ok;			/* 0 written, -1 refused */
	const char *says;		/* in the error text when refused */
};

static const struct pid_case pid_cases[] = {
	{"nothing there", NOTHING, 0, NULL},
	{"our stale pid file", STALE_OURS, 0, NULL},
	{"a symbolic link", SYMLINK, -1, "is a symbolic link"},
	{"a hard link", HARDLINK, -1, "2 names (hard links)"},
	{"a directory", DIRECTORY, -1, "not a regular file"},
	{"someone else's file", FOREIGN, -1, "owned by uid 4242"},
};

/* plant - put what the row says at f->pid; 0 ok, 1 skip (needs root) */
static int
plant(const struct fixture *f, enum found found)
{
	int	fd;

	switch (found) {
	case NOTHING:
		return 0;
	case STALE_OURS:
		fd = open(f->pid, O_WRONLY | O_CREAT, 0644);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "1\n", 2), 2);
		close(fd);
		return 0;
	case SYMLINK:
		assert_int_equal(symlink(f->target, f->pid), 0);
		return 0;
	case HARDLINK:
		assert_int_equal(link(f->target, f->pid), 0);
		return 0;
	case DIRECTORY:
		assert_int_equal(mkdir(f->pid, 0755), 0);
		return 0;
	case FOREIGN:
		if (geteuid() != 0)
			return 1;
		fd = open(f->pid, O_WRONLY | O_CREAT, 0644);
		assert_true(fd >= 0);
		close(fd);
		assert_int_equal(chown(f->pid, 4242, 4242), 0);
		return 0;
	}
	return 0;
}

/* test_pid_table - each row: written with our pid, or refused with the target intact */
static void
test_pid_table(void **state)
{
	struct fixture *f = *state;
	struct runfile_pid pf;
	struct stat st;
	char	err[512], buf[64], want[32];
	size_t	i;
	int	rc;

	snprintf(want, sizeof(want), "%ld\n", (long) getpid());
	for (i = 0; i < sizeof(pid_cases) / sizeof(pid_cases[0]); i++) {
		const struct pid_case *c = &pid_cases[i];

		if (plant(f, c->found) != 0) {
			print_message("skipped without root: %s\n", c->what);
			continue;
		}
		/* the check alone agrees and changes nothing */
		rc = runfile_pid_usable(f->pid, (uid_t) -1, err, sizeof(err));
		if (rc != c->ok)
			fail_msg("%s: check says %d, wanted %d (%s)", c->what, rc, c->ok, err);
		assert_int_equal(lstat(f->pid, &st) == 0, c->found != NOTHING);
		err[0] = 0;
		rc = runfile_pid_write(f->pid, (uid_t) -1, (gid_t) -1, &pf, err, sizeof(err));
		if (rc != c->ok)
			fail_msg("%s: rc %d, wanted %d (%s)", c->what, rc, c->ok, err);
		if (c->ok == 0) {
			read_file(f->pid, buf, sizeof(buf));
			assert_string_equal(buf, want);
			assert_int_equal(lstat(f->pid, &st), 0);
			assert_true(S_ISREG(st.st_mode));
			assert_int_equal(st.st_mode & 07777, 0644);
			assert_int_equal(pf.written, 1);
			assert_int_equal(runfile_pid_remove(f->pid, &pf, err, sizeof(err)), 0);
			assert_int_equal(lstat(f->pid, &st), -1);
		} else {
			if (strstr(err, c->says) == NULL)
				fail_msg("%s: error '%s' does not say '%s'", c->what, err, c->says);
			assert_int_equal(pf.written, 0);
			assert_int_equal(lstat(f->pid, &st), 0);	/* left where it was */
			if (c->found == DIRECTORY)
				assert_int_equal(rmdir(f->pid), 0);
			else
				assert_int_equal(unlink(f->pid), 0);
		}
		assert_target_intact(f);
	}
}

/* test_pid_remove_replaced - a pid file replaced since it was written is left at exit */
static void
test_pid_remove_replaced(void **state)
{
	struct fixture *f = *state;
	struct runfile_pid pf;
	char	err[512], other[PATH_MAX + 32];
	int	fd;

	assert_int_equal(runfile_pid_write(f->pid, (uid_t) -1, (gid_t) -1, &pf, err, sizeof(err)), 0);
	snprintf(other, sizeof(other), "%s.new", f->pid);
	fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(rename(other, f->pid), 0);
	assert_int_equal(runfile_pid_remove(f->pid, &pf, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "was replaced"));
	assert_int_equal(access(f->pid, F_OK), 0);
	/* a symlink put in its place is not followed nor removed */
	assert_int_equal(unlink(f->pid), 0);
	assert_int_equal(symlink(f->target, f->pid), 0);
	assert_int_equal(runfile_pid_remove(f->pid, &pf, err, sizeof(err)), 1);
	assert_target_intact(f);
	/* gone already: fine */
	assert_int_equal(unlink(f->pid), 0);
	assert_int_equal(runfile_pid_remove(f->pid, &pf, err, sizeof(err)), 0);
}

/* bind_socket - a unix socket bound at path with umask 0 (mode 0777); the descriptor */
static int
bind_socket(const char *path)
{
	struct sockaddr_un sa;
	int	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	mode_t	old = umask(0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	umask(old);
	return fd;
}

/* test_socket_finish - a socket gets its mode where allowed; links and files are refused untouched */
static void
test_socket_finish(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	char	path[PATH_MAX + 8], err[512];
	int	fd;

	snprintf(path, sizeof(path), "%s/s.sock", f->dir);
	if (strlen(path) >= sizeof(((struct sockaddr_un *) 0)->sun_path)) {
		print_message("skipped: temp path too long for a unix socket\n");
		return;
	}
	fd = bind_socket(path);
	/* not allowed to change: refused, mode kept */
	assert_int_equal(runfile_socket_finish(path, 0660, (uid_t) -1, (gid_t) -1, 0, err,
					       sizeof(err)), -1);
	assert_non_null(strstr(err, "not changed"));
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0777);
	/* allowed: changed */
	assert_int_equal(runfile_socket_finish(path, 0660, (uid_t) -1, (gid_t) -1, 1, err,
					       sizeof(err)), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	/* already right: nothing to change, fine even where changing is not allowed */
	assert_int_equal(runfile_socket_finish(path, 0660, st.st_uid, st.st_gid, 0, err,
					       sizeof(err)), 0);
	close(fd);
	/* replaced by a symlink or a hard link to a file: refused, target intact */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(f->target, path), 0);
	assert_int_equal(runfile_socket_finish(path, 0660, (uid_t) -1, (gid_t) -1, 1, err,
					       sizeof(err)), -1);
	assert_non_null(strstr(err, "no longer the socket"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(link(f->target, path), 0);
	assert_int_equal(runfile_socket_finish(path, 0660, (uid_t) -1, (gid_t) -1, 1, err,
					       sizeof(err)), -1);
	assert_target_intact(f);
	assert_int_equal(unlink(path), 0);
	/* gone */
	assert_int_equal(runfile_socket_finish(path, 0660, (uid_t) -1, (gid_t) -1, 1, err,
					       sizeof(err)), -1);
	assert_non_null(strstr(err, "gone"));
}

/* test_dirs - making, judging and giving away the directory of a runtime file */
static void
test_dirs(void **state)
{
	struct fixture *f = *state;
	char	file[PATH_MAX + 16], err[512];
	struct stat st;

	snprintf(file, sizeof(file), "%s/run/x.pid", f->dir);
	assert_int_equal(runfile_dir_make(file, err, sizeof(err)), 1);
	assert_int_equal(runfile_dir_make(file, err, sizeof(err)), 0);	/* exists now */
	assert_int_equal(runfile_dir_make("relative/x.pid", err, sizeof(err)), 0);
	assert_int_equal(runfile_dir_make(NULL, err, sizeof(err)), 0);
	if (geteuid() == 0) {
		assert_int_equal(runfile_dir_root_only(file), 1);	/* DIR/run: root's, 0755 */
		assert_int_equal(runfile_dir_give(file, 4242, 4242, err, sizeof(err)), 0);
		snprintf(file, sizeof(file), "%s/run", f->dir);
		assert_int_equal(stat(file, &st), 0);
		assert_int_equal(st.st_uid, 4242);
		snprintf(file, sizeof(file), "%s/run/x.pid", f->dir);
		assert_int_equal(runfile_dir_root_only(file), 0);	/* someone else's now */
		/* given away once: not again (it is no longer the one made) */
		assert_int_equal(runfile_dir_give(file, 0, 0, err, sizeof(err)), -1);
	} else
		assert_int_equal(runfile_dir_root_only(file), 0);
	snprintf(file, sizeof(file), "%s/x.pid", f->dir);
	assert_int_equal(chmod(f->dir, 0777), 0);
	assert_int_equal(runfile_dir_root_only(file), 0);	/* writable by all */
	/* a symlink where the directory should be is not followed */
	snprintf(file, sizeof(file), "%s/link", f->dir);
	assert_int_equal(symlink(f->dir, file), 0);
	snprintf(file, sizeof(file), "%s/link/x.pid", f->dir);
	assert_int_equal(runfile_dir_give(file, 0, 0, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pid_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pid_remove_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_finish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
