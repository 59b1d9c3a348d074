/*
 * NAME
 *	mime_int 3h - what mime_check.c and mime_bound.c share
 * SUMMARY
 *	struct mime_bparam, mime_line(), mime_append(), mime_bparams(),
 *	mime_is_delim(), mime_occurs(), mime_used(), mime_gmime_boundary(),
 *	mime_yenc_parts(), mime_uu_begin()
 * DESCRIPTION
 *	Internal to the mime_check module: lines, bounded header values and
 *	the boundary parameter as the readers of a message see it.
 */
#ifndef CLAMSHIM_MIME_INT_H
#define CLAMSHIM_MIME_INT_H

#include <stddef.h>

#define MIME_VALUE_MAX	2048		/* unfolded header value kept */
#define MIME_BOUNDARY_MAX 200		/* longest boundary we rewrite */

/* The boundary parameter as different readers see it. */
struct mime_bparam {
	char	first[MIME_VALUE_MAX];	/* the first boundary= (RFC 2045) */
	char	last[MIME_VALUE_MAX];	/* the last boundary= */
	char	joined[MIME_VALUE_MAX];
	char	client[MIME_VALUE_MAX];	/* as GMime 3 reads it ("" not asked or none) */	/* RFC 2231 boundary*0, *1 ... joined */
	int	nfirst, odd;
};

/* mime_line - the line at pos: content [pos, *cend), next line at *next */
void	mime_line(const char *m, size_t pos, size_t end, size_t *cend, size_t *next);
/* mime_append - append n bytes of s to the bounded value v (MIME_VALUE_MAX) */
void	mime_append(char *v, const char *s, size_t n);
/* mime_bparams - the boundary parameter(s) of a Content-Type value */
void	mime_bparams(const char *v, struct mime_bparam *b);
/* mime_is_delim - 1 when line [s, e) is "--B" ("--" and white space may follow); close set */
int	mime_is_delim(const char *m, size_t s, size_t e, const char *b, size_t blen, int *close);
/* mime_occurs - 1 when boundary b delimits a line of [s, e) */
int	mime_occurs(const char *m, size_t s, size_t e, const char *b);
/* mime_gmime_boundary - the boundary GMime 3 reads in a Content-Type value; 0 when none */
int	mime_gmime_boundary(const char *v, char *out, size_t outlen);
/* mime_used - the first "--X" line of [s, e) as a boundary X; 0 when none */
int	mime_used(const char *m, size_t s, size_t e, char *out, size_t outlen);

/* The boundary of the parts mime_yenc_parts makes (no base64 line starts with "--"). */
#define MIME_YENC_BOUNDARY "=_clamshim_yenc"
/* mime_yenc_parts - the yEnc blocks of [s, e) as a multipart body, one base64 part each; NULL: none */
char   *mime_yenc_parts(const char *m, size_t s, size_t e, size_t *outlen);
/* mime_uu_begin - 1 when a line of [d, d + n) is a uuencode "begin NNN " line */
int	mime_uu_begin(const char *d, size_t n);

#endif
