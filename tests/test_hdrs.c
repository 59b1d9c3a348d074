/*
 * NAME
 *	test_hdrs - table-driven tests of hdrs(3)
 * SUMMARY
 *	tests/test_hdrs
 * DESCRIPTION
 *	hdrs_map_char() over all 256 bytes; hdrs_sanitize_n() and
 *	hdrs_sanitize() with CR, LF, NUL inside (explicit length), tabs,
 *	controls, 8-bit, overlong and exactly fitting input; hdrs_status()
 *	for each verdict, with header injection and parenthesis forgery
 *	attempts and truncation; hdrs_scanned(); hdrs_is_ours().
 *	Each failing row is named in the output.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hdrs.h"

#define NROWS(t)	(sizeof(t) / sizeof((t)[0]))
#define BUFSZ		(HDRS_VALUE_MAX + 8)

/* check_safe - no byte outside 0x20-0x7e in a header value */
static int
check_safe(const char *what, size_t row, const char *s)
{
	const unsigned char *cp;

	for (cp = (const unsigned char *) s; *cp; cp++) {
		if (*cp < 0x20 || *cp > 0x7e) {
			print_error("%s row %zu: byte 0x%02x in \"%s\"\n", what, row, *cp, s);
			return 1;
		}
	}
	return 0;
}

/* check_bounds - result shorter than dstlen and nothing written past it */
static int
check_bounds(const char *what, size_t row, const char *buf, size_t dstlen)
{
	if (dstlen > 0 && strlen(buf) >= dstlen) {
		print_error("%s row %zu: length %zu for dstlen %zu\n", what, row, strlen(buf), dstlen);
		return 1;
	}
	if (buf[dstlen] != 'Z') {
		print_error("%s row %zu: byte written past dstlen %zu\n", what, row, dstlen);
		return 1;
	}
	return 0;
}

/* check_str - equal strings, or a named mismatch */
static int
check_str(const char *what, size_t row, const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return 0;
	print_error("%s row %zu: got \"%s\", want \"%s\"\n", what, row, got, want);
	return 1;
}

/* every byte value */
static void
test_map_char(void **state)
{
	int	c, m;

	(void) state;
	for (c = 0; c < 256; c++) {
		m = hdrs_map_char((unsigned char) c);
		if (c == '\t')
			assert_int_equal(m, ' ');
		else if (c >= 0x20 && c <= 0x7e)
			assert_int_equal(m, c);
		else if (c >= 0x80)
			assert_int_equal(m, '?');
		else
			assert_int_equal(m, 0);		/* NUL, CR, LF, controls, DEL */
	}
}

/* ---- hdrs_sanitize_n / hdrs_sanitize ---- */

struct san {
	const char *src;
	size_t	srclen;			/* (size_t) -1 = use hdrs_sanitize (strlen) */
	size_t	dstlen;
	const char *want;
};

#define SL(s)	s, sizeof(s) - 1	/* string with explicit length, NULs included */
#define STR	((size_t) -1)

static const struct san sans[] = {
	{SL("abc"), 16, "abc"},
	{SL("a\rb\nc"), 16, "abc"},
	{SL("a\r\nb"), 16, "ab"},
	{SL("a\0b"), 16, "ab"},			/* NUL inside */
	{SL("\0\0x\0"), 16, "x"},
	{SL("a\tb\t"), 16, "a b "},
	{SL("\x80\xff" "a\xc3\xa9"), 16, "??a??"},	/* 8-bit */
	{SL("\x01\x1f\x7f" "z\x1b[31m"), 16, "z[31m"},	/* controls, ESC */
	{SL("  two  spaces  "), 32, "  two  spaces  "},	/* nothing collapsed */
	{SL("X\r\nX-Virus-Status: Clean"), 64, "XX-Virus-Status: Clean"},
	{SL("abcdefgh"), 5, "abcd"},		/* overlong */
	{SL("abcd"), 5, "abcd"},		/* exactly fitting */
	{SL("abcd"), 4, "abc"},			/* one short */
	{SL("\r\r\rab"), 3, "ab"},		/* dropped bytes take no room */
	{SL("\xff\xff\xff"), 3, "??"},
	{SL("abc"), 1, ""},
	{SL(""), 8, ""},
	{"abc", 0, 8, ""},			/* srclen 0 */
	{"abc\0def", 2, 8, "ab"},		/* srclen bounds the read */
	{NULL, 5, 8, ""},
	{"plain", STR, 16, "plain"},		/* hdrs_sanitize */
	{"a\r\nb\tc\x7f\xfe", STR, 16, "ab c?"},
	{"stops\0here", STR, 16, "stops"},
	{"overlong", STR, 4, "ove"},
	{NULL, STR, 4, ""},
};

/* the sanitizer table */
static void
test_sanitize(void **state)
{
	char	buf[BUFSZ];
	char   *ret;
	size_t	i;
	int	bad = 0;

	(void) state;
	for (i = 0; i < NROWS(sans); i++) {
		memset(buf, 'Z', sizeof(buf));
		if (sans[i].srclen == STR)
			ret = hdrs_sanitize(buf, sans[i].dstlen, sans[i].src);
		else
			ret = hdrs_sanitize_n(buf, sans[i].dstlen, sans[i].src, sans[i].srclen);
		if (ret != buf) {
			print_error("sanitize row %zu: wrong return\n", i);
			bad++;
			continue;
		}
		bad += check_bounds("sanitize", i, buf, sans[i].dstlen);
		bad += check_str("sanitize", i, buf, sans[i].want);
		bad += check_safe("sanitize", i, buf);
	}
	assert_int_equal(bad, 0);
}

/* dstlen 0 is a no-op returning dst; NULL dst is tolerated */
static void
test_sanitize_zero(void **state)
{
	char	buf[4];

	(void) state;
	memcpy(buf, "ZZZZ", 4);
	assert_ptr_equal(hdrs_sanitize(buf, 0, "abc"), buf);
	assert_ptr_equal(hdrs_sanitize_n(buf, 0, "abc", 3), buf);
	assert_memory_equal(buf, "ZZZZ", 4);
	assert_null(hdrs_sanitize(NULL, 0, "abc"));
	assert_null(hdrs_sanitize_n(NULL, 10, "abc", 3));
}

/* ---- hdrs_status ---- */

#define NAME_FULL	"\001"		/* marker: 256 x 'N', no NUL in the array */
#define NO_VERDICT	(-2)

struct status {
	int	result;			/* NO_VERDICT = v is NULL */
	const char *name;
	size_t	dstlen;
	const char *want;		/* NULL: only check the shape (long names) */
};

static const struct status statuses[] = {
	{SCAN_CLEAN, "", BUFSZ - 8, "Clean"},
	{SCAN_CLEAN, "ignored name", BUFSZ - 8, "Clean"},
	{SCAN_INFECTED, "Eicar-Test-Signature", BUFSZ - 8, "Infected (Eicar-Test-Signature)"},
	{SCAN_INFECTED, "Win.Test.EICAR_HDB-1", BUFSZ - 8, "Infected (Win.Test.EICAR_HDB-1)"},
	{SCAN_INFECTED, "", BUFSZ - 8, "Infected (unknown)"},
	{SCAN_INFECTED, "\r\n", BUFSZ - 8, "Infected (unknown)"},
	/* header injection: no CR/LF survives, so no second header line */
	{SCAN_INFECTED, "X\r\nX-Virus-Status: Clean", BUFSZ - 8,
	 "Infected (XX-Virus-Status: Clean)"},
	{SCAN_INFECTED, "X\nX-Virus-Status: Clean", BUFSZ - 8,
	 "Infected (XX-Virus-Status: Clean)"},
	{SCAN_INFECTED, "X\rX-Virus-Status: Clean", BUFSZ - 8,
	 "Infected (XX-Virus-Status: Clean)"},
	/* parenthesis forgery: the name cannot close the parenthesis */
	{SCAN_INFECTED, "Evil) Clean (x", BUFSZ - 8, "Infected (Evil] Clean [x)"},
	{SCAN_INFECTED, ")", BUFSZ - 8, "Infected (])"},
	{SCAN_INFECTED, "a(b)c", BUFSZ - 8, "Infected (a[b]c)"},
	{SCAN_INFECTED, "\xc3\xa9vil\ttab", BUFSZ - 8, "Infected (??vil tab)"},
	{SCAN_UNAVAILABLE, "no engine loaded", BUFSZ - 8, "Unscanned (no engine loaded)"},
	{SCAN_UNAVAILABLE, "", BUFSZ - 8, "Unscanned (unavailable)"},
	{SCAN_UNAVAILABLE, "clamd: (timeout)\r\n", BUFSZ - 8, "Unscanned (clamd: [timeout])"},
	{SCAN_LIMIT, "", BUFSZ - 8, "Unscanned (limit unknown)"},	/* more in limits[] */
	{SCAN_ERROR, "read error", BUFSZ - 8, "Unscanned (read error)"},
	{SCAN_ERROR, "", BUFSZ - 8, "Unscanned (error)"},
	{SCAN_ERROR, "\001\002", BUFSZ - 8, "Unscanned (error)"},
	{SCAN_SKIPPED, "authenticated", BUFSZ - 8, "Unscanned (authenticated)"},
	{SCAN_SKIPPED, "", BUFSZ - 8, "Unscanned (skipped)"},
	{SCAN_AMBIGUOUS, "bare CR line ends", BUFSZ - 8, "Unscanned (ambiguous: bare CR line ends)"},
	{SCAN_AMBIGUOUS, "", BUFSZ - 8, "Unscanned (ambiguous)"},
	{SCAN_AMBIGUOUS, "a) Clean (b", BUFSZ - 8, "Unscanned (ambiguous: a] Clean [b)"},
	{SCAN_RESULT_COUNT, "Clean", BUFSZ - 8, "Unscanned (unknown)"},
	{99, "", BUFSZ - 8, "Unscanned (unknown)"},
	{NO_VERDICT, "", BUFSZ - 8, "Unscanned (unknown)"},
	/* bounded: the name is cut, the closing parenthesis stays */
	{SCAN_INFECTED, "Eicar-Test-Signature", 16, "Infected (Eica)"},
	{SCAN_INFECTED, "Eicar-Test-Signature", 14, "Infected (Ei)"},
	{SCAN_INFECTED, "Eicar-Test-Signature", 13, "Infected (E)"},
	{SCAN_INFECTED, "Eicar-Test-Signature", 12, "Infected"},	/* no room for " (x)" */
	{SCAN_INFECTED, "Eicar-Test-Signature", 32, "Infected (Eicar-Test-Signature)"},
	{SCAN_INFECTED, "Eicar-Test-Signature", 31, "Infected (Eicar-Test-Signatur)"},
	{SCAN_INFECTED, "Eicar-Test-Signature", 5, "Infe"},
	{SCAN_INFECTED, "Eicar-Test-Signature", 1, ""},
	{SCAN_UNAVAILABLE, "", 14, "Unscanned (u)"},
	{SCAN_CLEAN, "", 3, "Cl"},
	{SCAN_INFECTED, NAME_FULL, BUFSZ - 8, NULL},	/* 256 bytes, no NUL */
	{SCAN_INFECTED, NAME_FULL, 64, NULL},
};

/* status_shape - "Infected (" + only N + ")" and within bounds */
static int
status_shape(size_t row, const char *got, size_t dstlen)
{
	size_t	len = strlen(got), want = 10 + SCAN_NAME_MAX + 1;
	size_t	i;

	if (want > dstlen - 1)
		want = dstlen - 1;
	if (len != want || strncmp(got, "Infected (", 10) != 0 || got[len - 1] != ')')
		goto bad;
	for (i = 10; i < len - 1; i++)
		if (got[i] != 'N')
			goto bad;
	return 0;
bad:
	print_error("status row %zu: bad long status \"%s\"\n", row, got);
	return 1;
}

/* one row per verdict kind and attack */
static void
test_status(void **state)
{
	char	buf[BUFSZ];
	struct scan_verdict v;
	size_t	i;
	int	bad = 0;

	(void) state;
	for (i = 0; i < NROWS(statuses); i++) {
		const struct status *s = &statuses[i];

		memset(&v, 0, sizeof(v));
		v.result = (enum scan_result) s->result;
		if (strcmp(s->name, NAME_FULL) == 0)
			memset(v.name, 'N', sizeof(v.name));
		else
			snprintf(v.name, sizeof(v.name), "%s", s->name);
		memset(buf, 'Z', sizeof(buf));
		hdrs_status(buf, s->dstlen, s->result == NO_VERDICT ? NULL : &v);
		bad += check_bounds("status", i, buf, s->dstlen);
		if (s->want)
			bad += check_str("status", i, buf, s->want);
		else
			bad += status_shape(i, buf, s->dstlen);
		bad += check_safe("status", i, buf);
	}
	assert_int_equal(bad, 0);
}

/* Limit verdicts: "Unscanned (limit KIND: REASON)". */
struct lstatus {
	int	kind;
	const char *name;
	size_t	dstlen;
	const char *want;
};

static const struct lstatus limits[] = {
	/* a limit names its kind, then the reason */
	{SCAN_LIMIT_NESTING, "Heuristics.Limits.Exceeded.MaxRecursion", BUFSZ - 8,
	 "Unscanned (limit nesting: Heuristics.Limits.Exceeded.MaxRecursion)"},
	{SCAN_LIMIT_SIZE, "73400320 bytes over max_size", BUFSZ - 8,
	 "Unscanned (limit size: 73400320 bytes over max_size)"},
	{SCAN_LIMIT_FILES, "Heuristics.Limits.Exceeded.MaxFiles", BUFSZ - 8,
	 "Unscanned (limit files: Heuristics.Limits.Exceeded.MaxFiles)"},
	{SCAN_LIMIT_TIME, "Exceeded time limit", BUFSZ - 8,
	 "Unscanned (limit time: Exceeded time limit)"},
	{SCAN_LIMIT_UNKNOWN, "size", BUFSZ - 8,
	 "Unscanned (limit unknown: size)"},
	{SCAN_LIMIT_UNKNOWN, "", BUFSZ - 8,
	 "Unscanned (limit unknown)"},
	{SCAN_LIMIT_FILES, "", BUFSZ - 8,
	 "Unscanned (limit files)"},
	{SCAN_LIMIT_TIME, "\r\n\001", BUFSZ - 8,
	 "Unscanned (limit time)"},
	{SCAN_LIMIT_NESTING, "x) Clean (y", BUFSZ - 8,
	 "Unscanned (limit nesting: x] Clean [y)"},
	{SCAN_LIMIT_KIND_COUNT, "x", BUFSZ - 8,
	 "Unscanned (limit unknown: x)"},
	{99, "x", BUFSZ - 8,
	 "Unscanned (limit unknown: x)"},
	{-1, "x", BUFSZ - 8,
	 "Unscanned (limit unknown: x)"},
	/* bounded: the reason is cut first, then the kind; the parenthesis stays */
	{SCAN_LIMIT_NESTING, "Heuristics.Limits.Exceeded.MaxRecursion", 32,
	 "Unscanned (limit nesting: Heur)"},
	{SCAN_LIMIT_NESTING, "Heuristics.Limits.Exceeded.MaxRecursion", 29,
	 "Unscanned (limit nesting: H)"},
	{SCAN_LIMIT_NESTING, "Heuristics.Limits.Exceeded.MaxRecursion", 28,
	 "Unscanned (limit nesting)"},
	{SCAN_LIMIT_NESTING, "Heuristics.Limits.Exceeded.MaxRecursion", 26,
	 "Unscanned (limit nesting)"},
	{SCAN_LIMIT_NESTING, "Heuristics.Limits.Exceeded.MaxRecursion", 25,
	 "Unscanned (limit nestin)"},
	{SCAN_LIMIT_NESTING, "Heuristics.Limits.Exceeded.MaxRecursion", 14,
	 "Unscanned (l)"},
	{SCAN_LIMIT_NESTING, "Heuristics.Limits.Exceeded.MaxRecursion", 13,
	 "Unscanned"},
};

/* one row per kind of limit, hostile reasons and small buffers */
static void
test_status_limits(void **state)
{
	char	buf[BUFSZ];
	struct scan_verdict v;
	size_t	i;
	int	bad = 0;

	(void) state;
	for (i = 0; i < NROWS(limits); i++) {
		memset(&v, 0, sizeof(v));
		v.result = SCAN_LIMIT;
		v.limit = (enum scan_limit_kind) limits[i].kind;
		snprintf(v.name, sizeof(v.name), "%s", limits[i].name);
		memset(buf, 'Z', sizeof(buf));
		hdrs_status(buf, limits[i].dstlen, &v);
		bad += check_bounds("limit", i, buf, limits[i].dstlen);
		bad += check_str("limit", i, buf, limits[i].want);
		bad += check_safe("limit", i, buf);
	}
	assert_int_equal(bad, 0);
}

/* a forged name never yields a value that starts like a clean one or holds a line break */
static void
test_status_no_forgery(void **state)
{
	static const char *const names[] = {
		"Clean", "Clean)", ") Clean", "\r\nX-Virus-Status: Clean",
		"x)\r\n\tX-Virus-Status: Clean (", "\0Clean",
	};
	char	buf[HDRS_VALUE_MAX];
	struct scan_verdict v;
	size_t	i;
	int	r;

	(void) state;
	for (r = SCAN_INFECTED; r < SCAN_RESULT_COUNT; r++) {
		for (i = 0; i < NROWS(names); i++) {
			memset(&v, 0, sizeof(v));
			v.result = (enum scan_result) r;
			snprintf(v.name, sizeof(v.name), "%s", names[i]);
			hdrs_status(buf, sizeof(buf), &v);
			assert_null(strpbrk(buf, "\r\n"));
			assert_true(strncmp(buf, "Clean", 5) != 0);
			/* exactly one '(' and one ')', the last byte */
			assert_non_null(strchr(buf, '('));
			assert_ptr_equal(strchr(buf, '('), strrchr(buf, '('));
			assert_ptr_equal(strchr(buf, ')'), buf + strlen(buf) - 1);
		}
	}
	hdrs_status(NULL, 10, &v);			/* no crash */
	memcpy(buf, "ZZZZ", 4);
	hdrs_status(buf, 0, &v);
	assert_memory_equal(buf, "ZZZZ", 4);
}

/* ---- hdrs_scanned ---- */

struct scanned {
	const char *version, *engine, *host;
	size_t	dstlen;
	const char *want;
};

static const struct scanned scanneds[] = {
	{"0.1.0", "1.4.6/27432", "mx.example.org", BUFSZ - 8,
	 "clamshim 0.1.0 (ClamAV 1.4.6/27432) on mx.example.org"},
	{"0.1.0", "1.4.6/27432", "mx\r\nX-Virus-Status: Clean", BUFSZ - 8,
	 "clamshim 0.1.0 (ClamAV 1.4.6/27432) on mxX-Virus-Status: Clean"},
	{"0.1.0", "1.4.6 (x)\n", "h\xe9te", BUFSZ - 8,
	 "clamshim 0.1.0 (ClamAV 1.4.6 [x]) on h?te"},
	{"0.1.0", "", "", BUFSZ - 8, "clamshim 0.1.0 (ClamAV unknown) on unknown"},
	{NULL, NULL, NULL, BUFSZ - 8, "clamshim unknown (ClamAV unknown) on unknown"},
	{"0.1.0", "1.4.6/27432", "mx.example.org", 10, "clamshim "},
	{"0.1.0", "1.4.6/27432", "mx", 42, "clamshim 0.1.0 (ClamAV 1.4.6/27432) on mx"},
	{"0.1.0", "1.4.6/27432", "mx", 41, "clamshim 0.1.0 (ClamAV 1.4.6/27432) on m"},
	{"0.1.0", "1.4.6/27432", "mx", 1, ""},
};

/* the X-Virus-Scanned value */
/* test_status_held - a held message: "Unscanned (held: REASON)", sanitized, bounded */
static void
test_status_held(void **state)
{
	struct scan_verdict v;
	char	buf[HDRS_VALUE_MAX];
	char	tiny[12];

	(void) state;
	memset(&v, 0, sizeof(v));
	v.result = SCAN_UNAVAILABLE;
	snprintf(v.name, sizeof(v.name), "no scanner available");
	hdrs_status_held(buf, sizeof(buf), &v);
	assert_string_equal(buf, "Unscanned (held: no scanner available)");
	snprintf(v.name, sizeof(v.name), "a\r\nX-Virus-Status: Clean");
	hdrs_status_held(buf, sizeof(buf), &v);
	assert_null(strchr(buf, '\n'));
	assert_null(strchr(buf, '\r'));
	v.name[0] = 0;
	hdrs_status_held(buf, sizeof(buf), &v);
	assert_string_equal(buf, "Unscanned (held)");
	hdrs_status_held(buf, sizeof(buf), NULL);
	assert_string_equal(buf, "Unscanned (held)");
	snprintf(v.name, sizeof(v.name), "a very long reason that does not fit");
	hdrs_status_held(tiny, sizeof(tiny), &v);
	assert_true(strlen(tiny) < sizeof(tiny));
	hdrs_status_held(NULL, 10, &v);			/* no crash */
}

static void
test_scanned(void **state)
{
	char	buf[BUFSZ];
	size_t	i;
	int	bad = 0;

	(void) state;
	for (i = 0; i < NROWS(scanneds); i++) {
		const struct scanned *s = &scanneds[i];

		memset(buf, 'Z', sizeof(buf));
		hdrs_scanned(buf, s->dstlen, s->version, s->engine, s->host);
		bad += check_bounds("scanned", i, buf, s->dstlen);
		bad += check_str("scanned", i, buf, s->want);
		bad += check_safe("scanned", i, buf);
	}
	assert_int_equal(bad, 0);
	memcpy(buf, "ZZZZ", 4);
	hdrs_scanned(buf, 0, "v", "e", "h");
	assert_memory_equal(buf, "ZZZZ", 4);
	hdrs_scanned(NULL, 10, "v", "e", "h");		/* no crash */
}

/* ---- hdrs_is_ours ---- */

struct ours {
	const char *name;
	int	want;
};

static const struct ours ourss[] = {
	{"X-Virus-Status", 1},
	{"X-Virus-Scanned", 1},
	{"x-virus-anything", 1},
	{"X-VIRUS-STATUS", 1},
	{"x-ViRuS-sTaTuS", 1},
	{"X-Virus-", 1},
	{"X-Virusx", 0},
	{"X-Virus", 0},
	{"X-Virus_Status", 0},
	{"X-Viruses", 0},
	{"X-Spam-Status", 0},
	{"Subject", 0},
	{" X-Virus-Status", 0},
	{"XX-Virus-Status", 0},
	{"", 0},
	{NULL, 0},
};

/* which incoming header names are ours to delete */
static void
test_is_ours(void **state)
{
	size_t	i;
	int	bad = 0;

	(void) state;
	for (i = 0; i < NROWS(ourss); i++) {
		if (hdrs_is_ours(ourss[i].name) != ourss[i].want) {
			print_error("is_ours row %zu (%s): want %d\n", i,
				    ourss[i].name ? ourss[i].name : "(null)", ourss[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_char),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_sanitize_zero),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_status_limits),
		cmocka_unit_test(test_status_no_forgery),
		cmocka_unit_test(test_status_held),
		cmocka_unit_test(test_scanned),
		cmocka_unit_test(test_is_ours),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
