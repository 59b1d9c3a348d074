/*
 * NAME
 *	test_daemon - unit tests for the steps of the daemon's start (daemon_root.c)
 * DESCRIPTION
 *	Without root and without libmilter: which socket specs name a unix
 *	socket path; the runtime directory made only when missing; the
 *	socket bound (by a stand-in for milter_open that binds a real unix
 *	socket) with socket_mode through the umask, the umask given back,
 *	an unknown socket_group, a failed bind and something other than a
 *	socket at the path refused; the pid file checked, written with our
 *	pid, refused through a symbolic link and removed; the privilege drop
 *	without a user. Every case runs in its own temp directory with a
 *	configuration file written for it. The same assertions hold when
 *	run as root (user is empty: root keeps its identity).
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

#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "runfile.h"
#include "testutil.h"

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))

/* One temp directory per test, and the configuration written into it. */
struct fixture {
	char	dir[PATH_MAX];
	char	sock[PATH_MAX + 16];	/* DIR/s.sock */
	char	pid[PATH_MAX + 16];	/* DIR/x.pid */
	struct conf *conf;
};

/* load - write DIR/c.conf with socket_mode, socket_group and pid_file, and load it */
static struct conf *
load(struct fixture *f, const char *mode, const char *group, const char *pid)
{
	char	path[PATH_MAX + 16];
	struct conf *c = NULL;
	FILE   *fp;

	snprintf(path, sizeof(path), "%s/c.conf", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "socket = \"unix:%s\"\nsocket_mode = \"%s\"\nsocket_group = \"%s\"\n"
		"user = \"\"\npid_file = \"%s\"\n", f->sock, mode, group, pid);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(conf_load(path, CONF_STRICT, NULL, NULL, &c), 0);
	conf_unref(f->conf);
	f->conf = c;
	return c;
}

/* setup - a fresh temp directory and the default test configuration */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	if (tu_tempdir(f->dir, sizeof(f->dir), "test_daemon") != 0)
		return -1;
	snprintf(f->sock, sizeof(f->sock), "%s/s.sock", f->dir);
	snprintf(f->pid, sizeof(f->pid), "%s/x.pid", f->dir);
	*state = f;
	return 0;
}

/* teardown - remove everything made */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	conf_unref(f->conf);
	if (tu_rmtree(f->dir) != 0)
		return -1;
	free(f);
	return 0;
}

/* unix_path - which specs are a unix socket, and its path */
static void
unix_path(void **state)
{
	static const struct {
		const char *spec;
		const char *path;
	} rows[] = {
		{"unix:/run/clamshim/clamshim.sock", "/run/clamshim/clamshim.sock"},
		{"local:/var/spool/postfix/clamshim", "/var/spool/postfix/clamshim"},
		{"/run/c.sock", "/run/c.sock"},
		{"inet:7357@127.0.0.1", NULL},
		{"inet6:7357@[::1]", NULL},
		{"", NULL},
	};
	size_t	i;

	(void) state;
	for (i = 0; i < NROWS(rows); i++) {
		const char *got = daemon_unix_path(rows[i].spec);

		if (rows[i].path == NULL)
			assert_null(got);
		else
			assert_string_equal(got, rows[i].path);
	}
}

/* runtime_dir - made (0755) only when missing, one level, absolute paths only */
static void
runtime_dir(void **state)
{
	struct fixture *f = *state;
	char	file[PATH_MAX + 32], dir[PATH_MAX + 16];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/run", f->dir);
	snprintf(file, sizeof(file), "%s/x.pid", dir);
	assert_int_equal(daemon_runtime_dir(file), 1);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(daemon_runtime_dir(file), 0);		/* there now */
	assert_int_equal(daemon_runtime_dir(NULL), 0);		/* an inet socket */
	assert_int_equal(daemon_runtime_dir("x.pid"), 0);	/* relative */
	snprintf(file, sizeof(file), "%s/a/b/x.pid", f->dir);	/* two levels missing */
	assert_int_equal(daemon_runtime_dir(file), 0);
}

/* What the stand-in for milter_open does. */
enum bind_mode { BIND_SOCKET, BIND_FAIL, BIND_FILE };

/* The stand-in's instructions and what it saw. */
struct binder {
	enum bind_mode mode;
	const char *path;
	unsigned calls;
	mode_t	umask_seen;
};

/* fake_bind - a daemon_bind_fn: bind a real unix socket at the path (or fail, or make a file) */
static int
fake_bind(void *arg, const char *spec, char *err, size_t errlen)
{
	struct binder *b = arg;
	struct sockaddr_un sa;
	int	fd;

	(void) spec;
	b->calls++;
	b->umask_seen = umask(0);
	umask(b->umask_seen);
	if (b->mode == BIND_FAIL) {
		snprintf(err, errlen, "cannot listen (test)");
		return -1;
	}
	if (b->mode == BIND_FILE) {
		if ((fd = open(b->path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
			return -1;
		close(fd);
		return 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", b->path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0) {
		snprintf(err, errlen, "bind: %s", strerror(errno));
		return -1;
	}
	close(fd);			/* the name stays */
	return 0;
}

/* open_socket_mode - the socket is born with socket_mode; the umask is given back */
static void
open_socket_mode(void **state)
{
	struct fixture *f = *state;
	static const char *const modes[] = {"0660", "0620", "0770", "0664"};
	static const mode_t want[] = {0660, 0620, 0770, 0664};
	struct binder b = {BIND_SOCKET, NULL, 0, 0};
	char	spec[PATH_MAX + 32], err[512] = "";
	mode_t	before = umask(022);
	struct stat st;
	size_t	i;

	(void) before;
	b.path = f->sock;
	snprintf(spec, sizeof(spec), "unix:%s", f->sock);
	for (i = 0; i < NROWS(modes); i++) {
		unlink(f->sock);
		load(f, modes[i], "", "");
		assert_int_equal(daemon_open_socket(spec, f->conf, fake_bind, &b, err, sizeof(err)), 0);
		assert_int_equal(b.umask_seen, ~want[i] & 0777);
		assert_int_equal(lstat(f->sock, &st), 0);
		assert_true(S_ISSOCK(st.st_mode));
		assert_int_equal(st.st_mode & 0777, want[i]);
		assert_int_equal(umask(022), 022);		/* given back */
	}
	umask(before);
}

/* open_socket_refused - unknown group, failed bind, not a socket: -1 with the reason */
static void
open_socket_refused(void **state)
{
	struct fixture *f = *state;
	struct binder b = {BIND_SOCKET, NULL, 0, 0};
	char	spec[PATH_MAX + 32], err[512] = "";

	b.path = f->sock;
	snprintf(spec, sizeof(spec), "unix:%s", f->sock);
	load(f, "0660", "no-such-group-clamshim-test", "");
	assert_int_equal(daemon_open_socket(spec, f->conf, fake_bind, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "socket_group \"no-such-group-clamshim-test\" does not exist"));
	assert_int_equal(b.calls, 0);

	load(f, "0660", "", "");
	b.mode = BIND_FAIL;
	assert_int_equal(daemon_open_socket(spec, f->conf, fake_bind, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot listen (test)"));

	b.mode = BIND_FILE;
	assert_int_equal(daemon_open_socket(spec, f->conf, fake_bind, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "socket"));
}

/* open_socket_inet - an inet spec is bound as it is: no umask, no file checks */
static void
open_socket_inet(void **state)
{
	struct fixture *f = *state;
	struct binder b = {BIND_FAIL, NULL, 0, 0};
	char	err[512] = "";
	mode_t	before = umask(027);

	load(f, "0620", "", "");
	assert_int_equal(daemon_open_socket("inet:7357@127.0.0.1", f->conf, fake_bind, &b, err,
					    sizeof(err)), -1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.umask_seen, 027);
	assert_string_equal(err, "cannot listen (test)");
	umask(before);
}

/* pid_file - checked, written with our pid, refused through a link, removed */
static void
pid_file(void **state)
{
	struct fixture *f = *state;
	struct runfile_pid pf;
	char	buf[64], target[PATH_MAX + 16];
	FILE   *fp;
	int	fd;

	memset(&pf, 0, sizeof(pf));
	load(f, "0660", "", f->pid);
	assert_int_equal(daemon_check_pid(f->conf), 0);
	assert_int_equal(daemon_write_pid(f->conf, &pf), 0);
	fp = fopen(f->pid, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_int_equal(atol(buf), (long) getpid());
	daemon_remove_pid(f->conf, &pf);
	assert_int_equal(access(f->pid, F_OK), -1);

	snprintf(target, sizeof(target), "%s/target", f->dir);	/* a link planted at the name */
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink(target, f->pid), 0);
	assert_int_equal(daemon_check_pid(f->conf), -1);
	memset(&pf, 0, sizeof(pf));
	assert_int_equal(daemon_write_pid(f->conf, &pf), -1);
	assert_int_equal(pf.written, 0);

	load(f, "0660", "", "");					/* no pid file */
	assert_int_equal(daemon_check_pid(f->conf), 0);
	assert_int_equal(daemon_write_pid(f->conf, &pf), 0);
	daemon_remove_pid(f->conf, &pf);
}

/* drop_none - without a user nothing changes (root warns) */
static void
drop_none(void **state)
{
	uid_t	uid = geteuid();

	(void) state;
	assert_int_equal(daemon_drop_privileges(NULL), 0);
	assert_int_equal(daemon_drop_privileges(""), 0);
	if (uid != 0)		/* not root: a user is not even looked up */
		assert_int_equal(daemon_drop_privileges("no-such-user-clamshim-test"), 0);
	assert_int_equal(geteuid(), uid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unix_path),
		cmocka_unit_test_setup_teardown(runtime_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(open_socket_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(open_socket_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(open_socket_inet, setup, teardown),
		cmocka_unit_test_setup_teardown(pid_file, setup, teardown),
		cmocka_unit_test(drop_none),
	};

	log_set_stderr_only(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
