/*
 * NAME
 *	test_runner - unit tests of the command runner
 * DESCRIPTION
 *	Real commands through /bin/sh: the values reach the command only
 *	through its environment and made printable (shell syntax in a value
 *	never runs), the daemon's variables with the strip prefix are left
 *	out and the others kept; commands run in the order they were
 *	submitted; a full queue drops the oldest jobs and counts them; an
 *	empty command and a NULL runner do nothing. The time limit, the
 *	clean start (signals, descriptors, process group) and a shell that
 *	cannot start are tested through the alert module that uses the
 *	runner (tests/test_alert.c).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "runner.h"
#include "testutil.h"

#define WAIT_MS	10000			/* bound of every wait; each takes far less */

/* idle - 1 when the runner has nothing queued or running */
static int idle(void *r)
{
	return runner_running(r) == 0;
}

/* wait_idle - poll up to WAIT_MS for the runner to have nothing queued or running */
static int wait_idle(struct runner *r)
{
	return tu_poll(idle, r, WAIT_MS);
}

/* test_env - values only through the environment, printable; the strip prefix is left out */
static void test_env(void **state)
{
	char	dir[] = "/tmp/test_runner.XXXXXX", cmd[1024], out[64], pwned[64], hostile[300];
	char	buf[2048], want[400];
	struct runner_settings set = {.name = "test command", .strip = "TEST_RUNNER_STRIP_"};
	struct runner *r;

	(void) state;
	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/env", dir);
	snprintf(pwned, sizeof(pwned), "%s/pwned", dir);
	snprintf(hostile, sizeof(hostile), "$(touch %s) `touch %s`; touch %s", pwned, pwned, pwned);
	snprintf(cmd, sizeof(cmd), "env | grep ^TEST_RUNNER_ | sort > %s.tmp && mv %s.tmp %s",
		 out, out, out);
	assert_int_equal(setenv("TEST_RUNNER_STRIP_OLD", "from the daemon", 1), 0);
	assert_int_equal(setenv("TEST_RUNNER_KEEP", "kept", 1), 0);
	assert_non_null(r = runner_new(&set));
	{
		const struct runner_var vars[] = {
			{"TEST_RUNNER_A", "a\001b\nc\177\377 d"},
			{"TEST_RUNNER_B", hostile},
			{"TEST_RUNNER_C", NULL},
		};

		runner_submit(r, "test", cmd, vars, 3);
	}
	assert_int_equal(wait_idle(r), 0);
	runner_free(r);
	tu_read_text(out, buf, sizeof(buf));
	assert_non_null(strstr(buf, "TEST_RUNNER_A=a?b?c?? d\n"));
	snprintf(want, sizeof(want), "TEST_RUNNER_B=%s\n", hostile);
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "TEST_RUNNER_C=\n"));
	assert_non_null(strstr(buf, "TEST_RUNNER_KEEP=kept\n"));
	assert_null(strstr(buf, "TEST_RUNNER_STRIP_"));
	assert_int_not_equal(access(pwned, F_OK), 0);	/* the value never ran */
	unsetenv("TEST_RUNNER_STRIP_OLD");
	unsetenv("TEST_RUNNER_KEEP");
	unlink(out);
	rmdir(dir);
}

/* test_order - commands run one after the other, in the order submitted */
static void test_order(void **state)
{
	char	dir[] = "/tmp/test_runner.XXXXXX", cmd[512], out[256], buf[256];
	struct runner *r = runner_new(NULL);
	int	i;

	(void) state;
	assert_non_null(r);
	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/order", dir);
	for (i = 1; i <= 4; i++) {
		snprintf(cmd, sizeof(cmd), "echo %d >> %s", i, out);
		runner_submit(r, "order", cmd, NULL, 0);
	}
	assert_int_equal(wait_idle(r), 0);
	assert_int_equal(runner_dropped(r), 0);
	runner_free(r);
	tu_read_text(out, buf, sizeof(buf));
	assert_string_equal(buf, "1\n2\n3\n4\n");
	unlink(out);
	rmdir(dir);
}

/* test_queue_full - past the queue's 32 jobs the oldest waiting ones are dropped and counted */
static void test_queue_full(void **state)
{
	struct runner *r = runner_new(NULL);
	unsigned long dropped;
	int	i;

	(void) state;
	assert_non_null(r);
	for (i = 0; i < 40; i++)		/* the first runs 1 s before the next may start */
		runner_submit(r, "full", "sleep 1", NULL, 0);
	dropped = runner_dropped(r);
	/* 40 - 32 queued, or one fewer when the first had started already */
	if (dropped != 7 && dropped != 8)
		fail_msg("dropped %lu, want 7 or 8", dropped);
	assert_true(runner_running(r) <= 33);
	runner_free(r);			/* the queued ones never run; the one sleeping ends alone */
}

/*
 * test_max_running - with max_running 3: three sleeping commands start at
 * once (no serial hold), the fourth and later are dropped and counted at
 * submit time, never queued
 */
static void test_max_running(void **state)
{
	char	dir[] = "/tmp/test_runner.XXXXXX", cmd[512], out[256], buf[256];
	struct runner_settings set = {.name = "capped", .max_running = 3};
	struct runner *r;
	int	i, ms;

	(void) state;
	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/started", dir);
	snprintf(cmd, sizeof(cmd), "echo x >> %s; sleep 2", out);
	assert_non_null(r = runner_new(&set));
	for (i = 0; i < 10; i++)
		runner_submit(r, "capped", cmd, NULL, 0);
	assert_int_equal(runner_dropped(r), 7);
	assert_int_equal(runner_running(r), 3);
	for (ms = 0; ms < WAIT_MS; ms += 20) {	/* all three start well before the first ends */
		struct stat st;

		if (stat(out, &st) == 0 && st.st_size == 6)
			break;
		usleep(20000);
	}
	tu_read_text(out, buf, sizeof(buf));
	assert_string_equal(buf, "x\nx\nx\n");
	assert_int_equal(wait_idle(r), 0);
	runner_submit(r, "capped", "true", NULL, 0);	/* room again */
	assert_int_equal(wait_idle(r), 0);
	assert_int_equal(runner_dropped(r), 7);
	runner_free(r);
	unlink(out);
	rmdir(dir);
}

/* test_nothing - an empty command, a NULL runner */
static void test_nothing(void **state)
{
	struct runner *r = runner_new(NULL);

	(void) state;
	assert_non_null(r);
	runner_submit(r, "empty", "", NULL, 0);
	runner_submit(r, "none", NULL, NULL, 0);
	assert_int_equal(runner_running(r), 0);
	runner_free(r);
	runner_submit(NULL, "x", "true", NULL, 0);
	assert_int_equal(runner_running(NULL), 0);
	assert_int_equal(runner_dropped(NULL), 0);
	runner_configure(NULL, NULL);
	runner_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_queue_full),
		cmocka_unit_test(test_max_running),
		cmocka_unit_test(test_nothing),
	};

	log_set_stderr_only(1);
	log_set(LOG_LEVEL_ERROR, -1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
