/*
 * NAME
 *	fuzz_hdrs - libFuzzer target for the header and reply texts
 * DESCRIPTION
 *	hdrs_sanitize_n(), hdrs_status(), hdrs_scanned() and policy_reply()
 *	get hostile virus names, reasons and reply templates (the input:
 *	three control bytes, then a name and a template split at the first
 *	0xff byte) and buffers of every size. Besides the sanitizers, the
 *	target checks the promises of hdrs(3h) and policy(3h): the output
 *	is NUL-terminated inside the buffer and printable ASCII (no CR, LF
 *	or NUL can reach a header or an SMTP reply); a status that has a
 *	parenthesis has exactly one pair, the closing one last, so a name
 *	cannot forge structure; a reply text is never empty and never longer
 *	than POLICY_REPLY_MAX.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hdrs.h"
#include "policy.h"
#include "scan.h"

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_count - occurrences of c in s */
static size_t
fuzz_count(const char *s, char c)
{
	size_t	n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* fuzz_one_pair - abort unless s has no parentheses or exactly "WORD (...)" with one pair */
static void
fuzz_one_pair(const char *s)
{
	size_t	open = fuzz_count(s, '('), close = fuzz_count(s, ')'), n = strlen(s);

	if (open == 0 && close == 0)
		return;
	if (open != 1 || close != 1 || s[n - 1] != ')' || strchr(s, '(') > strchr(s, ')'))
		abort();
}

/* fuzz_status - hdrs_status() for one verdict in a buffer of dstlen */
static void
fuzz_status(const struct scan_verdict *v, size_t dstlen)
{
	char   *dst = malloc(dstlen ? dstlen : 1);
	const char *word = v->result == SCAN_INFECTED ? "Infected" : "Unscanned";
	size_t	n;

	if (dst == NULL)
		abort();
	memset(dst, 'Z', dstlen ? dstlen : 1);
	hdrs_status(dst, dstlen, v);
	if (dstlen == 0) {
		if (dst[0] != 'Z')
			abort();	/* a zero-size buffer is not written */
		free(dst);
		return;
	}
	n = fuzz_printable(dst, dstlen);
	fuzz_one_pair(dst);
	if (v->result == SCAN_CLEAN) {
		if (dstlen > 5 && strcmp(dst, "Clean") != 0)
			abort();
	} else if (strncmp(dst, word, n < strlen(word) ? n : strlen(word)) != 0) {
		abort();		/* never "Clean" for anything but clean */
	} else if (dstlen >= 64 && (n < 4 || dst[n - 1] != ')')) {
		abort();		/* room enough: the name or reason is there, closed */
	}
	free(dst);
}

/* fuzz_reply - policy_reply() for one decision */
static void
fuzz_reply(enum policy_action a, const struct scan_verdict *v, const char *tmpl, size_t textlen)
{
	struct policy_conf pc;
	struct policy_decision d;
	const char *rcode, *xcode;
	char   *text = malloc(textlen ? textlen : 1);
	size_t	n;

	if (text == NULL)
		abort();
	memset(&pc, 0, sizeof(pc));
	pc.reject_message = (char *) tmpl;
	pc.tempfail_message = (char *) tmpl;
	memset(&d, 0, sizeof(d));
	d.action = a;
	policy_reply(&d, v, &pc, &rcode, &xcode, text, textlen);
	if (a == POLICY_REJECT || a == POLICY_TEMPFAIL) {
		if (rcode == NULL || xcode == NULL)
			abort();
		if (strcmp(rcode, a == POLICY_REJECT ? "550" : "451") != 0)
			abort();
		if (textlen > 0) {
			n = fuzz_printable(text, textlen);
			if (n > POLICY_REPLY_MAX || (textlen > 1 && n == 0))
				abort();
		}
	} else if (rcode != NULL || xcode != NULL || (textlen > 0 && text[0] != 0)) {
		abort();
	}
	free(text);
}

/* LLVMFuzzerTestOneInput - one hostile name and template through every text builder */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_verdict v;
	const uint8_t *sep;
	char   *tmpl, *name, out[HDRS_VALUE_MAX], small[24];
	size_t	namelen, tmpllen, dstlen, n;

	if (size < 3 || size > 8192)
		return 0;
	dstlen = data[0];
	memset(&v, 0, sizeof(v));
	v.result = (enum scan_result) (data[1] % (SCAN_RESULT_COUNT + 1));	/* one unknown */
	v.limit = (enum scan_limit_kind) ((data[2] >> 1) % (SCAN_LIMIT_KIND_COUNT + 1));
	data += 3;
	size -= 3;
	sep = memchr(data, 0xff, size);
	namelen = sep ? (size_t) (sep - data) : size;
	tmpllen = sep ? size - namelen - 1 : 0;
	if ((name = malloc(namelen + 1)) == NULL || (tmpl = malloc(tmpllen + 1)) == NULL)
		abort();
	memcpy(name, data, namelen);
	name[namelen] = 0;
	if (tmpllen)
		memcpy(tmpl, sep + 1, tmpllen);
	tmpl[tmpllen] = 0;

	/* the name field of a verdict is filled completely: no NUL needed */
	memcpy(v.name, data, namelen < sizeof(v.name) ? namelen : sizeof(v.name));
	if (data[-1] & 1)
		v.name[sizeof(v.name) - 1] = 0;

	hdrs_sanitize_n(out, sizeof(out), (const char *) data, size);
	n = fuzz_printable(out, sizeof(out));
	hdrs_sanitize_n(small, dstlen % sizeof(small), (const char *) data, size);
	if (dstlen % sizeof(small))
		fuzz_printable(small, dstlen % sizeof(small));
	hdrs_sanitize(out, sizeof(out), name);
	if (fuzz_printable(out, sizeof(out)) > n)
		abort();		/* stopping at the NUL never gives more */

	fuzz_status(&v, dstlen);
	fuzz_status(&v, HDRS_VALUE_MAX);

	hdrs_scanned(out, dstlen % sizeof(out), name, tmpl, name);
	if (dstlen % sizeof(out))
		fuzz_printable(out, dstlen % sizeof(out));
	hdrs_scanned(out, sizeof(out), "0.1", name, tmpl);
	fuzz_printable(out, sizeof(out));
	if (namelen + tmpllen < 400 && (fuzz_count(out, '(') != 1 || fuzz_count(out, ')') != 1))
		abort();		/* "clamshim V (ClamAV E) on H": one pair whatever E and H hold */

	(void) hdrs_is_ours(name);
	fuzz_reply((enum policy_action) (data[-1] % POLICY_ACTION_COUNT), &v, tmpl, dstlen * 2);
	fuzz_reply(POLICY_REJECT, &v, tmpl, 256);
	fuzz_reply(POLICY_TEMPFAIL, &v, tmpl, 1024);
	free(name);
	free(tmpl);
	return 0;
}
