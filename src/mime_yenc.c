/*
 * NAME
 *	mime_yenc 3 - text encodings libclamav leaves alone: yEnc, uuencode
 * SUMMARY
 *	mime_yenc_parts(), mime_uu_begin()
 * DESCRIPTION
 *	libclamav does not decode yEnc ("=ybegin ... =yend", news readers and
 *	a few mail clients do), so a file yEnc-encoded in a text part is not
 *	scanned as that file. mime_yenc_parts() decodes each block of a part
 *	body (a "=ybegin " line, an optional "=ypart " line, the data lines,
 *	up to a "=yend" line or the end of the part: a block without its end
 *	line is decoded as far as it goes) and makes a multipart body with one
 *	base64 application/octet-stream part per block, under the boundary
 *	MIME_YENC_BOUNDARY: the reading mime_check(3) scans in its place.
 *	Bounded: at most MIME_YENC_BLOCKS blocks; the output is at most the
 *	input's size times 4/3 plus the part headers. mime_uu_begin() tells
 *	a uuencode "begin NNN " line in decoded text.
 * DIAGNOSTICS
 *	None: NULL when the body holds no block.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mime_check.h"
#include "mime_int.h"
#include "util.h"

#define MIME_YENC_BLOCKS 16		/* blocks decoded in one part */

/* mime_yenc_starts - 1 when line [s, ce) starts with pfx */
static int
mime_yenc_starts(const char *m, size_t s, size_t ce, const char *pfx)
{
	size_t	n = strlen(pfx);

	return ce - s >= n && memcmp(m + s, pfx, n) == 0;
}

/* mime_yenc_line - 1 when a line of [s, e) starts with pfx; *at its start */
static int
mime_yenc_line(const char *m, size_t s, size_t e, const char *pfx, size_t *at)
{
	size_t	pos, ce, next;

	for (pos = s; pos < e; pos = next) {
		mime_line(m, pos, e, &ce, &next);
		if (mime_yenc_starts(m, pos, ce, pfx)) {
			*at = pos;
			return 1;
		}
	}
	return 0;
}

/* mime_yenc_block - decode the data lines from pos to "=yend" or e into out; the position after */
static size_t
mime_yenc_block(const char *m, size_t pos, size_t e, unsigned char *out, size_t *n)
{
	size_t	ce, next, i;

	*n = 0;
	for (; pos < e; pos = next) {
		mime_line(m, pos, e, &ce, &next);
		if (mime_yenc_starts(m, pos, ce, "=yend"))
			return next;
		if (mime_yenc_starts(m, pos, ce, "=ypart "))
			continue;
		for (i = pos; i < ce; i++) {
			unsigned char c = (unsigned char) m[i];

			if (c == '=' && i + 1 < ce)	/* escaped: the next byte less 64 */
				c = (unsigned char) ((unsigned char) m[++i] - 64);
			out[(*n)++] = (unsigned char) (c - 42);
		}
	}
	return e;
}

/* mime_uu_begin - 1 when a line of [d, d + n) is a uuencode "begin NNN " line */
int
mime_uu_begin(const char *d, size_t n)
{
	size_t	at, i = 0;

	while (mime_yenc_line(d, i, n, "begin ", &at)) {
		if (at + 10 <= n && d[at + 6] >= '0' && d[at + 6] <= '7' && d[at + 7] >= '0'
		    && d[at + 7] <= '7' && d[at + 8] >= '0' && d[at + 8] <= '7' && d[at + 9] == ' ')
			return 1;
		i = at + 1;
	}
	return 0;
}

/* mime_yenc_parts - the multipart body of the blocks of [s, e); NULL when there is none */
char *
mime_yenc_parts(const char *m, size_t s, size_t e, size_t *outlen)
{
	static const char head[] = "--" MIME_YENC_BOUNDARY "\r\nContent-Type: application/"
				   "octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n";
	static const char tail[] = "--" MIME_YENC_BOUNDARY "--\r\n";
	unsigned char *data = util_malloc(e - s + 1);
	char   *out = NULL;
	size_t	pos = s, ce, next, len = 0, blocks = 0;

	while (pos < e && blocks < MIME_YENC_BLOCKS) {
		size_t	n, bl;
		char   *b64;

		mime_line(m, pos, e, &ce, &next);
		if (!mime_yenc_starts(m, pos, ce, "=ybegin ")) {
			pos = next;
			continue;
		}
		pos = mime_yenc_block(m, next, e, data, &n);
		b64 = mime_b64_encode(data, n, &bl);
		out = util_realloc(out, len + sizeof(head) + bl + sizeof(tail));
		memcpy(out + len, head, sizeof(head) - 1);
		len += sizeof(head) - 1;
		memcpy(out + len, b64, bl);	/* it ends with CRLF */
		len += bl;
		free(b64);
		blocks++;
	}
	free(data);
	if (out == NULL)
		return NULL;
	memcpy(out + len, tail, sizeof(tail) - 1);	/* room kept by the last realloc */
	*outlen = len + sizeof(tail) - 1;
	return out;
}
