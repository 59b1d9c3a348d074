/*
 * NAME
 *	test_chain - unit tests of the scanner chain
 * DESCRIPTION
 *	The chain with scan_null(3) backends for both kinds, each instance
 *	scripted by the row (clean, infected, unavailable with a reason), and
 *	a clock the test moves itself: no libclamav, no clamd, no sleep.
 *	Table-driven: scanner order, fall-through to the next scanner, the
 *	joined reasons when none can scan, max_size checked once before any
 *	scanner is asked (and not at exactly max_size), the "unavailable
 *	since" clock of fail_open_after, instances kept across
 *	chain_configure(). Each row also checks how many scans each backend
 *	was asked. A clean message's other MIME readings: none and no
 *	second scan for a well-formed one, each reading through the same
 *	scanners in the same order, infected in a reading decides,
 *	ambiguous where no reading can be built.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "chain.h"
#include "conf.h"
#include "log.h"
#include "scan_null.h"
#include "spool.h"

/* The fixture: a temp dir for the configuration and the spool. */
struct fix {
	char	dir[256];
};

/* The injected clock: milliseconds the test moves; never 0 (0 means "scanning works"). */
static int64_t test_now = 1000000;

/* test_clock - the chain's clock */
static int64_t
test_clock(void)
{
	return test_now;
}

static const struct chain_backends test_backends = {
	.ops = {
		[CONF_SCANNER_EMBEDDED] = &scan_null_ops,
		[CONF_SCANNER_CLAMD] = &scan_null_ops,
	},
	.now_ms = test_clock,
};

/* setup - the temp dir */
static int
setup(void **state)
{
	static struct fix f;

	snprintf(f.dir, sizeof(f.dir), "%s/test_chain.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(f.dir) == NULL)
		return -1;
	*state = &f;
	return 0;
}

/* teardown - remove the temp dir */
static int
teardown(void **state)
{
	struct fix *f = *state;
	char	path[300];

	snprintf(path, sizeof(path), "%s/c.conf", f->dir);
	(void) remove(path);
	return remove(f->dir) == 0 ? 0 : -1;
}

/* load - a configuration from text, via the real config loader */
static struct conf *
load(const struct fix *f, const char *scanners, const char *max_size)
{
	char	path[300], text[1024];
	struct conf *c = NULL;
	FILE   *fp;

	snprintf(path, sizeof(path), "%s/c.conf", f->dir);
	snprintf(text, sizeof(text),
		 "scanners = {%s}\nspool_dir = \"%s\"\npolicy {\n max_size = \"%s\"\n}\n",
		 scanners, f->dir, max_size ? max_size : "50M");
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(conf_load(path, CONF_STRICT, NULL, NULL, &c), 0);
	return c;
}

/* message - a spooled message of size bytes (at least its header), spooled under c's max_size */
static struct spool *
message(const struct fix *f, const struct conf *c, size_t size)
{
	static const char head[] = "From: a@example.com\r\nSubject: hi\r\n\r\n";
	struct spool *sp = spool_new(f->dir, 1 << 20, c->policy.max_size);
	char	line[64], err[128];
	size_t	done = strlen(head), n;

	assert_int_equal(spool_write(sp, head, done, err, sizeof(err)), 0);
	memset(line, 'x', sizeof(line));
	while (done < size) {
		n = size - done < sizeof(line) ? size - done : sizeof(line);
		assert_int_equal(spool_write(sp, line, n, err, sizeof(err)), 0);
		done += n;
	}
	assert_int_equal(spool_finish(sp, err, sizeof(err)), 0);
	return sp;
}

/* script - what the null instance of kind k in ch answers, when the chain made one */
static void
script(struct chain *ch, enum conf_scanner k, enum scan_result r, const char *name)
{
	struct scanner *s = chain_scanner(ch, k, &scan_null_ops);

	if (s != NULL)
		scan_null_script(s, conf_scanner_name(k), r, SCAN_LIMIT_UNKNOWN, name);
}

/* asked - how many scans the instance of kind k was asked (0 when never made) */
static unsigned long
asked(struct chain *ch, enum conf_scanner k)
{
	struct scanner *s = chain_scanner(ch, k, &scan_null_ops);

	return s ? scan_null_scans(s) : 0;
}

#define EMB	CONF_SCANNER_EMBEDDED
#define CLAMD	CONF_SCANNER_CLAMD
#define C	SCAN_CLEAN
#define I	SCAN_INFECTED
#define U	SCAN_UNAVAILABLE
#define EICAR	"Eicar-Test-Signature"
#define NOSIGS	"signatures not loaded yet"
#define REFUSED	"connect: Connection refused"

/* One row: a chain, what each backend answers, a message, and what must come out. */
struct row {
	const char *name;
	const char *scanners;
	const char *max_size;		/* policy.max_size; NULL = the default */
	size_t	size;			/* message bytes */
	enum scan_result emb, clamd;	/* what the embedded and clamd instances answer */
	const char *emb_name, *clamd_name;
	enum scan_result want;
	const char *scanner;		/* the deciding scanner */
	const char *reason_has[2];	/* substrings of the reason when unavailable or a limit */
	unsigned long asked_emb, asked_clamd;	/* scans each backend was asked */
};

static const struct row rows[] = {
	{"embedded, clean", "\"embedded\"", NULL, 100, C, U, "", REFUSED,
	 C, "embedded", {NULL, NULL}, 1, 0},
	{"embedded, EICAR", "\"embedded\"", NULL, 100, I, U, EICAR, REFUSED,
	 I, "embedded", {NULL, NULL}, 1, 0},
	{"clamd down, then embedded", "\"clamd\", \"embedded\"", NULL, 100, I, U, EICAR, REFUSED,
	 I, "embedded", {NULL, NULL}, 1, 1},
	{"embedded first, clamd down after", "\"embedded\", \"clamd\"", NULL, 100, C, U, "", REFUSED,
	 C, "embedded", {NULL, NULL}, 1, 0},
	{"no signatures, clamd down: both reasons", "\"embedded\", \"clamd\"", NULL, 100, U, U,
	 NOSIGS, REFUSED, U, NULL, {"embedded: " NOSIGS, "clamd: " REFUSED}, 1, 1},
	{"clamd alone, down", "\"clamd\"", NULL, 100, C, U, "", REFUSED,
	 U, NULL, {"clamd: ", NULL}, 0, 1},
	{"over max_size: limit(size), no scanner asked", "\"clamd\", \"embedded\"", "1K", 1025, C, I,
	 "", EICAR, SCAN_LIMIT, "none", {"1025 bytes over max_size", NULL}, 0, 0},
	{"exactly max_size: scanned", "\"clamd\", \"embedded\"", "1K", 1024, C, I, "", EICAR,
	 I, "clamd", {NULL, NULL}, 0, 1},
};

/* test_rows - each row through a fresh chain */
static void
test_rows(void **state)
{
	struct fix *f = *state;
	size_t	i, k;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct conf *c = load(f, r->scanners, r->max_size);
		struct chain *ch = chain_new(&test_backends);
		struct spool *sp = message(f, c, r->size);
		struct scan_verdict v;
		char	err[256];
		time_t	t0 = time(NULL);

		print_message("row: %s\n", r->name);
		assert_int_equal(chain_configure(ch, c, err, sizeof(err)), 0);
		script(ch, EMB, r->emb, r->emb_name);
		script(ch, CLAMD, r->clamd, r->clamd_name);
		(void) chain_wait_ready(ch, c, 30000);
		chain_scan(ch, c, sp, &v);
		assert_int_equal(v.result, r->want);
		if (r->scanner)
			assert_string_equal(v.scanner, r->scanner);
		for (k = 0; k < 2; k++)
			if (r->reason_has[k])
				assert_non_null(strstr(v.name, r->reason_has[k]));
		if (r->want == SCAN_INFECTED)
			assert_non_null(strstr(v.name, "Eicar-Test-Signature"));
		if (r->want == SCAN_LIMIT)
			assert_int_equal(v.limit, SCAN_LIMIT_SIZE);
		assert_int_equal(asked(ch, EMB), r->asked_emb);
		assert_int_equal(asked(ch, CLAMD), r->asked_clamd);
		assert_true(time(NULL) - t0 < 20);	/* the chain itself never waits */
		spool_free(sp);
		chain_free(ch);
		conf_unref(c);
	}
}

/* test_unavailable_clock - fail_open_after's clock: starts when nothing scans, ends with a verdict */
static void
test_unavailable_clock(void **state)
{
	struct fix *f = *state;
	struct conf *down = load(f, "\"clamd\"", NULL);
	struct conf *up = load(f, "\"embedded\"", NULL);
	struct chain *ch = chain_new(&test_backends);
	struct spool *sp = message(f, up, 100);
	struct scan_verdict v;
	char	err[256];
	int64_t	a, b;

	assert_int_equal(chain_configure(ch, down, err, sizeof(err)), 0);
	assert_int_equal(chain_configure(ch, up, err, sizeof(err)), 0);
	script(ch, CLAMD, U, REFUSED);
	assert_int_equal(chain_wait_ready(ch, up, 30000), 0);
	assert_int_equal(chain_unavailable_ms(ch), 0);
	chain_scan(ch, down, sp, &v);
	assert_int_equal(v.result, SCAN_UNAVAILABLE);
	a = chain_unavailable_ms(ch);
	test_now += 120;
	b = chain_unavailable_ms(ch);
	assert_true(b >= a + 100);
	chain_scan(ch, up, sp, &v);			/* a verdict ends the outage */
	assert_int_equal(v.result, SCAN_CLEAN);
	assert_int_equal(chain_unavailable_ms(ch), 0);
	chain_note_down(ch, 1);				/* the monitor saw all down, no mail */
	test_now += 60;
	assert_true(chain_unavailable_ms(ch) >= 50);
	chain_note_down(ch, 0);
	assert_int_equal(chain_unavailable_ms(ch), 0);
	spool_free(sp);
	chain_free(ch);
	conf_unref(down);
	conf_unref(up);
}

/* test_instances_kept - a reconfigure keeps the instance; unknown kinds have no status */
static void
test_instances_kept(void **state)
{
	struct fix *f = *state;
	struct conf *c = load(f, "\"embedded\"", NULL);
	struct chain *ch = chain_new(&test_backends);
	struct scan_status a, b;
	struct scanner *first;
	char	err[256];

	assert_int_equal(chain_status(ch, CONF_SCANNER_EMBEDDED, &a), -1);
	assert_int_equal(chain_configure(ch, c, err, sizeof(err)), 0);
	assert_int_equal(chain_wait_ready(ch, c, 30000), 0);
	assert_int_equal(chain_status(ch, CONF_SCANNER_EMBEDDED, &a), 0);
	assert_int_equal(chain_status(ch, CONF_SCANNER_CLAMD, &b), -1);
	assert_non_null(first = chain_scanner(ch, CONF_SCANNER_EMBEDDED, &scan_null_ops));
	assert_int_equal(chain_configure(ch, c, err, sizeof(err)), 0);
	assert_int_equal(chain_status(ch, CONF_SCANNER_EMBEDDED, &b), 0);
	assert_true(a.up && b.up);
	assert_int_equal(a.units[0].since, b.units[0].since);	/* the same instance, not remade */
	assert_int_equal(b.reloads_ok + b.reloads_failed, a.reloads_ok + a.reloads_failed);
	assert_ptr_equal(chain_scanner(ch, CONF_SCANNER_EMBEDDED, &scan_null_ops), first);
	chain_free(ch);
	conf_unref(c);
}

/* spooled - a finished spool holding text */
static struct spool *
spooled(const struct fix *f, const char *text)
{
	struct spool *sp = spool_new(f->dir, 1 << 20, 0);
	char	err[128];

	assert_int_equal(spool_write(sp, text, strlen(text), err, sizeof(err)), 0);
	assert_int_equal(spool_finish(sp, err, sizeof(err)), 0);
	return sp;
}

/* test_mime_readings - a clean message's other MIME readings go through the same chain */
static void
test_mime_readings(void **state)
{
	static const struct {
		const char *msg;
		enum scan_result clamd;		/* what the second scanner answers */
		enum scan_result want;
		unsigned long emb, cd;		/* scans each backend was asked */
	} mrows[] = {
		/* well formed: one scan, nothing more */
		{"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
		 SCAN_CLEAN, SCAN_CLEAN, 1, 1},
		/* declared boundary unused: the reading goes the same way, unavailable then clamd */
		{"Content-Type: multipart/mixed; boundary=\"D\"\r\n\r\n--U\r\n\r\nx\r\n--U--\r\n",
		 SCAN_CLEAN, SCAN_CLEAN, 2, 2},
		{"Content-Type: multipart/mixed; boundary=\"D\"\r\n\r\n--U\r\n\r\nx\r\n--U--\r\n",
		 SCAN_INFECTED, SCAN_INFECTED, 1, 1},
		/* no reading can be built: ambiguous */
		{"Content-Type: message/partial; id=\"x\"; number=1; total=2\r\n\r\nx\r\n",
		 SCAN_CLEAN, SCAN_AMBIGUOUS, 1, 1},
	};
	struct fix *f = *state;
	struct conf *c = load(f, "\"embedded\", \"clamd\"", NULL);
	size_t	i;
	char	err[256];

	for (i = 0; i < sizeof(mrows) / sizeof(mrows[0]); i++) {
		struct chain *ch = chain_new(&test_backends);
		struct spool *sp = spooled(f, mrows[i].msg);
		struct scan_verdict v;

		assert_int_equal(chain_configure(ch, c, err, sizeof(err)), 0);
		script(ch, EMB, SCAN_UNAVAILABLE, "down");
		script(ch, CONF_SCANNER_CLAMD, SCAN_CLEAN, NULL);
		if (mrows[i].clamd == SCAN_INFECTED) {	/* clean first, infected for the reading */
			chain_scan(ch, c, sp, &v);
			script(ch, CONF_SCANNER_CLAMD, SCAN_INFECTED, "Test.Reading");
		}
		chain_scan(ch, c, sp, &v);
		print_message("mime row %zu: %s (%s), asked %lu/%lu\n", i, scan_result_name(v.result),
			      v.name, asked(ch, EMB), asked(ch, CONF_SCANNER_CLAMD));
		assert_int_equal(v.result, mrows[i].want);
		if (mrows[i].clamd != SCAN_INFECTED) {
			assert_int_equal(asked(ch, EMB), mrows[i].emb);
			assert_int_equal(asked(ch, CONF_SCANNER_CLAMD), mrows[i].cd);
		}
		spool_free(sp);
		chain_free(ch);
	}
	conf_unref(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_unavailable_clock),
		cmocka_unit_test(test_instances_kept),
		cmocka_unit_test(test_mime_readings),
	};

	log_set(LOG_LEVEL_ERROR, -1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
