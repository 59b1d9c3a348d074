/*
 * NAME
 *	test_envelope - unit tests of envelope(3)
 * SUMMARY
 *	tests/test_envelope
 * DESCRIPTION
 *	Angle brackets and the null sender; client addresses of both
 *	families; hostile bytes sanitized; the recipient bound (kept,
 *	counted, over); an overlong recipient; the joined list truncated
 *	on a boundary; clearing a message keeps the connection's part.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "envelope.h"

/* test_sender - brackets stripped, <> is the null sender, hostile bytes replaced */
static void
test_sender(void **state)
{
	struct envelope e;

	(void) state;
	memset(&e, 0, sizeof(e));
	env_set_sender(&e, "<alice@example.org>");
	assert_string_equal(e.sender, "alice@example.org");
	assert_int_equal(e.has_sender, 1);
	env_set_sender(&e, "<>");
	assert_string_equal(e.sender, "");
	env_set_sender(&e, "bob@example.org");
	assert_string_equal(e.sender, "bob@example.org");
	env_set_sender(&e, "<a\r\nX: y@b>");
	assert_null(strchr(e.sender, '\r'));
	assert_null(strchr(e.sender, '\n'));
	env_set_sender(&e, NULL);
	assert_string_equal(e.sender, "");
	env_free(&e);
}

/* test_client - both address families, no address, a name with controls */
static void
test_client(void **state)
{
	struct envelope e;
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;

	(void) state;
	memset(&e, 0, sizeof(e));
	memset(&a4, 0, sizeof(a4));
	a4.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, "192.0.2.7", &a4.sin_addr), 1);
	env_set_client(&e, "mx.example.org", (struct sockaddr *) &a4);
	assert_string_equal(e.client_addr, "192.0.2.7");
	assert_string_equal(e.client_name, "mx.example.org");
	memset(&a6, 0, sizeof(a6));
	a6.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr), 1);
	env_set_client(&e, NULL, (struct sockaddr *) &a6);
	assert_string_equal(e.client_addr, "2001:db8::1");
	assert_string_equal(e.client_name, "unknown");
	env_set_client(&e, "x\ty", NULL);
	assert_string_equal(e.client_addr, "");
	assert_null(strchr(e.client_name, '\t'));
	env_set_daemon(&e, "ORIGINATING");
	assert_string_equal(e.daemon, "ORIGINATING");
	env_set_daemon(&e, NULL);
	assert_string_equal(e.daemon, "");
	env_free(&e);
}

/* test_rcpts - kept up to the bound, then counted; an overlong one is counted only */
static void
test_rcpts(void **state)
{
	struct envelope e;
	char	addr[64], big[ENV_ADDR_MAX + 10];

	(void) state;
	memset(&e, 0, sizeof(e));
	for (int i = 0; i < ENV_RCPTS_MAX + 5; i++) {
		snprintf(addr, sizeof(addr), "<u%d@example.org>", i);
		assert_int_equal(env_add_rcpt(&e, addr), i < ENV_RCPTS_MAX);
	}
	assert_int_equal(e.nrcpts, ENV_RCPTS_MAX);
	assert_int_equal(e.rcpts_seen, ENV_RCPTS_MAX + 5);
	assert_int_equal(e.rcpts_over, 1);
	assert_string_equal(e.rcpts[0], "u0@example.org");
	env_msg_clear(&e);
	assert_int_equal(e.nrcpts, 0);
	assert_int_equal(e.rcpts_over, 0);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(env_add_rcpt(&e, big), 0);
	assert_int_equal(e.rcpts_over, 1);
	assert_int_equal(env_add_rcpt(&e, NULL), 0);
	env_free(&e);
}

/* test_join - space separated, whole addresses only, always terminated */
static void
test_join(void **state)
{
	struct envelope e;
	char	buf[32];

	(void) state;
	memset(&e, 0, sizeof(e));
	assert_string_equal(env_rcpts_join(&e, buf, sizeof(buf)), "");
	env_add_rcpt(&e, "<a@x.org>");
	env_add_rcpt(&e, "<b@x.org>");
	assert_string_equal(env_rcpts_join(&e, buf, sizeof(buf)), "a@x.org b@x.org");
	env_add_rcpt(&e, "<a-much-longer-address@x.org>");
	assert_string_equal(env_rcpts_join(&e, buf, sizeof(buf)), "a@x.org b@x.org");
	assert_string_equal(env_rcpts_join(&e, buf, 8), "a@x.org");
	assert_string_equal(env_rcpts_join(&e, buf, 7), "");
	env_set_auth(&e, "alice");
	env_set_client(&e, "c", NULL);
	env_msg_clear(&e);
	assert_string_equal(e.auth, "");
	assert_string_equal(e.client_name, "c");
	env_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sender),
		cmocka_unit_test(test_client),
		cmocka_unit_test(test_rcpts),
		cmocka_unit_test(test_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
