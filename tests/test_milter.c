/*
 * NAME
 *	test_milter - unit tests for the milter module's parts without libmilter
 * DESCRIPTION
 *	milter_strip.c, table-driven: which incoming header names are noted
 *	for deletion (X-Virus-* only, in any case), how the two names
 *	clamshim writes are counted apart from the others, that a count
 *	stops at MILTER_STRIP_COUNT_MAX + 1, and what overflows (a 17th
 *	other name, a name of 64 bytes) while X-Virus-Status is still
 *	counted after any number of other names.
 *
 *	milter_log.c: the decision line of each kind of verdict, as written
 *	to stderr (sanitized reason, limit kind, fail_open, header error),
 *	the observer called only for a counted decision, and the "no
 *	decision" line written once.
 *
 *	milter_gate.c: a message waiting for a max_scans slot gets it when
 *	one is given back; at the stop (milter_drain) a waiter gives up and
 *	gets the stop decision, a decision in flight is waited for up to the
 *	limit and counted when it outlives it, and nothing is counted or
 *	let in afterwards. The stop is one-way, so the timeout case runs in
 *	a child process and the stop cases run last.
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "log.h"
#include "milter.h"
#include "milter_int.h"
#include "policy.h"
#include "scan.h"

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define WAIT_MS		60000	/* bound of every wait for another thread */
#define LINE_MAX_	2048

/* ---- milter_strip.c ---- */

/* One case: header names in order, and the tally they must leave. */
struct strip_case {
	const char *what;
	const char *names[8];
	unsigned own[MILTER_OWN_COUNT];	/* X-Virus-Status, X-Virus-Scanned, X-Clamshim-Hold */
	size_t	nother;
	const char *other0;		/* first other name kept, as first spelled */
	unsigned other0_count;
	int	overflow;
	unsigned noted;			/* how many milter_strip_note calls returned 1 */
};

static const struct strip_case strip_cases[] = {
	{"not ours", {"Subject", "X-Virus", "X-Virusxyz", "Received"}, {0, 0}, 0, NULL, 0, 0, 0},
	{"ours in any case", {"X-Virus-Status", "x-virus-status", "X-VIRUS-SCANNED"},
	 {2, 1}, 0, NULL, 0, 0, 3},
	{"others by name", {"X-Virus-Foo", "x-virus-foo", "X-Virus-Bar", "Subject"},
	 {0, 0}, 2, "X-Virus-Foo", 2, 0, 3},
	{"mixed", {"X-Virus-Scanned", "X-Virus-Checker", "X-Virus-Status", "x-virus-checker"},
	 {1, 1}, 1, "X-Virus-Checker", 2, 0, 4},
	{"empty suffix", {"X-Virus-"}, {0, 0}, 1, "X-Virus-", 1, 0, 1},
	{"the hold mark in any case", {"X-Clamshim-Hold", "x-clamshim-hold", "X-Clamshim-Holds",
	 "X-Clamshim"}, {0, 0, 2}, 0, NULL, 0, 0, 2},
};

/* strip_table - each case from an empty tally */
static void
strip_table(void **state)
{
	size_t	i, k;

	(void) state;
	for (i = 0; i < NROWS(strip_cases); i++) {
		const struct strip_case *tc = &strip_cases[i];
		struct milter_strip s;
		unsigned noted = 0;

		memset(&s, 0, sizeof(s));
		for (k = 0; k < NROWS(tc->names) && tc->names[k]; k++)
			noted += (unsigned) milter_strip_note(&s, tc->names[k]);
		print_message("case %s\n", tc->what);
		assert_int_equal(noted, tc->noted);
		assert_int_equal(s.own[0], tc->own[0]);
		assert_int_equal(s.own[1], tc->own[1]);
		assert_int_equal(s.own[2], tc->own[2]);
		assert_int_equal(s.nother, tc->nother);
		assert_int_equal(s.overflow, tc->overflow);
		if (tc->other0) {
			assert_string_equal(s.other[0].name, tc->other0);
			assert_int_equal(s.other[0].count, tc->other0_count);
		}
	}
	assert_string_equal(milter_own_names[0], "X-Virus-Status");
	assert_string_equal(milter_own_names[1], "X-Virus-Scanned");
	assert_string_equal(milter_own_names[2], "X-Clamshim-Hold");
}

/* strip_overflow - a 17th other name and a 64-byte one are not noted; ours still are */
static void
strip_overflow(void **state)
{
	struct milter_strip s;
	char	name[128];
	size_t	i;

	(void) state;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < MILTER_STRIP_MAX; i++) {
		snprintf(name, sizeof(name), "X-Virus-N%zu", i);
		assert_int_equal(milter_strip_note(&s, name), 1);
	}
	assert_int_equal(s.nother, MILTER_STRIP_MAX);
	assert_int_equal(s.overflow, 0);
	assert_int_equal(milter_strip_note(&s, "X-Virus-One-Too-Many"), 0);
	assert_int_equal(s.overflow, 1);
	assert_int_equal(milter_strip_note(&s, "x-virus-n3"), 1);	/* a known one still counts */
	assert_int_equal(s.other[3].count, 2);
	assert_int_equal(milter_strip_note(&s, "X-Virus-Status"), 1);
	assert_int_equal(s.own[0], 1);
	assert_int_equal(s.nother, MILTER_STRIP_MAX);

	memset(&s, 0, sizeof(s));
	memset(name, 'a', sizeof(name));
	memcpy(name, "X-Virus-", 8);
	name[MILTER_STRIP_NAME_MAX - 1] = 0;	/* 63 bytes: fits */
	assert_int_equal(milter_strip_note(&s, name), 1);
	assert_int_equal(strlen(s.other[0].name), MILTER_STRIP_NAME_MAX - 1);
	name[MILTER_STRIP_NAME_MAX - 1] = 'a';
	name[MILTER_STRIP_NAME_MAX] = 0;	/* 64 bytes: does not */
	assert_int_equal(milter_strip_note(&s, name), 0);
	assert_int_equal(s.overflow, 1);
	assert_int_equal(s.nother, 1);
}

/* strip_count_bound - a count stops at MILTER_STRIP_COUNT_MAX + 1 */
static void
strip_count_bound(void **state)
{
	struct milter_strip s;
	unsigned i;

	(void) state;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < MILTER_STRIP_COUNT_MAX + 5; i++) {
		(void) milter_strip_note(&s, "X-Virus-Status");
		(void) milter_strip_note(&s, "X-Virus-Other");
	}
	assert_int_equal(s.own[0], MILTER_STRIP_COUNT_MAX + 1);
	assert_int_equal(s.other[0].count, MILTER_STRIP_COUNT_MAX + 1);
}

/* ---- milter_log.c ---- */

/* What the observer saw. */
static struct {
	unsigned calls;
	struct milter_outcome last;	/* its strings: valid during the call only, copied below */
	char	qid[64], virus[SCAN_NAME_MAX], class_name[64];
} observed;

/* observe - the test observer */
static void
observe(const struct milter_outcome *o)
{
	observed.calls++;
	observed.last = *o;
	snprintf(observed.qid, sizeof(observed.qid), "%s", o->qid ? o->qid : "(null)");
	snprintf(observed.virus, sizeof(observed.virus), "%s", o->virus ? o->virus : "(null)");
	snprintf(observed.class_name, sizeof(observed.class_name), "%s",
		 o->class_name ? o->class_name : "(null)");
}

/* capture_start - stderr into a temp file; returns the saved descriptor */
static int
capture_start(FILE **tmp)
{
	int	saved;

	fflush(stderr);
	*tmp = tmpfile();
	assert_non_null(*tmp);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(*tmp), 2) == 2);
	return saved;
}

/* capture_end - stderr back; what was written, in buf */
static void
capture_end(FILE *tmp, int saved, char *buf, size_t len)
{
	size_t	n;

	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = 0;
	fclose(tmp);
}

/* count_lines - how many lines text holds */
static unsigned
count_lines(const char *text)
{
	unsigned n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* One decision line case. */
struct line_case {
	enum scan_result result;
	enum scan_limit_kind limit;
	const char *name;
	enum policy_action action;
	int	fail_open;
	const char *herr;
	const char *expect;		/* after the time stamp and before the end of line */
};

static const struct line_case line_cases[] = {
	{SCAN_CLEAN, 0, "", POLICY_ACCEPT, 0, "",
	 "Q1: verdict=clean action=accept scanner=embedded size=1234 time=0.250s\n"},
	{SCAN_INFECTED, 0, "Eicar-Test-Signature", POLICY_REJECT, 0, "",
	 "Q1: verdict=infected action=reject scanner=embedded size=1234 time=0.250s "
	 "virus=\"Eicar-Test-Signature\"\n"},
	{SCAN_LIMIT, SCAN_LIMIT_SIZE, "too big", POLICY_TEMPFAIL, 0, "",
	 "Q1: verdict=limit action=tempfail scanner=embedded size=1234 time=0.250s "
	 "limit=size reason=\"too big\"\n"},
	{SCAN_UNAVAILABLE, 0, "no scanner up", POLICY_ACCEPT, 1,
	 "X-Virus-Status not added: smfi_addheader failed",
	 "Q1: verdict=unavailable action=accept scanner=embedded size=1234 time=0.250s "
	 "reason=\"no scanner up\" fail_open=1 "
	 "header_error=\"X-Virus-Status not added: smfi_addheader failed\"\n"},
	{SCAN_ERROR, 0, "bad\nline\"quote", POLICY_TEMPFAIL, 0, "",
	 "Q1: verdict=error action=tempfail scanner=embedded size=1234 time=0.250s "
	 "reason=\"badline\"quote\"\n"},		/* one line: controls dropped */
};

/* log_lines - each verdict's line, sanitized; the observer only for a counted decision */
static void
log_lines(void **state)
{
	char	out[LINE_MAX_];
	size_t	i;

	(void) state;
	log_set_stderr_only(1);
	milter_set_observer(observe);
	for (i = 0; i < NROWS(line_cases); i++) {
		const struct line_case *tc = &line_cases[i];
		struct scan_verdict v;
		struct policy_decision d;
		FILE   *tmp;
		int	saved;
		struct milter_busy mb = {0};

		memset(&v, 0, sizeof(v));
		memset(&d, 0, sizeof(d));
		if (tc->result == SCAN_LIMIT)
			scan_verdict_limit(&v, tc->limit, "embedded", "%s", tc->name);
		else
			scan_verdict_set(&v, tc->result, "embedded", "%s", tc->name);
		d.action = tc->action;
		d.fail_open = tc->fail_open;
		observed.calls = 0;
		saved = capture_start(&tmp);
		milter_decided("Q1", &v, &d, 1234, 0.25, tc->herr, (i % 2) ? &mb : NULL, NULL);
		capture_end(tmp, saved, out, sizeof(out));
		print_message("line: %s", out);
		assert_non_null(strstr(out, tc->expect));
		assert_int_equal(count_lines(out), 1);
		assert_int_equal(observed.calls, i % 2);
		if (i % 2) {
			assert_int_equal(observed.last.verdict, tc->result);
			assert_int_equal(observed.last.action, tc->action);
			assert_int_equal(observed.last.fail_open, tc->fail_open);
			assert_int_equal(observed.last.size, 1234);
		}
	}
	milter_set_observer(NULL);
}

/*
 * log_addresses - from= and to= as log_addresses says; forging bytes as '?';
 * many recipients cut with "..." while nrcpt counts them all; the observer
 * gets the queue id, the virus, the envelope and the class
 */
static void
log_addresses(void **state)
{
	static const struct {
		int	mode;
		enum scan_result result;
		int	shown;
	} cases[] = {
		{CONF_LOG_ADDRESSES_INFECTED, SCAN_INFECTED, 1},
		{CONF_LOG_ADDRESSES_INFECTED, SCAN_CLEAN, 0},
		{CONF_LOG_ADDRESSES_ALL, SCAN_CLEAN, 1},
		{CONF_LOG_ADDRESSES_NONE, SCAN_INFECTED, 0},
	};
	struct conf conf;
	struct milter_conn c;
	char	out[LINE_MAX_ * 2], rcpt[64];
	size_t	i;

	(void) state;
	log_set_stderr_only(1);
	memset(&conf, 0, sizeof(conf));
	memset(&c, 0, sizeof(c));
	c.conf = &conf;
	env_set_sender(&c.env, "<a b\"<x>,y@example.org>");
	env_add_rcpt(&c.env, "<r1@example.net>");
	env_add_rcpt(&c.env, "<r2@example.net>");
	for (i = 0; i < NROWS(cases); i++) {
		struct scan_verdict v;
		struct policy_decision d;
		FILE   *tmp;
		int	saved;

		conf.log_addresses = cases[i].mode;
		memset(&d, 0, sizeof(d));
		scan_verdict_set(&v, cases[i].result, "embedded", "%s",
				 cases[i].result == SCAN_INFECTED ? "Eicar" : "");
		saved = capture_start(&tmp);
		milter_decided("Q3", &v, &d, 10, 0.5, "", NULL, &c);
		capture_end(tmp, saved, out, sizeof(out));
		print_message("line: %s", out);
		if (cases[i].shown)
			assert_non_null(strstr(out, " from=<a?b??x??y@example.org> "
					       "to=<r1@example.net>,<r2@example.net> nrcpt=2\n"));
		else
			assert_null(strstr(out, "from="));
	}
	for (i = 3; i <= 200; i++) {	/* far more than a line shows */
		snprintf(rcpt, sizeof(rcpt), "<recipient-number-%03zu@example.net>", i);
		env_add_rcpt(&c.env, rcpt);
	}
	conf.log_addresses = CONF_LOG_ADDRESSES_ALL;
	{
		struct scan_verdict v;
		struct policy_decision d = {.action = POLICY_REJECT, .class_name = "inbound"};
		FILE   *tmp;
		int	saved;
		struct milter_busy mb = {0};

		scan_verdict_set(&v, SCAN_INFECTED, "embedded", "Eicar");
		milter_set_observer(observe);
		observed.calls = 0;
		saved = capture_start(&tmp);
		milter_decided("Q4", &v, &d, 10, 0.5, "", &mb, &c);
		capture_end(tmp, saved, out, sizeof(out));
		milter_set_observer(NULL);
		assert_non_null(strstr(out, ">,... nrcpt=200\n"));
		assert_true(strlen(out) < 1024 + 512);
		assert_int_equal(count_lines(out), 1);
		assert_int_equal(observed.calls, 1);
		assert_string_equal(observed.qid, "Q4");
		assert_string_equal(observed.virus, "Eicar");
		assert_string_equal(observed.class_name, "inbound");
		assert_ptr_equal(observed.last.env, &c.env);
	}
	env_free(&c.env);
}

/* log_undecided - "no decision" once, at the step the message reached */
static void
log_undecided(void **state)
{
	struct milter_msg m;
	char	out[LINE_MAX_];
	FILE   *tmp;
	int	saved;

	(void) state;
	log_set_stderr_only(1);
	memset(&m, 0, sizeof(m));
	snprintf(m.qid, sizeof(m.qid), "Q2");
	m.step = MILTER_STEP_BODY;
	saved = capture_start(&tmp);
	milter_undecided(&m, "aborted by the MTA");
	milter_undecided(&m, "connection lost");	/* nothing: already written */
	m.step = MILTER_STEP_NONE;
	milter_undecided(&m, "connection lost");	/* nothing: no message open */
	capture_end(tmp, saved, out, sizeof(out));
	assert_non_null(strstr(out, "Q2: no decision: aborted by the MTA at body\n"));
	assert_null(strstr(out, "connection lost"));
	assert_int_equal(m.step, MILTER_STEP_NONE);
}

/* ---- milter_gate.c ---- */

/* A thread that plays one message at end of message. */
struct player {
	pthread_t thread;
	struct conf *conf;
	pthread_mutex_t lock;
	int	busy;			/* milter_busy_enter's answer, -1 before */
	int	gate;			/* milter_gate_enter's answer, 1 before */
	int	done;
	struct scan_verdict v;
	struct policy_decision d;
};

/* player_main - busy, wait for a slot, stop decision if refused, leave */
static void *
player_main(void *arg)
{
	struct player *p = arg;
	struct milter_busy b;
	int	busy = milter_busy_enter(&b, "QP"), gate;

	pthread_mutex_lock(&p->lock);
	p->busy = busy;
	pthread_mutex_unlock(&p->lock);
	gate = milter_gate_enter(p->conf);
	if (gate == 0)
		milter_gate_leave();
	else
		milter_stop_decision(&p->v, &p->d);
	if (busy)
		milter_busy_leave(&b);
	pthread_mutex_lock(&p->lock);
	p->gate = gate;
	p->done = 1;
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* player_start - a player on conf */
static void
player_start(struct player *p, struct conf *conf)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->conf = conf;
	p->busy = -1;
	p->gate = 1;
	assert_int_equal(pthread_create(&p->thread, NULL, player_main, p), 0);
}

/* player_field - read one field under the player's lock */
static int
player_field(struct player *p, const int *field)
{
	int	v;

	pthread_mutex_lock(&p->lock);
	v = *field;
	pthread_mutex_unlock(&p->lock);
	return v;
}

/* wait_for - poll until *field == want, up to WAIT_MS; 0 reached */
static int
wait_for(struct player *p, const int *field, int want)
{
	int	i;

	for (i = 0; i < WAIT_MS / 10; i++) {
		if (player_field(p, field) == want)
			return 0;
		usleep(10000);
	}
	return -1;
}

/* gate_conf - the built-in configuration with max_scans n */
static struct conf *
gate_conf(unsigned n)
{
	struct conf *c = NULL;

	assert_int_equal(conf_load(NULL, CONF_TOLERANT, NULL, NULL, &c), 0);
	c->max_scans = n;
	return c;
}

/* gate_slot - a waiter gets the slot once it is given back */
static void
gate_slot(void **state)
{
	struct conf *c = gate_conf(1);
	struct player p;

	(void) state;
	assert_int_equal(milter_gate_init(), 0);
	milter_set_conf(c);
	assert_int_equal(milter_gate_enter(c), 0);	/* the only slot */
	player_start(&p, c);
	assert_int_equal(wait_for(&p, &p.busy, 1), 0);
	usleep(100000);				/* it cannot get in meanwhile */
	assert_int_equal(player_field(&p, &p.done), 0);
	milter_gate_leave();
	assert_int_equal(wait_for(&p, &p.done, 1), 0);
	assert_int_equal(player_field(&p, &p.gate), 0);
	pthread_join(p.thread, NULL);
	conf_unref(c);
}

/* gate_drain_timeout - in a child (the stop is one-way): one decision that never ends is counted, and gets its one line from the drain */
static void
gate_drain_timeout(void **state)
{
	pid_t	pid;
	int	status;

	(void) state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct milter_busy b, b2, late;
		char	out[1024];
		FILE   *tmp;
		int	saved;
		unsigned left;

		if (milter_gate_init() != 0 || milter_busy_enter(&b, "QX") != 1 ||
		    milter_busy_enter(&b2, "QY") != 1)
			_exit(2);
		milter_busy_leave(&b2);		/* decided before the stop: no drain line */
		log_set_stderr_only(1);
		saved = capture_start(&tmp);
		left = milter_drain(200);
		capture_end(tmp, saved, out, sizeof(out));
		/* the one still in flight gets its line from the drain, and no second one */
		_exit(left == 1 && milter_busy_enter(&late, "QZ") == 0 &&
		      strstr(out, "QX: no decision: clamshim stopped while scanning it") &&
		      strstr(out, "QY") == NULL && count_lines(out) >= 1 &&
		      milter_busy_claim(&b) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* gate_drain - a waiter for a slot gives up with the stop decision; the drain ends with it */
static void
gate_drain(void **state)
{
	struct conf *c = gate_conf(1);
	struct player p;

	(void) state;
	assert_int_equal(milter_gate_enter(c), 0);	/* the only slot: the player waits */
	player_start(&p, c);
	assert_int_equal(wait_for(&p, &p.busy, 1), 0);
	assert_int_equal(milter_drain(WAIT_MS), 0);	/* returns once the player left */
	pthread_join(p.thread, NULL);
	assert_int_equal(p.done, 1);
	assert_int_equal(p.gate, -1);
	assert_int_equal(p.v.result, SCAN_UNAVAILABLE);
	assert_string_equal(p.v.name, "clamshim is stopping");
	assert_int_equal(p.d.action, POLICY_TEMPFAIL);
	milter_gate_leave();
	conf_unref(c);
}

/* gate_after_stop - nothing is counted or let in after the stop */
static void
gate_after_stop(void **state)
{
	struct conf *c = gate_conf(0);
	struct milter_busy b;

	(void) state;
	assert_int_equal(milter_busy_enter(&b, "QA"), 0);
	assert_int_equal(milter_gate_enter(c), -1);
	assert_int_equal(milter_drain(WAIT_MS), 0);
	conf_unref(c);
	milter_set_conf(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strip_table),
		cmocka_unit_test(strip_overflow),
		cmocka_unit_test(strip_count_bound),
		cmocka_unit_test(log_lines),
		cmocka_unit_test(log_addresses),
		cmocka_unit_test(log_undecided),
		cmocka_unit_test(gate_slot),
		cmocka_unit_test(gate_drain_timeout),
		cmocka_unit_test(gate_drain),		/* the stop: these two last */
		cmocka_unit_test(gate_after_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
