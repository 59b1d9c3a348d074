/*
 * NAME
 *	test_scan_embedded - unit tests for the embedded libclamav scanner
 * DESCRIPTION
 *	Each test makes its own tiny database with tests/mkdb.sh (EICAR body
 *	signature and the MD5 of clam.exe) in a temp directory and drives
 *	scan_embedded_ops through its interface only:
 *	- detection table: EICAR attached base64 to a MIME message, clam.exe,
 *	  clam.zip (bare and attached), clam.exe.mbox.base64, a clean message;
 *	  each both held in RAM and spilled to the spool file;
 *	- limits table: a hit limit (file size, recursion, files, scan size)
 *	  is a limit verdict, never clean (max_size is the chain's rule:
 *	  tests/test_chain.c);
 *	- an empty, missing or broken database is unavailable, and signatures
 *	  added later plus reload() (or the periodic check) bring it up;
 *	- a corrupt signature file on reload keeps the old engine detecting
 *	  and counts reloads_failed; reload() storms coalesce; configure()
 *	  reloads only when the engine settings change;
 *	- many threads scanning while the engine is replaced under them;
 *	- status(): engine string, signature time, unit, counters; version
 *	  and build time from a daily.cud header (mkdb.sh --cud).
 *	- libclamav's messages (a signature file named with ESC, CR, LF, a
 *	  forged log line and 8-bit bytes) reach the log as printable lines.
 *	Skips (exit 77) when sigtool or the ClamAV test files are missing.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <clamav.h>

#include "conf.h"
#include "emb_engine.h"
#include "emb_tmp.h"
#include "log.h"
#include "scan.h"
#include "spool.h"

#define TESTFILES	"/usr/share/clamav-testfiles"
#define WAIT_MS		10000		/* upper bound for anything asynchronous */
#define X10		"xxxxxxxxxx"

static const char eicar[] =
	"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/* Per-test state: a temp dir holding db/ and spool/. */
struct fixture {
	char	top[PATH_MAX - 64];
	char	db[PATH_MAX];
	char	spool[PATH_MAX];
	struct conf conf;
	struct scanner *s;
};

/* ---- helpers ---- */

/* xmalloc - malloc or fail the test */
static void *
xmalloc(size_t n)
{
	void   *p = malloc(n ? n : 1);

	assert_non_null(p);
	return p;
}

/* mkdb_path - where tests/mkdb.sh is: $top_srcdir/tests, else next to this file */
static void
mkdb_path(char *buf, size_t len)
{
	const char *top = getenv("top_srcdir");
	const char *slash;

	if (top != NULL && *top != '\0') {
		snprintf(buf, len, "%s/tests/mkdb.sh", top);
		return;
	}
	slash = strrchr(__FILE__, '/');
	if (slash == NULL)
		snprintf(buf, len, "mkdb.sh");
	else
		snprintf(buf, len, "%.*s/mkdb.sh", (int) (slash - __FILE__), __FILE__);
}

/* run_mkdb - run tests/mkdb.sh with up to 4 arguments then dir; exit 77 passes through */
static void
run_mkdb(const char *dir, const char *a1, const char *a2, const char *a3)
{
	char	script[PATH_MAX];
	const char *argv[8];
	int	n = 0, st;
	pid_t	pid;

	mkdb_path(script, sizeof(script));
	argv[n++] = "sh";
	argv[n++] = script;
	if (a1)
		argv[n++] = a1;
	if (a2)
		argv[n++] = a2;
	if (a3)
		argv[n++] = a3;
	argv[n++] = dir;
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execv("/bin/sh", (char *const *) argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77) {
		fprintf(stderr, "SKIP: mkdb.sh cannot make the test database (sigtool or clamav-testfiles missing)\n");
		exit(77);
	}
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* write_file - create path with this content */
static void
write_file(const char *path, const char *text)
{
	FILE   *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

/* rm_tree - remove a directory with plain files in it */
static void
rm_tree(const char *dir)
{
	DIR    *d = opendir(dir);
	struct dirent *de;
	char	path[PATH_MAX * 2];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* read_whole - a file's contents */
static unsigned char *
read_whole(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	int	fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = xmalloc((size_t) st.st_size);
	assert_int_equal(read(fd, buf, (size_t) st.st_size), st.st_size);
	close(fd);
	*len = (size_t) st.st_size;
	return buf;
}

/* base64_lines - base64 of data in 76 column lines with CRLF */
static char *
base64_lines(const unsigned char *data, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char   *out = xmalloc(len * 2 + 16), *p = out;
	size_t	i, col = 0;

	for (i = 0; i < len; i += 3) {
		unsigned v = (unsigned) data[i] << 16;

		if (i + 1 < len)
			v |= (unsigned) data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		*p++ = tab[(v >> 18) & 63];
		*p++ = tab[(v >> 12) & 63];
		*p++ = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		*p++ = i + 2 < len ? tab[v & 63] : '=';
		if ((col += 4) >= 76) {
			*p++ = '\r';
			*p++ = '\n';
			col = 0;
		}
	}
	*p++ = '\r';
	*p++ = '\n';
	*p = '\0';
	return out;
}

/* mime_message - a MIME message with a text part and one attachment per (name, data) pair */
static char *
mime_message(size_t nparts, const char *const *names,
	     const unsigned char *const *datas, const size_t *lens)
{
	size_t	cap = 4096, i;
	char   *msg, *b64;

	for (i = 0; i < nparts; i++)
		cap += lens[i] * 2 + 512;
	msg = xmalloc(cap);
	snprintf(msg, cap,
		 "From: sender@example.com\r\nTo: rcpt@example.com\r\nSubject: test\r\n"
		 "MIME-Version: 1.0\r\n"
		 "Content-Type: multipart/mixed; boundary=\"=_clamshim_test\"\r\n\r\n"
		 "--=_clamshim_test\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n");
	for (i = 0; i < nparts; i++) {
		b64 = base64_lines(datas[i], lens[i]);
		snprintf(msg + strlen(msg), cap - strlen(msg),
			 "--=_clamshim_test\r\n"
			 "Content-Type: application/octet-stream; name=\"%s\"\r\n"
			 "Content-Transfer-Encoding: base64\r\n"
			 "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n%s",
			 names[i], names[i], b64);
		free(b64);
	}
	snprintf(msg + strlen(msg), cap - strlen(msg), "--=_clamshim_test--\r\n");
	return msg;
}

/* Message kinds for the tables. */
enum msg_kind {
	MSG_CLEAN,		/* a plain text mail */
	MSG_EICAR_ATTACHED,	/* EICAR as a base64 attachment */
	MSG_FILE,		/* a ClamAV test file as it is */
	MSG_FILE_ATTACHED,	/* a ClamAV test file as a base64 attachment */
	MSG_TWO_ATTACHED,	/* two clean attachments */
};

/* make_message - build one message of a kind */
static unsigned char *
make_message(enum msg_kind kind, const char *file, size_t *len)
{
	char	path[PATH_MAX];
	unsigned char *data, *msg;
	const unsigned char *datas[2];
	const char *names[2];
	size_t	lens[2];

	switch (kind) {
	case MSG_CLEAN:
		msg = (unsigned char *) strdup(
			"From: sender@example.com\r\nTo: rcpt@example.com\r\n"
			"Subject: hello\r\n\r\nJust a clean message.\r\nNothing to see.\r\n");
		assert_non_null(msg);
		*len = strlen((char *) msg);
		return msg;
	case MSG_EICAR_ATTACHED:
		names[0] = "eicar.com";
		datas[0] = (const unsigned char *) eicar;
		lens[0] = sizeof(eicar) - 1;
		msg = (unsigned char *) mime_message(1, names, datas, lens);
		*len = strlen((char *) msg);
		return msg;
	case MSG_FILE:
		snprintf(path, sizeof(path), "%s/%s", TESTFILES, file);
		return read_whole(path, len);
	case MSG_FILE_ATTACHED:
		snprintf(path, sizeof(path), "%s/%s", TESTFILES, file);
		data = read_whole(path, &lens[0]);
		names[0] = file;
		datas[0] = data;
		msg = (unsigned char *) mime_message(1, names, datas, lens);
		free(data);
		*len = strlen((char *) msg);
		return msg;
	case MSG_TWO_ATTACHED:
		names[0] = "a.txt";
		names[1] = "b.txt";
		datas[0] = (const unsigned char *) "first harmless attachment\n";
		datas[1] = (const unsigned char *) "second harmless attachment\n";
		lens[0] = strlen((const char *) datas[0]);
		lens[1] = strlen((const char *) datas[1]);
		msg = (unsigned char *) mime_message(2, names, datas, lens);
		*len = strlen((char *) msg);
		return msg;
	}
	fail();
	return NULL;
}

/* spool_of - a finished spool holding msg; memory_limit decides RAM or file */
static struct spool *
spool_of(const struct fixture *f, const unsigned char *msg, size_t len,
	 size_t memory_limit, uint64_t max_size)
{
	struct spool *sp = spool_new(f->spool, memory_limit, max_size);
	char	err[256];
	size_t	off, n;

	for (off = 0; off < len; off += n) {
		n = len - off < 1000 ? len - off : 1000;
		assert_int_equal(spool_write(sp, msg + off, n, err, sizeof(err)), 0);
	}
	assert_int_equal(spool_finish(sp, err, sizeof(err)), 0);
	return sp;
}

/* scan_msg - scan one message of a kind with s; RAM or spilled */
static void
scan_msg(struct fixture *f, struct scanner *s, enum msg_kind kind, const char *file,
	 int spill, struct scan_verdict *v)
{
	size_t	len;
	unsigned char *msg = make_message(kind, file, &len);
	struct spool *sp = spool_of(f, msg, len, spill ? 16 : 1 << 20, 0);

	assert_true(spill ? spool_fd(sp) >= 0 : spool_fd(sp) < 0);
	memset(v, 0, sizeof(*v));
	scan_embedded_ops.scan(s, sp, v);
	spool_free(sp);
	free(msg);
}

/* start - a scanner on f->conf, waiting for its first load */
static struct scanner *
start(struct fixture *f, int expect_ready)
{
	char	err[256] = "";
	struct scanner *s = scan_embedded_ops.create(&f->conf, err, sizeof(err));

	if (s == NULL)
		fail_msg("create: %s", err);
	assert_int_equal(scan_embedded_ops.wait_ready(s, WAIT_MS), expect_ready ? 0 : -1);
	return s;
}

/* status_of - status snapshot */
static struct scan_status
status_of(struct scanner *s)
{
	struct scan_status st;

	scan_embedded_ops.status(s, &st);
	return st;
}

/* wait_counters - wait until reloads_ok >= ok and reloads_failed >= failed */
static void
wait_counters(struct scanner *s, unsigned long ok, unsigned long failed)
{
	int	i;

	for (i = 0; i < WAIT_MS / 10; i++) {
		struct scan_status st = status_of(s);

		if (st.reloads_ok >= ok && st.reloads_failed >= failed)
			return;
		usleep(10000);
	}
	fail_msg("reload counters did not reach ok=%lu failed=%lu", ok, failed);
}

/* wait_up - wait until the scanner has an engine */
static void
wait_up(struct scanner *s)
{
	int	i;

	for (i = 0; i < WAIT_MS / 10; i++) {
		if (status_of(s).up)
			return;
		usleep(10000);
	}
	fail_msg("scanner did not come up");
}

/* setup - temp dirs and a conf with sane limits, no database yet */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return -1;
	snprintf(f->top, sizeof(f->top), "%s/test_scan_embedded.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(f->top) == NULL)
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/db", f->top);
	snprintf(f->spool, sizeof(f->spool), "%s/spool", f->top);
	if (mkdir(f->db, 0700) < 0 || mkdir(f->spool, 0700) < 0)
		return -1;
	f->conf.embedded.database = f->db;
	f->conf.spool_dir = f->spool;
	f->conf.memory_limit = 1 << 20;
	f->conf.embedded.reload_check_ms = 0;
	f->conf.embedded.max_scan_time_ms = 30000;
	f->conf.embedded.max_file_size = 25 << 20;
	f->conf.embedded.max_scan_size = 100 << 20;
	f->conf.embedded.max_recursion = 16;
	f->conf.embedded.max_files = 10000;
	/* the detection options at clamd's defaults, as conf_load() gives them */
	{
		struct conf_embedded *e = &f->conf.embedded;

		e->heuristic_alerts = e->phishing_signatures = e->phishing_scan_urls = 1;
		e->scan_pe = e->scan_elf = e->scan_ole2 = e->scan_pdf = e->scan_swf = 1;
		e->scan_xmldocs = e->scan_hwp3 = e->scan_onenote = e->scan_html = 1;
		e->scan_archive = e->scan_image = e->scan_image_fuzzy_hash = e->bytecode = 1;
		e->structured_ssn_format_normal = 1;
		e->bytecode_timeout_ms = 10000;
		e->max_embedded_pe = e->max_html_normalize = 40 << 20;
		e->max_html_no_tags = 8 << 20;
		e->max_script_normalize = 20 << 20;
		e->max_zip_type_rcg = 1 << 20;
		e->max_partitions = 50;
		e->max_icons_pe = 100;
		e->max_rec_hwp3 = 16;
		e->pcre_match_limit = 100000;
		e->pcre_rec_match_limit = 2000;
		e->pcre_max_file_size = 100 << 20;
		e->structured_min_credit_card_count = e->structured_min_ssn_count = 3;
	}
	f->conf.policy.max_size = 50 << 20;
	*state = f;
	return 0;
}

/* teardown - destroy the scanner, remove the dirs */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->s != NULL)
		scan_embedded_ops.destroy(f->s);
	rm_tree(f->db);
	rm_tree(f->spool);
	rmdir(f->top);
	free(f);
	return 0;
}

/* ---- tests ---- */

struct detect_case {
	const char *name;
	enum msg_kind kind;
	const char *file;
	enum scan_result result;
	const char *prefix;	/* virus name starts with this */
};

static const struct detect_case detect_cases[] = {
	{"EICAR attached base64", MSG_EICAR_ATTACHED, NULL, SCAN_INFECTED, "Eicar-Test-Signature"},
	{"clam.exe", MSG_FILE, "clam.exe", SCAN_INFECTED, "clam.exe"},
	{"clam.zip", MSG_FILE, "clam.zip", SCAN_INFECTED, "clam.exe"},
	{"clam.exe.mbox.base64", MSG_FILE, "clam.exe.mbox.base64", SCAN_INFECTED, "clam.exe"},
	{"clam.zip attached", MSG_FILE_ATTACHED, "clam.zip", SCAN_INFECTED, "clam.exe"},
	{"clean message", MSG_CLEAN, NULL, SCAN_CLEAN, ""},
	{"two clean attachments", MSG_TWO_ATTACHED, NULL, SCAN_CLEAN, ""},
};

/* load_text - a configuration from text (strict), via a temporary file; NULL on failure */
static struct conf *
load_text(const char *text)
{
	char	path[] = "/tmp/test_scan_embedded.confXXXXXX";
	struct conf *c = NULL;
	int	fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
	close(fd);
	if (conf_load(path, CONF_STRICT, NULL, NULL, &c) != 0)
		c = NULL;
	unlink(path);
	return c;
}

/*
 * test_detect_options_differ - each detection option, changed alone from
 * its default, makes emb_settings_differ() say 1 (so SIGHUP rebuilds the
 * engine); the defaults give clamd's load options (CL_DB_STDOPT) and the
 * heuristics and every parser on
 */
static void
test_detect_options_differ(void **state)
{
	static const struct { const char *name, *base, *change; } cases[] = {
		{"detect_pua", "", "detect_pua = true\n"},
		{"exclude_pua", "detect_pua = true\n", "exclude_pua = {\"Packed\"}\n"},
		{"include_pua", "detect_pua = true\n", "include_pua = {\"Tool\"}\n"},
		{"heuristic_alerts", "", "heuristic_alerts = false\n"},
		{"heuristic_scan_precedence", "", "heuristic_scan_precedence = true\n"},
		{"alert_broken_executables", "", "alert_broken_executables = true\n"},
		{"alert_broken_media", "", "alert_broken_media = true\n"},
		{"alert_encrypted", "", "alert_encrypted = true\n"},
		{"alert_encrypted_archive", "", "alert_encrypted_archive = true\n"},
		{"alert_encrypted_doc", "", "alert_encrypted_doc = true\n"},
		{"alert_ole2_macros", "", "alert_ole2_macros = true\n"},
		{"alert_phishing_ssl_mismatch", "", "alert_phishing_ssl_mismatch = true\n"},
		{"alert_phishing_cloak", "", "alert_phishing_cloak = true\n"},
		{"alert_partition_intersection", "", "alert_partition_intersection = true\n"},
		{"phishing_signatures", "", "phishing_signatures = false\n"},
		{"phishing_scan_urls", "", "phishing_scan_urls = false\n"},
		{"scan_pe", "", "scan_pe = false\n"},
		{"scan_elf", "", "scan_elf = false\n"},
		{"scan_ole2", "", "scan_ole2 = false\n"},
		{"scan_pdf", "", "scan_pdf = false\n"},
		{"scan_swf", "", "scan_swf = false\n"},
		{"scan_xmldocs", "", "scan_xmldocs = false\n"},
		{"scan_hwp3", "", "scan_hwp3 = false\n"},
		{"scan_onenote", "", "scan_onenote = false\n"},
		{"scan_html", "", "scan_html = false\n"},
		{"scan_archive", "", "scan_archive = false\n"},
		{"scan_image", "", "scan_image = false\n"},
		{"scan_image_fuzzy_hash", "", "scan_image_fuzzy_hash = false\n"},
		{"bytecode", "", "bytecode = false\n"},
		{"bytecode_security", "", "bytecode_security = \"Paranoid\"\n"},
		{"bytecode_timeout", "", "bytecode_timeout = \"2500ms\"\n"},
		{"bytecode_unsigned", "", "bytecode_unsigned = true\n"},
		{"official_database_only", "", "official_database_only = true\n"},
		{"max_embedded_pe", "", "max_embedded_pe = \"3M\"\n"},
		{"max_html_normalize", "", "max_html_normalize = \"3M\"\n"},
		{"max_html_no_tags", "", "max_html_no_tags = \"3M\"\n"},
		{"max_script_normalize", "", "max_script_normalize = \"3M\"\n"},
		{"max_zip_type_rcg", "", "max_zip_type_rcg = \"3M\"\n"},
		{"max_partitions", "", "max_partitions = 7\n"},
		{"max_icons_pe", "", "max_icons_pe = 7\n"},
		{"max_rec_hwp3", "", "max_rec_hwp3 = 7\n"},
		{"pcre_match_limit", "", "pcre_match_limit = 7\n"},
		{"pcre_rec_match_limit", "", "pcre_rec_match_limit = 7\n"},
		{"pcre_max_file_size", "", "pcre_max_file_size = \"3M\"\n"},
		{"structured_data_detection", "", "structured_data_detection = true\n"},
		{"structured_min_credit_card_count", "", "structured_min_credit_card_count = 7\n"},
		{"structured_min_ssn_count", "", "structured_min_ssn_count = 7\n"},
		{"structured_ssn_format_normal", "structured_data_detection = true\n", "structured_ssn_format_normal = false\n"},
		{"structured_ssn_format_stripped", "structured_data_detection = true\n", "structured_ssn_format_stripped = true\n"},
		{"structured_cc_only", "structured_data_detection = true\n", "structured_cc_only = true\n"},
	};
	struct emb_settings dflt, set;
	struct conf *c;
	char	text[256];
	size_t	i;

	(void) state;
	assert_int_equal(conf_load(NULL, CONF_STRICT, NULL, NULL, &c), 0);
	emb_settings_from_conf(&dflt, c);
	conf_unref(c);
	assert_int_equal(dflt.dboptions, CL_DB_STDOPT);
	assert_int_equal(dflt.scan.general, CL_SCAN_GENERAL_HEURISTICS);
	assert_int_equal(dflt.scan.parse, 0x1fff);
	assert_int_equal(dflt.scan.heuristic, CL_SCAN_HEURISTIC_EXCEEDS_MAX);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct emb_settings base;

		/* the base: defaults plus what the option needs to matter (detect_pua ...) */
		snprintf(text, sizeof(text), "embedded {\n%s}\n", cases[i].base);
		if ((c = load_text(text)) == NULL)
			fail_msg("%s: the base does not load", cases[i].name);
		emb_settings_from_conf(&base, c);
		conf_unref(c);
		snprintf(text, sizeof(text), "embedded {\n%s%s}\n", cases[i].base, cases[i].change);
		if ((c = load_text(text)) == NULL)
			fail_msg("%s: does not load", cases[i].name);
		emb_settings_from_conf(&set, c);
		conf_unref(c);
		if (!emb_settings_differ(&base, &set))
			fail_msg("%s: a change does not rebuild the engine", cases[i].name);
		emb_settings_free(&set);
		emb_settings_free(&base);
	}
	/* the same settings again: no rebuild */
	assert_int_equal(conf_load(NULL, CONF_STRICT, NULL, NULL, &c), 0);
	emb_settings_from_conf(&set, c);
	conf_unref(c);
	assert_int_equal(emb_settings_differ(&dflt, &set), 0);
	emb_settings_free(&set);
	emb_settings_free(&dflt);
}

/* test_detect_table - every row, in RAM and spilled, against one engine */
static void
test_detect_table(void **state)
{
	struct fixture *f = *state;
	struct scan_verdict v;
	struct scan_status st;
	size_t	i;
	int	spill;

	run_mkdb(f->db, NULL, NULL, NULL);
	f->s = start(f, 1);
	st = status_of(f->s);
	for (i = 0; i < sizeof(detect_cases) / sizeof(detect_cases[0]); i++) {
		const struct detect_case *c = &detect_cases[i];

		for (spill = 0; spill <= 1; spill++) {
			scan_msg(f, f->s, c->kind, c->file, spill, &v);
			print_message("case: %s (%s): %s %s\n", c->name, spill ? "file" : "RAM",
				      scan_result_name(v.result), v.name);
			assert_int_equal(v.result, c->result);
			assert_int_equal(strncmp(v.name, c->prefix, strlen(c->prefix)), 0);
			assert_string_equal(v.scanner, "embedded");
			assert_string_equal(v.engine, st.engine);
		}
	}
}

struct limit_case {
	const char *name;
	enum msg_kind kind;
	const char *file;
	uint64_t max_file_size;		/* 0 = fixture default */
	uint64_t max_scan_size;
	unsigned max_recursion;
	unsigned max_files;
	const char *reason;		/* the verdict's reason */
	enum scan_limit_kind limit;	/* and its kind */
};

static const struct limit_case limit_cases[] = {
	{"max_file_size below the message", MSG_FILE_ATTACHED, "clam.zip", 200, 0, 0, 0,
	 "Heuristics.Limits.Exceeded.MaxFileSize", SCAN_LIMIT_SIZE},
	{"max_recursion 1 with a zip in a mail", MSG_FILE_ATTACHED, "clam.zip", 0, 0, 1, 0,
	 "Heuristics.Limits.Exceeded.MaxRecursion", SCAN_LIMIT_NESTING},
	{"max_files 1 with two attachments", MSG_TWO_ATTACHED, NULL, 0, 0, 0, 1,
	 "Heuristics.Limits.Exceeded.MaxFiles", SCAN_LIMIT_FILES},
	{"max_scan_size tiny", MSG_TWO_ATTACHED, NULL, 0, 10, 0, 0,
	 "Heuristics.Limits.Exceeded.MaxScanSize", SCAN_LIMIT_SIZE},
};

/* test_limit_table - a hit limit is a limit verdict, never clean */
static void
test_limit_table(void **state)
{
	struct fixture *f = *state;
	struct scan_verdict v;
	size_t	i;
	int	spill;

	run_mkdb(f->db, NULL, NULL, NULL);
	for (i = 0; i < sizeof(limit_cases) / sizeof(limit_cases[0]); i++) {
		const struct limit_case *c = &limit_cases[i];
		struct fixture g = *f;
		struct scanner *s;

		if (c->max_file_size)
			g.conf.embedded.max_file_size = c->max_file_size;
		if (c->max_scan_size)
			g.conf.embedded.max_scan_size = c->max_scan_size;
		if (c->max_recursion)
			g.conf.embedded.max_recursion = c->max_recursion;
		if (c->max_files)
			g.conf.embedded.max_files = c->max_files;
		s = start(&g, 1);
		for (spill = 0; spill <= 1; spill++) {
			scan_msg(f, s, c->kind, c->file, spill, &v);
			print_message("case: %s (%s): %s %s\n", c->name, spill ? "file" : "RAM",
				      scan_result_name(v.result), v.name);
			assert_int_equal(v.result, SCAN_LIMIT);
			assert_string_equal(v.name, c->reason);
			assert_int_equal(v.limit, c->limit);
		}
		scan_embedded_ops.destroy(s);
	}
}

/* test_empty_db_then_reload - unavailable, then signatures and reload(): detection */
static void
test_empty_db_then_reload(void **state)
{
	struct fixture *f = *state;
	struct scan_verdict v;
	struct scan_status st;

	f->s = start(f, 0);
	st = status_of(f->s);
	assert_int_equal(st.up, 0);
	assert_int_equal(st.loading, 0);
	assert_int_equal(st.nunits, 1);
	assert_string_equal(st.units[0].name, f->db);
	assert_int_equal(st.units[0].up, 0);
	assert_non_null(strstr(st.units[0].last_error, f->db));
	scan_msg(f, f->s, MSG_EICAR_ATTACHED, NULL, 0, &v);
	assert_int_equal(v.result, SCAN_UNAVAILABLE);
	assert_string_equal(v.name, st.units[0].last_error);
	scan_msg(f, f->s, MSG_CLEAN, NULL, 1, &v);
	assert_int_equal(v.result, SCAN_UNAVAILABLE);

	run_mkdb(f->db, NULL, NULL, NULL);
	scan_embedded_ops.reload(f->s);
	wait_counters(f->s, 1, 0);
	st = status_of(f->s);
	assert_int_equal(st.up, 1);
	assert_int_equal(st.units[0].up, 1);
	assert_true(st.units[0].since > 0);
	assert_string_equal(st.units[0].last_error, "");
	assert_int_equal(st.reloads_failed, 0);
	scan_msg(f, f->s, MSG_EICAR_ATTACHED, NULL, 0, &v);
	assert_int_equal(v.result, SCAN_INFECTED);
	scan_msg(f, f->s, MSG_FILE, "clam.zip", 1, &v);
	assert_int_equal(v.result, SCAN_INFECTED);
}

/* test_bad_databases - missing, a plain file that is no database, garbage: unavailable */
static void
test_bad_databases(void **state)
{
	struct fixture *f = *state;
	char	path[PATH_MAX + 32];
	const char *paths[3];
	struct scan_verdict v;
	size_t	i;

	snprintf(path, sizeof(path), "%s/garbage.ndb", f->db);
	write_file(path, "this is not a signature\n");
	paths[0] = "/nonexistent/clamshim/db";
	paths[1] = "/etc/hostname";
	paths[2] = f->db;
	for (i = 0; i < 3; i++) {
		struct fixture g = *f;
		struct scanner *s;
		struct scan_status st;

		g.conf.embedded.database = (char *) paths[i];
		s = start(&g, 0);
		scan_msg(f, s, MSG_EICAR_ATTACHED, NULL, 0, &v);
		st = status_of(s);
		print_message("case: %s: %s\n", paths[i], v.name);
		assert_int_equal(v.result, SCAN_UNAVAILABLE);
		assert_true(v.name[0] != '\0');
		assert_int_equal(st.up, 0);
		assert_true(st.units[0].last_error[0] != '\0');
		scan_embedded_ops.destroy(s);
	}
}

/*
 * test_hostile_messages - libclamav's messages carry file names (of
 * signature files here, of archive members while scanning) and go through
 * one callback: in the log they are printable lines only, so that a name
 * with ESC, CR, LF and a forged log line in it cannot fake a line or
 * drive a terminal, and an overlong one is cut with "...". The log is
 * caught by pointing stderr at a file.
 */
static void
test_hostile_messages(void **state)
{
	static const char name[] = "bad\033[2J\r\n2030-01-01 00:00:00.000 clamshim[error]: "
	    "FORGED\a\177\377" X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 ".ndb";
	struct fixture *f = *state;
	char	path[PATH_MAX * 2], logpath[PATH_MAX + 32];
	unsigned char *log;
	struct scan_status st;
	size_t	len, i;
	int	fd, saved;

	snprintf(path, sizeof(path), "%s/%s", f->db, name);
	write_file(path, "this is not a signature\n");
	snprintf(logpath, sizeof(logpath), "%s/log", f->top);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	f->s = start(f, 0);
	st = status_of(f->s);
	for (i = 0;; i++) {	/* the loader's own line ends the load's lines */
		log = read_whole(logpath, &len);
		if ((len > 0 && log[len - 1] == '\n' &&
		     memmem(log, len, "embedded: no engine: ", 21) != NULL) || i >= WAIT_MS / 10)
			break;
		free(log);
		usleep(10000);
	}
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	close(fd);
	assert_non_null(memmem(log, len, "embedded: no engine: ", 21));
	assert_int_equal(unlink(logpath), 0);
	assert_non_null(memmem(log, len, "FORGED", 6));	/* the name did reach the log */
	assert_non_null(memmem(log, len, "xxx...\n", 7));	/* an overlong message is cut, visibly */
	for (i = 0; i < len; i++)
		if (log[i] != '\n' && (log[i] < 0x20 || log[i] > 0x7e))
			fail_msg("byte 0x%02x at %zu of the log", log[i], i);
	for (i = 0; i < len; i++)
		if ((i == 0 || log[i - 1] == '\n') && len - i >= 5 && memcmp(log + i, "2030-", 5) == 0)
			fail_msg("a forged line at %zu of the log", i);
	for (i = 0; st.units[0].last_error[i]; i++)	/* the load error, as the status shows it */
		if ((unsigned char) st.units[0].last_error[i] < 0x20 ||
		    (unsigned char) st.units[0].last_error[i] > 0x7e)
			fail_msg("byte 0x%02x in the load error", (unsigned char) st.units[0].last_error[i]);
	free(log);
}

/* test_corrupt_reload_keeps_old - a broken file on reload: old engine goes on; fixed: reload ok */
static void
test_corrupt_reload_keeps_old(void **state)
{
	struct fixture *f = *state;
	char	path[PATH_MAX + 32];
	struct scan_verdict v;
	struct scan_status st;

	run_mkdb(f->db, "--eicar-only", NULL, NULL);
	f->s = start(f, 1);
	snprintf(path, sizeof(path), "%s/broken.ndb", f->db);
	write_file(path, "Broken:0:0:zz-not-hex\n");
	scan_embedded_ops.reload(f->s);
	wait_counters(f->s, 0, 1);
	st = status_of(f->s);
	assert_int_equal(st.reloads_failed, 1);
	assert_int_equal(st.reloads_ok, 0);
	assert_int_equal(st.up, 1);
	assert_true(st.units[0].last_error[0] != '\0');
	scan_msg(f, f->s, MSG_EICAR_ATTACHED, NULL, 0, &v);
	assert_int_equal(v.result, SCAN_INFECTED);
	scan_msg(f, f->s, MSG_EICAR_ATTACHED, NULL, 1, &v);
	assert_int_equal(v.result, SCAN_INFECTED);

	assert_int_equal(unlink(path), 0);
	run_mkdb(f->db, "--hash-only", NULL, NULL);
	scan_embedded_ops.reload(f->s);
	wait_counters(f->s, 1, 1);
	st = status_of(f->s);
	assert_string_equal(st.units[0].last_error, "");
	scan_msg(f, f->s, MSG_FILE, "clam.exe", 0, &v);
	assert_int_equal(v.result, SCAN_INFECTED);
	scan_msg(f, f->s, MSG_EICAR_ATTACHED, NULL, 0, &v);
	assert_int_equal(v.result, SCAN_INFECTED);
}

/* test_periodic_check - reload_check sees a new signature file; and brings up a missing engine */
static void
test_periodic_check(void **state)
{
	struct fixture *f = *state;
	char	path[PATH_MAX + 32];
	struct scan_verdict v;
	unsigned long reloads;
	int	i;

	f->conf.embedded.reload_check_ms = 100;
	f->s = start(f, 0);
	run_mkdb(f->db, "--eicar-only", NULL, NULL);
	wait_up(f->s);
	scan_msg(f, f->s, MSG_EICAR_ATTACHED, NULL, 0, &v);
	assert_int_equal(v.result, SCAN_INFECTED);
	scan_msg(f, f->s, MSG_FILE, "clam.exe", 0, &v);
	assert_int_equal(v.result, SCAN_CLEAN);
	assert_int_equal(status_of(f->s).reloads_ok, 0);

	/* a new signature file: a reload finds clam.exe (polled: on a slow
	 * machine the periodic check may run between the steps of mkdb) */
	run_mkdb(f->db, "--hash-only", NULL, NULL);
	wait_counters(f->s, 1, 0);
	for (i = 0; i < WAIT_MS / 10; i++) {
		scan_msg(f, f->s, MSG_FILE, "clam.exe", 0, &v);
		if (v.result == SCAN_INFECTED)
			break;
		usleep(10000);
	}
	assert_int_equal(v.result, SCAN_INFECTED);
	reloads = status_of(f->s).reloads_ok;

	/* nothing changes, or only files that are no signatures: no more reloads */
	snprintf(path, sizeof(path), "%s/freshclam.dat.tmp", f->db);
	write_file(path, "not a signature file\n");
	for (i = 0; i < 5; i++)
		usleep(100000);
	assert_int_equal(status_of(f->s).reloads_ok, reloads);
	assert_int_equal(unlink(path), 0);

	/* a signature file removed: reload, and clam.exe is no longer found */
	snprintf(path, sizeof(path), "%s/clamshim-test.hdb", f->db);
	assert_int_equal(unlink(path), 0);
	wait_counters(f->s, reloads + 1, 0);
	scan_msg(f, f->s, MSG_FILE, "clam.exe", 0, &v);
	assert_int_equal(v.result, SCAN_CLEAN);
	scan_msg(f, f->s, MSG_EICAR_ATTACHED, NULL, 1, &v);
	assert_int_equal(v.result, SCAN_INFECTED);
}

/* test_reload_coalesces - a storm of reload() calls makes one or two reloads */
static void
test_reload_coalesces(void **state)
{
	struct fixture *f = *state;
	struct scan_status st;
	int	i;

	run_mkdb(f->db, NULL, NULL, NULL);
	f->s = start(f, 1);
	for (i = 0; i < 50; i++)
		scan_embedded_ops.reload(f->s);
	wait_counters(f->s, 1, 0);
	usleep(500000);
	st = status_of(f->s);
	print_message("50 reload() calls made %lu reloads\n", st.reloads_ok);
	assert_true(st.reloads_ok >= 1 && st.reloads_ok <= 2);
	assert_int_equal(st.reloads_failed, 0);
}

/* test_configure - same settings: nothing; changed limits or path: reload */
static void
test_configure(void **state)
{
	struct fixture *f = *state;
	struct conf c = f->conf;
	struct scan_verdict v;

	run_mkdb(f->db, "--eicar-only", NULL, NULL);
	f->s = start(f, 1);
	c.embedded.reload_check_ms = 5000;	/* not an engine setting */
	scan_embedded_ops.configure(f->s, &c);
	usleep(300000);
	assert_int_equal(status_of(f->s).reloads_ok, 0);

	c.embedded.max_file_size = 100;
	scan_embedded_ops.configure(f->s, &c);
	wait_counters(f->s, 1, 0);
	scan_msg(f, f->s, MSG_EICAR_ATTACHED, NULL, 0, &v);
	assert_int_equal(v.result, SCAN_LIMIT);

	c.embedded.max_file_size = 25 << 20;
	c.embedded.database = (char *) "/nonexistent/clamshim/db";
	scan_embedded_ops.configure(f->s, &c);
	wait_counters(f->s, 1, 1);
	/* the failed reload keeps the engine built with the small limit */
	scan_msg(f, f->s, MSG_EICAR_ATTACHED, NULL, 0, &v);
	assert_int_equal(v.result, SCAN_LIMIT);
	assert_string_equal(status_of(f->s).units[0].name, "/nonexistent/clamshim/db");
}

struct hammer {
	struct fixture *f;
	struct scanner *s;
	int	rounds;
	int	infected;
	int	other;
	unsigned char *msg;
	size_t	len;
	atomic_int scanning;		/* set just before the first scan() */
	struct timespec done;		/* when the last scan() returned */
};

/* hammer_thread - scan the same EICAR message again and again */
static void *
hammer_thread(void *arg)
{
	struct hammer *h = arg;
	struct spool *sp = spool_new(h->f->spool, (h->rounds & 1) ? 16 : 1 << 20, 0);
	struct scan_verdict v;
	char	err[64];
	int	i;

	if (spool_write(sp, h->msg, h->len, err, sizeof(err)) < 0
	    || spool_finish(sp, err, sizeof(err)) < 0) {
		h->other = -1;
		spool_free(sp);
		return NULL;
	}
	atomic_store(&h->scanning, 1);
	for (i = 0; i < h->rounds; i++) {
		scan_embedded_ops.scan(h->s, sp, &v);
		if (v.result == SCAN_INFECTED)
			h->infected++;
		else
			h->other++;
	}
	clock_gettime(CLOCK_MONOTONIC, &h->done);
	spool_free(sp);
	return NULL;
}

/* test_scans_during_reloads - many threads scan while the engine is replaced */
static void
test_scans_during_reloads(void **state)
{
	struct fixture *f = *state;
	struct hammer h[4];
	pthread_t tid[4];
	size_t	len;
	unsigned char *msg = make_message(MSG_EICAR_ATTACHED, NULL, &len);
	int	i;

	run_mkdb(f->db, NULL, NULL, NULL);
	f->s = start(f, 1);
	for (i = 0; i < 4; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		h[i].f = f;
		h[i].s = f->s;
		h[i].rounds = 80 + i;
		h[i].msg = msg;
		h[i].len = len;
		assert_int_equal(pthread_create(&tid[i], NULL, hammer_thread, &h[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		scan_embedded_ops.reload(f->s);
		usleep(20000);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(tid[i], NULL), 0);
		assert_int_equal(h[i].other, 0);
		assert_int_equal(h[i].infected, h[i].rounds);
	}
	assert_true(status_of(f->s).reloads_ok >= 1);
	free(msg);
}

/* big_message - a plain text message of len bytes that takes a while to scan */
static unsigned char *
big_message(size_t len)
{
	unsigned char *msg = xmalloc(len);
	size_t	i;

	for (i = 0; i < len; i++)
		msg[i] = (i % 64 == 63) ? '\n' : (unsigned char) ('a' + (i * 7) % 26);
	memcpy(msg, "Subject: big\n\n", 14);
	return msg;
}

/* ms_between - milliseconds from a to b */
static long
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long) ((b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000);
}

/* test_destroy_during_scans - destroy() while a scan runs: it finishes, then all is freed */
static void
test_destroy_during_scans(void **state)
{
	struct fixture *f = *state;
	struct hammer h;
	pthread_t tid;
	size_t	len = 8u << 20;
	unsigned char *msg;
	struct scanner *s;
	struct timespec t0, t1;

	/* a big text message takes long enough to scan to destroy() meanwhile */
	msg = big_message(len);
	run_mkdb(f->db, "--eicar-only", NULL, NULL);
	f->conf.embedded.max_file_size = 1u << 30;
	f->conf.embedded.max_scan_size = 1u << 30;
	s = start(f, 1);
	memset(&h, 0, sizeof(h));
	h.f = f;
	h.s = s;
	h.rounds = 1;
	h.msg = msg;
	h.len = len;
	assert_int_equal(pthread_create(&tid, NULL, hammer_thread, &h), 0);
	while (!atomic_load(&h.scanning))
		usleep(1000);
	usleep(20000);		/* the scan has taken its engine reference by now */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	scan_embedded_ops.destroy(s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(pthread_join(tid, NULL), 0);
	print_message("destroy() took %ld ms; the scan ended %ld ms after it\n",
		      ms_between(&t0, &t1), ms_between(&t1, &h.done));
	assert_int_equal(h.other + h.infected, 1);

	/* a scanner destroyed while its first load runs */
	s = scan_embedded_ops.create(&f->conf, (char[64]){0}, 64);
	assert_non_null(s);
	scan_embedded_ops.destroy(s);
	free(msg);
}

/*
 * test_two_engines_at_most - while a scan still holds a replaced engine, the
 * next reload waits for it: never three engines at once. The property is
 * only observable when the scan outlives the first reload; on a fast machine
 * a 16 MB scan may not, so the message doubles until it does (at most 5
 * tries, 256 MB), and a try whose scan ended first proves nothing either way.
 */
static void
test_two_engines_at_most(void **state)
{
	struct fixture *f = *state;
	unsigned long reloads = 0;
	int	attempt;

	run_mkdb(f->db, "--eicar-only", NULL, NULL);
	f->conf.embedded.max_file_size = 1u << 30;
	f->conf.embedded.max_scan_size = 1u << 30;
	f->s = start(f, 1);
	for (attempt = 0; attempt < 5; attempt++) {
		size_t	len = (size_t) 16u << (20 + attempt);
		unsigned char *msg = big_message(len);
		struct timespec first, second;
		struct hammer h;
		pthread_t tid;

		memset(&h, 0, sizeof(h));
		h.f = f;
		h.s = f->s;
		h.rounds = 1;
		h.msg = msg;
		h.len = len;
		assert_int_equal(pthread_create(&tid, NULL, hammer_thread, &h), 0);
		while (!atomic_load(&h.scanning))
			usleep(1000);
		usleep(20000);
		scan_embedded_ops.reload(f->s);	/* engine 2 while the scan holds engine 1 */
		wait_counters(f->s, ++reloads, 0);
		clock_gettime(CLOCK_MONOTONIC, &first);
		scan_embedded_ops.reload(f->s);	/* engine 3 must wait for engine 1 to go */
		wait_counters(f->s, ++reloads, 0);
		clock_gettime(CLOCK_MONOTONIC, &second);
		assert_int_equal(pthread_join(tid, NULL), 0);
		free(msg);
		print_message("%zu MB: first reload %ld ms before the scan ended, second %ld ms after\n",
			      len >> 20, ms_between(&first, &h.done), ms_between(&h.done, &second));
		if (ms_between(&first, &h.done) <= 0)
			continue;		/* the scan did not span reload 1: try a longer one */
		assert_true(ms_between(&h.done, &second) >= 0);	/* reload 2 came after it */
		return;
	}
	fail_msg("no scan of up to 256 MB outlived a reload: the property was never observed");
}

/* test_status - engine string, signature time, unit */
static void
test_status(void **state)
{
	struct fixture *f = *state;
	char	path[PATH_MAX + 32], want[SCAN_ENGINE_MAX];
	struct timespec ts[2];
	struct scan_status st;

	run_mkdb(f->db, NULL, NULL, NULL);
	ts[0].tv_sec = ts[1].tv_sec = 1700000000;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	snprintf(path, sizeof(path), "%s/clamshim-test.ndb", f->db);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	ts[0].tv_sec = ts[1].tv_sec = 1700000500;
	snprintf(path, sizeof(path), "%s/clamshim-test.hdb", f->db);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);

	f->s = start(f, 1);
	st = status_of(f->s);
	snprintf(want, sizeof(want), "%s/0", cl_retver());
	assert_string_equal(st.engine, want);
	assert_string_equal(st.sig_version, "");
	assert_int_equal(st.sig_time, 1700000500);
	assert_int_equal(st.up, 1);
	assert_int_equal(st.loading, 0);
	assert_int_equal(st.nunits, 1);
	assert_string_equal(st.units[0].name, f->db);
	assert_int_equal(st.units[0].up, 1);
	assert_true(st.units[0].since > 0);
	assert_int_equal(st.reloads_ok, 0);
	assert_int_equal(st.reloads_failed, 0);
}

/* test_status_cud - version and build time from a daily.cud header, not file times */
static void
test_status_cud(void **state)
{
	struct fixture *f = *state;
	char	want[SCAN_ENGINE_MAX];
	struct scan_status st;

	run_mkdb(f->db, "--cud", "27123:1600000000", NULL);
	f->s = start(f, 1);
	st = status_of(f->s);
	snprintf(want, sizeof(want), "%s/27123", cl_retver());
	assert_string_equal(st.engine, want);
	assert_string_equal(st.sig_version, "27123");
	assert_int_equal(st.sig_time, 1600000000);
	assert_int_equal(st.up, 1);
}

/*
 * test_tmp_dir - an engine's temp dir: a fresh 0700 directory under the
 * spool; removing it empties nested directories and removes a planted
 * link as a link, leaving what it points to alone; a link as the parent
 * is refused.
 */
static void
test_tmp_dir(void **state)
{
	struct fixture *f = *state;
	char	dir[EMB_TMP_PATH_MAX], dir2[EMB_TMP_PATH_MAX], path[PATH_MAX + 64], outside[PATH_MAX];
	char	err[256];
	struct stat st;
	uint64_t avail;
	FILE   *fp;

	assert_int_equal(emb_tmp_make(f->spool, dir, sizeof(dir), err, sizeof(err)), 0);
	assert_int_equal(emb_tmp_make(f->spool, dir2, sizeof(dir2), err, sizeof(err)), 0);
	assert_string_not_equal(dir, dir2);
	assert_int_equal(lstat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(emb_tmp_avail(dir, &avail), 0);
	assert_true(avail > 0);

	/* what libclamav leaves: a per-scan directory with files, and a planted link out */
	snprintf(outside, sizeof(outside), "%s/outside", f->top);
	assert_int_equal(mkdir(outside, 0700), 0);
	snprintf(path, sizeof(path), "%s/keep", outside);
	assert_non_null(fp = fopen(path, "w"));
	fputs("must survive\n", fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/clamav-1.tmp", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/clamav-1.tmp/part", dir);
	assert_non_null(fp = fopen(path, "w"));
	fclose(fp);
	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(symlink(outside, path), 0);
	emb_tmp_remove(dir);
	assert_int_equal(lstat(dir, &st), -1);
	snprintf(path, sizeof(path), "%s/keep", outside);
	assert_int_equal(stat(path, &st), 0);
	emb_tmp_remove(dir2);
	assert_int_equal(lstat(dir2, &st), -1);

	/* a parent that is a link is refused */
	snprintf(path, sizeof(path), "%s/spool-link", f->top);
	assert_int_equal(symlink(f->spool, path), 0);
	assert_int_equal(emb_tmp_make(path, dir, sizeof(dir), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a directory"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/keep", outside);
	unlink(path);
	rmdir(outside);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_options_differ),
		cmocka_unit_test_setup_teardown(test_detect_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_db_then_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_databases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_reload_keeps_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_periodic_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_coalesces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scans_during_reloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_during_scans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_engines_at_most, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_cud, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmp_dir, setup, teardown),
	};

	log_set_stderr_only(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
