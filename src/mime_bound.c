/*
 * NAME
 *	mime_bound 3 - lines and boundaries for mime_check(3)
 * DESCRIPTION
 *	The boundary parameter is read three ways at once: the first
 *	boundary= (RFC 2045), the last one (a parser that overwrites), and
 *	RFC 2231 pieces boundary*0, boundary*1 ... joined (charset and
 *	language of an extended value cut). Anything that makes readers
 *	disagree sets odd: a second boundary=, RFC 2231 pieces, white space
 *	around '=', a backslash in quotes, an unclosed quote, a tspecial in
 *	a token, a comment, outer spaces in the value, over 70 bytes.
 *	Every value is bounded by MIME_VALUE_MAX. mime_gmime_boundary() asks
 *	GMime 3 (the parser of Evolution and Geary, with RFC 2231 and
 *	comments done right) for the boundary a client reads.
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mime_int.h"

static pthread_once_t mime_gmime_once = PTHREAD_ONCE_INIT;

/* mime_gmime_init - GMime's one-time set-up */
static void
mime_gmime_init(void)
{
	g_mime_init();
}

/* mime_gmime_boundary - the boundary GMime reads in a Content-Type value; 0 when none */
int
mime_gmime_boundary(const char *v, char *out, size_t outlen)
{
	GMimeContentType *ct;
	const char *b;
	int	ok = 0;

	(void) pthread_once(&mime_gmime_once, mime_gmime_init);
	if ((ct = g_mime_content_type_parse(NULL, v)) == NULL)
		return 0;
	b = g_mime_content_type_get_parameter(ct, "boundary");
	if (b != NULL && b[0] != 0 && strlen(b) < outlen) {
		memcpy(out, b, strlen(b) + 1);
		ok = 1;
	}
	g_object_unref(ct);
	return ok;
}

/* mime_line - the line at pos: content [pos, *cend), next line at *next */
void
mime_line(const char *m, size_t pos, size_t end, size_t *cend, size_t *next)
{
	const char *nl = memchr(m + pos, '\n', end - pos);
	size_t	e = nl ? (size_t) (nl - m) : end;

	*next = nl ? e + 1 : end;
	if (e > pos && m[e - 1] == '\r')
		e--;
	*cend = e;
}

/* mime_append - append [s, e) to a bounded value */
void
mime_append(char *v, const char *s, size_t n)
{
	size_t	have = strlen(v);

	if (have + 1 >= MIME_VALUE_MAX)
		return;
	if (n > MIME_VALUE_MAX - 1 - have)
		n = MIME_VALUE_MAX - 1 - have;
	memcpy(v + have, s, n);
	v[have + n] = 0;
}

/* mime_param_value - a parameter value at p (quoted or token); returns the end */
static const char *
mime_param_value(const char *p, char *out, size_t outlen, int *odd)
{
	size_t	i = 0;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1]) {
				*odd = 1;
				p++;
			}
			if (i + 1 < outlen)
				out[i++] = *p;
		}
		if (*p == '"')
			p++;
		else
			*odd = 1;
	} else {
		while (*p && *p != ';' && *p != ' ' && *p != '\t') {
			if (strchr("()<>@,:\\\"/[]?=", *p))
				*odd = 1;
			if (i + 1 < outlen)
				out[i++] = *p;
			p++;
		}
	}
	out[i] = 0;
	return p;
}

/* mime_bparams - read the boundary parameter(s) of a Content-Type value */
void
mime_bparams(const char *v, struct mime_bparam *b)
{
	const char *p = strchr(v, ';');
	char	name[64], val[MIME_VALUE_MAX];

	memset(b, 0, sizeof(*b));
	if (strchr(v, '(') != NULL)
		b->odd = 1;			/* a comment: readers differ */
	while (p && *p) {
		size_t	i = 0;
		int	ws = 0;

		while (*p == ';' || *p == ' ' || *p == '\t')
			p++;
		while (*p && *p != '=' && *p != ';' && *p != ' ' && *p != '\t') {
			if (i + 1 < sizeof(name))
				name[i++] = (char) tolower((unsigned char) *p);
			p++;
		}
		name[i] = 0;
		while (*p == ' ' || *p == '\t') {
			ws = 1;
			p++;
		}
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t') {
			ws = 1;
			p++;
		}
		if (strcmp(name, "boundary") == 0) {
			p = mime_param_value(p, val, sizeof(val), &b->odd);
			if (b->nfirst++ == 0)
				snprintf(b->first, sizeof(b->first), "%s", val);
			else
				b->odd = 1;
			snprintf(b->last, sizeof(b->last), "%s", val);
			b->odd |= ws;
		} else if (strncmp(name, "boundary*", 9) == 0) {
			b->odd = 1;
			p = mime_param_value(p, val, sizeof(val), &b->odd);
			if (name[strlen(name) - 1] == '*' && strchr(val, '\'')
			    && strchr(strchr(val, '\'') + 1, '\''))	/* charset'lang'value */
				memmove(val, strrchr(val, '\'') + 1, strlen(strrchr(val, '\'')));
			mime_append(b->joined, val, strlen(val));
		} else {
			p = mime_param_value(p, val, sizeof(val), &ws);
		}
	}
	if (b->first[0] && (b->first[0] == ' ' || b->first[strlen(b->first) - 1] == ' '
			    || strlen(b->first) > 70))
		b->odd = 1;
}

/* mime_is_delim - 1 when line [s, e) is "--B" with "--" and white space allowed after */
int
mime_is_delim(const char *m, size_t s, size_t e, const char *b, size_t blen, int *close)
{
	size_t	i;

	if (e - s < blen + 2 || m[s] != '-' || m[s + 1] != '-' || memcmp(m + s + 2, b, blen) != 0)
		return 0;
	i = s + 2 + blen;
	*close = 0;
	if (e - i >= 2 && m[i] == '-' && m[i + 1] == '-') {
		*close = 1;
		i += 2;
	}
	while (i < e && (m[i] == ' ' || m[i] == '\t'))
		i++;
	return i == e;
}

/* mime_occurs - 1 when boundary b delimits a line of [s, e) */
int
mime_occurs(const char *m, size_t s, size_t e, const char *b)
{
	size_t	blen = strlen(b), pos = s, ce, next;
	int	close;

	if (blen == 0)
		return 0;
	for (; pos < e; pos = next) {
		mime_line(m, pos, e, &ce, &next);
		if (mime_is_delim(m, pos, ce, b, blen, &close))
			return 1;
	}
	return 0;
}

/* mime_used - the first "--X" line of [s, e) as a boundary X (trailing "--", space cut) */
int
mime_used(const char *m, size_t s, size_t e, char *out, size_t outlen)
{
	size_t	pos = s, ce, next, n;

	for (; pos < e; pos = next) {
		mime_line(m, pos, e, &ce, &next);
		if (ce - pos < 3 || m[pos] != '-' || m[pos + 1] != '-')
			continue;
		while (ce > pos + 2 && (m[ce - 1] == ' ' || m[ce - 1] == '\t'))
			ce--;
		n = ce - pos - 2;
		if (n > 2 && m[ce - 1] == '-' && m[ce - 2] == '-')
			n -= 2;
		if (n == 0 || n >= outlen || n > MIME_BOUNDARY_MAX)
			return 0;
		memcpy(out, m + pos + 2, n);
		out[n] = 0;
		return 1;
	}
	return 0;
}

