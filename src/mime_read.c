/*
 * NAME
 *	mime_read 3 - the other readings of an ambiguous message
 * DESCRIPTION
 *	mime_readings_make() starts from the message and repeats, at most
 *	MIME_ROUNDS times: check each current reading (mime_check(3)); one
 *	with a bare CR becomes the same with CRLF line ends; one with edits
 *	becomes the reading with the edits of alternative 0 and 1 and, when
 *	there are edits of alternative 2, a second with those of 0 and 2;
 *	one with nothing left to change is final. At most MIME_MAX_READINGS
 *	are kept at once, and their bytes together are bounded by
 *	MIME_READ_MAX: past a bound the reason says so and the readings
 *	made so far are still returned, to be scanned. The reason of a
 *	message with no ambiguity at all is "" and it has no readings: it
 *	costs one pass over its bytes and nothing else.
 *
 *	Edits overlapping an earlier one are left for the next round.
 * DIAGNOSTICS
 *	None: an allocation failure aborts (util(3)).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime_check.h"
#include "util.h"

#define MIME_READ_MAX	((size_t) 256 << 20)	/* bytes of all readings at once */

static const char mime_b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* mime_b64_encode - base64 of src, 76 columns, CRLF */
char *
mime_b64_encode(const unsigned char *src, size_t len, size_t *outlen)
{
	size_t	quads = (len + 2) / 3, cap = quads * 4 + (quads / 19 + 1) * 2 + 1, o = 0, i;
	char   *out = util_malloc(cap);

	for (i = 0; i < len; i += 3) {
		unsigned v = (unsigned) src[i] << 16;

		if (i + 1 < len)
			v |= (unsigned) src[i + 1] << 8;
		if (i + 2 < len)
			v |= src[i + 2];
		out[o++] = mime_b64[(v >> 18) & 63];
		out[o++] = mime_b64[(v >> 12) & 63];
		out[o++] = i + 1 < len ? mime_b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? mime_b64[v & 63] : '=';
		if ((i / 3) % 19 == 18) {
			out[o++] = '\r';
			out[o++] = '\n';
		}
	}
	if (o == 0 || out[o - 1] != '\n') {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	*outlen = o;
	return out;
}

/* mime_b64_value - the value of a base64 character, -1 for any other byte */
static int
mime_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* mime_b64_decode - lenient: every byte outside the alphabet, '=' too, skipped */
unsigned char *
mime_b64_decode(const char *src, size_t len, size_t *outlen)
{
	unsigned char *out = util_malloc(len / 4 * 3 + 3);
	unsigned acc = 0;
	size_t	o = 0, i;
	int	bits = 0, v;

	for (i = 0; i < len; i++) {
		if ((v = mime_b64_value((unsigned char) src[i])) < 0)
			continue;
		acc = (acc << 6) | (unsigned) v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char) (acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	*outlen = o;
	return out;
}

/* mime_hex - the value of a hex digit, -1 otherwise */
static int
mime_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* mime_qp_decode - quoted-printable; "=XX" decoded, soft line breaks removed */
unsigned char *
mime_qp_decode(const char *src, size_t len, size_t *outlen)
{
	unsigned char *out = util_malloc(len + 1);
	size_t	o = 0, i;

	for (i = 0; i < len; i++) {
		if (src[i] != '=') {
			out[o++] = (unsigned char) src[i];
		} else if (i + 2 < len && mime_hex(src[i + 1]) >= 0 && mime_hex(src[i + 2]) >= 0) {
			out[o++] = (unsigned char) (mime_hex(src[i + 1]) * 16 + mime_hex(src[i + 2]));
			i += 2;
		} else if (i + 1 < len && src[i + 1] == '\n') {
			i++;
		} else if (i + 2 < len && src[i + 1] == '\r' && src[i + 2] == '\n') {
			i += 2;
		} else {
			out[o++] = '=';
		}
	}
	*outlen = o;
	return out;
}

/* mime_crlf - msg with every line end CRLF (a bare CR or a bare LF becomes CRLF) */
static char *
mime_crlf(const char *msg, size_t len, size_t *outlen)
{
	char   *out = util_malloc(len * 2 + 1);
	size_t	o = 0, i;

	for (i = 0; i < len; i++) {
		if (msg[i] == '\r') {
			out[o++] = '\r';
			out[o++] = '\n';
			if (i + 1 < len && msg[i + 1] == '\n')
				i++;
		} else if (msg[i] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
		} else {
			out[o++] = msg[i];
		}
	}
	*outlen = o;
	return out;
}

/* mime_edit_cmp - by offset, then insertions first, for qsort */
static int
mime_edit_cmp(const void *a, const void *b)
{
	const struct mime_edit *x = *(const struct mime_edit *const *) a;
	const struct mime_edit *y = *(const struct mime_edit *const *) b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* mime_apply - msg with the edits of alternative 0 and alt; overlapping ones left out */
static char *
mime_apply(const char *msg, size_t len, const struct mime_report *r, int alt, size_t *outlen)
{
	const struct mime_edit *e[MIME_MAX_EDITS];
	size_t	n = 0, i, cap = len + 1, o = 0, pos = 0;
	char   *out;

	for (i = 0; i < r->nedits; i++)
		if (r->edit[i].alt == 0 || r->edit[i].alt == alt) {
			e[n++] = &r->edit[i];
			cap += r->edit[i].textlen;
		}
	qsort(e, n, sizeof(e[0]), mime_edit_cmp);
	out = util_malloc(cap);
	for (i = 0; i < n; i++) {
		if (e[i]->off < pos || e[i]->off + e[i]->len > len)
			continue;		/* overlaps: the next round sees it again */
		memcpy(out + o, msg + pos, e[i]->off - pos);
		o += e[i]->off - pos;
		if (e[i]->textlen)
			memcpy(out + o, e[i]->text, e[i]->textlen);
		o += e[i]->textlen;
		pos = e[i]->off + e[i]->len;
	}
	memcpy(out + o, msg + pos, len - pos);
	*outlen = o + len - pos;
	return out;
}

/* mime_reason - keep the first reason */
static void
mime_reason(struct mime_readings *rd, const char *why)
{
	if (rd->reason[0] == 0)
		snprintf(rd->reason, sizeof(rd->reason), "%s", why);
}

/* mime_keep - add a reading to set (buf, len, n); freed when there is no room */
static void
mime_keep(struct mime_readings *set, char *buf, size_t len, size_t *bytes,
	  struct mime_readings *rd)
{
	if (set->n >= MIME_MAX_READINGS || *bytes + len > MIME_READ_MAX) {
		mime_reason(rd, "too many readings");
		free(buf);
		return;
	}
	*bytes += len;
	set->buf[set->n] = buf;
	set->len[set->n++] = len;
}

/* mime_readings_make - the other readings of msg */
void
mime_readings_make(const char *msg, size_t len, struct mime_readings *rd)
{
	struct mime_readings cur, next;
	struct mime_report *r = util_malloc(sizeof(*r));
	size_t	i, bytes, round;

	memset(rd, 0, sizeof(*rd));
	memset(&cur, 0, sizeof(cur));
	for (round = 0; round <= MIME_ROUNDS; round++) {
		size_t	ncur = round == 0 ? 1 : cur.n;

		if (ncur == 0)
			break;
		memset(&next, 0, sizeof(next));
		bytes = 0;
		for (i = 0; i < ncur; i++) {
			const char *b = round == 0 ? msg : cur.buf[i];
			size_t	bl = round == 0 ? len : cur.len[i], ol = 0;

			(void) mime_check(b, bl, r);
			rd->found |= r->found;
			if (r->unresolved)
				mime_reason(rd, r->reason);
			if (round == MIME_ROUNDS && (r->nedits || r->found & MIME_BARE_CR))
				mime_reason(rd, "ambiguities nested too deep");
			if (r->found & MIME_BARE_CR && round < MIME_ROUNDS) {
				char   *o = mime_crlf(b, bl, &ol);

				mime_keep(&next, o, ol, &bytes, rd);
			} else if (r->nedits && round < MIME_ROUNDS) {
				int	two = 0;
				size_t	k;

				for (k = 0; k < r->nedits; k++)
					two |= r->edit[k].alt == 2;
				char   *o = mime_apply(b, bl, r, 1, &ol);

				mime_keep(&next, o, ol, &bytes, rd);	/* ol is set only once it returned */
				if (two) {
					o = mime_apply(b, bl, r, 2, &ol);
					mime_keep(&next, o, ol, &bytes, rd);
				}
			} else if (round > 0 && rd->n < MIME_MAX_READINGS) {
				rd->buf[rd->n] = cur.buf[i];	/* final */
				rd->len[rd->n++] = cur.len[i];
				cur.buf[i] = NULL;
			} else if (round > 0) {
				mime_reason(rd, "too many readings");
			}
			mime_report_free(r);
		}
		for (i = 0; i < cur.n; i++)
			free(cur.buf[i]);
		cur = next;
	}
	for (i = 0; i < cur.n; i++)
		free(cur.buf[i]);
	free(r);
}

/* mime_readings_free - free the readings */
void
mime_readings_free(struct mime_readings *rd)
{
	size_t	i;

	for (i = 0; i < rd->n; i++)
		free(rd->buf[i]);
	rd->n = 0;
}
