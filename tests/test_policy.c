/*
 * NAME
 *	test_policy - table-driven tests of policy(3)
 * SUMMARY
 *	tests/test_policy
 * DESCRIPTION
 *	Every cell of the verdict x option value table of policy_decide(),
 *	including values an option does not allow and the fail_open_after
 *	boundary (just below, equal, above, 0 = never), and policy_fail_open()
 *	agreeing with it on every unavailable row; every kind of limit
 *	with and without its own option set, the kinds' defaults as shipped
 *	(on_limit_nesting reject, the others as on_limit) and the kind of
 *	each libclamav limit name; policy_allowed(), the action names, and
 *	policy_reply() for each kind of reply; policy_untagged() for every
 *	on_error value.
 *	Each failing row is named in the output.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "policy.h"

#define NROWS(t)	(sizeof(t) / sizeof((t)[0]))
#define BAD_HIGH	99		/* an enum value outside every set */
#define BAD_LOW		(-1)

/* A conf whose options are all invalid: a cell reads only its own option. */
static void
conf_invalid(struct policy_conf *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->on_infected = (enum policy_action) BAD_HIGH;
	pc->on_unavailable = (enum policy_action) BAD_HIGH;
	pc->on_limit = (enum policy_action) BAD_HIGH;
	pc->on_error = (enum policy_action) BAD_HIGH;
	pc->on_ambiguous = (enum policy_action) BAD_HIGH;
	pc->fail_open_after_ms = 0;
	pc->reject_message = "Virus found: %v";
	pc->tempfail_message = "Virus scanner unavailable, try again later";
}

/* decide - policy_decide for a verdict of result r and limit kind k */
static void
decide(int r, int k, const struct policy_conf *pc, int64_t unavail, struct policy_decision *d)
{
	struct scan_verdict v;

	memset(&v, 0, sizeof(v));
	v.result = (enum scan_result) r;
	v.limit = (enum scan_limit_kind) k;
	policy_decide(&v, pc, unavail, d);
}

/* ---- policy_decide: every cell ---- */

struct cell {
	enum scan_result verdict;
	int	value;			/* value of the verdict's own option */
	int64_t	fo_after;		/* fail_open_after_ms */
	int64_t	unavail;		/* unavailable_ms */
	enum policy_action want;
	int	tag;
	int	fail_open;
};

#define A	POLICY_ACCEPT
#define R	POLICY_REJECT
#define T	POLICY_TEMPFAIL
#define D	POLICY_DISCARD
#define Q	POLICY_QUARANTINE
#define G	POLICY_TAG
#define H	POLICY_HOLD

static const struct cell cells[] = {
	/* infected: reject|discard|quarantine|tag */
	{SCAN_INFECTED, A, 0, 0, T, 0, 0},	/* not allowed */
	{SCAN_INFECTED, R, 0, 0, R, 0, 0},
	{SCAN_INFECTED, T, 0, 0, T, 0, 0},	/* not allowed */
	{SCAN_INFECTED, D, 0, 0, D, 0, 0},
	{SCAN_INFECTED, Q, 0, 0, Q, 1, 0},
	{SCAN_INFECTED, G, 0, 0, A, 1, 0},
	{SCAN_INFECTED, H, 0, 0, T, 0, 0},	/* not allowed */
	{SCAN_INFECTED, BAD_HIGH, 0, 0, T, 0, 0},
	{SCAN_INFECTED, BAD_LOW, 0, 0, T, 0, 0},
	/* unavailable: tempfail|accept|reject|quarantine|hold */
	{SCAN_UNAVAILABLE, H, 0, 0, H, 1, 0},
	{SCAN_UNAVAILABLE, H, 30000, INT64_MAX, H, 1, 0},	/* fail_open_after: tempfail only */
	{SCAN_UNAVAILABLE, A, 0, 0, A, 1, 0},
	{SCAN_UNAVAILABLE, R, 0, 0, R, 0, 0},
	{SCAN_UNAVAILABLE, T, 0, 0, T, 0, 0},
	{SCAN_UNAVAILABLE, D, 0, 0, T, 0, 0},	/* not allowed */
	{SCAN_UNAVAILABLE, Q, 0, 0, Q, 1, 0},
	{SCAN_UNAVAILABLE, G, 0, 0, T, 0, 0},	/* not allowed */
	{SCAN_UNAVAILABLE, BAD_HIGH, 0, 0, T, 0, 0},
	{SCAN_UNAVAILABLE, BAD_LOW, 0, 0, T, 0, 0},
	/* limit: accept|tempfail|reject */
	{SCAN_LIMIT, A, 0, 0, A, 1, 0},
	{SCAN_LIMIT, R, 0, 0, R, 0, 0},
	{SCAN_LIMIT, T, 0, 0, T, 0, 0},
	{SCAN_LIMIT, D, 0, 0, T, 0, 0},		/* not allowed */
	{SCAN_LIMIT, Q, 0, 0, T, 0, 0},		/* not allowed */
	{SCAN_LIMIT, G, 0, 0, T, 0, 0},		/* not allowed */
	{SCAN_LIMIT, H, 0, 0, T, 0, 0},		/* not allowed */
	{SCAN_LIMIT, BAD_HIGH, 0, 0, T, 0, 0},
	{SCAN_LIMIT, BAD_LOW, 0, 0, T, 0, 0},
	/* error: tempfail|accept|reject|quarantine */
	{SCAN_ERROR, A, 0, 0, A, 1, 0},
	{SCAN_ERROR, R, 0, 0, R, 0, 0},
	{SCAN_ERROR, T, 0, 0, T, 0, 0},
	{SCAN_ERROR, D, 0, 0, T, 0, 0},		/* not allowed */
	{SCAN_ERROR, Q, 0, 0, Q, 1, 0},
	{SCAN_ERROR, G, 0, 0, T, 0, 0},		/* not allowed */
	{SCAN_ERROR, H, 0, 0, T, 0, 0},		/* not allowed */
	{SCAN_ERROR, BAD_HIGH, 0, 0, T, 0, 0},
	{SCAN_ERROR, BAD_LOW, 0, 0, T, 0, 0},
	/* ambiguous: tag|reject|tempfail; tag is accept, tagged */
	{SCAN_AMBIGUOUS, G, 0, 0, A, 1, 0},
	{SCAN_AMBIGUOUS, R, 0, 0, R, 0, 0},
	{SCAN_AMBIGUOUS, T, 0, 0, T, 0, 0},
	{SCAN_AMBIGUOUS, A, 0, 0, T, 0, 0},	/* not allowed */
	{SCAN_AMBIGUOUS, D, 0, 0, T, 0, 0},	/* not allowed */
	{SCAN_AMBIGUOUS, Q, 0, 0, T, 0, 0},	/* not allowed */
	{SCAN_AMBIGUOUS, BAD_HIGH, 0, 0, T, 0, 0},
	{SCAN_AMBIGUOUS, BAD_LOW, 0, 0, T, 0, 0},

	/* fail_open_after: just below, equal, above; 0 and negative = never */
	{SCAN_UNAVAILABLE, T, 30000, 29999, T, 0, 0},
	{SCAN_UNAVAILABLE, T, 30000, 30000, A, 1, 1},
	{SCAN_UNAVAILABLE, T, 30000, 30001, A, 1, 1},
	{SCAN_UNAVAILABLE, T, 30000, INT64_MAX, A, 1, 1},
	{SCAN_UNAVAILABLE, T, 1, 0, T, 0, 0},
	{SCAN_UNAVAILABLE, T, 1, 1, A, 1, 1},
	{SCAN_UNAVAILABLE, T, 1, -1, T, 0, 0},
	{SCAN_UNAVAILABLE, T, 0, 0, T, 0, 0},
	{SCAN_UNAVAILABLE, T, 0, INT64_MAX, T, 0, 0},
	{SCAN_UNAVAILABLE, T, -5, INT64_MAX, T, 0, 0},
	/* fail_open only turns a tempfail around */
	{SCAN_UNAVAILABLE, A, 30000, 90000, A, 1, 0},
	{SCAN_UNAVAILABLE, R, 30000, 90000, R, 0, 0},
	{SCAN_UNAVAILABLE, Q, 30000, 90000, Q, 1, 0},
	{SCAN_UNAVAILABLE, D, 30000, 90000, T, 0, 0},
	{SCAN_UNAVAILABLE, BAD_HIGH, 30000, 90000, T, 0, 0},
	/* and only for unavailable */
	{SCAN_ERROR, T, 30000, 90000, T, 0, 0},
	{SCAN_LIMIT, T, 30000, 90000, T, 0, 0},
	{SCAN_INFECTED, R, 30000, 90000, R, 0, 0},
	{SCAN_INFECTED, G, 30000, 90000, A, 1, 0},
};

/* cell_conf - the conf for one cell: its option set, the others invalid */
static void
cell_conf(const struct cell *c, struct policy_conf *pc)
{
	conf_invalid(pc);
	pc->fail_open_after_ms = c->fo_after;
	switch (c->verdict) {
	case SCAN_INFECTED:
		pc->on_infected = (enum policy_action) c->value;
		break;
	case SCAN_UNAVAILABLE:
		pc->on_unavailable = (enum policy_action) c->value;
		break;
	case SCAN_LIMIT:
		pc->on_limit = (enum policy_action) c->value;
		break;
	case SCAN_ERROR:
		pc->on_error = (enum policy_action) c->value;
		break;
	case SCAN_AMBIGUOUS:
		pc->on_ambiguous = (enum policy_action) c->value;
		break;
	default:
		break;
	}
}

/* check_decision - compare, naming the row on failure */
static int
check_decision(const char *what, size_t row, const struct policy_decision *d,
	       enum policy_action want, int tag, int fail_open)
{
	if (d->action == want && d->tag == tag && d->fail_open == fail_open)
		return 0;
	print_error("%s row %zu: got action=%s tag=%d fail_open=%d, want %s tag=%d fail_open=%d\n",
		    what, row, policy_action_name(d->action), d->tag, d->fail_open,
		    policy_action_name(want), tag, fail_open);
	return 1;
}

/* every cell of verdict x option value */
static void
test_decide_cells(void **state)
{
	struct policy_conf pc;
	struct policy_decision d;
	size_t	i;
	int	bad = 0;

	(void) state;
	for (i = 0; i < NROWS(cells); i++) {
		cell_conf(&cells[i], &pc);
		memset(&d, 0xa5, sizeof(d));	/* every field must be written */
		decide(cells[i].verdict, SCAN_LIMIT_UNKNOWN, &pc, cells[i].unavail, &d);
		bad += check_decision(scan_result_name(cells[i].verdict), i, &d,
				      cells[i].want, cells[i].tag, cells[i].fail_open);
	}
	assert_int_equal(bad, 0);
}

/* policy_fail_open says fail-open exactly where policy_decide accepts for it (the monitor's rule) */
static void
test_fail_open(void **state)
{
	struct policy_conf pc;
	size_t	i;
	int	bad = 0;

	(void) state;
	for (i = 0; i < NROWS(cells); i++) {
		if (cells[i].verdict != SCAN_UNAVAILABLE)
			continue;
		cell_conf(&cells[i], &pc);
		if (policy_fail_open(&pc, cells[i].unavail) != cells[i].fail_open) {
			print_error("fail_open row %zu: got %d, want %d\n", i,
				    policy_fail_open(&pc, cells[i].unavail), cells[i].fail_open);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	assert_int_equal(policy_fail_open(NULL, INT64_MAX), 0);
}

/* ---- policy_untagged: on_error, but never a delivery without the tag ---- */

static const struct {
	int	on_error;
	enum policy_action want;
} untagged_rows[] = {
	{T, T}, {R, R},
	{A, T}, {Q, T},			/* would deliver untagged */
	{D, T}, {G, T},			/* not allowed for on_error */
	{BAD_HIGH, T}, {BAD_LOW, T},
};

/* each on_error value, and no conf at all */
static void
test_untagged(void **state)
{
	struct policy_conf pc;
	struct policy_decision d;
	size_t	i;
	int	bad = 0;

	(void) state;
	for (i = 0; i < NROWS(untagged_rows); i++) {
		conf_invalid(&pc);
		pc.on_error = (enum policy_action) untagged_rows[i].on_error;
		memset(&d, 0xa5, sizeof(d));	/* every field must be written */
		policy_untagged(&pc, &d);
		bad += check_decision("untagged", i, &d, untagged_rows[i].want, 0, 0);
	}
	memset(&d, 0xa5, sizeof(d));
	policy_untagged(NULL, &d);
	bad += check_decision("untagged without conf", 0, &d, T, 0, 0);
	policy_untagged(&pc, NULL);	/* no crash */
	assert_int_equal(bad, 0);
}

/* the decision never carries POLICY_TAG, and tag is set on every non-clean accept */
static void
test_decide_invariants(void **state)
{
	struct policy_conf pc;
	struct policy_decision d;
	int	r, v, k, j;

	(void) state;
	for (r = 0; r < SCAN_RESULT_COUNT; r++) {
		for (v = -1; v <= POLICY_ACTION_COUNT; v++) {
			for (k = -1; k <= SCAN_LIMIT_KIND_COUNT; k++) {
				conf_invalid(&pc);
				pc.on_infected = pc.on_unavailable = pc.on_limit = pc.on_error =
					(enum policy_action) v;
				for (j = 0; j < SCAN_LIMIT_KIND_COUNT; j++) {
					pc.on_limit_kind[j].set = (v + j) % 2;
					pc.on_limit_kind[j].action = (enum policy_action) v;
				}
				pc.fail_open_after_ms = 10;
				decide(r, k, &pc, 5, &d);
				assert_true(d.action != POLICY_TAG);
				assert_true(d.action >= POLICY_ACCEPT
					    && d.action < POLICY_ACTION_COUNT);
				if (r != SCAN_CLEAN && d.action == POLICY_ACCEPT)
					assert_int_equal(d.tag, 1);
				if (r == SCAN_CLEAN)
					assert_int_equal(d.tag, 0);
			}
		}
	}
}

/* clean and skipped ignore the options; unknown verdicts and no conf tempfail */
struct fixed {
	enum scan_result verdict;
	int	with_conf;
	int	value;			/* every option set to this */
	int64_t	fo_after, unavail;
	enum policy_action want;
	int	tag, fail_open;
};

static const struct fixed fixed[] = {
	{SCAN_CLEAN, 1, A, 0, 0, A, 0, 0},
	{SCAN_CLEAN, 1, R, 0, 0, A, 0, 0},
	{SCAN_CLEAN, 1, T, 0, 0, A, 0, 0},
	{SCAN_CLEAN, 1, D, 0, 0, A, 0, 0},
	{SCAN_CLEAN, 1, Q, 0, 0, A, 0, 0},
	{SCAN_CLEAN, 1, G, 0, 0, A, 0, 0},
	{SCAN_CLEAN, 1, BAD_HIGH, 0, 0, A, 0, 0},
	{SCAN_CLEAN, 1, T, 1000, 5000, A, 0, 0},	/* fail-open time is not clean's business */
	{SCAN_CLEAN, 0, 0, 0, 0, A, 0, 0},
	{SCAN_SKIPPED, 1, R, 0, 0, A, 1, 0},
	{SCAN_SKIPPED, 1, T, 0, 0, A, 1, 0},
	{SCAN_SKIPPED, 1, BAD_HIGH, 0, 0, A, 1, 0},
	{SCAN_SKIPPED, 0, 0, 0, 0, A, 1, 0},
	{SCAN_INFECTED, 0, 0, 0, 0, T, 0, 0},
	{SCAN_UNAVAILABLE, 0, 0, 0, 0, T, 0, 0},
	{SCAN_RESULT_COUNT, 1, A, 0, 0, T, 0, 0},
	{(enum scan_result) 99, 1, A, 0, 0, T, 0, 0},
	{(enum scan_result) -1, 1, A, 0, 0, T, 0, 0},
};

/* fixed outcomes */
static void
test_decide_fixed(void **state)
{
	struct policy_conf pc;
	struct policy_decision d;
	size_t	i;
	int	bad = 0;

	(void) state;
	for (i = 0; i < NROWS(fixed); i++) {
		conf_invalid(&pc);
		pc.on_infected = pc.on_unavailable = pc.on_limit = pc.on_error =
			(enum policy_action) fixed[i].value;
		pc.fail_open_after_ms = fixed[i].fo_after;
		memset(&d, 0xa5, sizeof(d));
		decide(fixed[i].verdict, SCAN_LIMIT_UNKNOWN, fixed[i].with_conf ? &pc : NULL,
		       fixed[i].unavail, &d);
		bad += check_decision("fixed", i, &d, fixed[i].want, fixed[i].tag,
				      fixed[i].fail_open);
	}
	assert_int_equal(bad, 0);
	decide(SCAN_INFECTED, SCAN_LIMIT_UNKNOWN, &pc, 0, NULL);	/* no crash */
	memset(&d, 0xa5, sizeof(d));
	policy_decide(NULL, &pc, 0, &d);		/* no verdict: tempfail */
	assert_int_equal(check_decision("no verdict", 0, &d, T, 0, 0), 0);
}

/* ---- limits by kind ---- */

#define UNSET	(-2)		/* the kind's own option is not set */
#define SZ	SCAN_LIMIT_SIZE
#define FL	SCAN_LIMIT_FILES
#define TM	SCAN_LIMIT_TIME
#define NS	SCAN_LIMIT_NESTING
#define UK	SCAN_LIMIT_UNKNOWN

struct kcell {
	int	kind;			/* of the verdict */
	int	on_limit;
	int	own;			/* the option of the verdict's kind, or UNSET */
	int	others;			/* every other kind's option, or UNSET */
	enum policy_action want;
	int	tag;
};

static const struct kcell kcells[] = {
	/* each kind without its own option: on_limit decides */
	{SZ, A, UNSET, UNSET, A, 1}, {SZ, R, UNSET, UNSET, R, 0}, {SZ, T, UNSET, UNSET, T, 0},
	{FL, A, UNSET, UNSET, A, 1}, {FL, R, UNSET, UNSET, R, 0}, {FL, T, UNSET, UNSET, T, 0},
	{TM, A, UNSET, UNSET, A, 1}, {TM, R, UNSET, UNSET, R, 0}, {TM, T, UNSET, UNSET, T, 0},
	{NS, A, UNSET, UNSET, A, 1}, {NS, R, UNSET, UNSET, R, 0}, {NS, T, UNSET, UNSET, T, 0},
	/* each kind with its own option: it decides, whatever on_limit says */
	{SZ, A, R, UNSET, R, 0}, {SZ, R, A, UNSET, A, 1}, {SZ, A, T, UNSET, T, 0},
	{FL, A, R, UNSET, R, 0}, {FL, R, A, UNSET, A, 1}, {FL, A, T, UNSET, T, 0},
	{TM, A, R, UNSET, R, 0}, {TM, R, A, UNSET, A, 1}, {TM, A, T, UNSET, T, 0},
	{NS, A, R, UNSET, R, 0}, {NS, R, A, UNSET, A, 1}, {NS, A, T, UNSET, T, 0},
	/* the other kinds' options do not matter */
	{SZ, A, UNSET, R, A, 1}, {FL, A, UNSET, R, A, 1}, {TM, A, UNSET, R, A, 1},
	{NS, A, UNSET, R, A, 1}, {NS, R, UNSET, A, R, 0}, {SZ, T, A, R, A, 1},
	/* unknown: always on_limit, even with every kind's option set */
	{UK, A, UNSET, R, A, 1}, {UK, R, UNSET, A, R, 0}, {UK, T, UNSET, A, T, 0},
	{UK, A, UNSET, UNSET, A, 1},
	/* values an option does not allow, and kinds that do not exist: tempfail */
	{NS, A, D, UNSET, T, 0}, {NS, A, Q, UNSET, T, 0}, {NS, A, G, UNSET, T, 0},
	{SZ, A, BAD_HIGH, UNSET, T, 0}, {SZ, A, BAD_LOW, UNSET, T, 0},
	{TM, D, UNSET, UNSET, T, 0}, {UK, G, UNSET, A, T, 0},
	{SCAN_LIMIT_KIND_COUNT, A, UNSET, A, T, 0}, {99, A, UNSET, A, T, 0},
	{-1, A, UNSET, A, T, 0},
};

/* every kind of limit with and without its own option */
static void
test_decide_kinds(void **state)
{
	struct policy_conf pc;
	struct policy_decision d;
	size_t	i;
	int	k, bad = 0;

	(void) state;
	for (i = 0; i < NROWS(kcells); i++) {
		const struct kcell *c = &kcells[i];

		conf_invalid(&pc);
		pc.on_limit = (enum policy_action) c->on_limit;
		for (k = 0; k < SCAN_LIMIT_KIND_COUNT; k++) {
			int	val = k == c->kind ? c->own : c->others;

			pc.on_limit_kind[k].set = val != UNSET;
			pc.on_limit_kind[k].action = val != UNSET ? (enum policy_action) val
			    : (enum policy_action) BAD_HIGH;	/* never read when unset */
		}
		memset(&d, 0xa5, sizeof(d));
		decide(SCAN_LIMIT, c->kind, &pc, 0, &d);
		bad += check_decision(scan_limit_kind_name((enum scan_limit_kind) c->kind), i, &d,
				      c->want, c->tag, 0);
	}
	assert_int_equal(bad, 0);
}

/* the defaults as shipped: nesting is rejected, the other kinds follow on_limit */
static void
test_limit_defaults(void **state)
{
	static const struct {
		const char *text;
		int	kind;
		enum policy_action want;
	} rows[] = {
		{"", NS, R}, {"", SZ, A}, {"", FL, A}, {"", TM, A}, {"", UK, A},
		{"policy { on_limit = \"tempfail\" }\n", SZ, T},
		{"policy { on_limit = \"tempfail\" }\n", NS, R},
		{"policy { on_limit = \"tempfail\" }\n", UK, T},
		{"policy { on_limit_nesting = \"accept\" }\n", NS, A},
		{"policy { on_limit_nesting = \"\" on_limit = \"tempfail\" }\n", NS, T},
		{"policy { on_limit = \"reject\" on_limit_size = \"accept\" }\n", SZ, A},
		{"policy { on_limit = \"reject\" on_limit_size = \"accept\" }\n", FL, R},
		{"policy { on_limit_files = \"tempfail\" }\n", FL, T},
		{"policy { on_limit_time = \"reject\" }\n", TM, R},
		{"policy { on_limit_time = \"reject\" }\n", SZ, A},
	};
	char	path[] = "/tmp/test_policy.XXXXXX";
	struct policy_decision d;
	struct conf *c;
	size_t	i;
	int	fd, bad = 0;

	(void) state;
	for (i = 0; i < NROWS(rows); i++) {
		c = NULL;
		if (rows[i].text[0] == '\0') {
			assert_int_equal(conf_load(NULL, CONF_STRICT, NULL, NULL, &c), 0);
		} else {
			snprintf(path, sizeof(path), "/tmp/test_policy.XXXXXX");
			assert_true((fd = mkstemp(path)) >= 0);
			assert_true(write(fd, rows[i].text, strlen(rows[i].text))
				    == (ssize_t) strlen(rows[i].text));
			close(fd);
			assert_int_equal(conf_load(path, CONF_STRICT, NULL, NULL, &c), 0);
			unlink(path);
		}
		decide(SCAN_LIMIT, rows[i].kind, &c->policy, 0, &d);
		bad += check_decision("defaults", i, &d, rows[i].want, rows[i].want == A, 0);
		conf_unref(c);
	}
	assert_int_equal(bad, 0);
}

/* the kind of each libclamav limit name, and what the shipped defaults do with it */
static void
test_limit_names(void **state)
{
	static const struct {
		const char *name;
		int	kind;
	} rows[] = {
		{"Heuristics.Limits.Exceeded.MaxRecursion", NS},
		{"Heuristics.Limits.Exceeded.MaxFiles", FL},
		{"Heuristics.Limits.Exceeded.MaxFileSize", SZ},
		{"Heuristics.Limits.Exceeded.MaxScanSize", SZ},
		{"Heuristics.Limits.Exceeded.MaxScanTime", TM},
		{"Heuristics.Limits.Exceeded.EmailHeaderBytes", SZ},
		{"Heuristics.Limits.Exceeded.EmailLineFoldCnt", SZ},
		{"Heuristics.Limits.Exceeded.EmailHeaders", FL},
		{"Heuristics.Limits.Exceeded.EmailMIMEArguments", FL},
		{"Heuristics.Limits.Exceeded.EmailMIMEPartsPerMessage", FL},
		{"Heuristics.Limits.Exceeded.MaxEmbeddedPE", SZ},
		{"Heuristics.Limits.Exceeded.MaxHTMLNormalize", SZ},
		{"Heuristics.Limits.Exceeded.MaxHTMLNoTags", SZ},
		{"Heuristics.Limits.Exceeded.MaxScriptNormalize", SZ},
		{"Heuristics.Limits.Exceeded.MaxZipTypeRcg", SZ},
		{"Heuristics.Limits.Exceeded.PCREMaxFileSize", SZ},
		{"Heuristics.Limits.Exceeded.MaxPartitions", FL},
		{"Heuristics.Limits.Exceeded.MaxIconsPE", FL},
		{"Heuristics.Limits.Exceeded.MaxRecHWP3", NS},
		{"Heuristics.Limits.Exceeded.PCREMatchLimit", TM},
		{"Heuristics.Limits.Exceeded.PCRERecMatchLimit", TM},
		/* not one of them: unknown */
		{"Heuristics.Limits.Exceeded.SomethingNew", UK},
		{"Heuristics.Limits.Exceeded.", UK},
		{"Heuristics.Limits.Exceeded", UK},
		{"Heuristics.Limits.Exceeded.MaxRecursion ", UK},
		{"Heuristics.Limits.Exceeded.MaxRecursionX", UK},
		{"Heuristics.Limits.Exceeded.maxrecursion", UK},
		{"Heuristics.Limits.Exceeded.MaxRecursion.UNOFFICIAL", UK},
		{"X.Heuristics.Limits.Exceeded.MaxRecursion", UK},
		{"MaxRecursion", UK},
		{"size", UK},
		{"Eicar-Test-Signature", UK},
		{"", UK},
		{NULL, UK},
	};
	struct policy_decision d;
	struct conf *c = NULL;
	size_t	i;
	int	k, bad = 0;

	(void) state;
	assert_int_equal(conf_load(NULL, CONF_STRICT, NULL, NULL, &c), 0);
	for (i = 0; i < NROWS(rows); i++) {
		k = (int) scan_limit_kind_of(rows[i].name);
		if (k != rows[i].kind) {
			print_error("name row %zu (%s): kind %s, want %s\n", i,
				    rows[i].name ? rows[i].name : "(null)",
				    scan_limit_kind_name((enum scan_limit_kind) k),
				    scan_limit_kind_name((enum scan_limit_kind) rows[i].kind));
			bad++;
		}
		decide(SCAN_LIMIT, k, &c->policy, 0, &d);
		bad += check_decision("name default", i, &d, k == NS ? R : A, k != NS, 0);
	}
	conf_unref(c);
	assert_int_equal(bad, 0);
	/* names of the kinds, as the log and the header show them */
	assert_string_equal(scan_limit_kind_name(SCAN_LIMIT_UNKNOWN), "unknown");
	assert_string_equal(scan_limit_kind_name(SCAN_LIMIT_SIZE), "size");
	assert_string_equal(scan_limit_kind_name(SCAN_LIMIT_FILES), "files");
	assert_string_equal(scan_limit_kind_name(SCAN_LIMIT_TIME), "time");
	assert_string_equal(scan_limit_kind_name(SCAN_LIMIT_NESTING), "nesting");
	assert_string_equal(scan_limit_kind_name(SCAN_LIMIT_KIND_COUNT), "unknown");
	assert_string_equal(scan_limit_kind_name((enum scan_limit_kind) -1), "unknown");
	assert_null(policy_limit_option(SCAN_LIMIT_UNKNOWN));
	assert_string_equal(policy_limit_option(SCAN_LIMIT_SIZE), "on_limit_size");
	assert_string_equal(policy_limit_option(SCAN_LIMIT_FILES), "on_limit_files");
	assert_string_equal(policy_limit_option(SCAN_LIMIT_TIME), "on_limit_time");
	assert_string_equal(policy_limit_option(SCAN_LIMIT_NESTING), "on_limit_nesting");
	assert_null(policy_limit_option(SCAN_LIMIT_KIND_COUNT));
}

/* scan_verdict_set gives the kind unknown, scan_verdict_limit the kind asked for */
static void
test_verdict_kind(void **state)
{
	struct scan_verdict v;

	(void) state;
	memset(&v, 0xa5, sizeof(v));
	scan_verdict_limit(&v, SCAN_LIMIT_NESTING, "embedded", "%s", "why");
	assert_int_equal(v.result, SCAN_LIMIT);
	assert_int_equal(v.limit, SCAN_LIMIT_NESTING);
	assert_string_equal(v.name, "why");
	assert_string_equal(v.scanner, "embedded");
	scan_verdict_set(&v, SCAN_LIMIT, "clamd", NULL);
	assert_int_equal(v.limit, SCAN_LIMIT_UNKNOWN);
	assert_string_equal(v.name, "");
	scan_verdict_limit(&v, (enum scan_limit_kind) 42, "clamd", NULL);
	assert_int_equal(v.limit, SCAN_LIMIT_UNKNOWN);
}

/* ---- policy_allowed ---- */

struct allowed {
	const char *opt;
	int	action;
	int	want;
};

static const struct allowed allowed[] = {
	{"on_infected", A, 0}, {"on_infected", R, 1}, {"on_infected", T, 0},
	{"on_infected", D, 1}, {"on_infected", Q, 1}, {"on_infected", G, 1},
	{"on_unavailable", A, 1}, {"on_unavailable", R, 1}, {"on_unavailable", T, 1},
	{"on_unavailable", D, 0}, {"on_unavailable", Q, 1}, {"on_unavailable", G, 0},
	{"on_unavailable", H, 1}, {"on_infected", H, 0}, {"on_limit", H, 0}, {"on_error", H, 0},
	{"on_limit", A, 1}, {"on_limit", R, 1}, {"on_limit", T, 1},
	{"on_limit", D, 0}, {"on_limit", Q, 0}, {"on_limit", G, 0},
	{"on_limit_size", A, 1}, {"on_limit_size", R, 1}, {"on_limit_size", T, 1},
	{"on_limit_size", D, 0}, {"on_limit_size", Q, 0}, {"on_limit_size", G, 0},
	{"on_limit_files", A, 1}, {"on_limit_files", R, 1}, {"on_limit_files", T, 1},
	{"on_limit_files", D, 0}, {"on_limit_files", Q, 0}, {"on_limit_files", G, 0},
	{"on_limit_time", A, 1}, {"on_limit_time", R, 1}, {"on_limit_time", T, 1},
	{"on_limit_time", D, 0}, {"on_limit_time", Q, 0}, {"on_limit_time", G, 0},
	{"on_limit_nesting", A, 1}, {"on_limit_nesting", R, 1}, {"on_limit_nesting", T, 1},
	{"on_limit_nesting", D, 0}, {"on_limit_nesting", Q, 0}, {"on_limit_nesting", G, 0},
	{"on_limit_unknown", A, 0}, {"on_limit_", A, 0},
	{"on_error", A, 1}, {"on_error", R, 1}, {"on_error", T, 1},
	{"on_error", D, 0}, {"on_error", Q, 1}, {"on_error", G, 0},
	{"on_infected", BAD_HIGH, 0}, {"on_infected", BAD_LOW, 0},
	{"on_infected", POLICY_ACTION_COUNT, 0},
	{"on_clean", A, 0}, {"On_Infected", R, 0}, {"", R, 0}, {NULL, R, 0},
	{"on_infected ", R, 0},
};

/* the allowed set of each option */
static void
test_allowed(void **state)
{
	size_t	i;
	int	bad = 0, got;

	(void) state;
	for (i = 0; i < NROWS(allowed); i++) {
		got = policy_allowed(allowed[i].opt, (enum policy_action) allowed[i].action);
		if (got != allowed[i].want) {
			print_error("allowed row %zu (%s, %d): got %d want %d\n", i,
				    allowed[i].opt ? allowed[i].opt : "(null)",
				    allowed[i].action, got, allowed[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- action names ---- */

struct aname {
	const char *name;
	int	action;			/* -1 = unknown */
};

static const struct aname anames[] = {
	{"accept", A}, {"reject", R}, {"tempfail", T}, {"discard", D},
	{"quarantine", Q}, {"tag", G},
	{"REJECT", R}, {"Tempfail", T},
	{"", -1}, {"rejectx", -1}, {"rej", -1}, {" reject", -1}, {"clean", -1},
	{NULL, -1},
};

/* names both ways */
static void
test_action_names(void **state)
{
	size_t	i;
	int	a;

	(void) state;
	for (i = 0; i < NROWS(anames); i++) {
		if (policy_action_from_name(anames[i].name) != anames[i].action)
			print_error("name row %zu: %s\n", i,
				    anames[i].name ? anames[i].name : "(null)");
		assert_int_equal(policy_action_from_name(anames[i].name), anames[i].action);
	}
	for (a = 0; a < POLICY_ACTION_COUNT; a++)
		assert_int_equal(policy_action_from_name(policy_action_name((enum policy_action) a)), a);
	assert_string_equal(policy_action_name(POLICY_ACCEPT), "accept");
	assert_string_equal(policy_action_name(POLICY_TAG), "tag");
	assert_string_equal(policy_action_name(POLICY_HOLD), "hold");
	assert_int_equal(policy_action_from_name("hold"), POLICY_HOLD);
	assert_string_equal(policy_action_name(POLICY_ACTION_COUNT), "unknown");
	assert_string_equal(policy_action_name((enum policy_action) BAD_LOW), "unknown");
}

/* ---- policy_reply ---- */

#define NAME_FILL_A	"\001A"		/* marker: name = 255 x 'A' */
#define NAME_FILL_B	"\001B"		/* marker: 256 x 'B', no NUL in the array */
#define NO_VERDICT	(-2)

struct reply {
	const char *label;
	enum policy_action action;
	int	result;			/* NO_VERDICT = v is NULL */
	const char *name;
	const char *reject_message;
	const char *tempfail_message;
	size_t	textlen;
	const char *rcode, *xcode;
	const char *text;		/* NULL = check length only (want_len) */
	size_t	want_len;
};

#define DEF_REJ	"Virus found: %v"
#define DEF_TMP	"Virus scanner unavailable, try again later"
#define EICAR	"Eicar-Test-Signature"

static const struct reply replies[] = {
	{"infected reject", R, SCAN_INFECTED, EICAR, DEF_REJ, DEF_TMP, 256,
	 "550", "5.7.1", "Virus found: Eicar-Test-Signature", 0},
	{"reject_message NULL", R, SCAN_INFECTED, EICAR, NULL, DEF_TMP, 256,
	 "550", "5.7.1", "Virus found: Eicar-Test-Signature", 0},
	{"reject_message empty", R, SCAN_INFECTED, EICAR, "", DEF_TMP, 256,
	 "550", "5.7.1", "Virus found: Eicar-Test-Signature", 0},
	{"reject_message only controls", R, SCAN_INFECTED, EICAR, "\r\n\001", DEF_TMP, 256,
	 "550", "5.7.1", "Virus found: Eicar-Test-Signature", 0},
	{"%v twice, %% literal", R, SCAN_INFECTED, EICAR, "%v: 100%% sure it is %v", DEF_TMP, 256,
	 "550", "5.7.1", "Eicar-Test-Signature: 100% sure it is Eicar-Test-Signature", 0},
	{"missing %v", R, SCAN_INFECTED, EICAR, "Rejected by policy", DEF_TMP, 256,
	 "550", "5.7.1", "Rejected by policy", 0},
	{"other % kept", R, SCAN_INFECTED, EICAR, "50% off %x %s %", DEF_TMP, 256,
	 "550", "5.7.1", "50% off %x %s %", 0},
	{"%V is not %v", R, SCAN_INFECTED, EICAR, "%V", DEF_TMP, 256,
	 "550", "5.7.1", "%V", 0},
	{"%%v is literal", R, SCAN_INFECTED, EICAR, "%%v", DEF_TMP, 256,
	 "550", "5.7.1", "%v", 0},
	{"%%%v", R, SCAN_INFECTED, EICAR, "%%%v%", DEF_TMP, 256,
	 "550", "5.7.1", "%Eicar-Test-Signature%", 0},
	{"name with CR/LF", R, SCAN_INFECTED, "Evil\r\n250 2.0.0 Ok", DEF_REJ, DEF_TMP, 256,
	 "550", "5.7.1", "Virus found: Evil250 2.0.0 Ok", 0},
	{"name with %", R, SCAN_INFECTED, "Bad%sName%", DEF_REJ, DEF_TMP, 256,
	 "550", "5.7.1", "Virus found: Bad%sName%", 0},
	{"name tab 8-bit control", R, SCAN_INFECTED, "N\tA\377B\033C\177", DEF_REJ, DEF_TMP, 256,
	 "550", "5.7.1", "Virus found: N A?BC", 0},
	{"name empty", R, SCAN_INFECTED, "", DEF_REJ, DEF_TMP, 256,
	 "550", "5.7.1", "Virus found: unknown", 0},
	{"name only controls", R, SCAN_INFECTED, "\r\n", DEF_REJ, DEF_TMP, 256,
	 "550", "5.7.1", "Virus found: unknown", 0},
	{"template with CR/LF", R, SCAN_INFECTED, EICAR, "Virus\r\n found: %v\n", DEF_TMP, 256,
	 "550", "5.7.1", "Virus found: Eicar-Test-Signature", 0},
	{"tempfail", T, SCAN_UNAVAILABLE, "no engine", DEF_REJ, DEF_TMP, 256,
	 "451", "4.7.1", "Virus scanner unavailable, try again later", 0},
	{"tempfail NULL message", T, SCAN_UNAVAILABLE, "", DEF_REJ, NULL, 256,
	 "451", "4.7.1", "Virus scanner unavailable, try again later", 0},
	{"tempfail empty message", T, SCAN_ERROR, "", DEF_REJ, "", 256,
	 "451", "4.7.1", "Virus scanner unavailable, try again later", 0},
	{"tempfail custom %%", T, SCAN_LIMIT, "size", DEF_REJ, "Try later (100%%)", 256,
	 "451", "4.7.1", "Try later (100%)", 0},
	{"tempfail %v: no virus name", T, SCAN_UNAVAILABLE, "reason", DEF_REJ, "down: %v", 256,
	 "451", "4.7.1", "down: unknown", 0},
	{"tempfail infected (bad conf)", T, SCAN_INFECTED, EICAR, DEF_REJ, DEF_TMP, 256,
	 "451", "4.7.1", "Virus scanner unavailable, try again later", 0},
	{"reject unavailable", R, SCAN_UNAVAILABLE, "no engine", "Custom %v", DEF_TMP, 256,
	 "550", "5.7.1", "Message could not be scanned", 0},
	{"reject limit", R, SCAN_LIMIT, "size", DEF_REJ, DEF_TMP, 256,
	 "550", "5.7.1", "Message could not be scanned", 0},
	{"reject error", R, SCAN_ERROR, "read error\r\n", DEF_REJ, DEF_TMP, 256,
	 "550", "5.7.1", "Message could not be scanned", 0},
	{"reject without verdict", R, NO_VERDICT, "", DEF_REJ, DEF_TMP, 256,
	 "550", "5.7.1", "Message could not be scanned", 0},
	{"accept: no reply", A, SCAN_CLEAN, "", DEF_REJ, DEF_TMP, 256, NULL, NULL, "", 0},
	{"discard: no reply", D, SCAN_INFECTED, EICAR, DEF_REJ, DEF_TMP, 256, NULL, NULL, "", 0},
	{"quarantine: no reply", Q, SCAN_INFECTED, EICAR, DEF_REJ, DEF_TMP, 256, NULL, NULL, "", 0},
	{"tag: no reply", G, SCAN_INFECTED, EICAR, DEF_REJ, DEF_TMP, 256, NULL, NULL, "", 0},
	{"overlong: cut", R, SCAN_INFECTED, EICAR, DEF_REJ, DEF_TMP, 16,
	 "550", "5.7.1", "Virus found: Ei", 0},
	{"exactly fitting", R, SCAN_INFECTED, EICAR, DEF_REJ, DEF_TMP, 34,
	 "550", "5.7.1", "Virus found: Eicar-Test-Signature", 0},
	{"one short", R, SCAN_INFECTED, EICAR, DEF_REJ, DEF_TMP, 33,
	 "550", "5.7.1", "Virus found: Eicar-Test-Signatur", 0},
	{"%% is one byte", R, SCAN_INFECTED, EICAR, "abc%%def", DEF_TMP, 5,
	 "550", "5.7.1", "abc%", 0},
	{"cut inside %v", R, SCAN_INFECTED, EICAR, "ab%vcd", DEF_TMP, 6,
	 "550", "5.7.1", "abEic", 0},
	{"controls take no room", R, SCAN_INFECTED, "\r\n\r\nAB", "%v", DEF_TMP, 3,
	 "550", "5.7.1", "AB", 0},
	{"textlen 1", T, SCAN_UNAVAILABLE, "", DEF_REJ, DEF_TMP, 1, "451", "4.7.1", "", 0},
	{"long name capped", R, SCAN_INFECTED, NAME_FILL_A, "%v%v%v", DEF_TMP, 2048,
	 "550", "5.7.1", NULL, POLICY_REPLY_MAX},
	{"name without NUL", R, SCAN_INFECTED, NAME_FILL_B, "%v", DEF_TMP, 2048,
	 "550", "5.7.1", NULL, SCAN_NAME_MAX},
	{"long template capped", T, SCAN_UNAVAILABLE, "", DEF_REJ, NAME_FILL_A, 2048,
	 "451", "4.7.1", NULL, POLICY_REPLY_MAX},
};

/* check_printable - printable ASCII only in a reply text */
static void
check_printable(const char *label, const char *text)
{
	const char *cp;

	for (cp = text; *cp; cp++) {
		if ((unsigned char) *cp < 0x20 || (unsigned char) *cp > 0x7e) {
			print_error("%s: byte 0x%02x in reply text\n", label, (unsigned char) *cp);
			fail();
		}
	}
}

/* same_code - both NULL, or equal strings */
static int
same_code(const char *got, const char *want)
{
	if (got == NULL || want == NULL)
		return got == want;
	return strcmp(got, want) == 0;
}

/* reply_check - compare one reply row; prints the row and returns 1 on a mismatch */
static int
reply_check(size_t i, const struct reply *r, const char *rcode, const char *xcode,
	    const char *text)
{
	size_t	len = strlen(text);
	int	ok = 1;

	if (!same_code(rcode, r->rcode) || !same_code(xcode, r->xcode))
		ok = 0;
	if (r->text ? strcmp(text, r->text) != 0 : len != r->want_len)
		ok = 0;
	if (len >= r->textlen || len > POLICY_REPLY_MAX || text[r->textlen] != 'Z')
		ok = 0;			/* out of bounds */
	if (ok)
		return 0;
	print_error("reply row %zu (%s): got %s %s \"%s\" (len %zu), want %s %s \"%s\"\n",
		    i, r->label, rcode ? rcode : "NULL", xcode ? xcode : "NULL", text, len,
		    r->rcode ? r->rcode : "NULL", r->xcode ? r->xcode : "NULL",
		    r->text ? r->text : "(length only)");
	return 1;
}

/* every kind of reply */
static void
test_reply(void **state)
{
	static char big[4 * SCAN_NAME_MAX];
	struct policy_conf pc;
	struct policy_decision d;
	struct scan_verdict v;
	const char *rcode, *xcode;
	char	text[2048 + 8];
	size_t	i;
	int	bad = 0;

	(void) state;
	memset(big, 'A', sizeof(big) - 1);
	for (i = 0; i < NROWS(replies); i++) {
		const struct reply *r = &replies[i];

		conf_invalid(&pc);
		pc.reject_message = (char *) r->reject_message;
		pc.tempfail_message = (char *) r->tempfail_message;
		if (r->tempfail_message && strcmp(r->tempfail_message, NAME_FILL_A) == 0)
			pc.tempfail_message = big;
		memset(&d, 0, sizeof(d));
		d.action = r->action;
		memset(&v, 0, sizeof(v));
		v.result = r->result == NO_VERDICT ? SCAN_CLEAN : (enum scan_result) r->result;
		if (strcmp(r->name, NAME_FILL_A) == 0)
			memset(v.name, 'A', sizeof(v.name) - 1);
		else if (strcmp(r->name, NAME_FILL_B) == 0)
			memset(v.name, 'B', sizeof(v.name));
		else
			snprintf(v.name, sizeof(v.name), "%s", r->name);
		memset(text, 'Z', sizeof(text));
		rcode = xcode = "junk";
		policy_reply(&d, r->result == NO_VERDICT ? NULL : &v, &pc, &rcode, &xcode,
			     text, r->textlen);
		bad += reply_check(i, r, rcode, xcode, text);
		check_printable(r->label, text);
	}
	assert_int_equal(bad, 0);
}

/* degenerate arguments */
static void
test_reply_edges(void **state)
{
	struct policy_conf pc;
	struct policy_decision d = {.action = POLICY_REJECT};
	struct scan_verdict v;
	const char *rcode = "junk", *xcode = "junk";
	char	text[8];

	(void) state;
	memcpy(text, "sentinel", 8);
	conf_invalid(&pc);
	memset(&v, 0, sizeof(v));
	v.result = SCAN_INFECTED;
	/* textlen 0: text untouched, codes still set */
	policy_reply(&d, &v, &pc, &rcode, &xcode, text, 0);
	assert_memory_equal(text, "sentinel", 8);
	assert_string_equal(rcode, "550");
	assert_string_equal(xcode, "5.7.1");
	/* NULL text */
	policy_reply(&d, &v, &pc, &rcode, &xcode, NULL, 100);
	assert_string_equal(rcode, "550");
	/* NULL codes */
	policy_reply(&d, &v, &pc, NULL, NULL, text, sizeof(text));
	assert_string_equal(text, "Virus f");
	/* NULL conf: defaults */
	policy_reply(&d, &v, NULL, &rcode, &xcode, text, sizeof(text));
	assert_string_equal(text, "Virus f");
	/* NULL decision: no reply */
	policy_reply(NULL, &v, &pc, &rcode, &xcode, text, sizeof(text));
	assert_null(rcode);
	assert_null(xcode);
	assert_string_equal(text, "");
}

/* decide then reply: the DESIGN.md replies end to end */
static void
test_design_replies(void **state)
{
	struct policy_conf pc;
	struct policy_decision d;
	struct scan_verdict v;
	const char *rcode, *xcode;
	char	text[POLICY_REPLY_MAX + 1];

	(void) state;
	conf_invalid(&pc);
	pc.on_infected = POLICY_REJECT;
	pc.on_unavailable = POLICY_TEMPFAIL;
	pc.on_limit = POLICY_REJECT;
	pc.on_error = POLICY_TEMPFAIL;
	memset(&v, 0, sizeof(v));

	v.result = SCAN_INFECTED;
	snprintf(v.name, sizeof(v.name), "%s", EICAR);
	policy_decide(&v, &pc, 0, &d);
	policy_reply(&d, &v, &pc, &rcode, &xcode, text, sizeof(text));
	assert_string_equal(rcode, "550");
	assert_string_equal(xcode, "5.7.1");
	assert_string_equal(text, "Virus found: Eicar-Test-Signature");

	v.result = SCAN_UNAVAILABLE;
	snprintf(v.name, sizeof(v.name), "no engine loaded");
	policy_decide(&v, &pc, 0, &d);
	policy_reply(&d, &v, &pc, &rcode, &xcode, text, sizeof(text));
	assert_string_equal(rcode, "451");
	assert_string_equal(xcode, "4.7.1");
	assert_string_equal(text, "Virus scanner unavailable, try again later");

	v.result = SCAN_LIMIT;
	v.limit = SCAN_LIMIT_NESTING;
	policy_decide(&v, &pc, 0, &d);
	policy_reply(&d, &v, &pc, &rcode, &xcode, text, sizeof(text));
	assert_string_equal(rcode, "550");
	assert_string_equal(text, "Message could not be scanned");
}

/* ---- signature rules ---- */

/* The rules of test_sigrules, in file order. */
static const struct policy_sigrule sigrules[] = {
	{"PUA.Win.Packer.*", {.ignore = 0, .action = POLICY_REJECT}},	/* before PUA.* */
	{"PUA.*", {.ignore = 0, .action = POLICY_TAG}},
	{"Sanesecurity.Junk.*", {.ignore = 1, .action = POLICY_ACCEPT}},
	{"Sanesecurity.*", {.ignore = 0, .action = POLICY_DISCARD}},	/* after Junk: never for Junk */
	{"*.Phish.*", {.ignore = 0, .action = POLICY_QUARANTINE}},
	{"Bad.Accept", {.ignore = 0, .action = POLICY_ACCEPT}},		/* not allowed: tempfail */
};

/* One virus name and its decision. */
struct sigcase {
	const char *name;
	enum policy_action want;
	int	tag;
	int	ignored;
};

static const struct sigcase sigcases[] = {
	{"PUA.Win.Packer.Upx-1", R, 0, 0},		/* first match wins */
	{"PUA.Doc.Tool.Macro-2", A, 1, 0},		/* tag: accept, tagged */
	{"Sanesecurity.Junk.12345", A, 0, 1},		/* ignore: clean */
	{"Sanesecurity.Foxhole.Zip_fs1", D, 0, 0},	/* discard */
	{"Email.Phish.Paypal-9", Q, 1, 0},		/* quarantine */
	{"Bad.Accept", T, 0, 0},			/* not an on_infected action */
	{"Eicar-Test-Signature", R, 0, 0},		/* no match: on_infected */
	{"pua.Doc.Tool.Macro-2", R, 0, 0},		/* case-sensitive */
	{"PUA", R, 0, 0},				/* "PUA.*" needs the dot */
	{"", R, 0, 0},
};

/* test_sigrules - first matching rule decides an infected verdict; none: on_infected */
static void
test_sigrules(void **state)
{
	struct policy_conf pc;
	struct policy_decision d;
	struct scan_verdict v;
	size_t	i;

	(void) state;
	conf_invalid(&pc);
	pc.on_infected = POLICY_REJECT;
	pc.on_error = POLICY_ACCEPT;
	pc.sigrules = sigrules;
	pc.nsigrules = NROWS(sigrules);
	for (i = 0; i < NROWS(sigcases); i++) {
		memset(&v, 0, sizeof(v));
		v.result = SCAN_INFECTED;
		snprintf(v.name, sizeof(v.name), "%s", sigcases[i].name);
		memset(&d, 0x55, sizeof(d));
		policy_decide(&v, &pc, 0, &d);
		if (d.action != sigcases[i].want || d.tag != sigcases[i].tag
		    || d.ignored != sigcases[i].ignored || d.fail_open)
			fail_msg("%s: got %s tag=%d ignored=%d", sigcases[i].name,
				 policy_action_name(d.action), d.tag, d.ignored);
		assert_int_equal(policy_sigrule_match(&pc, sigcases[i].name) != NULL,
				 i < 6);	/* the first six rows match a rule */
	}
	/* rules apply to infected verdicts only */
	memset(&v, 0, sizeof(v));
	v.result = SCAN_ERROR;
	snprintf(v.name, sizeof(v.name), "PUA.Doc.Tool.Macro-2");
	policy_decide(&v, &pc, 0, &d);
	assert_int_equal(d.action, POLICY_ACCEPT);
	assert_int_equal(d.tag, 1);
	assert_int_equal(d.ignored, 0);
	/* a name that fills v->name without a NUL is still matched safely */
	memset(&v, 0, sizeof(v));
	v.result = SCAN_INFECTED;
	memset(v.name, 'P', sizeof(v.name));
	memcpy(v.name, "PUA.", 4);
	policy_decide(&v, &pc, 0, &d);
	assert_int_equal(d.action, POLICY_ACCEPT);
	assert_int_equal(d.tag, 1);
	/* no rules, or NULL: on_infected */
	pc.nsigrules = 0;
	snprintf(v.name, sizeof(v.name), "PUA.Doc.Tool.Macro-2");
	policy_decide(&v, &pc, 0, &d);
	assert_int_equal(d.action, POLICY_REJECT);
	pc.sigrules = NULL;
	pc.nsigrules = 3;
	policy_decide(&v, &pc, 0, &d);
	assert_int_equal(d.action, POLICY_REJECT);
	assert_null(policy_sigrule_match(NULL, "PUA.x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide_cells),
		cmocka_unit_test(test_fail_open),
		cmocka_unit_test(test_decide_invariants),
		cmocka_unit_test(test_untagged),
		cmocka_unit_test(test_decide_fixed),
		cmocka_unit_test(test_decide_kinds),
		cmocka_unit_test(test_limit_defaults),
		cmocka_unit_test(test_limit_names),
		cmocka_unit_test(test_verdict_kind),
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_action_names),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_reply_edges),
		cmocka_unit_test(test_design_replies),
		cmocka_unit_test(test_sigrules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
