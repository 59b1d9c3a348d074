/*
 * NAME
 *	release_hf 3 - Sendmail's queue control files and mailq's listing, read with bounds
 * SUMMARY
 *	release_hf_parse(), release_hf_free(), release_mailq_parse()
 * DESCRIPTION
 *	A queue control file (hf when quarantined, qf else) is a list of
 *	records, one letter and its value a line; a line starting with a
 *	space or a tab continues the record before it; "." ends the file.
 *	The records read: V (version, first), q (quarantine reason), S
 *	(sender), R (a recipient: flags, ':', address), F (flags: d = RET
 *	given, n = RET=HDRS), Z (ENVID), H (a header: "?COND?" then
 *	"Name: value"). A header with a non-empty condition is one of
 *	Sendmail's defaults (Return-Path, Date, ...) that it adds at
 *	delivery when the mailer wants it: left out, the copy gets its own.
 *	In a header, byte 0201 followed by a byte with the high bit set
 *	quotes that byte; followed by anything else it is a macro Sendmail
 *	expands late: such a header is left out too. Everything else is
 *	kept as Sendmail received it.
 *
 *	The file's text comes from senders: each address is bounded
 *	(RELEASE_ADDR_MAX), refused with a control character, refused when
 *	it starts with '|', '/' or ':' (a program, a file or an include:
 *	never passed back to sendmail), the recipients are bounded
 *	(RELEASE_RCPT_MAX), and a header name must be printable.
 *
 *	mailq's listing (sendmail -bp): a line "<tabs>DIR (N requests)"
 *	names the queue directory of the entries after it; an entry starts
 *	at column 0 with the queue id; "QUARANTINE: reason" below gives its
 *	quarantine reason. Senders and recipients are not taken from it
 *	(mailq cuts long addresses): the control file has them whole.
 * DIAGNOSTICS
 *	-1 with err filled on anything not so.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "release.h"
#include "util.h"

#define HF_MACRO	'\201'		/* Sendmail's MACROEXPAND / METAQUOTE byte */

/* hf_fail - fill the error; -1 */
static int
hf_fail(char *err, size_t errlen, const char *what, size_t line)
{
	snprintf(err, errlen, "queue control file line %zu: %s", line, what);
	return -1;
}

/* hf_addr - a copy of the address p[0..n) without one pair of <>; NULL when refused */
static char *
hf_addr(const char *p, size_t n, int empty_ok)
{
	char   *a;
	size_t	i;

	if (n >= 2 && p[0] == '<' && p[n - 1] == '>')
		p++, n -= 2;
	if (n >= RELEASE_ADDR_MAX || (n == 0 && !empty_ok))
		return NULL;
	if (n > 0 && (p[0] == '|' || p[0] == '/' || p[0] == ':' || p[0] == '-'))
		return NULL;
	for (i = 0; i < n; i++)
		if ((unsigned char) p[i] < 0x20 || p[i] == 0x7f || p[i] == ' ')
			return NULL;
	a = util_malloc(n + 1);
	memcpy(a, p, n);
	a[n] = '\0';
	return a;
}

/* hf_rcpt - one R record (flags ':' address) into hf; *notify: the first's bits, -1 mixed */
static int
hf_rcpt(struct release_hf *hf, const char *p, size_t n, int *notify)
{
	const char *colon = memchr(p, ':', n);
	int	bits = 0, has = 0;
	const char *f;
	char   *a;

	if (colon == NULL || hf->nrcpt >= RELEASE_RCPT_MAX)
		return -1;
	for (f = p; f < colon; f++) {
		if (*f == 'N')
			has = 1;
		else if (*f == 'S')
			bits |= 2;
		else if (*f == 'F')
			bits |= 4;
		else if (*f == 'D')
			bits |= 8;
	}
	bits = has ? (bits ? bits : 1) : 0;
	if (hf->nrcpt == 0)
		*notify = bits;
	else if (*notify != bits)
		*notify = -1;
	if ((a = hf_addr(colon + 1, n - (size_t) (colon + 1 - p), 0)) == NULL)
		return -1;
	hf->rcpt = util_realloc(hf->rcpt, (hf->nrcpt + 1) * sizeof(*hf->rcpt));
	hf->rcpt[hf->nrcpt++] = a;
	return 0;
}

/* hf_header - one H record appended to hf->headers; 0 kept or left out, -1 not a header */
static int
hf_header(struct release_hf *hf, const char *p, size_t n)
{
	const char *q, *colon;
	size_t	i, start = hf->hlen;

	if (n > 0 && p[0] == '?') {
		if ((q = memchr(p + 1, '?', n - 1)) == NULL)
			return -1;
		if (q > p + 1) {		/* a condition: Sendmail's default header */
			hf->dropped++;
			return 0;
		}
		n -= (size_t) (q + 1 - p);
		p = q + 1;
	}
	if ((colon = memchr(p, ':', n)) == NULL || colon == p)
		return -1;
	for (q = p; q < colon; q++)
		if (*q <= ' ' || *q > '~')
			return -1;
	hf->headers = util_realloc(hf->headers, hf->hlen + n + 2);
	for (i = 0; i < n; i++) {
		if (p[i] != HF_MACRO) {
			hf->headers[hf->hlen++] = p[i];
		} else if (i + 1 < n && (p[i + 1] & 0x80)) {
			hf->headers[hf->hlen++] = p[++i];
		} else {			/* a late-bound macro: left out */
			hf->hlen = start;
			hf->headers[start] = '\0';
			hf->dropped++;
			return 0;
		}
	}
	hf->headers[hf->hlen++] = '\n';
	hf->headers[hf->hlen] = '\0';
	return 0;
}

/* hf_text - a copy of p[0..n), printable (tabs as spaces), bounded; NULL when refused */
static char *
hf_text(const char *p, size_t n, size_t max)
{
	char   *s;
	size_t	i;

	if (n >= max)
		return NULL;
	s = util_malloc(n + 1);
	for (i = 0; i < n; i++) {
		if ((unsigned char) p[i] < 0x20 && p[i] != '\t') {
			free(s);
			return NULL;
		}
		s[i] = p[i] == '\t' ? ' ' : p[i];
	}
	s[n] = '\0';
	return s;
}

/* hf_record - one record (letter c, value p[0..n)) into hf; 0 ok, -1 err filled */
static int
hf_record(struct release_hf *hf, char c, const char *p, size_t n, size_t line, int *notify,
	  char *err, size_t errlen)
{
	size_t	i;

	switch (c) {
	case 'q':
		free(hf->reason);
		if ((hf->reason = hf_text(p, n, RELEASE_REASON_MAX)) == NULL)
			return hf_fail(err, errlen, "a quarantine reason too long or with a control", line);
		break;
	case 'S':
		free(hf->sender);
		if ((hf->sender = hf_addr(p, n, 1)) == NULL)
			return hf_fail(err, errlen, "a sender refused", line);
		break;
	case 'R':
		if (hf_rcpt(hf, p, n, notify) < 0)
			return hf_fail(err, errlen, "a recipient refused (or too many)", line);
		break;
	case 'F':
		for (i = 0; i < n; i++)
			if (p[i] == 'd')
				hf->dsn.ret = hf->dsn.ret ? hf->dsn.ret : 1;
			else if (p[i] == 'n')
				hf->dsn.ret = 2;
		break;
	case 'Z':
		hf->dsn.envid[0] = '\0';
		if (n > 0 && n < sizeof(hf->dsn.envid)) {
			for (i = 0; i < n && p[i] > ' ' && p[i] <= '~'; i++)
				;
			if (i == n) {
				memcpy(hf->dsn.envid, p, n);
				hf->dsn.envid[n] = '\0';
			}
		}
		break;
	case 'H':
		if (hf_header(hf, p, n) < 0)
			return hf_fail(err, errlen, "a header that is not one", line);
		break;
	default:
		break;
	}
	return 0;
}

/* release_hf_parse - records up to "."; V first */
int
release_hf_parse(const char *text, size_t len, struct release_hf *hf, char *err, size_t errlen)
{
	const char *p = text, *end = text + len, *e;
	size_t	line = 0, i;
	int	notify = 0, rc = -1;

	memset(hf, 0, sizeof(*hf));
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "queue control file: a NUL byte");
		return -1;
	}
	while (p < end) {
		char	c = *p;
		size_t	first = ++line;

		e = p;			/* the record: this line and its continuation lines */
		do {
			const char *nl = memchr(e, '\n', (size_t) (end - e));

			if (nl == NULL) {
				hf_fail(err, errlen, "no end of line", line);
				goto out;
			}
			e = nl + 1;
			line += e < end && (*e == ' ' || *e == '\t');
		} while (e < end && (*e == ' ' || *e == '\t'));
		if (c == '.' && e - p == 2) {
			rc = 0;
			goto out;
		}
		if (first == 1 && (c != 'V' || e - p < 3)) {
			hf_fail(err, errlen, "not a queue control file (no V record first)", 1);
			goto out;
		}
		if (c == 'V')
			for (i = 1; p + i < e - 1; i++)
				if (p[i] < '0' || p[i] > '9') {
					hf_fail(err, errlen, "a version that is not a number", line);
					goto out;
				}
		if (hf_record(hf, c, p + 1, (size_t) (e - 1 - (p + 1)), first, &notify, err,
			      errlen) < 0)
			goto out;
		p = e;
	}
	snprintf(err, errlen, "queue control file: no \".\" at its end (cut short?)");
out:
	if (rc == 0 && hf->sender == NULL) {
		snprintf(err, errlen, "queue control file: no sender (S)");
		rc = -1;
	}
	if (rc < 0)
		release_hf_free(hf);
	else
		hf->dsn.notify = notify > 0 ? notify : 0;
	return rc;
}

/* release_hf_free - what hf holds */
void
release_hf_free(struct release_hf *hf)
{
	size_t	i;

	for (i = 0; i < hf->nrcpt; i++)
		free(hf->rcpt[i]);
	free(hf->rcpt);
	free(hf->sender);
	free(hf->reason);
	free(hf->headers);
	memset(hf, 0, sizeof(*hf));
}

/* mq_dir - the directory of a "<tabs>DIR (N requests)" line, malloc'd; NULL when not one */
static char *
mq_dir(const char *p, size_t n)
{
	const char *q;
	size_t	k;

	while (n > 0 && (*p == '\t' || *p == ' '))
		p++, n--;
	if (n == 0 || *p != '/')
		return NULL;
	for (q = p + n; q > p + 1; q--)		/* the last " (" before a digit */
		if (q[-2] == ' ' && q[-1] == '(' && q < p + n && *q >= '0' && *q <= '9')
			break;
	if (q <= p + 1)
		return NULL;
	k = (size_t) (q - 2 - p);
	return hf_text(p, k, RELEASE_PATH_MAX);
}

/* mq_fail - free what was listed, fill err; -1 */
static int
mq_fail(struct release_qent **v, size_t *n, char *dir, char *err, size_t errlen, const char *what,
	size_t line)
{
	while (*n > 0)
		release_qent_free(&(*v)[--*n]);
	free(*v);
	*v = NULL;
	free(dir);
	snprintf(err, errlen, "mailq line %zu: %s", line, what);
	return -1;
}

/* release_mailq_parse - the entries of mailq's listing */
int
release_mailq_parse(const char *text, const char *queue, struct release_qent **out, size_t *n,
		    char *err, size_t errlen)
{
	static const char qmark[] = "QUARANTINE: ";
	const char *p = text, *e, *s;
	char   *dir = NULL, *d;
	size_t	line = 0, k;

	*out = NULL;
	*n = 0;
	for (; *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		line++;
		if ((d = mq_dir(p, (size_t) (e - p))) != NULL) {
			free(dir);
			dir = d;
		} else if ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
			   (*p >= 'a' && *p <= 'z')) {
			struct release_qent *q;

			for (k = 0; k < (size_t) (e - p) && strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz", p[k]) != NULL; k++)
				;
			if (k >= RELEASE_QID_MAX || dir == NULL)
				return mq_fail(out, n, dir, err, errlen,
					       dir ? "a queue id too long" : "an entry before its directory",
					       line);
			*out = util_realloc(*out, (*n + 1) * sizeof(**out));
			q = &(*out)[(*n)++];
			memset(q, 0, sizeof(*q));
			snprintf(q->queue, sizeof(q->queue), "%s", queue);
			memcpy(q->qid, p, k);
			q->dir = util_strdup(dir);
		} else {
			for (s = p; s < e && (*s == ' ' || *s == '\t'); s++)
				;
			if (*n == 0 || s == p || (size_t) (e - s) < sizeof(qmark) - 1 ||
			    memcmp(s, qmark, sizeof(qmark) - 1) != 0)
				continue;
			s += sizeof(qmark) - 1;
			free((*out)[*n - 1].reason);
			if (((*out)[*n - 1].reason = hf_text(s, (size_t) (e - s), RELEASE_REASON_MAX)) == NULL)
				return mq_fail(out, n, dir, err, errlen, "a quarantine reason refused", line);
		}
	}
	free(dir);
	return 0;
}
