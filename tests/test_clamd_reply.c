/*
 * NAME
 *	test_clamd_reply - table-driven tests of clamd_proto.c and clamd_zip.c
 * DESCRIPTION
 *	Every kind of zINSTREAM reply, PONG, VERSION and server specs, with
 *	the hostile cases: overlong, not terminated, NUL inside, unprintable
 *	bytes, empty names, near-miss spellings, stray spaces. Each reply
 *	is given with its length so that NUL bytes can be part of a case.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clamd_proto.h"
#include "clamd_zip.h"

/* R - a reply literal with its length, the trailing NUL of the literal excluded */
#define R(lit)	lit, sizeof(lit) - 1

struct reply_case {
	const char *buf;
	size_t	len;
	enum clamd_reply want;
	const char *out;		/* expected out; NULL = not checked; prefix when ends with '*' */
};

static const struct reply_case reply_cases[] = {
	/* the good ones */
	{ R("stream: OK\0"), CLAMD_REPLY_CLEAN, "" },
	{ R("stream: Eicar-Test-Signature FOUND\0"), CLAMD_REPLY_INFECTED, "Eicar-Test-Signature" },
	{ R("stream: clam.exe.UNOFFICIAL FOUND\0"), CLAMD_REPLY_INFECTED, "clam.exe.UNOFFICIAL" },
	{ R("stream: Win.Test.EICAR_HDB-1 FOUND\0"), CLAMD_REPLY_INFECTED, "Win.Test.EICAR_HDB-1" },
	{ R("stream: Name With Spaces FOUND\0"), CLAMD_REPLY_INFECTED, "Name With Spaces" },
	{ R("stream: X FOUND\0"), CLAMD_REPLY_INFECTED, "X" },
	{ R("stream: FOUND FOUND\0"), CLAMD_REPLY_INFECTED, "FOUND" },
	{ R("stream: Heuristics.Limits.Exceeded.MaxFileSize FOUND\0"), CLAMD_REPLY_LIMIT,
	  "Heuristics.Limits.Exceeded.MaxFileSize" },
	{ R("INSTREAM size limit exceeded. ERROR\0"), CLAMD_REPLY_LIMIT, "size" },
	{ R("stream: Can't allocate memory ERROR\0"), CLAMD_REPLY_ERROR, "Can't allocate memory" },
	{ R("Error processing command. ERROR\0"), CLAMD_REPLY_ERROR, "Error processing command." },
	{ R("UNKNOWN COMMAND ERROR\0"), CLAMD_REPLY_ERROR, "UNKNOWN COMMAND" },
	{ R("stream: lstat() failed: No such file ERROR\0"), CLAMD_REPLY_ERROR,
	  "lstat() failed: No such file" },
	/* framing */
	{ "", 0, CLAMD_REPLY_BAD, "connection closed*" },
	{ R("stream: OK"), CLAMD_REPLY_BAD, "reply not terminated*" },
	{ R("stream: OK\n"), CLAMD_REPLY_BAD, "reply not terminated*" },
	{ R("stream: OK\n\0"), CLAMD_REPLY_BAD, "unprintable*" },
	{ R("stream: OK\r\0"), CLAMD_REPLY_BAD, "unprintable*" },
	{ R("stream: Eic"), CLAMD_REPLY_BAD, "reply not terminated*" },
	{ R("stream: OK\0\0"), CLAMD_REPLY_BAD, "bytes after*" },
	{ R("stream: OK\0stream: OK\0"), CLAMD_REPLY_BAD, "bytes after*" },
	{ R("stream\0: OK\0"), CLAMD_REPLY_BAD, "bytes after*" },
	{ R("\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream: E\x01icar FOUND\0"), CLAMD_REPLY_BAD, "unprintable*" },
	{ R("stream: Eicar\x7f FOUND\0"), CLAMD_REPLY_BAD, "unprintable*" },
	{ R("stream: Eicar\xc3\xa9 FOUND\0"), CLAMD_REPLY_BAD, "unprintable*" },
	{ R("stream: Eicar\t FOUND\0"), CLAMD_REPLY_BAD, "unprintable*" },
	/* near misses of OK */
	{ R("stream:OK\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream:  OK\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R(" stream: OK\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream: OK \0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream: ok\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("STREAM: OK\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("OK\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("1: stream: OK\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream: OKAY\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("PONG\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	/* near misses of FOUND */
	{ R("stream: FOUND\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream:  FOUND\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream:   FOUND\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream:  Eicar FOUND\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream: Eicar  FOUND\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream: Eicar FOUND \0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream: Eicar found\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream:Eicar FOUND\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("Eicar FOUND\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("/tmp/x: Eicar FOUND\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("FOUND\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	/* near misses of ERROR */
	{ R("ERROR\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R(" ERROR\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("   ERROR\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream: ERROR\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream:  ERROR\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("stream:x ERROR\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("INSTREAM size limit exceeded.ERROR\0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("INSTREAM size limit exceeded. ERROR \0"), CLAMD_REPLY_BAD, "unexpected reply*" },
	{ R("INSTREAM size limit exceeded ERROR\0"), CLAMD_REPLY_ERROR, "INSTREAM size limit exceeded" },
	{ R("garbage\0"), CLAMD_REPLY_BAD, "unexpected reply: \"garbage\"" },
	{ R("\"quoted\\\0"), CLAMD_REPLY_BAD, "unexpected reply: \"\\x22quoted\\x5c\"" },
};

/* check_out - compare out with an expectation ("*" at the end = prefix) */
static void
check_out(const char *what, const char *out, const char *want, size_t i)
{
	size_t	n;

	if (want == NULL)
		return;
	n = strlen(want);
	if (n > 0 && want[n - 1] == '*') {
		if (strncmp(out, want, n - 1) != 0)
			fail_msg("%s case %zu: out \"%s\", want prefix \"%.*s\"", what, i, out,
				 (int) (n - 1), want);
	} else if (strcmp(out, want) != 0) {
		fail_msg("%s case %zu: out \"%s\", want \"%s\"", what, i, out, want);
	}
}

/* test_reply_table - every reply case gives its kind and text */
static void
test_reply_table(void **state)
{
	char	out[SCAN_NAME_MAX];
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]); i++) {
		const struct reply_case *c = &reply_cases[i];
		enum clamd_reply got;

		memset(out, 'x', sizeof(out));
		got = clamd_parse_reply(c->buf, c->len, out, sizeof(out));
		if (got != c->want)
			fail_msg("reply case %zu (\"%.*s\"): kind %d, want %d (out \"%s\")", i,
				 (int) c->len, c->buf, (int) got, (int) c->want, out);
		assert_non_null(memchr(out, 0, sizeof(out)));
		check_out("reply", out, c->out, i);
	}
}

/* test_reply_lengths - overlong replies are bad; name length is bounded */
static void
test_reply_lengths(void **state)
{
	char	buf[CLAMD_REPLY_MAX + 64], out[SCAN_NAME_MAX], small[8];
	size_t	n;

	(void) state;
	/* a reply of exactly CLAMD_REPLY_MAX bytes (NUL included) is still judged */
	memset(buf, 'A', sizeof(buf));
	memcpy(buf, "stream: ", 8);
	memcpy(buf + CLAMD_REPLY_MAX - 1 - 6, " ERROR", 6);
	buf[CLAMD_REPLY_MAX - 1] = 0;
	assert_int_equal(clamd_parse_reply(buf, CLAMD_REPLY_MAX, out, sizeof(out)), CLAMD_REPLY_ERROR);
	assert_int_equal(strlen(out), sizeof(out) - 1);	/* message truncated, terminated */
	/* one byte more is not a reply */
	memset(buf, 'A', sizeof(buf));
	buf[CLAMD_REPLY_MAX] = 0;
	assert_int_equal(clamd_parse_reply(buf, CLAMD_REPLY_MAX + 1, out, sizeof(out)), CLAMD_REPLY_BAD);
	assert_string_equal(out, "reply longer than 1024 bytes");
	/* endless bytes with no NUL at all */
	assert_int_equal(clamd_parse_reply(buf, CLAMD_REPLY_MAX, out, sizeof(out)), CLAMD_REPLY_BAD);
	assert_true(strncmp(out, "reply not terminated", 20) == 0);
	assert_true(strlen(out) < 100);		/* the excerpt is bounded */
	/* a virus name of SCAN_NAME_MAX - 1 bytes fits, SCAN_NAME_MAX does not */
	for (n = SCAN_NAME_MAX - 1; n <= SCAN_NAME_MAX; n++) {
		size_t	len = 0;

		memcpy(buf, "stream: ", 8);
		len = 8;
		memset(buf + len, 'V', n);
		len += n;
		memcpy(buf + len, " FOUND", 7);	/* with the NUL */
		len += 7;
		assert_int_equal(clamd_parse_reply(buf, len, out, sizeof(out)),
				 n < SCAN_NAME_MAX ? CLAMD_REPLY_INFECTED : CLAMD_REPLY_BAD);
		if (n < SCAN_NAME_MAX)
			assert_int_equal(strlen(out), n);
	}
	/* a small out buffer: never overrun, infected name that does not fit is bad */
	assert_int_equal(clamd_parse_reply(R("stream: Eicar-Test-Signature FOUND\0"), small,
					   sizeof(small)), CLAMD_REPLY_BAD);
	assert_true(strlen(small) < sizeof(small));
	assert_int_equal(clamd_parse_reply(R("stream: OK\0"), out, 0), CLAMD_REPLY_BAD);
}

struct pong_case {
	const char *buf;
	size_t	len;
	int	want;
};

static const struct pong_case pong_cases[] = {
	{ R("PONG\0"), 0 },
	{ R("PONG"), -1 },
	{ R("PONG\n"), -1 },
	{ R("PONG\n\0"), -1 },
	{ R("PONG \0"), -1 },
	{ R(" PONG\0"), -1 },
	{ R("pong\0"), -1 },
	{ R("PONG\0PONG\0"), -1 },
	{ R("PING\0"), -1 },
	{ R("\0"), -1 },
	{ "", 0, -1 },
	{ R("stream: OK\0"), -1 },
};

/* test_pong_table - only an exact PONG is a PONG */
static void
test_pong_table(void **state)
{
	char	why[128];
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(pong_cases) / sizeof(pong_cases[0]); i++) {
		why[0] = 0;
		if (clamd_parse_pong(pong_cases[i].buf, pong_cases[i].len, why, sizeof(why))
		    != pong_cases[i].want)
			fail_msg("pong case %zu: want %d (why \"%s\")", i, pong_cases[i].want, why);
		if (pong_cases[i].want < 0)
			assert_true(why[0] != 0);
	}
}

struct version_case {
	const char *buf;
	size_t	len;
	int	want;
	const char *engine;
	const char *sig;
};

static const struct version_case version_cases[] = {
	{ R("ClamAV 1.4.6/27432/Sun Nov 29 09:12:33 2026\0"), 0, "1.4.6/27432", "27432" },
	{ R("ClamAV 1.4.6/27432\0"), 0, "1.4.6/27432", "27432" },
	{ R("ClamAV 1.4.6\0"), 0, "1.4.6/0", "" },
	{ R("ClamAV 1.5.0-rc1/1/x\0"), 0, "1.5.0-rc1/1", "1" },
	{ R("ClamAV 1.4.6/\0"), -1, NULL, "" },
	{ R("ClamAV 1.4.6/abc/x\0"), -1, NULL, "" },
	{ R("ClamAV 1.4.6/123x\0"), -1, NULL, "" },
	{ R("ClamAV 1.4.6 /123\0"), -1, NULL, "" },
	{ R("ClamAV \0"), -1, NULL, "" },
	{ R("ClamAV\0"), -1, NULL, "" },
	{ R("clamav 1.4.6\0"), -1, NULL, "" },
	{ R("ClamAV 1.4.6/27432/date"), -1, NULL, "" },
	{ R("ClamAV 1.4.6/1234567890123456/x\0"), -1, NULL, "" },
	{ R("ClamAV 1.4.6/27432/\x01\0"), -1, NULL, "" },
	{ R("PONG\0"), -1, NULL, "" },
};

/* test_version_table - engine and signature version from VERSION */
static void
test_version_table(void **state)
{
	char	engine[SCAN_ENGINE_MAX], sig[32];
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(version_cases) / sizeof(version_cases[0]); i++) {
		const struct version_case *c = &version_cases[i];
		int	got = clamd_parse_version(c->buf, c->len, engine, sizeof(engine), sig, sizeof(sig));

		if (got != c->want)
			fail_msg("version case %zu: got %d want %d (%s)", i, got, c->want, engine);
		if (c->engine)
			assert_string_equal(engine, c->engine);
		assert_string_equal(sig, c->sig);
	}
}

struct spec_case {
	const char *spec;
	int	want;
	enum clamd_spec_kind kind;
	const char *a;			/* path or host */
	const char *port;
};

static const struct spec_case spec_cases[] = {
	{ "unix:/run/clamav/clamd.ctl", 0, CLAMD_SPEC_UNIX, "/run/clamav/clamd.ctl", "" },
	{ "tcp:127.0.0.1:3310", 0, CLAMD_SPEC_TCP, "127.0.0.1", "3310" },
	{ "tcp:[::1]:3310", 0, CLAMD_SPEC_TCP, "::1", "3310" },
	{ "tcp:[fe80::1:2]:1", 0, CLAMD_SPEC_TCP, "fe80::1:2", "1" },
	{ "tcp:[::ffff:127.0.0.1]:65535", 0, CLAMD_SPEC_TCP, "::ffff:127.0.0.1", "65535" },
	{ "tcp:clamd.example:3310", 0, CLAMD_SPEC_TCP, "clamd.example", "3310" },
	{ "tcp:127.0.0.1:03310", 0, CLAMD_SPEC_TCP, "127.0.0.1", "3310" },
	{ "", -1, 0, NULL, NULL },
	{ "unix:", -1, 0, NULL, NULL },
	{ "unix:relative.sock", -1, 0, NULL, NULL },
	{ "unix:/tmp/x\ny", -1, 0, NULL, NULL },
	{ "unix:/" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -1, 0, NULL, NULL },
	{ "/run/clamd.sock", -1, 0, NULL, NULL },
	{ "inet:3310@127.0.0.1", -1, 0, NULL, NULL },
	{ "tcp:127.0.0.1", -1, 0, NULL, NULL },
	{ "tcp:127.0.0.1:", -1, 0, NULL, NULL },
	{ "tcp::3310", -1, 0, NULL, NULL },
	{ "tcp:127.0.0.1:0", -1, 0, NULL, NULL },
	{ "tcp:127.0.0.1:65536", -1, 0, NULL, NULL },
	{ "tcp:127.0.0.1:123456", -1, 0, NULL, NULL },
	{ "tcp:127.0.0.1:33a", -1, 0, NULL, NULL },
	{ "tcp:127.0.0.1:-1", -1, 0, NULL, NULL },
	{ "tcp:127.0.0.1: 3310", -1, 0, NULL, NULL },
	{ "tcp:::1:3310", -1, 0, NULL, NULL },
	{ "tcp:[::1]3310", -1, 0, NULL, NULL },
	{ "tcp:[::1:3310", -1, 0, NULL, NULL },
	{ "tcp:[]:3310", -1, 0, NULL, NULL },
	{ "tcp:[127.0.0.1]:3310", -1, 0, NULL, NULL },
	{ "tcp:[::1%eth0]:3310", -1, 0, NULL, NULL },
	{ "tcp:host name:3310", -1, 0, NULL, NULL },
	{ "tcp:host/x:3310", -1, 0, NULL, NULL },
};

/* test_spec_table - server specs parse or are refused with a reason */
static void
test_spec_table(void **state)
{
	struct clamd_spec cs;
	char	err[256];
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(spec_cases) / sizeof(spec_cases[0]); i++) {
		const struct spec_case *c = &spec_cases[i];

		err[0] = 0;
		if (clamd_parse_spec(c->spec, &cs, err, sizeof(err)) != c->want)
			fail_msg("spec case %zu \"%s\": want %d (%s)", i, c->spec, c->want, err);
		if (c->want < 0) {
			assert_true(err[0] != 0);
			continue;
		}
		assert_int_equal(cs.kind, c->kind);
		assert_string_equal(c->kind == CLAMD_SPEC_UNIX ? cs.path : cs.host, c->a);
		if (c->kind == CLAMD_SPEC_TCP)
			assert_string_equal(cs.port, c->port);
	}
	assert_int_equal(clamd_parse_spec(NULL, &cs, err, sizeof(err)), -1);
}

/* test_chunk_header - lengths are 4 bytes, big-endian */
static void
test_chunk_header(void **state)
{
	static const struct {
		uint32_t len;
		unsigned char h[4];
	} cases[] = {
		{ 0, { 0, 0, 0, 0 } },
		{ 1, { 0, 0, 0, 1 } },
		{ 65536, { 0, 1, 0, 0 } },
		{ 0x12345678u, { 0x12, 0x34, 0x56, 0x78 } },
		{ 0xffffffffu, { 0xff, 0xff, 0xff, 0xff } },
	};
	unsigned char h[4];
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		clamd_chunk_header(h, cases[i].len);
		assert_memory_equal(h, cases[i].h, 4);
	}
}

/* test_sanitize - hostile bytes are escaped and the copy is bounded */
static void
test_sanitize(void **state)
{
	char	out[16];

	(void) state;
	clamd_sanitize(out, sizeof(out), "a\0b\n\"", 5, 40);
	assert_string_equal(out, "a\\x00b\\x0a\\x22");
	clamd_sanitize(out, sizeof(out), "abcdefghijklmnopqrstuvwxyz", 26, 40);
	assert_true(strlen(out) < sizeof(out));
	clamd_sanitize(out, sizeof(out), "abcdef", 6, 3);
	assert_string_equal(out, "abc...");
}

/* test_reply_every_byte - no single-byte reply and no byte inside a name crashes or passes as clean */
static void
test_reply_every_byte(void **state)
{
	char	buf[32], out[SCAN_NAME_MAX];
	int	c;

	(void) state;
	for (c = 0; c < 256; c++) {
		buf[0] = (char) c;
		buf[1] = 0;
		assert_int_not_equal(clamd_parse_reply(buf, 2, out, sizeof(out)), CLAMD_REPLY_CLEAN);
		memcpy(buf, "stream: aXb FOUND", 18);
		buf[9] = (char) c;
		if (c >= 0x20 && c < 0x7f)
			assert_int_equal(clamd_parse_reply(buf, 18, out, sizeof(out)), CLAMD_REPLY_INFECTED);
		else
			assert_int_equal(clamd_parse_reply(buf, 18, out, sizeof(out)), CLAMD_REPLY_BAD);
	}
}

/* test_version_time - the signature date in a VERSION reply, or 0 */
static void
test_version_time(void **state)
{
	struct tm tm;
	time_t	t;

	(void) state;
	t = clamd_version_time("ClamAV 1.4.6/27432/Sun Nov 29 09:12:33 2026\0", 45);
	assert_true(t > 0);
	localtime_r(&t, &tm);
	assert_int_equal(tm.tm_year, 126);
	assert_int_equal(tm.tm_mon, 10);
	assert_int_equal(tm.tm_mday, 29);
	assert_int_equal(tm.tm_hour, 9);
	assert_int_equal(clamd_version_time("ClamAV 1.4.6\0", 13), 0);
	assert_int_equal(clamd_version_time("ClamAV 1.4.6/27432\0", 19), 0);
	assert_int_equal(clamd_version_time("ClamAV 1.4.6/27432/yesterday\0", 29), 0);
	assert_int_equal(clamd_version_time("ClamAV 1.4.6/27432/Sun Nov 29 09:12:33 2026 junk", 49), 0);
}

/* test_crc32 - the standard check value of CRC-32 */
static void
test_crc32(void **state)
{
	(void) state;
	assert_int_equal(clamd_crc32((const unsigned char *) "123456789", 9), 0xcbf43926u);
	assert_int_equal(clamd_crc32((const unsigned char *) "", 0), 0);
}

/* le - a little-endian field of the probe */
static uint32_t
le(const unsigned char *p, int n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/*
 * test_limits_probe - 64 well-formed zips, one in the other, each entry
 * stored with the right CRC but the innermost one (deflated EICAR); no
 * EICAR bytes anywhere in the clear; too small a buffer gives 0
 */
static void
test_limits_probe(void **state)
{
	static unsigned char buf[CLAMD_PROBE_MAX], again[CLAMD_PROBE_MAX];
	unsigned char eicar[68];
	size_t	n, start = 0, end, i, depth = 0;

	(void) state;
	assert_int_equal(clamd_limits_probe(buf, CLAMD_PROBE_MAX - 1), 0);
	n = clamd_limits_probe(buf, sizeof(buf));
	assert_true(n > (size_t) CLAMD_PROBE_DEPTH * 100 && n <= CLAMD_PROBE_MAX);
	assert_int_equal(clamd_limits_probe(again, sizeof(again)), n);
	assert_memory_equal(buf, again, n);
	clamd_eicar(eicar);
	assert_memory_equal(eicar, "X5O!P%@AP[4", 11);
	for (i = 0; i + 5 <= n; i++)
		assert_false(memcmp(buf + i, "EICAR", 5) == 0 || memcmp(buf + i, "X5O!P", 5) == 0);
	end = n;
	for (;;) {
		const unsigned char *lh = buf + start;
		uint32_t csize = le(lh + 18, 4), usize = le(lh + 22, 4);
		const unsigned char *cd = buf + start + CLAMD_PROBE_LOCAL + csize;

		assert_int_equal(le(lh, 4), 0x04034b50u);
		assert_int_equal(le(lh + 26, 2), 1);
		assert_int_equal(start + CLAMD_PROBE_LOCAL + csize + CLAMD_PROBE_TAIL, end);
		assert_int_equal(le(cd, 4), 0x02014b50u);
		assert_int_equal(le(cd + 16, 4), le(lh + 14, 4));
		assert_int_equal(le(cd + 47, 4), 0x06054b50u);
		assert_int_equal(le(cd + 47 + 16, 4), CLAMD_PROBE_LOCAL + csize);
		depth++;
		if (le(lh + 8, 2) == 8) {		/* the innermost: deflated EICAR */
			assert_int_equal(usize, 68);
			assert_int_equal(le(lh + 14, 4), clamd_crc32(eicar, 68));
			break;
		}
		assert_int_equal(le(lh + 8, 2), 0);
		assert_int_equal(csize, usize);
		assert_int_equal(le(lh + 14, 4), clamd_crc32(lh + CLAMD_PROBE_LOCAL, csize));
		start += CLAMD_PROBE_LOCAL;
		end = start + csize;
	}
	assert_int_equal(depth, CLAMD_PROBE_DEPTH);
}

/* test_deflate_fixed - fixed-code literal blocks, checked against zlib's output */
static void
test_deflate_fixed(void **state)
{
	/* the same bytes as zlib's for these inputs: python3 -c 'import zlib; c =
	 * zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_FIXED); print((c.compress(IN)
	 * + c.flush()).hex())'; 144 and 255 take the 9-bit codes */
	static const struct {
		const char *in;
		size_t	len;
		unsigned char out[8];
		size_t	outlen;
	} cases[] = {
		{ "", 0, { 0x03, 0x00 }, 2 },
		{ "a", 1, { 0x4b, 0x04, 0x00 }, 3 },
		{ "\x90\xff", 2, { 0x9b, 0xf0, 0x1f, 0x00 }, 4 },
	};
	unsigned char out[16];
	size_t	i, n;

	(void) state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = clamd_deflate_fixed((const unsigned char *) cases[i].in, cases[i].len, out,
					sizeof(out));
		assert_int_equal(n, cases[i].outlen);
		assert_memory_equal(out, cases[i].out, n);
	}
	assert_int_equal(clamd_deflate_fixed((const unsigned char *) "abc", 3, out, 2), 0);
}

/* test_limits_answer - which replies to the limits probe prove that limits are reported */
static void
test_limits_answer(void **state)
{
	static const struct {
		const char *reply;
		size_t	len;
		enum scan_limits want;
	} cases[] = {
		{ R("stream: Heuristics.Limits.Exceeded.MaxRecursion FOUND\0"), SCAN_LIMITS_REPORTED },
		{ R("stream: Heuristics.Limits.Exceeded.MaxFiles FOUND\0"), SCAN_LIMITS_REPORTED },
		{ R("stream: Eicar-Test-Signature FOUND\0"), SCAN_LIMITS_REPORTED },
		{ R("stream: Win.Test.EICAR_HDB-1 FOUND\0"), SCAN_LIMITS_REPORTED },
		{ R("stream: OK\0"), SCAN_LIMITS_UNREPORTED },
		{ R("stream: Heuristics.Encrypted.Zip FOUND\0"), SCAN_LIMITS_UNREPORTED },
		{ R("stream: Heuristics.Limits FOUND\0"), SCAN_LIMITS_UNREPORTED },
		{ R("stream: Eica FOUND\0"), SCAN_LIMITS_UNREPORTED },
		{ R("INSTREAM size limit exceeded. ERROR\0"), SCAN_LIMITS_UNREPORTED },
		{ R("stream: Can't allocate memory ERROR\0"), SCAN_LIMITS_UNKNOWN },
		{ R("stream: OK"), SCAN_LIMITS_UNKNOWN },
		{ "", 0, SCAN_LIMITS_UNKNOWN },
	};
	char	out[SCAN_NAME_MAX];
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum clamd_reply r = clamd_parse_reply(cases[i].reply, cases[i].len, out, sizeof(out));

		if (clamd_limits_answer(r, out) != cases[i].want)
			fail_msg("case %zu \"%s\": %d, want %d", i, cases[i].reply,
				 (int) clamd_limits_answer(r, out), (int) cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_table),
		cmocka_unit_test(test_reply_lengths),
		cmocka_unit_test(test_pong_table),
		cmocka_unit_test(test_version_table),
		cmocka_unit_test(test_spec_table),
		cmocka_unit_test(test_chunk_header),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_reply_every_byte),
		cmocka_unit_test(test_version_time),
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_limits_probe),
		cmocka_unit_test(test_deflate_fixed),
		cmocka_unit_test(test_limits_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
