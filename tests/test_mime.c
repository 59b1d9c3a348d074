/*
 * NAME
 *	test_mime - table-driven tests of mime_check(3) and its readings
 * SUMMARY
 *	tests/test_mime
 * DESCRIPTION
 *	Each row is a message, the classes mime_check() must find and leave
 *	unresolved, how many readings mime_readings_make() must build, the
 *	reason it must give, and text every reading must contain and must
 *	not contain. Well-formed messages (plain, multipart, nested, a
 *	forwarded message, base64 and quoted-printable parts, folded
 *	headers, LF-only line ends) find nothing and build no reading. Then
 *	the bounds (nesting past MIME_MAX_DEPTH), the base64 and
 *	quoted-printable helpers, and a reading's bytes where they matter
 *	(a re-encoded part decodes to the original bytes, NUL included).
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
#include <cmocka.h>

#include "mime_check.h"

#define NROWS(t)	(sizeof(t) / sizeof((t)[0]))
#define H	"From: a@example.com\r\nMIME-Version: 1.0\r\n"
#define B64PART	"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"

#define NULMSG	H "Content-Type: multipart/mixed; boundary=\"N\"\r\n\r\n--N\r\n" \
	"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n" \
	"A\0B\r\n--N--\r\n"

struct row {
	const char *name;
	const char *msg;
	size_t	len;			/* 0: strlen(msg) */
	unsigned found, unresolved;
	size_t	nreadings;
	const char *reason;		/* "" none */
	const char *has;		/* every reading contains it; NULL = no check */
	const char *hasnot;		/* no reading contains it; NULL = no check */
};

static const struct row rows[] = {
	/* well-formed: nothing found, nothing built */
	{"plain", H "Subject: x\r\n\r\nhello\r\n", 0, 0, 0, 0, "", NULL, NULL},
	{"lf only", "From: a\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\nx\n--b--\n",
	 0, 0, 0, 0, "", NULL, NULL},
	{"multipart", H "Content-Type: multipart/mixed;\r\n boundary=\"b\"\r\n\r\npre\r\n--b\r\n"
	 "Content-Type: text/plain\r\n\r\nx\r\n--b\r\n" B64PART "QUJD\r\n--b--\r\nepi\r\n",
	 0, 0, 0, 0, "", NULL, NULL},
	{"nested", H "Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\n"
	 "Content-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n--b2\r\n\r\nx\r\n--b2--\r\n"
	 "--b1\r\nContent-Type: message/rfc822\r\n\r\nSubject: fw\r\n\r\nbody\r\n--b1--\r\n",
	 0, 0, 0, 0, "", NULL, NULL},
	{"qp part", H "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
	 "a=3Db=\r\nc\r\n", 0, 0, 0, 0, "", NULL, NULL},
	{"same header twice", H "Content-Type: text/plain\r\ncontent-type:  TEXT/PLAIN \r\n\r\nx\r\n",
	 0, 0, 0, 0, "", NULL, NULL},
	{"bare CR in data", H "Content-Type: text/plain\r\n\r\nline 1\rline 2\r\n", 0, 0, 0, 0, "",
	 NULL, NULL},
	/* each class */
	{"boundary unused", H "Content-Type: multipart/mixed; boundary=\"DECL\"\r\n\r\n--USED\r\n"
	 B64PART "QUJD\r\n--USED--\r\n", 0, MIME_BOUNDARY_UNUSED, 0, 1, "",
	 "Content-Type: multipart/mixed; boundary=\"USED\"\r\n", "DECL"},
	{"bare CR structure", "From: a\rContent-Type: multipart/mixed; boundary=\"C\"\r\r--C\r\rx\r--C--\r",
	 0, MIME_BARE_CR, MIME_BARE_CR, 1, "bare CR line ends", "\r\n--C\r\n\r\nx\r\n--C--\r\n", NULL},
	{"two content-types", H "Content-Type: text/plain\r\nContent-Type: multipart/mixed; boundary=\"D\""
	 "\r\n\r\n--D\r\n\r\nx\r\n--D--\r\n", 0, MIME_DUP_HEADER, 0, 2, "", NULL, NULL},
	{"two encodings", H "Content-Transfer-Encoding: 7bit\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	 "QUJD\r\n", 0, MIME_DUP_HEADER, 0, 2, "", NULL, NULL},
	{"encoded multipart", H "Content-Type: multipart/mixed; boundary=\"F\"\r\n"
	 "Content-Transfer-Encoding: base64\r\n\r\n"
	 "LS1GDQpDb250ZW50LVR5cGU6IHRleHQvcGxhaW4NCg0KaGVsbG8NCi0tRi0tDQo=\r\n",
	 0, MIME_ENCODED_MULTIPART, 0, 1, "", "\r\n\r\n--F\r\nContent-Type: text/plain\r\n\r\nhello",
	 "Content-Transfer-Encoding"},
	{"rfc 2231 boundary", H "Content-Type: multipart/mixed; boundary*0=\"AB\"; boundary*1=\"CD\"\r\n\r\n"
	 "--ABCD\r\n\r\nx\r\n--ABCD--\r\n", 0, MIME_BOUNDARY_ODD, 0, 1, "", "boundary=\"ABCD\"", "*0"},
	{"rfc 2231 percent-encoded (GMime's reading)", H "Content-Type: multipart/mixed; "
	 "boundary*=us-ascii''A%42C\r\n\r\n--decoy\r\n--ABC\r\n\r\nx\r\n--ABC--\r\n", 0, MIME_BOUNDARY_ODD, 0, 1, "",
	 "boundary=\"ABC\"\r\n", "%42"},
	{"two boundaries", H "Content-Type: multipart/mixed; boundary=\"ONE\"; boundary=\"TWO\"\r\n\r\n"
	 "--TWO\r\n\r\nx\r\n--TWO--\r\n", 0, MIME_BOUNDARY_ODD, 0, 1, "", "boundary=\"TWO\"\r\n", "ONE"},
	{"spaces around =", H "Content-Type: multipart/mixed; boundary = \"S\"\r\n\r\n--S\r\n\r\nx\r\n--S--\r\n",
	 0, MIME_BOUNDARY_ODD, 0, 1, "", "boundary=\"S\"", NULL},
	{"message/partial", H "Content-Type: message/partial; id=\"x\"; number=1; total=2\r\n\r\nSubject: y\r\n",
	 0, MIME_PARTIAL, MIME_PARTIAL, 0, "message/partial", NULL, NULL},
	{"nul unencoded", NULMSG, sizeof(NULMSG) - 1, MIME_NUL_UNENCODED, 0, 1, "",
	 "Content-Transfer-Encoding: base64\r\n\r\nQQBC\r\n", "binary"},
	{"stray = in base64", H B64PART "====\r\nQUJD\r\n", 0, MIME_B64_STRAY_PAD, 0, 1, "", "\r\n\r\nQUJD\r\n",
	 "="},
	{"uuencode without end", H "Content-Type: text/plain\r\n\r\nbegin 644 x.bin\r\n#86)C\r\n",
	 0, MIME_UU_NOEND, 0, 1, "", "#86)C\r\n`\r\nend\r\n", NULL},
	{"yEnc without end", H "Content-Type: text/plain\r\n\r\n=ybegin line=128 size=3 name=x\r\nabc",
	 0, MIME_YENC | MIME_YENC_NOEND, 0, 1, "",
	 "Content-Type: multipart/mixed; boundary=\"=_clamshim_yenc\"\r\n\r\n--=_clamshim_yenc\r\n"
	 B64PART "Nzg5\r\n--=_clamshim_yenc--\r\n", "=ybegin"},
	/* two blocks, an escaped byte ("=}": 0x7d - 64 - 42 = 0x13), each block its own part */
	{"yEnc, two blocks", H "Content-Type: text/plain; charset=us-ascii\r\n\r\nsee:\r\n"
	 "=ybegin line=128 size=3 name=a\r\nabc\r\n=yend size=3\r\ntext\r\n"
	 "=ybegin part=1 line=128 size=2 name=b\r\n=ypart begin=1 end=2\r\nk=}\r\n=yend size=2\r\n",
	 0, MIME_YENC, 0, 1, "", B64PART "Nzg5\r\n--=_clamshim_yenc\r\n" B64PART "QRM=\r\n"
	 "--=_clamshim_yenc--\r\n", "=ybegin"},
	{"yEnc in a base64 text part", H "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	 "PXliZWdpbiBsaW5lPTEyOCBzaXplPTMgbmFtZT14DQphYmMNCj15ZW5kIHNpemU9Mw0K\r\n",
	 0, MIME_ENCODED_UU, 0, 1, "", B64PART "Nzg5\r\n--=_clamshim_yenc--\r\n", NULL},
	{"fold of white space only", H "Content-Type: multipart/mixed;\r\n \r\n boundary=\"FB\"\r\n\r\n"
	 "--FB\r\n\r\nx\r\n--FB--\r\n", 0, MIME_FOLD_BLANK, 0, 1, "",
	 "Content-Type: multipart/mixed;\r\n boundary=\"FB\"\r\n", ";\r\n \r\n"},
	{"uuencode in a base64 text part", H "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	 "YmVnaW4gNjQ0IHguYmluDQojODYpQw0K\r\n", 0, MIME_ENCODED_UU, 0, 1, "",
	 "Content-Transfer-Encoding: 8bit\r\n\r\nbegin 644 x.bin\r\n#86)C\r\n`\r\nend\r\n", "base64"},
	{"uuencode in a qp text part", H "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
	 "begin 644 x.bin\r\n#86)C\r\n`\r\nend\r\n", 0, MIME_ENCODED_UU, 0, 1, "",
	 "Content-Transfer-Encoding: 8bit\r\n\r\nbegin 644 x.bin\r\n", "quoted"},
	{"base64 text part, no uuencode", H "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	 "YmVnaW4gdGhlIGRheQ0K\r\n", 0, 0, 0, 0, "", NULL, NULL},
	{"boundary ending in a space", H "Content-Type: multipart/mixed; boundary=\"IS \"\r\n\r\n"
	 "--IS \r\n\r\nx\r\n--IS --\r\n", 0, MIME_BOUNDARY_ODD, MIME_BOUNDARY_ODD, 0, "odd boundary parameter",
	 NULL, NULL},
};

/* contains - 1 when buf holds needle */
static int
contains(const char *buf, size_t len, const char *needle)
{
	size_t	n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return 1;
	return 0;
}

/* check_row - one row; the number of problems, each printed */
static int
check_row(size_t i, const struct row *r)
{
	struct mime_report rep;
	struct mime_readings rd;
	size_t	len = r->len ? r->len : strlen(r->msg), k;
	int	bad = 0;

	mime_check(r->msg, len, &rep);
	if ((rep.found & ~(unsigned) MIME_TOO_COMPLEX) != r->found || rep.unresolved != r->unresolved) {
		print_error("row %zu (%s): found %#x unresolved %#x, want %#x %#x\n", i, r->name,
			    rep.found, rep.unresolved, r->found, r->unresolved);
		bad++;
	}
	mime_report_free(&rep);
	mime_readings_make(r->msg, len, &rd);
	if (rd.n != r->nreadings || strcmp(rd.reason, r->reason) != 0) {
		print_error("row %zu (%s): %zu readings, reason \"%s\"; want %zu, \"%s\"\n", i, r->name,
			    rd.n, rd.reason, r->nreadings, r->reason);
		bad++;
	}
	for (k = 0; k < rd.n; k++) {
		if (r->has && !contains(rd.buf[k], rd.len[k], r->has)) {
			print_error("row %zu (%s): reading %zu lacks \"%s\": %.*s\n", i, r->name, k,
				    r->has, (int) rd.len[k], rd.buf[k]);
			bad++;
		}
		if (r->hasnot && contains(rd.buf[k] + sizeof(H) - 1, rd.len[k] - (sizeof(H) - 1), r->hasnot)) {
			print_error("row %zu (%s): reading %zu has \"%s\"\n", i, r->name, k, r->hasnot);
			bad++;
		}
	}
	mime_readings_free(&rd);
	return bad;
}

/* every row of the table */
static void
test_rows(void **state)
{
	size_t	i;
	int	bad = 0;

	(void) state;
	for (i = 0; i < NROWS(rows); i++)
		bad += check_row(i, &rows[i]);
	assert_int_equal(bad, 0);
}

/* two conflicting Content-Types: one reading keeps the first, the other the last */
static void
test_dup_readings(void **state)
{
	static const char msg[] = H "Content-Type: text/plain\r\nContent-Type: text/html\r\n\r\nx\r\n";
	struct mime_readings rd;
	int	plain = 0, html = 0;
	size_t	k;

	(void) state;
	mime_readings_make(msg, sizeof(msg) - 1, &rd);
	assert_int_equal(rd.n, 2);
	for (k = 0; k < rd.n; k++) {
		int	p = contains(rd.buf[k], rd.len[k], "text/plain");
		int	h = contains(rd.buf[k], rd.len[k], "text/html");

		assert_true(p != h);
		plain += p;
		html += h;
	}
	assert_int_equal(plain, 1);
	assert_int_equal(html, 1);
	mime_readings_free(&rd);
}

/* nesting past MIME_MAX_DEPTH is unresolved, and the check ends */
static void
test_too_deep(void **state)
{
	size_t	cap = 200000, n = 0;
	char   *m = malloc(cap);
	int	i;
	struct mime_report rep;

	(void) state;
	assert_non_null(m);
	n += (size_t) snprintf(m + n, cap - n, "Content-Type: multipart/mixed; boundary=\"n0\"\r\n\r\n");
	for (i = 1; i <= MIME_MAX_DEPTH + 10; i++)
		n += (size_t) snprintf(m + n, cap - n, "--n%d\r\nContent-Type: multipart/mixed; "
				       "boundary=\"n%d\"\r\n\r\n", i - 1, i);
	mime_check(m, n, &rep);
	assert_true(rep.unresolved & MIME_TOO_COMPLEX);
	assert_string_equal(rep.reason, "structure past the check's bounds");
	mime_report_free(&rep);
	free(m);
}

/* base64 round trip over every byte value; lenient decoding; quoted-printable */
static void
test_codecs(void **state)
{
	unsigned char src[256], *d;
	size_t	n, dn, i;
	char   *e;

	(void) state;
	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char) i;
	for (n = 0; n <= sizeof(src); n += 37) {
		e = mime_b64_encode(src, n, &dn);
		assert_true(dn >= 2 && e[dn - 2] == '\r' && e[dn - 1] == '\n');
		d = mime_b64_decode(e, dn, &dn);
		assert_int_equal(dn, n);
		assert_memory_equal(d, src, n);
		free(d);
		free(e);
	}
	d = mime_b64_decode("=Q=U*J\r\nD==", 11, &dn);
	assert_int_equal(dn, 3);
	assert_memory_equal(d, "ABC", 3);
	free(d);
	d = mime_qp_decode("a=3D=\r\nb=\nc=Z", 13, &dn);
	assert_int_equal(dn, 6);
	assert_memory_equal(d, "a=bc=Z", 6);
	free(d);
}

/* main - the tests */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_dup_readings),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_codecs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
