/*
 * NAME
 *	test_mtclient - unit tests for the milter client against a scripted filter
 * DESCRIPTION
 *	A fake filter (a thread on a unix socket in a temp dir) answers the
 *	option negotiation with a version, actions and steps of the case,
 *	then reads packets until end of message and answers it with raw
 *	bytes from the case: good replies, modifications, progress, and
 *	hostile ones (absurd lengths, unknown replies, half packets, silence,
 *	a closed connection). Table-driven: each row gives the bytes and the
 *	decision, reply, changes or error mt_message() must give. The filter
 *	also records every command it received, so the steps the filter
 *	negotiated away are checked to be left out.
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
#include <unistd.h>
#include <cmocka.h>

#include "mtclient.h"
#include "testutil.h"

#define ALLNO	0x3ffUL		/* NOCONNECT .. NODATA: only macros, EOM are sent */

/* One scripted filter. */
struct fake {
	char	dir[64];
	char	path[128];
	int	lfd;
	pthread_t thr;
	uint32_t version, actions, steps;
	const unsigned char *eom;	/* bytes sent after end of message */
	size_t	eomlen;
	int	silent;			/* 1: never answer EOM; 2: close at EOM; 3: close after it */
	char	cmds[256];		/* commands received, in order */
	size_t	ncmds;
	unsigned char macros_c[512];	/* the CONNECT stage's macros, as sent */
	size_t	macros_c_len;
};

/* put32 - big-endian */
static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char) (v >> 24);
	p[1] = (unsigned char) (v >> 16);
	p[2] = (unsigned char) (v >> 8);
	p[3] = (unsigned char) v;
}

/* fake_main - accept one connection and play the script */
static void *fake_main(void *arg)
{
	struct fake *f = arg;
	unsigned char hdr[5], buf[70000], rep[17];
	int	fd = accept(f->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	for (;;) {
		uint32_t len;

		if (tu_readn(fd, hdr, 5) < 0)
			break;
		len = (uint32_t) hdr[0] << 24 | (uint32_t) hdr[1] << 16 | (uint32_t) hdr[2] << 8 | hdr[3];
		if (len == 0 || len - 1 > sizeof(buf) || tu_readn(fd, buf, len - 1) < 0)
			break;
		if (f->ncmds < sizeof(f->cmds) - 1)
			f->cmds[f->ncmds++] = (char) hdr[4];
		if (hdr[4] == 'D' && len > 1 && buf[0] == 'C' && len - 1 <= sizeof(f->macros_c)) {
			memcpy(f->macros_c, buf, len - 1);
			f->macros_c_len = len - 1;
		}
		if (hdr[4] == 'O') {
			put32(rep, 13);
			rep[4] = 'O';
			put32(rep + 5, f->version);
			put32(rep + 9, f->actions);
			put32(rep + 13, f->steps);
			if (write(fd, rep, 17) != 17)
				break;
		} else if (hdr[4] == 'E') {
			if (f->silent == 2)
				break;
			if (f->silent == 1) {
				sleep(2);
				break;
			}
			if (write(fd, f->eom, f->eomlen) != (ssize_t) f->eomlen || f->silent == 3)
				break;
		} else if (hdr[4] != 'D' && hdr[4] != 'A' && hdr[4] != 'Q') {
			static const unsigned char cont[5] = {0, 0, 0, 1, 'c'};

			if (write(fd, cont, 5) != 5)	/* every other step: continue */
				break;
		}
		if (hdr[4] == 'Q')
			break;
	}
	close(fd);
	return NULL;
}

/* fake_start - a filter on a fresh socket */
static void fake_start(struct fake *f)
{
	struct sockaddr_un sun;

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_mtclient.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/s", f->dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(f->path) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, f->path, strlen(f->path) + 1);
	f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *) &sun, sizeof(sun)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	assert_int_equal(pthread_create(&f->thr, NULL, fake_main, f), 0);
}

/* fake_stop - join and clean up */
static void fake_stop(struct fake *f)
{
	shutdown(f->lfd, SHUT_RDWR);
	close(f->lfd);
	pthread_join(f->thr, NULL);
	unlink(f->path);
	rmdir(f->dir);
}

/* Packet-building shorthands for the tables (length includes the command byte). */
#define P(len, cmd)	0, 0, 0, (len), (cmd)

static const unsigned char eom_hdr_cont[] = {
	P(22, 'h'), 'X', '-', 'V', 'i', 'r', 'u', 's', '-', 'S', 't', 'a', 't', 'u', 's', 0,
	'C', 'l', 'e', 'a', 'n', 0,
	P(1, 'c')};
static const unsigned char eom_many[] = {
	P(1, 'p'),
	P(9, 'i'), 0, 0, 0, 1, 'A', 0, 'b', 0,
	P(7, 'm'), 0, 0, 0, 2, 'X', 0,				/* no value: delete */
	P(4, 'q'), 'v', 'x', 0,
	P(3, '+'), 'r', 0,
	P(1, 'a')};
static const unsigned char eom_reject[] = {
	P(12, 'y'), '5', '5', '0', ' ', '5', '.', '7', '.', '1', ' ', 0};
static const unsigned char eom_tempcode[] = {P(5, 'y'), '4', '5', '1', 0};
static const unsigned char eom_discard[] = {P(1, 'd')};
static const unsigned char eom_tempfail[] = {P(1, 't')};
static const unsigned char eom_r[] = {P(1, 'r')};
static const unsigned char eom_huge[] = {0x7f, 0xff, 0xff, 0xff, 'h'};
static const unsigned char eom_zero[] = {0, 0, 0, 0};
static const unsigned char eom_unknown[] = {P(1, 'Z')};
static const unsigned char eom_nonul[] = {P(4, 'h'), 'a', 'b', 'c'};
static const unsigned char eom_short_ins[] = {P(3, 'i'), 0, 0};
static const unsigned char eom_half[] = {0, 0, 0, 9, 'h', 'a'};	/* then the filter closes */
static const unsigned char eom_skip[] = {P(1, 's')};

/* One case. */
struct mt_case {
	const char *name;
	const unsigned char *eom;
	size_t	eomlen;
	int	silent;
	int	want_rc;
	enum mt_decision want;
	const char *want_reply;
	const char *want_err;	/* part of the error when want_rc is -1 */
	size_t	want_changes;
	int	want_quarantine;
};

#define E(x)	x, sizeof(x)

static const struct mt_case mt_cases[] = {
	{"header + continue", E(eom_hdr_cont), 0, 0, MT_ACCEPT, "", NULL, 1, 0},
	{"progress, insert, change, quarantine, rcpt, accept", E(eom_many), 0, 0, MT_ACCEPT, "", NULL, 2, 1},
	{"reply code 550", E(eom_reject), 0, 0, MT_REJECT, "550 5.7.1 ", NULL, 0, 0},
	{"reply code 451", E(eom_tempcode), 0, 0, MT_TEMPFAIL, "451", NULL, 0, 0},
	{"discard", E(eom_discard), 0, 0, MT_DISCARD, "", NULL, 0, 0},
	{"tempfail", E(eom_tempfail), 0, 0, MT_TEMPFAIL, "", NULL, 0, 0},
	{"reject", E(eom_r), 0, 0, MT_REJECT, "", NULL, 0, 0},
	{"unreasonable length", E(eom_huge), 0, -1, 0, NULL, "unreasonable packet length", 0, 0},
	{"zero length", E(eom_zero), 0, -1, 0, NULL, "unreasonable packet length", 0, 0},
	{"unknown reply", E(eom_unknown), 0, -1, 0, NULL, "unexpected reply 'Z' at eom", 0, 0},
	{"header without NUL", E(eom_nonul), 0, -1, 0, NULL, "unexpected reply 'h'", 0, 0},
	{"insert too short", E(eom_short_ins), 0, -1, 0, NULL, "unexpected reply 'i'", 0, 0},
	{"half a packet", E(eom_half), 3, -1, 0, NULL, "closed", 0, 0},
	{"skip at end of message", E(eom_skip), 0, -1, 0, NULL, "skip", 0, 0},
	{"closed at end of message", E(eom_r), 2, -1, 0, NULL, "closed the connection", 0, 0},
	{"silent filter", E(eom_r), 1, -1, 0, NULL, "no reply from the filter in 300 ms", 0, 0},
};

/* test_eom_table - every row */
static void test_eom_table(void **state)
{
	static const char msg[] = "Subject: x\n\nbody\n";
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(mt_cases) / sizeof(mt_cases[0]); i++) {
		const struct mt_case *c = &mt_cases[i];
		struct fake f = {.version = 6, .actions = 0x1ff, .steps = ALLNO};
		struct mt_conn *conn;
		struct mt_result r;
		char	spec[160], err[256] = "";
		int	rc;

		f.eom = c->eom;
		f.eomlen = c->eomlen;
		f.silent = c->silent;
		fake_start(&f);
		snprintf(spec, sizeof(spec), "unix:%s", f.path);
		assert_int_equal(mt_open(spec, 300, &conn, err, sizeof(err)), 0);
		rc = mt_message(conn, NULL, msg, sizeof(msg) - 1, &r, err, sizeof(err));
		mt_close(conn);
		fake_stop(&f);
		if (rc != c->want_rc)
			fail_msg("%s: rc %d (%s)", c->name, rc, err);
		if (rc < 0) {
			if (strstr(err, c->want_err) == NULL)
				fail_msg("%s: error \"%s\" lacks \"%s\"", c->name, err, c->want_err);
			continue;
		}
		if (r.decision != c->want)
			fail_msg("%s: decision %s", c->name, mt_decision_name(r.decision));
		assert_string_equal(r.reply, c->want_reply);
		assert_string_equal(r.stage, "eom");
		if (r.nchanges != c->want_changes)
			fail_msg("%s: %zu changes", c->name, r.nchanges);
		assert_int_equal(r.quarantined, c->want_quarantine);
	}
}

/* test_changes - what the changes hold, and bounds on them */
static void test_changes(void **state)
{
	static const char msg[] = "Subject: x\n\nbody\n";
	unsigned char *big = malloc(60000), *p;
	struct fake f = {.version = 6, .actions = 0x1ff, .steps = ALLNO};
	struct mt_conn *conn;
	struct mt_result r;
	char	spec[160], err[256];
	size_t	i;

	(void) state;
	assert_non_null(big);
	p = big;
	for (i = 0; i < 40; i++) {		/* 40 "h" packets, the last with a 2000-byte value */
		size_t	vlen = i == 39 ? 2000 : 1;
		size_t	len = 1 + 2 + vlen + 1;

		put32(p, (uint32_t) len);
		p[4] = 'h';
		p[5] = 'H';
		p[6] = 0;
		memset(p + 7, 'v', vlen);
		p[7 + vlen] = 0;
		p += 4 + len;
	}
	put32(p, 1);
	p[4] = 'c';
	p += 5;
	f.eom = big;
	f.eomlen = (size_t) (p - big);
	fake_start(&f);
	snprintf(spec, sizeof(spec), "unix:%s", f.path);
	assert_int_equal(mt_open(spec, 2000, &conn, err, sizeof(err)), 0);
	assert_int_equal(mt_message(conn, NULL, msg, sizeof(msg) - 1, &r, err, sizeof(err)), 0);
	mt_close(conn);
	fake_stop(&f);
	assert_int_equal(r.nchanges, MT_CHANGES_MAX);
	assert_int_equal(r.changes_dropped, 1);
	assert_string_equal(mt_result_header(&r, "h"), "v");
	assert_null(mt_result_header(&r, "X-Nothing"));
	free(big);
}

/* test_negotiation - bad versions and unoffered steps fail at open */
static void test_negotiation(void **state)
{
	static const struct {
		uint32_t version, steps;
		const char *err;
	} t[] = {
		{1, ALLNO, "version 1"},
		{7, ALLNO, "version 7"},
		{6, 0x40000000UL, "not offered"},
	};
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fake f = {.version = t[i].version, .actions = 0x1ff, .steps = t[i].steps};
		struct mt_conn *conn = NULL;
		char	spec[160], err[256] = "";

		f.eom = eom_r;
		f.eomlen = sizeof(eom_r);
		fake_start(&f);
		snprintf(spec, sizeof(spec), "unix:%s", f.path);
		assert_int_equal(mt_open(spec, 500, &conn, err, sizeof(err)), -1);
		assert_null(conn);
		if (strstr(err, t[i].err) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, t[i].err);
		fake_stop(&f);
	}
}

/* test_steps - every step offered is sent; header folding; body CR LF; QUIT */
static void test_steps(void **state)
{
	static const char msg[] = "Subject: one\n\ttwo\nX-A: b\n\nline\n";
	struct fake f = {.version = 6, .actions = 0x1ff, .steps = 0};
	struct mt_conn *conn;
	struct mt_result r;
	const char *rcpt[] = {"<a@x>", "<b@x>"};
	struct mt_envelope env = {.rcpt = rcpt, .nrcpt = 2, .auth_authen = "user",
		.daemon_name = "clamshim-release"};
	static const char want_name[] = "{daemon_name}\0clamshim-release";
	char	spec[160], err[256];

	(void) state;
	f.eom = eom_discard;
	f.eomlen = sizeof(eom_discard);
	fake_start(&f);
	snprintf(spec, sizeof(spec), "unix:%s", f.path);
	assert_int_equal(mt_open(spec, 2000, &conn, err, sizeof(err)), 0);
	assert_int_equal(mt_message(conn, &env, msg, sizeof(msg) - 1, &r, err, sizeof(err)), 0);
	assert_int_equal(r.decision, MT_DISCARD);
	mt_close(conn);
	fake_stop(&f);
	f.cmds[f.ncmds] = 0;
	/* optneg, macro C, connect, helo, macro M, mail, 2 rcpt, data, 2 headers, eoh, body, eom, quit */
	assert_string_equal(f.cmds, "ODCHDMRRTLLNBEQ");
	/* the envelope's {daemon_name} (clamshim-release sends its own) */
	assert_non_null(memmem(f.macros_c, f.macros_c_len, want_name, sizeof(want_name)));
}

/* test_bad_specs - socket specifications that cannot work */
static void test_bad_specs(void **state)
{
	static const char *const bad[] = {"", "tcp:1@x", "inet:", "inet:25", "inet:@127.0.0.1",
		"unix:/nonexistent/dir/sock", "inet:1@256.1.1.1"};
	struct mt_conn *conn;
	char	err[256];
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		conn = NULL;
		if (mt_open(bad[i], 300, &conn, err, sizeof(err)) != -1)
			fail_msg("\"%s\" opened", bad[i]);
		assert_null(conn);
		assert_true(err[0] != 0);
	}
	assert_string_equal(mt_decision_name(MT_TEMPFAIL), "tempfail");
	assert_string_equal(mt_decision_name(MT_DECISION_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eom_table),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_negotiation),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_bad_specs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
