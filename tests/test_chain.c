/*
 * NAME
 *	test_chain - unit tests of the scanner chain
 * DESCRIPTION
 *	The chain with real backends: the embedded engine on a tiny database
 *	made by tests/mkdb.sh, and a clamd backend whose only server does not
 *	exist (unavailable at once). Table-driven: scanner order, fall-through
 *	to the next scanner, the joined reasons when none can scan, the
 *	"unavailable since" clock of fail_open_after, instances kept across
 *	chain_configure().
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "chain.h"
#include "conf.h"
#include "log.h"
#include "spool.h"

#define EICAR "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

/* The fixture: a temp dir with a database, an empty database and a spool dir. */
struct fix {
	char	dir[256];
	char	db[300];
	char	emptydb[300];
};

/* sh - run a shell command, fail the test when it fails; 77 from mkdb skips */
static void
sh(const char *cmd)
{
	int	rc = system(cmd);

	if (rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 77) {
		fprintf(stderr, "SKIP: %s: sigtool or the ClamAV test files are missing\n", cmd);
		exit(77);
	}
	assert_int_equal(rc, 0);
}

/* setup - temp dirs and the tiny database */
static int
setup(void **state)
{
	static struct fix f;
	const char *top = getenv("top_srcdir");
	char	cmd[1024];

	snprintf(f.dir, sizeof(f.dir), "%s/test_chain.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(f.dir) == NULL)
		return -1;
	snprintf(f.db, sizeof(f.db), "%s/db", f.dir);
	snprintf(f.emptydb, sizeof(f.emptydb), "%s/empty", f.dir);
	snprintf(cmd, sizeof(cmd), "sh %s/tests/mkdb.sh %s >/dev/null && mkdir %s",
		 top ? top : ".", f.db, f.emptydb);
	sh(cmd);
	*state = &f;
	return 0;
}

/* teardown - remove the temp dir */
static int
teardown(void **state)
{
	struct fix *f = *state;
	char	cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* load - a configuration from text, via the real config loader */
static struct conf *
load(const struct fix *f, const char *scanners, const char *db)
{
	char	path[300], text[1024];
	struct conf *c = NULL;
	FILE   *fp;

	snprintf(path, sizeof(path), "%s/c.conf", f->dir);
	snprintf(text, sizeof(text),
		 "scanners = {%s}\nspool_dir = \"%s\"\n"
		 "embedded {\n database = \"%s\"\n reload_check = \"0\"\n}\n"
		 "clamd {\n servers = {\"unix:%s/no-such-clamd.sock\"}\n"
		 " connect_timeout = \"60s\"\n scan_timeout = \"60s\"\n}\n",
		 scanners, f->dir, db, f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(conf_load(path, CONF_STRICT, NULL, NULL, &c), 0);
	return c;
}

/* message - a spooled message: clean text, or EICAR in a base64 attachment */
static struct spool *
message(const struct fix *f, int eicar)
{
	static const char clean[] = "From: a@example.com\r\nSubject: hi\r\n\r\nJust text.\r\n";
	static const char head[] = "From: a@example.com\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
	    "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n";
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct spool *sp = spool_new(f->dir, 1 << 20, 0);
	char	err[128], enc[128];
	const unsigned char *in = (const unsigned char *) EICAR;
	size_t	n = strlen(EICAR), i, o = 0;

	if (!eicar) {
		assert_int_equal(spool_write(sp, clean, strlen(clean), err, sizeof(err)), 0);
	} else {
		for (i = 0; i < n; i += 3) {
			unsigned v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);

			enc[o++] = b64[v >> 18 & 63];
			enc[o++] = b64[v >> 12 & 63];
			enc[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
			enc[o++] = i + 2 < n ? b64[v & 63] : '=';
		}
		assert_int_equal(spool_write(sp, head, strlen(head), err, sizeof(err)), 0);
		assert_int_equal(spool_write(sp, enc, o, err, sizeof(err)), 0);
		assert_int_equal(spool_write(sp, "\r\n--b--\r\n", 9, err, sizeof(err)), 0);
	}
	assert_int_equal(spool_finish(sp, err, sizeof(err)), 0);
	return sp;
}

/* One row: a chain, a database, a message, and what must come out. */
struct row {
	const char *name;
	const char *scanners;
	int	empty_db;
	int	eicar;
	enum scan_result want;
	const char *scanner;		/* the deciding scanner */
	const char *reason_has[2];	/* substrings of the reason when unavailable */
};

static const struct row rows[] = {
	{"embedded, clean", "\"embedded\"", 0, 0, SCAN_CLEAN, "embedded", {NULL, NULL}},
	{"embedded, EICAR", "\"embedded\"", 0, 1, SCAN_INFECTED, "embedded", {NULL, NULL}},
	{"clamd down, then embedded", "\"clamd\", \"embedded\"", 0, 1, SCAN_INFECTED, "embedded",
	 {NULL, NULL}},
	{"embedded first, clamd down after", "\"embedded\", \"clamd\"", 0, 0, SCAN_CLEAN, "embedded",
	 {NULL, NULL}},
	{"no signatures, clamd down: both reasons", "\"embedded\", \"clamd\"", 1, 1, SCAN_UNAVAILABLE,
	 NULL, {"embedded: ", "clamd: "}},
	{"clamd alone, down", "\"clamd\"", 0, 0, SCAN_UNAVAILABLE, NULL, {"clamd: ", NULL}},
};

/* test_rows - each row through a fresh chain */
static void
test_rows(void **state)
{
	struct fix *f = *state;
	size_t	i, k;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct conf *c = load(f, r->scanners, r->empty_db ? f->emptydb : f->db);
		struct chain *ch = chain_new();
		struct spool *sp = message(f, r->eicar);
		struct scan_verdict v;
		char	err[256];
		time_t	t0 = time(NULL);

		print_message("row: %s\n", r->name);
		assert_int_equal(chain_configure(ch, c, err, sizeof(err)), 0);
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
		assert_true(time(NULL) - t0 < 20);	/* a down clamd costs no timeout (60 s) */
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
	struct conf *down = load(f, "\"clamd\"", f->db);
	struct conf *up = load(f, "\"embedded\"", f->db);
	struct chain *ch = chain_new();
	struct spool *sp = message(f, 0);
	struct scan_verdict v;
	char	err[256];
	int64_t	a, b;

	assert_int_equal(chain_configure(ch, down, err, sizeof(err)), 0);
	assert_int_equal(chain_configure(ch, up, err, sizeof(err)), 0);
	assert_int_equal(chain_wait_ready(ch, up, 30000), 0);
	assert_int_equal(chain_unavailable_ms(ch), 0);
	chain_scan(ch, down, sp, &v);
	assert_int_equal(v.result, SCAN_UNAVAILABLE);
	a = chain_unavailable_ms(ch);
	usleep(120 * 1000);
	b = chain_unavailable_ms(ch);
	assert_true(b >= a + 100);
	chain_scan(ch, up, sp, &v);			/* a verdict ends the outage */
	assert_int_equal(v.result, SCAN_CLEAN);
	assert_int_equal(chain_unavailable_ms(ch), 0);
	chain_note_down(ch, 1);				/* the monitor saw all down, no mail */
	usleep(60 * 1000);
	assert_true(chain_unavailable_ms(ch) >= 50);
	chain_note_down(ch, 0);
	assert_int_equal(chain_unavailable_ms(ch), 0);
	spool_free(sp);
	chain_free(ch);
	conf_unref(down);
	conf_unref(up);
}

/* test_instances_kept - a reconfigure keeps the loaded engine; unknown kinds have no status */
static void
test_instances_kept(void **state)
{
	struct fix *f = *state;
	struct conf *c = load(f, "\"embedded\"", f->db);
	struct chain *ch = chain_new();
	struct scan_status a, b;
	char	err[256];

	assert_int_equal(chain_status(ch, CONF_SCANNER_EMBEDDED, &a), -1);
	assert_int_equal(chain_configure(ch, c, err, sizeof(err)), 0);
	assert_int_equal(chain_wait_ready(ch, c, 30000), 0);
	assert_int_equal(chain_status(ch, CONF_SCANNER_EMBEDDED, &a), 0);
	assert_int_equal(chain_status(ch, CONF_SCANNER_CLAMD, &b), -1);
	assert_int_equal(chain_configure(ch, c, err, sizeof(err)), 0);
	assert_int_equal(chain_status(ch, CONF_SCANNER_EMBEDDED, &b), 0);
	assert_true(a.up && b.up);
	assert_int_equal(a.units[0].since, b.units[0].since);	/* the same engine, not reloaded */
	assert_int_equal(b.reloads_ok + b.reloads_failed, a.reloads_ok + a.reloads_failed);
	chain_free(ch);
	conf_unref(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_unavailable_clock),
		cmocka_unit_test(test_instances_kept),
	};

	log_set(LOG_LEVEL_ERROR, -1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
