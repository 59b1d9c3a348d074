/*
 * NAME
 *	test_selfcheck - unit tests of the self-check through the milter socket
 * DESCRIPTION
 *	Table-driven: the socket to connect to for each spec the daemon may
 *	listen on, and the period and time limit for a status interval and
 *	a WatchdogSec. Then checks against fake filters on a unix socket in a
 *	temp dir: one that answers the option negotiation (passes), one that
 *	accepts and never answers (fails within the time limit, as a wedged
 *	libmilter does), none at all (fails at once). The thread reports a
 *	failure only after SELFCHECK_FAILS checks in a row, and each pass;
 *	a check left unanswered does not hold up selfcheck_stop(); a user
 *	that may not reach the socket checks nothing and reports nothing.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "selfcheck.h"
#include "testutil.h"
#include "util.h"

#define WAIT_MS		60000		/* bound of every wait; each takes far less */

/* test_spec - what the check connects to for each listening spec */
static void test_spec(void **state)
{
	static const struct {
		const char *listen;
		const char *want;		/* NULL: refused */
	} t[] = {
		{"unix:/run/clamshim/clamshim.sock", "unix:/run/clamshim/clamshim.sock"},
		{"local:/x.sock", "unix:/x.sock"},
		{"/x.sock", "unix:/x.sock"},
		{":/x.sock", "unix:/x.sock"},
		{"UNIX:/x.sock", "unix:/x.sock"},
		{"inet:8890@127.0.0.1", "inet:8890@127.0.0.1"},
		{"inet:8890@192.0.2.7", "inet:8890@192.0.2.7"},
		{"inet:8890", "inet:8890@127.0.0.1"},
		{"inet:8890@0.0.0.0", "inet:8890@127.0.0.1"},
		{"inet:8890@localhost", "inet:8890@localhost"},
		{"inet6:8890", "inet6:8890@::1"},
		{"inet6:8890@::", "inet6:8890@::1"},
		{"inet6:8890@[::]", "inet6:8890@::1"},
		{"inet6:8890@[::1]", "inet6:8890@[::1]"},
		{"inet:", NULL},
		{"inet:@127.0.0.1", NULL},
		{"unix:", NULL},
		{"tcp:1@2", NULL},
		{"", NULL},
	};
	char	buf[64], tiny[8];
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int	rc = selfcheck_spec(t[i].listen, buf, sizeof(buf));

		if (t[i].want == NULL && rc != -1)
			fail_msg("\"%s\": wanted refused, got \"%s\"", t[i].listen, buf);
		if (t[i].want != NULL && (rc != 0 || strcmp(buf, t[i].want) != 0))
			fail_msg("\"%s\": wanted \"%s\", got %d \"%s\"", t[i].listen, t[i].want, rc,
				 rc == 0 ? buf : "");
	}
	assert_int_equal(selfcheck_spec(NULL, buf, sizeof(buf)), -1);
	assert_int_equal(selfcheck_spec("unix:/a/long/path.sock", tiny, sizeof(tiny)), -1);
}

/* test_timing - period and time limit from status.interval and WatchdogSec */
static void test_timing(void **state)
{
	static const struct {
		int64_t	interval_ms;
		uint64_t watchdog_us;
		int64_t	period, timeout;
	} t[] = {
		{10000, 0, 5000, 5000},		/* the defaults: at most 5 s apart */
		{1000, 0, 1000, 2000},		/* twice the period */
		{200, 0, 200, 1000},		/* at least 1 s to answer */
		{10, 0, 100, 1000},		/* at most ten a second */
		{0, 0, 5000, 5000},
		{10000, 60000000, 5000, 5000},	/* WatchdogSec=60s: well inside already */
		{10000, 8000000, 2000, 4000},	/* a quarter, and half of it to answer */
		{10000, 2000000, 500, 1000},	/* service.sh's 2 s */
		{1000, 2000000, 500, 1000},
		{10000, 200000, 100, 100},	/* absurdly short: floors */
	};
	int64_t	p, to;
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		selfcheck_timing(t[i].interval_ms, t[i].watchdog_us, &p, &to);
		if (p != t[i].period || to != t[i].timeout)
			fail_msg("interval %lld ms, watchdog %llu us: period %lld timeout %lld, wanted "
				 "%lld %lld", (long long) t[i].interval_ms,
				 (unsigned long long) t[i].watchdog_us, (long long) p, (long long) to,
				 (long long) t[i].period, (long long) t[i].timeout);
	}
}

/* A fake filter: answers the negotiation (answer) or stays silent. */
struct fake {
	char	dir[64];
	char	path[96];
	char	spec[160];
	int	lfd;
	int	answer;
	pthread_t thr;
	int	stop;
	int	held[16];		/* silent: connections kept open, never answered */
	size_t	nheld;
};

/* fake_main - accept connections until stopped; answer OPTNEG when asked to */
static void *fake_main(void *arg)
{
	struct fake *f = arg;
	static const unsigned char optneg[] = {0, 0, 0, 13, 'O', 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0};
	unsigned char buf[17];
	int	fd;

	while ((fd = accept(f->lfd, NULL, NULL)) >= 0) {
		if (f->stop) {
			close(fd);
			break;
		}
		if (!f->answer && f->nheld < sizeof(f->held) / sizeof(f->held[0])) {
			f->held[f->nheld] = fd;		/* read nothing, answer nothing */
			__atomic_add_fetch(&f->nheld, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		if (f->answer && tu_readn(fd, buf, sizeof(buf)) == 0 && buf[4] == 'O')
			(void) !write(fd, optneg, sizeof(optneg));
		close(fd);
	}
	while (f->nheld > 0)
		close(f->held[--f->nheld]);
	return NULL;
}

/* fake_start - a fake filter on a unix socket in a temp dir */
static void fake_start(struct fake *f, int answer)
{
	struct sockaddr_un sa;

	memset(f, 0, sizeof(*f));
	f->answer = answer;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_selfcheck.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/s", f->dir);
	snprintf(f->spec, sizeof(f->spec), "unix:%s", f->path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	assert_true((f->lfd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 16), 0);
	assert_int_equal(pthread_create(&f->thr, NULL, fake_main, f), 0);
}

/* fake_stop - wake the accept with a last connection, join, remove */
static void fake_stop(struct fake *f)
{
	struct sockaddr_un sa;
	int	fd = socket(AF_UNIX, SOCK_STREAM, 0);

	f->stop = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	assert_int_equal(connect(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	close(fd);
	pthread_join(f->thr, NULL);
	close(f->lfd);
	unlink(f->path);
	rmdir(f->dir);
}

/* test_once - passes against a filter that answers; fails in time against a silent one or none */
static void test_once(void **state)
{
	struct fake f;
	char	why[SELFCHECK_WHY_MAX];
	int64_t	t0;

	(void) state;
	fake_start(&f, 1);
	assert_int_equal(selfcheck_once(f.spec, 5000, why, sizeof(why)), 0);
	fake_stop(&f);

	fake_start(&f, 0);
	t0 = util_now_ms();
	assert_int_equal(selfcheck_once(f.spec, 300, why, sizeof(why)), -1);
	assert_true(util_now_ms() - t0 >= 300);
	assert_true(util_now_ms() - t0 < WAIT_MS);
	assert_non_null(strstr(why, "300 ms"));
	fake_stop(&f);

	assert_int_equal(selfcheck_once("unix:/nonexistent/test_selfcheck.sock", 300, why,
					sizeof(why)), -1);
	assert_non_null(strstr(why, "No such file"));
}

/* What the thread reported. */
struct reports {
	pthread_mutex_t mu;
	int	passed;
	int	failed;
	char	why[SELFCHECK_WHY_MAX];
};

/* rep_fn - a selfcheck_fn counting passes and failures */
static void rep_fn(void *ctx, int ok, const char *why)
{
	struct reports *r = ctx;

	pthread_mutex_lock(&r->mu);
	if (ok)
		r->passed++;
	else {
		r->failed++;
		snprintf(r->why, sizeof(r->why), "%s", why);
	}
	pthread_mutex_unlock(&r->mu);
}

/* rep_get - passed or failed, read under the lock */
static int rep_get(struct reports *r, int failed)
{
	int	v;

	pthread_mutex_lock(&r->mu);
	v = failed ? r->failed : r->passed;
	pthread_mutex_unlock(&r->mu);
	return v;
}

/* wait_for - poll until the count of passes (or failures) reaches n; bounded */
static void wait_for(struct reports *r, int failed, int n)
{
	int64_t	t0 = util_now_ms();
	struct timespec ts = {0, 5 * 1000 * 1000};

	while (rep_get(r, failed) < n && util_now_ms() - t0 < WAIT_MS)
		nanosleep(&ts, NULL);
	assert_true(rep_get(r, failed) >= n);
}

/* test_thread - passes are reported; a failure only after SELFCHECK_FAILS in a row */
static void test_thread(void **state)
{
	struct reports r = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct selfcheck *sc;
	struct fake f;
	char	spec[160];
	int64_t	t0;
	int	passed;

	(void) state;
	fake_start(&f, 1);
	assert_non_null(sc = selfcheck_start(f.spec, 50, 1000, rep_fn, &r));
	wait_for(&r, 0, 3);
	assert_int_equal(rep_get(&r, 1), 0);
	selfcheck_stop(sc);
	fake_stop(&f);

	/* nothing listens: refused at once, reported at the SELFCHECK_FAILS-th */
	snprintf(spec, sizeof(spec), "%s", f.spec);
	passed = rep_get(&r, 0);
	t0 = util_now_ms();
	assert_non_null(sc = selfcheck_start(spec, 200, 1000, rep_fn, &r));
	wait_for(&r, 1, 1);
	assert_true(util_now_ms() - t0 >= (SELFCHECK_FAILS - 1) * 200);
	assert_non_null(strstr(r.why, "connect to"));
	selfcheck_stop(sc);
	assert_int_equal(rep_get(&r, 0), passed);	/* no pass without a filter */
}

/* test_stop_stuck - a check the filter never answers does not hold selfcheck_stop() up */
static void test_stop_stuck(void **state)
{
	struct reports r = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct selfcheck *sc;
	struct timespec ts = {0, 5 * 1000 * 1000};
	struct fake f;
	int64_t	t0;

	(void) state;
	fake_start(&f, 0);
	assert_non_null(sc = selfcheck_start(f.spec, 50, 30000, rep_fn, &r));
	t0 = util_now_ms();
	while (__atomic_load_n(&f.nheld, __ATOMIC_SEQ_CST) == 0 && util_now_ms() - t0 < WAIT_MS)
		nanosleep(&ts, NULL);		/* until the check waits for its answer */
	assert_true(__atomic_load_n(&f.nheld, __ATOMIC_SEQ_CST) > 0);
	t0 = util_now_ms();
	selfcheck_stop(sc);
	assert_true(util_now_ms() - t0 < 5000);	/* ~100 ms, not the 30 s time limit */
	fake_stop(&f);				/* closes it: the thread ends and frees */
	assert_int_equal(rep_get(&r, 0) + rep_get(&r, 1), 0);	/* nothing reported */
}

/* test_denied - a socket this user may not reach: no check, no report (root only: drops to nobody) */
static void test_denied(void **state)
{
	struct reports r = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct timespec ts = {0, 300 * 1000 * 1000};
	struct selfcheck *sc;
	struct fake f;
	pid_t	pid;
	int	status;

	(void) state;
	if (geteuid() != 0)
		skip();
	fake_start(&f, 1);			/* its directory is 0700, root's */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		if ((sc = selfcheck_start(f.spec, 50, 1000, rep_fn, &r)) == NULL)
			_exit(3);
		nanosleep(&ts, NULL);
		selfcheck_stop(sc);
		_exit(rep_get(&r, 0) + rep_get(&r, 1) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	fake_stop(&f);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);	/* 1: a report came, 2: no nobody */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_timing),
		cmocka_unit_test(test_once),
		cmocka_unit_test(test_thread),
		cmocka_unit_test(test_stop_stuck),
		cmocka_unit_test(test_denied),
	};

	log_set_stderr_only(1);
	log_set(LOG_LEVEL_ERROR, -1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
