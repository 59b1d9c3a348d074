/*
 * NAME
 *	release_msg 3 - the held message's mark and the copy to deliver
 * SUMMARY
 *	release_msg_header_has(), release_msg_rewrite()
 * DESCRIPTION
 *	A message here is what postcat -bh prints: header lines, a blank
 *	line, the body (LF line ends). release_msg_header_has() looks for
 *	clamshim's mark (X-Clamshim-Hold: TOKEN) in the header block only.
 *	release_msg_rewrite() builds the copy that is delivered: the header
 *	changes of the rescan applied as an MTA applies them (add at the
 *	end; insert at an index of all headers; change or delete, value "",
 *	the index-th header of a name, counted from 1), every
 *	X-Clamshim-Hold removed whatever the rescan said, and
 *	X-Clamshim-Released: TOKEN added (what a run that was killed looks
 *	for in the queue). The body is copied unchanged.
 * DIAGNOSTICS
 *	-1 with err filled on a header name the rescan gave that is not a
 *	header name, or changes the milter client had to drop or cut.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "release.h"
#include "util.h"

#define MSG_HOLD_HEADER		"X-Clamshim-Hold"
#define MSG_RELEASED_HEADER	"X-Clamshim-Released"

/* One header field: where it is (or its own text), its name's length. */
struct msg_field {
	const char *p;			/* the field, continuation lines and final LF included */
	size_t	n;
	size_t	name_n;
	char   *own;			/* when p points to a text of ours */
};

/* The header block as a list, and where the body starts. */
struct msg_hdrs {
	struct msg_field *f;
	size_t	n;
	const char *body;
	size_t	body_n;
};

/* msg_split - the fields of the header block; the body after the blank line */
static void
msg_split(const char *msg, size_t len, struct msg_hdrs *h)
{
	const char *p = msg, *end = msg + len;

	memset(h, 0, sizeof(*h));
	while (p < end) {
		const char *q = p, *colon;
		struct msg_field f = {p, 0, 0, NULL};

		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
			p += *p == '\r' ? 2 : 1;	/* the blank line */
			break;
		}
		colon = memchr(p, ':', (size_t) (end - p));
		if (colon == NULL || colon == p || memchr(p, '\n', (size_t) (colon - p)) != NULL)
			break;			/* not a header: the body starts here */
		do {				/* the line and its continuations */
			const char *nl = memchr(q, '\n', (size_t) (end - q));

			q = nl ? nl + 1 : end;
		} while (q < end && (*q == ' ' || *q == '\t'));
		f.n = (size_t) (q - p);
		f.name_n = (size_t) (colon - p);
		while (f.name_n > 0 && (p[f.name_n - 1] == ' ' || p[f.name_n - 1] == '\t'))
			f.name_n--;
		h->f = util_realloc(h->f, (h->n + 1) * sizeof(*h->f));
		h->f[h->n++] = f;
		p = q;
	}
	h->body = p;
	h->body_n = (size_t) (end - p);
}

/* msg_free - what the list owns */
static void
msg_free(struct msg_hdrs *h)
{
	size_t	i;

	for (i = 0; i < h->n; i++)
		free(h->f[i].own);
	free(h->f);
}

/* msg_is - 1 when field f is named name (any case) */
static int
msg_is(const struct msg_field *f, const char *name)
{
	return f->name_n == strlen(name) && strncasecmp(f->p, name, f->name_n) == 0;
}

/* release_msg_header_has - 1 when the header block has NAME: VALUE (value trimmed) */
int
release_msg_header_has(const char *msg, size_t len, const char *name, const char *value)
{
	struct msg_hdrs h;
	size_t	i, vlen = strlen(value);
	int	found = 0;

	msg_split(msg, len, &h);
	for (i = 0; i < h.n && !found; i++) {
		const char *v, *e;

		if (!msg_is(&h.f[i], name))
			continue;
		v = memchr(h.f[i].p, ':', h.f[i].n) + 1;
		e = h.f[i].p + h.f[i].n;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		found = (size_t) (e - v) == vlen && memcmp(v, value, vlen) == 0;
	}
	msg_free(&h);
	return found;
}

/* msg_make - a new field "Name: value\n"; folds kept, CR dropped; -1 on a bad name */
static int
msg_make(const char *name, const char *value, struct msg_field *f)
{
	size_t	i, n = 0, nlen = strlen(name);
	char   *t;

	if (nlen == 0)
		return -1;
	for (i = 0; i < nlen; i++)
		if (name[i] <= ' ' || name[i] > '~' || name[i] == ':')
			return -1;
	t = util_malloc(nlen + 2 * strlen(value) + 4);
	memcpy(t, name, nlen);
	n = nlen;
	t[n++] = ':';
	t[n++] = ' ';
	for (i = 0; value[i] != '\0'; i++) {
		if (value[i] == '\r')
			continue;
		t[n++] = value[i];
		if (value[i] == '\n' && value[i + 1] != ' ' && value[i + 1] != '\t')
			t[n++] = '\t';		/* a continuation line must start with white space */
	}
	t[n++] = '\n';
	f->p = f->own = t;
	f->n = n;
	f->name_n = nlen;
	return 0;
}

/* msg_insert - put f at position at (at most h->n) */
static void
msg_insert(struct msg_hdrs *h, size_t at, const struct msg_field *f)
{
	h->f = util_realloc(h->f, (h->n + 1) * sizeof(*h->f));
	memmove(h->f + at + 1, h->f + at, (h->n - at) * sizeof(*h->f));
	h->f[at] = *f;
	h->n++;
}

/* msg_remove - drop the field at i */
static void
msg_remove(struct msg_hdrs *h, size_t i)
{
	free(h->f[i].own);
	memmove(h->f + i, h->f + i + 1, (h->n - i - 1) * sizeof(*h->f));
	h->n--;
}

/* msg_apply - one change of the rescan; -1 on a bad name */
static int
msg_apply(struct msg_hdrs *h, const struct mt_change *c)
{
	struct msg_field f;
	size_t	i, seen = 0;

	if (c->op == 'm') {
		for (i = 0; i < h->n; i++)
			if (msg_is(&h->f[i], c->name) && ++seen == c->index)
				break;
		if (i < h->n && c->value[0] == '\0') {
			msg_remove(h, i);
			return 0;
		}
		if (c->value[0] == '\0')
			return 0;		/* deleting what is not there */
		if (msg_make(c->name, c->value, &f) < 0)
			return -1;
		if (i < h->n) {
			free(h->f[i].own);
			h->f[i] = f;
		} else
			msg_insert(h, h->n, &f);
		return 0;
	}
	if (msg_make(c->name, c->value, &f) < 0)
		return -1;
	msg_insert(h, c->op == 'i' && c->index < h->n ? c->index : h->n, &f);
	return 0;
}

/* release_msg_rewrite - the copy to deliver; 0 ok, -1 err */
int
release_msg_rewrite(const char *msg, size_t len, const struct mt_result *r, const char *token,
		    char **out, size_t *outlen, char *err, size_t errlen)
{
	struct msg_hdrs h;
	struct msg_field f;
	size_t	i, n = 0, total;
	char   *o;

	if (r->changes_dropped || r->changes_cut)
		return snprintf(err, errlen, "the rescan's header changes were too many or too "
				"long for the milter client"), -1;
	msg_split(msg, len, &h);
	for (i = 0; i < r->nchanges; i++)
		if (msg_apply(&h, &r->changes[i]) < 0) {
			msg_free(&h);
			return snprintf(err, errlen, "the rescan gave a bad header name"), -1;
		}
	for (i = h.n; i > 0; i--)
		if (msg_is(&h.f[i - 1], MSG_HOLD_HEADER))
			msg_remove(&h, i - 1);
	if (msg_make(MSG_RELEASED_HEADER, token, &f) == 0)
		msg_insert(&h, h.n, &f);
	for (total = h.body_n + 1, i = 0; i < h.n; i++)
		total += h.f[i].n + 1;
	o = util_malloc(total + 1);
	for (i = 0; i < h.n; i++) {
		memcpy(o + n, h.f[i].p, h.f[i].n);
		n += h.f[i].n;
		if (o[n - 1] != '\n')
			o[n++] = '\n';
	}
	o[n++] = '\n';
	memcpy(o + n, h.body, h.body_n);
	n += h.body_n;
	msg_free(&h);
	*out = o;
	*outlen = n;
	return 0;
}
