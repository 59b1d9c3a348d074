/*
 * NAME
 *	mime_check 3 - find where a message's MIME can be read more than one way
 * DESCRIPTION
 *	A recursive walk over the entities of a message held in memory.
 *	Lines end at LF (a CR before it is dropped); a CR not followed by
 *	LF is only noted (MIME_BARE_CR) and the walk goes no further: the
 *	reading with CRLF line ends is checked next (mime_read.c).
 *
 *	Each entity's header section is read for Content-Type and
 *	Content-Transfer-Encoding (unfolded, at most MIME_VALUE_MAX bytes
 *	each, at most MIME_FIELDS_MAX of each kept). A multipart's body is
 *	split at the lines "--BOUNDARY" (trailing "--" and white space
 *	allowed) of the boundary actually used; each part is an entity.
 *	The bounds: MIME_MAX_DEPTH, MIME_MAX_PARTS, MIME_MAX_EDITS and
 *	MIME_MAX_MS; reaching one sets MIME_TOO_COMPLEX unresolved, except
 *	for edits (the reading is checked again: report.again).
 * DIAGNOSTICS
 *	None: every input gives a report.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime_check.h"
#include "mime_int.h"
#include "util.h"

#define MIME_FIELDS_MAX	4		/* occurrences of one field kept */

/* One header field: where it is and its unfolded value. */
struct mime_field {
	size_t	start, end;		/* the whole field, line ends included */
	char	value[MIME_VALUE_MAX];
};

/* The walk's state. */
struct mime_walk {
	const char *msg;
	size_t	len;
	size_t	parts;
	int64_t	deadline;
	struct mime_report *r;
	/* header fields per depth, made once and reused by every entity at it */
	struct mime_field *fields[MIME_MAX_DEPTH + 1];
};

/* mime_class_name - a class bit in words */
const char *
mime_class_name(unsigned cls)
{
	static const char *const names[MIME_CLASS_COUNT] = {
		"bare CR line ends", "declared boundary unused", "odd boundary parameter",
		"conflicting headers", "encoded multipart", "message/partial",
		"uuencode without end", "yEnc without end", "NUL in unencoded part",
		"stray = in base64", "structure past the check's bounds",
		"blank folded header line", "uuencode in an encoded text part",
		"yEnc in a text part",
	};
	unsigned i;

	for (i = 0; i < MIME_CLASS_COUNT; i++)
		if (cls & (1u << i))
			return names[i];
	return "unknown";
}

/* mime_unresolved - note a class no reading covers */
static void
mime_unresolved(struct mime_walk *w, unsigned cls)
{
	w->r->found |= cls;
	if (w->r->unresolved == 0)
		snprintf(w->r->reason, sizeof(w->r->reason), "%s", mime_class_name(cls));
	w->r->unresolved |= cls;
}

/* mime_edit_add - add an edit (text copied); 0 ok, -1 no room (again set) */
static int
mime_edit_add(struct mime_walk *w, size_t off, size_t len, const void *text, size_t textlen,
	      int alt)
{
	struct mime_edit *e;

	if (w->r->nedits >= MIME_MAX_EDITS) {
		w->r->again = 1;
		return -1;
	}
	e = &w->r->edit[w->r->nedits++];
	e->off = off;
	e->len = len;
	e->alt = alt;
	e->textlen = textlen;
	e->text = NULL;
	if (textlen) {
		e->text = util_malloc(textlen);
		memcpy(e->text, text, textlen);
	}
	return 0;
}

/* mime_edit_take - add an edit whose text is already allocated (taken) */
static void
mime_edit_take(struct mime_walk *w, size_t off, size_t len, char *text, size_t textlen)
{
	if (mime_edit_add(w, off, len, NULL, 0, 0) < 0) {
		free(text);
		return;
	}
	w->r->edit[w->r->nedits - 1].text = text;
	w->r->edit[w->r->nedits - 1].textlen = textlen;
}

/* mime_field_is - 1 when the line at [s, e) is the field name ("content-type") */
static int
mime_field_is(const char *m, size_t s, size_t e, const char *name)
{
	size_t	n = strlen(name), i = s + n;

	if (e - s <= n || strncasecmp(m + s, name, n) != 0)
		return 0;
	while (i < e && (m[i] == ' ' || m[i] == '\t'))
		i++;
	return i < e && m[i] == ':';
}

/* mime_ws_only - 1 when [s, e) is spaces and tabs only */
static int
mime_ws_only(const char *m, size_t s, size_t e)
{
	while (s < e && (m[s] == ' ' || m[s] == '\t'))
		s++;
	return s == e;
}

/* mime_headers - read an entity's header section; returns where the body starts.
 * *blank is set to the first continuation line of white space only ((size_t) -1: none),
 * *blank_end to the line after it. */
static size_t
mime_headers(const char *m, size_t s, size_t end, struct mime_field *ct, size_t *nct,
	     struct mime_field *cte, size_t *ncte, size_t *blank, size_t *blank_end)
{
	size_t	pos = s, ce, next;
	struct mime_field *cur = NULL;

	*nct = *ncte = 0;
	*blank = (size_t) -1;
	while (pos < end) {
		mime_line(m, pos, end, &ce, &next);
		if (ce == pos)			/* blank line: the body follows */
			return next;
		if (pos > s && *blank == (size_t) -1 && mime_ws_only(m, pos, ce)) {
			*blank = pos;		/* a fold to clients, the header's end to libclamav */
			*blank_end = next;
		}
		if (m[pos] == ' ' || m[pos] == '\t') {
			if (cur) {
				mime_append(cur->value, m + pos, ce - pos);
				cur->end = next;
			}
		} else if (mime_field_is(m, pos, ce, "content-type")
			   || mime_field_is(m, pos, ce, "content-transfer-encoding")) {
			int	is_ct = mime_field_is(m, pos, ce, "content-type");
			size_t *n = is_ct ? nct : ncte;
			const char *colon = memchr(m + pos, ':', ce - pos);

			cur = NULL;
			if (*n < MIME_FIELDS_MAX) {
				cur = is_ct ? &ct[*n] : &cte[*n];
				cur->start = pos;
				cur->end = next;
				cur->value[0] = 0;
				mime_append(cur->value, colon + 1, ce - (size_t) (colon + 1 - m));
			}
			(*n)++;
		} else {
			cur = NULL;
		}
		pos = next;
	}
	return end;
}

/* mime_trim - strip white space both ends, in place; returns v */
static char *
mime_trim(char *v)
{
	size_t	n;

	while (*v == ' ' || *v == '\t')
		v++;
	n = strlen(v);
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		v[--n] = 0;
	return v;
}

/* mime_same - 1 when two header values say the same (case and outer space ignored) */
static int
mime_same(const char *a, const char *b)
{
	char	x[MIME_VALUE_MAX], y[MIME_VALUE_MAX];

	snprintf(x, sizeof(x), "%s", a);
	snprintf(y, sizeof(y), "%s", b);
	return strcasecmp(mime_trim(x), mime_trim(y)) == 0;
}

/* mime_type - "type/subtype" of a Content-Type value, lower case, into t */
static void
mime_type(const char *v, char *t, size_t tlen)
{
	size_t	i = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	while (*v && *v != ';' && *v != ' ' && *v != '\t' && *v != '(' && i + 1 < tlen)
		t[i++] = (char) tolower((unsigned char) *v++);
	t[i] = 0;
}

/* mime_ct_text - "Content-Type: TYPE; boundary="B"\r\n" into a new buffer; NULL if B cannot be quoted */
static char *
mime_ct_text(const char *type, const char *b, size_t *len)
{
	size_t	n = strlen(type) + strlen(b) + 40;
	char   *t;

	if (strlen(b) == 0 || strlen(b) > MIME_BOUNDARY_MAX || strpbrk(b, "\"\\\r\n") != NULL)
		return NULL;
	t = util_malloc(n);
	*len = (size_t) snprintf(t, n, "Content-Type: %s; boundary=\"%s\"\r\n", type, b);
	return t;
}

static void mime_entity(struct mime_walk *w, size_t s, size_t e, int depth);

/* mime_rewrite_ct - an edit giving field f the boundary b, for reading alt */
static void
mime_rewrite_ct(struct mime_walk *w, const struct mime_field *f, const char *type,
		const char *b, int alt)
{
	size_t	n;
	char   *t = mime_ct_text(type, b, &n);

	if (t == NULL) {
		mime_unresolved(w, MIME_BOUNDARY_ODD);
		return;
	}
	if (alt == 0 && n == f->end - f->start && memcmp(w->msg + f->start, t, n) == 0) {
		free(t);		/* the field says it already: no other reading */
		return;
	}
	(void) mime_edit_add(w, f->start, f->end - f->start, t, n, alt);
	free(t);
}

/* mime_multipart - a multipart's boundary question, then each part */
static void
mime_multipart(struct mime_walk *w, const struct mime_field *ct, const char *type,
	       size_t bs, size_t e, int depth)
{
	struct mime_bparam *b = util_calloc(1, sizeof(*b));
	char	used[MIME_BOUNDARY_MAX + 1];
	const char *use = NULL, *alt = NULL;
	size_t	pos, ce, next, blen, part = 0;
	int	close = 0, in = 0;

	mime_bparams(ct->value, b);
	if (b->first[0] && strchr(" \t", b->first[strlen(b->first) - 1]) != NULL)
		mime_unresolved(w, MIME_BOUNDARY_ODD);	/* "B ": libclamav splits at no line */
	if (b->first[0] && mime_occurs(w->msg, bs, e, b->first))
		use = b->first;
	if ((b->odd || use == NULL) && mime_gmime_boundary(ct->value, b->client, sizeof(b->client))
	    && strcmp(b->client, b->first) != 0)
		b->odd = 1;			/* a client reads another boundary */
	if (b->odd) {
		const char *cands[3] = {b->client, b->last, b->joined};
		int	i;

		for (i = 0; i < 3 && alt == NULL; i++)
			if (cands[i][0] && (use == NULL || strcmp(cands[i], use) != 0)
			    && mime_occurs(w->msg, bs, e, cands[i]))
				alt = cands[i];
		if (use == NULL && alt != NULL) {
			use = alt;
			alt = NULL;
		}
		if (use != NULL) {
			w->r->found |= MIME_BOUNDARY_ODD;
			mime_rewrite_ct(w, ct, type, use, alt ? 1 : 0);
			if (alt)
				mime_rewrite_ct(w, ct, type, alt, 2);
		}
	}
	if (use == NULL && mime_used(w->msg, bs, e, used, sizeof(used))) {
		w->r->found |= b->first[0] ? MIME_BOUNDARY_UNUSED : MIME_BOUNDARY_ODD;
		use = used;
		mime_rewrite_ct(w, ct, type, use, 0);
	}
	if (use == NULL) {			/* no delimiter at all: one body, nothing hidden */
		free(b);
		return;
	}
	blen = strlen(use);
	for (pos = bs; pos < e && !close; pos = next) {
		mime_line(w->msg, pos, e, &ce, &next);
		if (!mime_is_delim(w->msg, pos, ce, use, blen, &close))
			continue;
		if (in) {		/* the line end before a delimiter is the delimiter's */
			size_t	pe = pos;

			if (pe > part)
				pe -= pe - part >= 2 && w->msg[pe - 2] == '\r' ? 2 : 1;
			mime_entity(w, part, pe, depth + 1);
		}
		in = 1;
		part = next;
	}
	if (in && !close)
		mime_entity(w, part, e, depth + 1);
	free(b);
}

/* mime_find_line - 1 when a line of [s, e) starts with pfx (after it: a space when sp) */
static int
mime_find_line(const char *m, size_t s, size_t e, const char *pfx, size_t *at)
{
	size_t	n = strlen(pfx), pos, ce, next;

	for (pos = s; pos < e; pos = next) {
		mime_line(m, pos, e, &ce, &next);
		if (ce - pos >= n && memcmp(m + pos, pfx, n) == 0) {
			*at = pos;
			return 1;
		}
	}
	return 0;
}

/* mime_append_line - an edit adding text at e, after a CRLF unless a line ends there */
static void
mime_append_line(struct mime_walk *w, size_t e, const char *text)
{
	char	buf[32];
	int	nl = e > 0 && w->msg[e - 1] == '\n';

	snprintf(buf, sizeof(buf), "%s%s", nl ? "" : "\r\n", text);
	(void) mime_edit_add(w, e, 0, buf, strlen(buf), 0);
}

/* mime_encoded_uu - a base64/qp text part holding uuencode or yEnc: the reading with it in 8bit */
static void
mime_encoded_uu(struct mime_walk *w, size_t bs, size_t e, const struct mime_field *cte_f,
		int b64)
{
	static const char hdr[] = "Content-Transfer-Encoding: 8bit\r\n";
	size_t	n, at;
	unsigned char *d = b64 ? mime_b64_decode(w->msg + bs, e - bs, &n)
			       : mime_qp_decode(w->msg + bs, e - bs, &n);

	if (!mime_uu_begin((const char *) d, n) && !mime_find_line((const char *) d, 0, n, "=ybegin ",
								   &at)) {
		free(d);
		return;
	}
	/* libclamav decodes uuencode only in unencoded text; yEnc: the next round decodes it */
	w->r->found |= MIME_ENCODED_UU;
	(void) mime_edit_add(w, cte_f->start, cte_f->end - cte_f->start, hdr, sizeof(hdr) - 1, 0);
	mime_edit_take(w, bs, e - bs, (char *) d, n);
}

/*
 * mime_yenc - an unencoded part with yEnc blocks (the first at at): the
 * reading where the part is a multipart of the files they hold
 */
static void
mime_yenc(struct mime_walk *w, size_t s, size_t bs, size_t e, size_t at,
	  const struct mime_field *ct_f, size_t nct)
{
	static const char ct[] = "Content-Type: multipart/mixed; boundary=\"" MIME_YENC_BOUNDARY
				 "\"\r\n";
	size_t	n, plen;
	char   *parts;

	if (nct > 1 || (parts = mime_yenc_parts(w->msg, bs, e, &plen)) == NULL)
		return;			/* two same Content-Type fields: left as they are */
	w->r->found |= MIME_YENC;
	if (!mime_find_line(w->msg, at, e, "=yend", &n))
		w->r->found |= MIME_YENC_NOEND;
	if (nct == 1)
		(void) mime_edit_add(w, ct_f->start, ct_f->end - ct_f->start, ct, sizeof(ct) - 1, 0);
	else
		(void) mime_edit_add(w, s, 0, ct, sizeof(ct) - 1, 0);
	mime_edit_take(w, bs, e - bs, parts, plen);
}

/* mime_leaf - the checks of a part that holds data */
static void
mime_leaf(struct mime_walk *w, size_t s, size_t bs, size_t e, const char *type,
	  const char *cte, const struct mime_field *cte_f, size_t ncte,
	  const struct mime_field *ct_f, size_t nct)
{
	const char *m = w->msg;
	size_t	at, n;
	int	encoded = strncasecmp(cte, "base64", 6) == 0
			  || strncasecmp(cte, "quoted-printable", 16) == 0;

	if (strncasecmp(cte, "base64", 6) == 0) {
		const char *eq = memchr(m + bs, '=', e - bs);
		size_t	i;

		for (i = eq ? (size_t) (eq - m) : e; i < e; i++)
			if (isalnum((unsigned char) m[i]) || m[i] == '+' || m[i] == '/')
				break;
		if (i < e) {
			unsigned char *d = mime_b64_decode(m + bs, e - bs, &n);
			char   *t = mime_b64_encode(d, n, &at);

			free(d);
			w->r->found |= MIME_B64_STRAY_PAD;
			mime_edit_take(w, bs, e - bs, t, at);
			return;
		}
	}
	if (encoded && ncte == 1 && strncmp(type, "text/", 5) == 0) {
		mime_encoded_uu(w, bs, e, cte_f, strncasecmp(cte, "base64", 6) == 0);
		return;
	}
	if (!encoded && bs < e && memchr(m + bs, 0, e - bs) != NULL && ncte <= 1) {
		static const char hdr[] = "Content-Transfer-Encoding: base64\r\n";
		char   *t = mime_b64_encode((const unsigned char *) m + bs, e - bs, &n);

		w->r->found |= MIME_NUL_UNENCODED;
		if (ncte == 1)
			(void) mime_edit_add(w, cte_f->start, cte_f->end - cte_f->start, hdr,
					     sizeof(hdr) - 1, 0);
		else
			(void) mime_edit_add(w, s, 0, hdr, sizeof(hdr) - 1, 0);
		mime_edit_take(w, bs, e - bs, t, n);
		return;
	}
	if (encoded)
		return;
	if (mime_find_line(m, bs, e, "begin ", &at) && at + 9 < e
	    && m[at + 6] >= '0' && m[at + 6] <= '7' && m[at + 7] >= '0' && m[at + 7] <= '7'
	    && !mime_find_line(m, at, e, "end", &n)) {
		w->r->found |= MIME_UU_NOEND;
		mime_append_line(w, e, "`\r\nend\r\n");
	}
	if (mime_find_line(m, bs, e, "=ybegin ", &at))
		mime_yenc(w, s, bs, e, at, ct_f, nct);
}

/* mime_dups - two different values of one field: a reading for each */
static int
mime_dups(struct mime_walk *w, const struct mime_field *f, size_t nf)
{
	size_t	i, kept = nf < MIME_FIELDS_MAX ? nf : MIME_FIELDS_MAX;
	int	differ = 0;

	for (i = 1; i < kept; i++)
		differ |= !mime_same(f[0].value, f[i].value);
	if (!differ)
		return 0;
	w->r->found |= MIME_DUP_HEADER;
	if (nf > MIME_FIELDS_MAX) {
		mime_unresolved(w, MIME_TOO_COMPLEX);
		return 1;
	}
	for (i = 1; i < kept; i++)		/* first wins: the later ones go */
		(void) mime_edit_add(w, f[i].start, f[i].end - f[i].start, NULL, 0, 1);
	for (i = 0; i + 1 < kept; i++)		/* last wins: the earlier ones go */
		(void) mime_edit_add(w, f[i].start, f[i].end - f[i].start, NULL, 0, 2);
	return 1;
}

/* mime_entity - one entity [s, e): its headers, then its body by its type */
static void
mime_entity(struct mime_walk *w, size_t s, size_t e, int depth)
{
	struct mime_field *f, *ct, *cte;
	size_t	nct, ncte, bs, blank, blank_end = 0;
	char	type[128] = "text/plain", cte_v[64] = "", *v;
	int	dup;

	if (depth > MIME_MAX_DEPTH || ++w->parts > MIME_MAX_PARTS || util_now_ms() > w->deadline) {
		mime_unresolved(w, MIME_TOO_COMPLEX);
		return;
	}
	if (w->fields[depth] == NULL)	/* a message of 50,000 parts allocates it once */
		w->fields[depth] = util_malloc(2 * MIME_FIELDS_MAX * sizeof(*f));
	f = w->fields[depth];
	ct = f;
	cte = f + MIME_FIELDS_MAX;
	bs = mime_headers(w->msg, s, e, ct, &nct, cte, &ncte, &blank, &blank_end);
	if (blank != (size_t) -1) {	/* the reading with the fold: the line goes */
		w->r->found |= MIME_FOLD_BLANK;
		(void) mime_edit_add(w, blank, blank_end - blank, NULL, 0, 0);
	}
	dup = mime_dups(w, ct, nct) | mime_dups(w, cte, ncte);
	if (nct)
		mime_type(ct[0].value, type, sizeof(type));
	if (ncte) {
		snprintf(cte_v, sizeof(cte_v), "%.63s", cte[0].value);
		v = mime_trim(cte_v);
		memmove(cte_v, v, strlen(v) + 1);
	}
	if (dup) {
		w->r->again = 1;		/* the parts are checked in each reading */
	} else if (strcmp(type, "message/partial") == 0) {
		mime_unresolved(w, MIME_PARTIAL);
	} else if ((strncmp(type, "multipart/", 10) == 0 || strncmp(type, "message/", 8) == 0)
		   && (strncasecmp(cte_v, "base64", 6) == 0
		       || strncasecmp(cte_v, "quoted-printable", 16) == 0)) {
		size_t	n;
		unsigned char *d = cte_v[0] == 'b' || cte_v[0] == 'B'
				   ? mime_b64_decode(w->msg + bs, e - bs, &n)
				   : mime_qp_decode(w->msg + bs, e - bs, &n);

		w->r->found |= MIME_ENCODED_MULTIPART;
		w->r->again = 1;
		(void) mime_edit_add(w, cte[0].start, cte[0].end - cte[0].start, NULL, 0, 0);
		d = util_realloc(d, n + 2);
		memcpy(d + n, "\r\n", 2);	/* the delimiter after it starts a line */
		mime_edit_take(w, bs, e - bs, (char *) d, n + 2);
	} else if (strncmp(type, "multipart/", 10) == 0 && nct) {
		mime_multipart(w, &ct[0], type, bs, e, depth);
	} else if (strcmp(type, "message/rfc822") == 0) {
		mime_entity(w, bs, e, depth + 1);
	} else {
		mime_leaf(w, s, bs, e, type, cte_v, ncte ? &cte[0] : NULL, ncte,
			  nct ? &ct[0] : NULL, nct);
	}
}

/* mime_cr_structural - 1 when the bare CR at i shapes the structure */
static int
mime_cr_structural(const char *m, size_t len, size_t i, size_t hdr_end)
{
	const char *p = m + i + 1;
	size_t	left = len - i - 1;

	return i < hdr_end || (left >= 1 && *p == '\r') || (left >= 2 && p[0] == '-' && p[1] == '-')
	       || (left >= 8 && strncasecmp(p, "content-", 8) == 0);
}

/* mime_check - examine msg */
int
mime_check(const char *msg, size_t len, struct mime_report *r)
{
	struct mime_walk w;
	const char *p = msg, *end = msg + len;
	size_t	hdr_end;

	memset(r, 0, sizeof(*r));
	memset(&w, 0, sizeof(w));
	w.msg = msg;
	w.len = len;
	w.r = r;
	w.deadline = util_now_ms() + MIME_MAX_MS;
	while (p < end && (p = memchr(p, '\r', (size_t) (end - p))) != NULL) {
		if (p + 1 >= end || p[1] != '\n') {
			const char *blank = NULL, *q;

			for (q = msg; q + 1 < end && blank == NULL; q++)
				if (q[0] == '\n' && (q[1] == '\n' || (q + 2 < end && q[1] == '\r' && q[2] == '\n')))
					blank = q;
			hdr_end = blank ? (size_t) (blank - msg) : len;
			for (; p < end; p++)
				if (*p == '\r' && (p + 1 >= end || p[1] != '\n')
				    && mime_cr_structural(msg, len, (size_t) (p - msg), hdr_end))
					r->cr_structural = 1;
			if (!r->cr_structural)	/* inside data only: the structure is the same */
				break;
			r->found |= MIME_BARE_CR;
			mime_unresolved(&w, MIME_BARE_CR);
			return 0;
		}
		p++;
	}
	mime_entity(&w, 0, len, 0);
	for (size_t i = 0; i <= MIME_MAX_DEPTH; i++)
		free(w.fields[i]);
	return 0;
}

/* mime_report_free - free the edits' texts */
void
mime_report_free(struct mime_report *r)
{
	size_t	i;

	for (i = 0; i < r->nedits; i++)
		free(r->edit[i].text);
	r->nedits = 0;
}
