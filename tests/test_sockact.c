/*
 * NAME
 *	test_sockact - unit tests of taking the socket systemd passes
 * DESCRIPTION
 *	LISTEN_PID/LISTEN_FDS as systemd sets them (none, for another
 *	process, zero, two, descriptor 3 not listening, one listening
 *	socket); the spec of a socket's own address (unix, inet, inet6 when
 *	the machine has ::1, abstract: none); the placeholder of each family;
 *	and the hand-over itself, with a listener made in the test standing
 *	in for libmilter's: after sockact_adopt() its descriptor accepts the
 *	connections made to the passed socket's path.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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

#include "sockact.h"

/* A temp dir for the sockets of one test. */
static char tdir[64];

/* setup - the temp dir */
static int setup(void **state)
{
	(void) state;
	snprintf(tdir, sizeof(tdir), "/tmp/test_sockact.XXXXXX");
	return mkdtemp(tdir) == NULL ? -1 : 0;
}

/* teardown - remove the temp dir and what is in it */
static int teardown(void **state)
{
	char	cmd[128];

	(void) state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* unix_listener - a listening unix socket at tdir/name */
static int unix_listener(const char *name, char *path, size_t len)
{
	struct sockaddr_un sa;
	int	fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(path, len, "%s/%s", tdir, name);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

/* set_env - LISTEN_PID (self = 1: our pid) and LISTEN_FDS; NULL unsets */
static void set_env(int self, const char *fds)
{
	char	pid[32];

	snprintf(pid, sizeof(pid), "%ld", (long) getpid() + (self ? 0 : 1));
	setenv("LISTEN_PID", pid, 1);
	if (fds)
		setenv("LISTEN_FDS", fds, 1);
	else
		unsetenv("LISTEN_FDS");
}

/* test_inherited - what systemd's variables and descriptor 3 may say */
static void test_inherited(void **state)
{
	char	path[128], err[256];
	int	saved = fcntl(SOCKACT_FD, F_GETFD) >= 0 ? dup(SOCKACT_FD) : -1;
	int	fd, l, s;

	(void) state;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	assert_int_equal(sockact_inherited(&fd, err, sizeof(err)), 0);
	assert_int_equal(fd, -1);
	set_env(0, "1");			/* for another process: left alone */
	assert_int_equal(sockact_inherited(&fd, err, sizeof(err)), 0);
	assert_non_null(getenv("LISTEN_FDS"));
	set_env(1, "0");
	assert_int_equal(sockact_inherited(&fd, err, sizeof(err)), 0);
	assert_null(getenv("LISTEN_FDS"));	/* read once, then gone */
	set_env(1, "2");
	assert_int_equal(sockact_inherited(&fd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "passed 2 sockets"));
	set_env(1, "x");
	assert_int_equal(sockact_inherited(&fd, err, sizeof(err)), 0);

	s = socket(AF_UNIX, SOCK_STREAM, 0);	/* a socket that does not listen */
	assert_int_equal(dup2(s, SOCKACT_FD), SOCKACT_FD);
	if (s != SOCKACT_FD)
		close(s);
	set_env(1, "1");
	assert_int_equal(sockact_inherited(&fd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a listening stream socket"));

	l = unix_listener("passed.sock", path, sizeof(path));
	assert_int_equal(dup2(l, SOCKACT_FD), SOCKACT_FD);
	if (l != SOCKACT_FD)
		close(l);
	set_env(1, "1");
	setenv("LISTEN_FDNAMES", "clamshim.socket", 1);
	assert_int_equal(sockact_inherited(&fd, err, sizeof(err)), 1);
	assert_int_equal(fd, SOCKACT_FD);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_null(getenv("LISTEN_PID"));
	assert_null(getenv("LISTEN_FDS"));
	assert_null(getenv("LISTEN_FDNAMES"));
	close(SOCKACT_FD);
	if (saved >= 0) {
		dup2(saved, SOCKACT_FD);
		close(saved);
	}
}

/* test_spec - the spec of a socket's own address */
static void test_spec(void **state)
{
	struct sockaddr_in si;
	struct sockaddr_in6 s6;
	struct sockaddr_un su;
	socklen_t sl = sizeof(si);
	char	path[128], buf[256], want[256];
	int	fd;

	(void) state;
	fd = unix_listener("spec.sock", path, sizeof(path));
	assert_int_equal(sockact_spec(fd, buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "unix:%s", path);
	assert_string_equal(buf, want);
	assert_int_equal(sockact_spec(fd, buf, 8), -1);	/* does not fit */
	close(fd);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&si, 0, sizeof(si));
	si.sin_family = AF_INET;
	si.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *) &si, sizeof(si)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *) &si, &sl), 0);
	assert_int_equal(sockact_spec(fd, buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "inet:%u@127.0.0.1", (unsigned) ntohs(si.sin_port));
	assert_string_equal(buf, want);
	close(fd);

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_addr = in6addr_loopback;
	if (fd >= 0 && bind(fd, (struct sockaddr *) &s6, sizeof(s6)) == 0) {	/* ::1 may be off */
		sl = sizeof(s6);
		assert_int_equal(getsockname(fd, (struct sockaddr *) &s6, &sl), 0);
		assert_int_equal(sockact_spec(fd, buf, sizeof(buf)), 0);
		snprintf(want, sizeof(want), "inet6:%u@[::1]", (unsigned) ntohs(s6.sin6_port));
		assert_string_equal(buf, want);
	}
	if (fd >= 0)
		close(fd);

	fd = socket(AF_UNIX, SOCK_STREAM, 0);	/* abstract: no path to connect to */
	memset(&su, 0, sizeof(su));
	su.sun_family = AF_UNIX;
	memcpy(su.sun_path, "\0test_sockact", 13);
	assert_int_equal(bind(fd, (struct sockaddr *) &su, offsetof(struct sockaddr_un, sun_path) + 13), 0);
	assert_int_equal(sockact_spec(fd, buf, sizeof(buf)), -1);
	close(fd);
}

/* test_placeholder - same family; a unix one in a private temp dir, removed by sockact_unplace */
static void test_placeholder(void **state)
{
	char	path[128], spec[256], dir[256], err[256];
	struct sockaddr_in si;
	struct stat st;
	int	fd;

	(void) state;
	setenv("TMPDIR", tdir, 1);
	fd = unix_listener("ph.sock", path, sizeof(path));
	assert_int_equal(sockact_placeholder(fd, spec, sizeof(spec), dir, sizeof(dir), err,
					     sizeof(err)), 0);
	assert_int_equal(strncmp(dir, tdir, strlen(tdir)), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(strncmp(spec, "unix:", 5), 0);
	assert_int_equal(strncmp(spec + 5, dir, strlen(dir)), 0);
	sockact_unplace(dir);
	assert_int_not_equal(stat(dir, &st), 0);
	close(fd);
	unsetenv("TMPDIR");

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&si, 0, sizeof(si));
	si.sin_family = AF_INET;
	si.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *) &si, sizeof(si)), 0);
	assert_int_equal(sockact_placeholder(fd, spec, sizeof(spec), dir, sizeof(dir), err,
					     sizeof(err)), 0);
	assert_string_equal(spec, "inet:0@127.0.0.1");
	assert_string_equal(dir, "");
	close(fd);
}

/* test_adopt - the passed socket takes the new listener's place */
static void test_adopt(void **state)
{
	struct sockaddr_un sa;
	char	ppath[96], lpath[96], err[256], buf[256], want[256];
	int	before[SOCKACT_LISTENERS_MAX], passed, lib, c, a;
	size_t	nbefore;

	(void) state;
	passed = unix_listener("passed2.sock", ppath, sizeof(ppath));
	nbefore = sockact_listeners(before, SOCKACT_LISTENERS_MAX);
	assert_int_equal(sockact_adopt(passed, before, nbefore, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "found 0 new"));
	lib = unix_listener("libmilter.sock", lpath, sizeof(lpath));	/* stands in for libmilter's */
	assert_int_equal(sockact_adopt(passed, before, nbefore, err, sizeof(err)), 0);
	assert_int_equal(fcntl(passed, F_GETFD), -1);		/* closed */
	assert_true(fcntl(lib, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(sockact_spec(lib, buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "unix:%s", ppath);
	assert_string_equal(buf, want);			/* the same number, the passed socket */
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ppath);
	assert_int_equal(connect(c, (struct sockaddr *) &sa, sizeof(sa)), 0);
	assert_true((a = accept(lib, NULL, NULL)) >= 0);
	close(a);
	close(c);
	close(lib);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inherited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_placeholder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
