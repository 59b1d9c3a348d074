/*
 * NAME
 *	clamd_proto 3h - clamd's reply parser and server specs, pure functions
 * SUMMARY
 *	clamd_parse_reply(), clamd_parse_pong(), clamd_parse_version(),
 *	clamd_parse_spec(), clamd_chunk_header(), clamd_sanitize(),
 *	clamd_limits_probe(), clamd_limits_answer()
 * DESCRIPTION
 *	Kept apart from the socket code so that it can be tested table-driven
 *	and fuzzed. Everything a clamd says is hostile: replies are bounded
 *	and parsed strictly.
 *
 *	clamshim speaks the 'z' form of clamd's commands (zINSTREAM, zPING,
 *	zVERSION): every reply ends with one NUL byte. A reply is handed to
 *	the parsers as all bytes received up to and including the first NUL
 *	(plus whatever else came in the same read): a reply with no NUL at
 *	its end, a NUL before its end, a byte that is not printable ASCII, or
 *	more than CLAMD_REPLY_MAX bytes is not a reply at all.
 *
 *	clamd_limits_probe() builds the stream that finds out whether a
 *	clamd reports the limits it hits (AlertExceedsMax yes) or answers OK
 *	past them (clamd's default): the EICAR test file, deflated, in a zip,
 *	in a zip, ... CLAMD_PROBE_DEPTH zips deep, every outer zip stored (not
 *	compressed), one byte of name per entry: about 100 bytes per level,
 *	6.5 KB in all. The deflated innermost layer keeps the EICAR bytes out
 *	of every outer layer, so that a signature matching EICAR anywhere
 *	in a file cannot answer for the outer zip: only a clamd that unpacked
 *	all 64 levels can name EICAR. clamd_limits_answer() judges the reply:
 *	Heuristics.Limits.Exceeded.* or an EICAR name is honest, OK is not.
 *
 *	The functions are static inline so that a test or a fuzzer needs
 *	nothing but this header; none of them allocates, blocks or logs.
 * DIAGNOSTICS
 *	Functions that can fail fill a caller's buffer with a short reason
 *	that is safe to log (hostile bytes are escaped).
 */
#ifndef CLAMSHIM_CLAMD_PROTO_H
#define CLAMSHIM_CLAMD_PROTO_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "scan.h"

#define CLAMD_REPLY_MAX		1024	/* longest reply accepted, NUL included */
#define CLAMD_SPEC_MAX		128	/* longest server spec */
#define CLAMD_PATH_MAX		108	/* sizeof(sun_path) on Linux, NUL included */
#define CLAMD_HOST_MAX		256	/* host name or address, NUL included */

/* What a zINSTREAM reply says. */
enum clamd_reply {
	CLAMD_REPLY_CLEAN = 0,		/* "stream: OK" */
	CLAMD_REPLY_INFECTED,		/* "stream: NAME FOUND"; out = NAME */
	CLAMD_REPLY_LIMIT,		/* size limit or Heuristics.Limits.Exceeded.*; out = reason */
	CLAMD_REPLY_ERROR,		/* "MESSAGE ERROR"; out = MESSAGE */
	CLAMD_REPLY_BAD			/* not a reply: the server failed; out = why */
};

enum clamd_spec_kind { CLAMD_SPEC_UNIX = 0, CLAMD_SPEC_TCP };

/* A parsed server spec: "unix:/PATH", "tcp:HOST:PORT", "tcp:[V6ADDR]:PORT". */
struct clamd_spec {
	enum clamd_spec_kind kind;
	char	path[CLAMD_PATH_MAX];	/* unix */
	char	host[CLAMD_HOST_MAX];	/* tcp, brackets removed */
	char	port[6];		/* tcp, 1..65535 as digits */
};

/* clamd_fmt - snprintf that may truncate on purpose */
static inline void clamd_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void
clamd_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;

	if (len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* clamd_sanitize - copy up to max bytes of src as printable text, escaping the rest */
static inline void
clamd_sanitize(char *dst, size_t dstlen, const char *src, size_t srclen, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t	i, o = 0;

	if (dstlen == 0)
		return;
	for (i = 0; i < srclen && i < max; i++) {
		unsigned char c = (unsigned char) src[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			if (o + 1 >= dstlen)
				break;
			dst[o++] = (char) c;
		} else {
			if (o + 4 >= dstlen)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	if (i < srclen && o + 3 < dstlen) {
		dst[o++] = '.';
		dst[o++] = '.';
		dst[o++] = '.';
	}
	dst[o] = 0;
}

/* clamd_reply_line - check framing; the line's length without the NUL, or -1 with why */
static inline long
clamd_reply_line(const char *buf, size_t len, char *why, size_t whylen)
{
	char	show[64];
	size_t	i;

	if (len == 0) {
		clamd_fmt(why, whylen, "connection closed without a reply");
		return -1;
	}
	if (len > CLAMD_REPLY_MAX) {
		clamd_fmt(why, whylen, "reply longer than %d bytes", CLAMD_REPLY_MAX);
		return -1;
	}
	clamd_sanitize(show, sizeof(show), buf, len, 40);
	for (i = 0; i < len; i++)
		if (buf[i] == 0)
			break;
	if (i == len) {
		clamd_fmt(why, whylen, "reply not terminated: \"%s\"", show);
		return -1;
	}
	if (i + 1 != len) {
		clamd_fmt(why, whylen, "bytes after the end of the reply: \"%s\"", show);
		return -1;
	}
	for (i = 0; i + 1 < len; i++) {
		unsigned char c = (unsigned char) buf[i];

		if (c < 0x20 || c >= 0x7f) {
			clamd_fmt(why, whylen, "unprintable byte in reply: \"%s\"", show);
			return -1;
		}
	}
	return (long) (len - 1);
}

/* clamd_ends_with - 1 when line[0..n) ends with suffix */
static inline int
clamd_ends_with(const char *line, size_t n, const char *suffix)
{
	size_t	k = strlen(suffix);

	return n >= k && memcmp(line + n - k, suffix, k) == 0;
}

/* clamd_parse_reply - classify a zINSTREAM reply; out gets the name, reason or why */
static inline enum clamd_reply
clamd_parse_reply(const char *buf, size_t len, char *out, size_t outlen)
{
	static const char prefix[] = "stream: ";
	static const char limit_prefix[] = "Heuristics.Limits.Exceeded";
	static const char size_msg[] = "INSTREAM size limit exceeded.";
	const size_t plen = sizeof(prefix) - 1;
	char	show[64];
	const char *p;
	long	n;
	size_t	k;

	if (outlen == 0)
		return CLAMD_REPLY_BAD;
	out[0] = 0;
	if ((n = clamd_reply_line(buf, len, out, outlen)) < 0)
		return CLAMD_REPLY_BAD;
	clamd_sanitize(show, sizeof(show), buf, (size_t) n, 40);
	if ((size_t) n == plen + 2 && memcmp(buf, "stream: OK", plen + 2) == 0)
		return CLAMD_REPLY_CLEAN;
	if (clamd_ends_with(buf, (size_t) n, " FOUND")) {
		if ((size_t) n < plen + 7 || memcmp(buf, prefix, plen) != 0)
			goto bad;
		p = buf + plen;
		k = (size_t) n - plen - 6;		/* the name between */
		if (k == 0 || p[0] == ' ' || p[k - 1] == ' ' || k >= SCAN_NAME_MAX || k >= outlen)
			goto bad;
		memcpy(out, p, k);
		out[k] = 0;
		if (strncmp(out, limit_prefix, sizeof(limit_prefix) - 1) == 0)
			return CLAMD_REPLY_LIMIT;
		return CLAMD_REPLY_INFECTED;
	}
	if (clamd_ends_with(buf, (size_t) n, " ERROR")) {
		p = buf;
		k = (size_t) n - 6;
		if (k == sizeof(size_msg) - 1 && memcmp(p, size_msg, k) == 0) {
			clamd_fmt(out, outlen, "size");
			return CLAMD_REPLY_LIMIT;
		}
		if (k >= plen - 1 && memcmp(p, prefix, plen - 1) == 0) {
			if (k <= plen || p[plen - 1] != ' ')
				goto bad;	/* "stream:" must be followed by " MESSAGE" */
			p += plen;
			k -= plen;
		}
		while (k > 0 && p[k - 1] == ' ')
			k--;
		while (k > 0 && p[0] == ' ') {
			p++;
			k--;
		}
		if (k == 0)
			goto bad;
		if (k >= outlen)
			k = outlen - 1;
		memcpy(out, p, k);
		out[k] = 0;
		return CLAMD_REPLY_ERROR;
	}
bad:
	clamd_fmt(out, outlen, "unexpected reply: \"%s\"", show);
	return CLAMD_REPLY_BAD;
}

/* clamd_parse_pong - 0 when the reply is exactly "PONG", else -1 with why */
static inline int
clamd_parse_pong(const char *buf, size_t len, char *why, size_t whylen)
{
	char	show[64];
	long	n;

	if ((n = clamd_reply_line(buf, len, why, whylen)) < 0)
		return -1;
	if (n == 4 && memcmp(buf, "PONG", 4) == 0)
		return 0;
	clamd_sanitize(show, sizeof(show), buf, (size_t) n, 40);
	clamd_fmt(why, whylen, "unexpected reply to PING: \"%s\"", show);
	return -1;
}

/* clamd_version_char - characters allowed in a version number */
static inline int
clamd_version_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || c == '.' || c == '-' || c == '_' || c == '+' || c == '~';
}

/*
 * clamd_parse_version - "ClamAV 1.4.6/27432/DATE" to engine "1.4.6/27432"
 * and sig "27432"; "ClamAV 1.4.6" (no daily database) gives "1.4.6/0" and "".
 * 0 ok, -1 with why in engine.
 */
static inline int
clamd_parse_version(const char *buf, size_t len, char *engine, size_t englen,
		    char *sig, size_t siglen)
{
	char	show[64];
	size_t	i, v, d;
	long	n;

	if (englen == 0 || siglen == 0)
		return -1;
	sig[0] = 0;
	if ((n = clamd_reply_line(buf, len, engine, englen)) < 0)
		return -1;
	clamd_sanitize(show, sizeof(show), buf, (size_t) n, 40);
	if ((size_t) n < 8 || memcmp(buf, "ClamAV ", 7) != 0)
		goto bad;
	for (i = 7; i < (size_t) n && clamd_version_char(buf[i]); i++)
		;
	v = i - 7;
	if (v == 0 || v > 40)
		goto bad;
	if (i == (size_t) n) {		/* no daily database: signature version 0, as embedded says */
		if (v + 2 >= englen)
			goto bad;
		memcpy(engine, buf + 7, v);
		memcpy(engine + v, "/0", 3);
		return 0;
	}
	if (buf[i] != '/')
		goto bad;
	for (i++, d = 0; i < (size_t) n && buf[i] >= '0' && buf[i] <= '9'; i++)
		d++;
	if (d == 0 || d > 15 || (i < (size_t) n && buf[i] != '/'))
		goto bad;
	if (v + 1 + d >= englen || d >= siglen)
		goto bad;
	memcpy(engine, buf + 7, v + 1 + d);
	engine[v + 1 + d] = 0;
	memcpy(sig, buf + 7 + v + 1, d);
	sig[d] = 0;
	return 0;
bad:
	clamd_fmt(engine, englen, "unexpected reply to VERSION: \"%s\"", show);
	sig[0] = 0;
	return -1;
}

/*
 * clamd_version_time - the signature build time in a VERSION reply
 * ("ClamAV 1.4.6/27432/Sun Nov 29 09:12:33 2026", clamd's local time),
 * or 0 when the reply carries none or it does not parse.
 */
static inline time_t
clamd_version_time(const char *buf, size_t len)
{
	char	line[128];
	const char *p, *end;
	struct tm tm;
	size_t	n;

	for (n = 0; n < len && n < sizeof(line) - 1 && buf[n] && buf[n] != '\n'; n++)
		line[n] = buf[n];
	line[n] = 0;
	if ((p = strchr(line, '/')) == NULL || (p = strchr(p + 1, '/')) == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	end = strptime(p + 1, "%a %b %d %H:%M:%S %Y", &tm);
	if (end == NULL || *end != 0)
		return 0;
	tm.tm_isdst = -1;
	return mktime(&tm) == (time_t) -1 ? 0 : mktime(&tm);
}

/* clamd_host_char - characters allowed in a host name or address */
static inline int
clamd_host_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || c == '.' || c == '-' || c == '_';
}

/* clamd_parse_spec - "unix:/PATH" or "tcp:HOST:PORT" or "tcp:[V6]:PORT"; 0 ok, -1 with err */
static inline int
clamd_parse_spec(const char *spec, struct clamd_spec *out, char *err, size_t errlen)
{
	const char *h, *hend, *port;
	size_t	n, i;
	unsigned long pnum;

	memset(out, 0, sizeof(*out));
	if (spec == NULL || (n = strlen(spec)) == 0) {
		clamd_fmt(err, errlen, "empty clamd server spec");
		return -1;
	}
	if (n >= CLAMD_SPEC_MAX) {
		clamd_fmt(err, errlen, "clamd server spec longer than %d bytes", CLAMD_SPEC_MAX - 1);
		return -1;
	}
	if (strncmp(spec, "unix:", 5) == 0) {
		out->kind = CLAMD_SPEC_UNIX;
		if (spec[5] != '/') {
			clamd_fmt(err, errlen, "%s: the socket path must be absolute", spec);
			return -1;
		}
		if (n - 5 >= CLAMD_PATH_MAX) {
			clamd_fmt(err, errlen, "%s: socket path too long", spec);
			return -1;
		}
		for (i = 5; i < n; i++)
			if ((unsigned char) spec[i] < 0x20 || spec[i] == 0x7f) {
				clamd_fmt(err, errlen, "%s: control character in socket path", spec);
				return -1;
			}
		memcpy(out->path, spec + 5, n - 5 + 1);
		return 0;
	}
	if (strncmp(spec, "tcp:", 4) != 0) {
		clamd_fmt(err, errlen, "%s: expected unix:PATH or tcp:HOST:PORT", spec);
		return -1;
	}
	out->kind = CLAMD_SPEC_TCP;
	h = spec + 4;
	if (*h == '[') {
		h++;
		if ((hend = strchr(h, ']')) == NULL || hend[1] != ':') {
			clamd_fmt(err, errlen, "%s: expected tcp:[ADDRESS]:PORT", spec);
			return -1;
		}
		for (i = 0; h + i < hend; i++)
			if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')
			      || (h[i] >= 'A' && h[i] <= 'F') || h[i] == ':' || h[i] == '.')) {
				clamd_fmt(err, errlen, "%s: bad IPv6 address", spec);
				return -1;
			}
		if (hend == h || memchr(h, ':', (size_t) (hend - h)) == NULL) {
			clamd_fmt(err, errlen, "%s: bad IPv6 address", spec);
			return -1;
		}
		port = hend + 2;
	} else {
		if ((hend = strchr(h, ':')) == NULL) {
			clamd_fmt(err, errlen, "%s: expected tcp:HOST:PORT", spec);
			return -1;
		}
		if (strchr(hend + 1, ':') != NULL) {
			clamd_fmt(err, errlen, "%s: an IPv6 address must be in brackets", spec);
			return -1;
		}
		for (i = 0; h + i < hend; i++)
			if (!clamd_host_char(h[i])) {
				clamd_fmt(err, errlen, "%s: bad character in host", spec);
				return -1;
			}
		port = hend + 1;
	}
	if (hend == h || (size_t) (hend - h) >= CLAMD_HOST_MAX) {
		clamd_fmt(err, errlen, "%s: empty or too long host", spec);
		return -1;
	}
	for (i = 0, pnum = 0; port[i]; i++) {
		if (port[i] < '0' || port[i] > '9' || i >= 5) {
			clamd_fmt(err, errlen, "%s: bad port", spec);
			return -1;
		}
		pnum = pnum * 10 + (unsigned long) (port[i] - '0');
	}
	if (i == 0 || pnum == 0 || pnum > 65535) {
		clamd_fmt(err, errlen, "%s: port must be 1..65535", spec);
		return -1;
	}
	memcpy(out->host, h, (size_t) (hend - h));
	out->host[hend - h] = 0;
	clamd_fmt(out->port, sizeof(out->port), "%lu", pnum);
	return 0;
}

/* clamd_chunk_header - the 4-byte big-endian length that starts an INSTREAM chunk */
static inline void
clamd_chunk_header(unsigned char h[4], uint32_t len)
{
	h[0] = (unsigned char) (len >> 24);
	h[1] = (unsigned char) (len >> 16);
	h[2] = (unsigned char) (len >> 8);
	h[3] = (unsigned char) len;
}

/* ---- the limits probe ---- */

#define CLAMD_PROBE_DEPTH	64	/* zips nested: past any sane MaxRecursion (clamd's default 17) */
#define CLAMD_PROBE_LOCAL	31	/* a local file header with a one-byte name */
#define CLAMD_PROBE_TAIL	69	/* central directory entry (47) and end record (22) */
#define CLAMD_PROBE_MAX		(CLAMD_PROBE_DEPTH * (CLAMD_PROBE_LOCAL + CLAMD_PROBE_TAIL) + 128)

/* clamd_crc32 - the CRC-32 of zip (and zlib), bit by bit */
static inline uint32_t
clamd_crc32(const unsigned char *p, size_t len)
{
	uint32_t crc = 0xffffffffu;
	int	k;

	while (len-- > 0) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* A bit writer for deflate: bits go into bytes from the lowest bit up. */
struct clamd_bits {
	unsigned char *p;
	size_t	cap;
	size_t	len;
	unsigned acc;
	int	nacc;
	int	full;		/* cap was too small */
};

/* clamd_bits_put - n bits of v, lowest first */
static inline void
clamd_bits_put(struct clamd_bits *b, unsigned v, int n)
{
	while (n-- > 0) {
		b->acc |= (v & 1u) << b->nacc;
		v >>= 1;
		if (++b->nacc == 8) {
			if (b->len < b->cap)
				b->p[b->len++] = (unsigned char) b->acc;
			else
				b->full = 1;
			b->acc = 0;
			b->nacc = 0;
		}
	}
}

/* clamd_bits_code - a Huffman code of n bits, highest bit first (RFC 1951 3.1.1) */
static inline void
clamd_bits_code(struct clamd_bits *b, unsigned code, int n)
{
	while (n-- > 0)
		clamd_bits_put(b, code >> n, 1);
}

/*
 * clamd_deflate_fixed - in as one final deflate block of literals with the
 * fixed Huffman codes (RFC 1951 3.2.6); its length, or 0 when cap is too small
 */
static inline size_t
clamd_deflate_fixed(const unsigned char *in, size_t len, unsigned char *out, size_t cap)
{
	struct clamd_bits b = { out, cap, 0, 0, 0, 0 };
	size_t	i;

	clamd_bits_put(&b, 1, 1);			/* BFINAL */
	clamd_bits_put(&b, 1, 2);			/* BTYPE 01: fixed codes */
	for (i = 0; i < len; i++) {
		if (in[i] < 144)
			clamd_bits_code(&b, 0x30u + in[i], 8);
		else
			clamd_bits_code(&b, 0x190u + (unsigned) (in[i] - 144), 9);
	}
	clamd_bits_code(&b, 0, 7);			/* 256: end of block */
	if (b.nacc > 0)
		clamd_bits_put(&b, 0, 8 - b.nacc);	/* pad to a byte */
	return b.full ? 0 : b.len;
}

/* clamd_le - n bytes of v, little-endian, at p */
static inline void
clamd_le(unsigned char *p, uint32_t v, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char) (v >> (8 * i));
}

/* One zip entry as its headers describe it. */
struct clamd_zip_entry {
	unsigned method;	/* 0 stored, 8 deflated */
	uint32_t crc;
	uint32_t csize;		/* bytes in the zip */
	uint32_t usize;		/* bytes unpacked */
};

/* clamd_zip_local - the local file header (CLAMD_PROBE_LOCAL bytes, name "p") at p */
static inline void
clamd_zip_local(unsigned char *p, const struct clamd_zip_entry *e)
{
	memset(p, 0, CLAMD_PROBE_LOCAL);
	clamd_le(p, 0x04034b50u, 4);			/* local file header signature */
	clamd_le(p + 4, e->method ? 20 : 10, 2);	/* version needed */
	clamd_le(p + 8, e->method, 2);
	clamd_le(p + 14, e->crc, 4);
	clamd_le(p + 18, e->csize, 4);
	clamd_le(p + 22, e->usize, 4);
	clamd_le(p + 26, 1, 2);				/* name length */
	p[30] = 'p';
}

/* clamd_zip_tail - central directory entry and end record (CLAMD_PROBE_TAIL bytes) at p */
static inline void
clamd_zip_tail(unsigned char *p, const struct clamd_zip_entry *e)
{
	memset(p, 0, CLAMD_PROBE_TAIL);
	clamd_le(p, 0x02014b50u, 4);			/* central directory signature */
	clamd_le(p + 4, 20, 2);				/* version made by */
	clamd_le(p + 6, e->method ? 20 : 10, 2);
	clamd_le(p + 10, e->method, 2);
	clamd_le(p + 16, e->crc, 4);
	clamd_le(p + 20, e->csize, 4);
	clamd_le(p + 24, e->usize, 4);
	clamd_le(p + 28, 1, 2);				/* name length; local header at 0 */
	p[46] = 'p';
	p += 47;
	clamd_le(p, 0x06054b50u, 4);			/* end of central directory */
	clamd_le(p + 8, 1, 2);				/* entries on this disk */
	clamd_le(p + 10, 1, 2);				/* entries */
	clamd_le(p + 12, 47, 4);			/* central directory size */
	clamd_le(p + 16, CLAMD_PROBE_LOCAL + e->csize, 4);	/* and where it starts */
}

/* clamd_eicar - the 68-byte EICAR test file, from its reverse (so no binary is the test file) */
static inline void
clamd_eicar(unsigned char out[68])
{
	static const char rev[] =
	    "*H+H$!ELIF-TSET-SURIVITNA-DRADNATS-RACIE$}7)CC7)^P(45XZP\\4[PA@%P!O5X";
	size_t	i;

	for (i = 0; i < 68; i++)
		out[i] = (unsigned char) rev[67 - i];
}

/*
 * clamd_limits_probe - the limits probe (see DESCRIPTION) into buf; its
 * length, or 0 when cap is under CLAMD_PROBE_MAX. Built from the inside
 * out in place: level k's local header goes just before its content,
 * its central directory and end record just after.
 */
static inline size_t
clamd_limits_probe(unsigned char *buf, size_t cap)
{
	unsigned char eicar[68];
	struct clamd_zip_entry e;
	size_t	start, end, dlen;
	int	k;

	if (cap < CLAMD_PROBE_MAX)
		return 0;
	clamd_eicar(eicar);
	start = (size_t) CLAMD_PROBE_DEPTH * CLAMD_PROBE_LOCAL;
	dlen = clamd_deflate_fixed(eicar, sizeof(eicar), buf + start, cap - start);
	if (dlen == 0 || start + dlen + (size_t) CLAMD_PROBE_DEPTH * CLAMD_PROBE_TAIL > cap)
		return 0;
	end = start + dlen;
	e.method = 8;
	e.crc = clamd_crc32(eicar, sizeof(eicar));
	e.csize = (uint32_t) dlen;
	e.usize = sizeof(eicar);
	for (k = 0; k < CLAMD_PROBE_DEPTH; k++) {
		start -= CLAMD_PROBE_LOCAL;
		clamd_zip_local(buf + start, &e);
		clamd_zip_tail(buf + end, &e);
		end += CLAMD_PROBE_TAIL;
		e.method = 0;
		e.csize = e.usize = (uint32_t) (end - start);
		e.crc = clamd_crc32(buf + start, end - start);
	}
	return end;
}

/* clamd_has_eicar - 1 when name contains "eicar" in any case */
static inline int
clamd_has_eicar(const char *name)
{
	size_t	i, k;

	for (i = 0; name[i]; i++) {
		for (k = 0; k < 5 && name[i + k] && (name[i + k] | 0x20) == "eicar"[k]; k++)
			;
		if (k == 5)
			return 1;
	}
	return 0;
}

/*
 * clamd_limits_answer - what a parsed reply to the limits probe says:
 * SCAN_LIMITS_REPORTED for a Heuristics.Limits.Exceeded.* name or an
 * EICAR name, SCAN_LIMITS_UNREPORTED for OK or any other name (the
 * probe proves nothing then: its OK answers cannot be trusted), and
 * SCAN_LIMITS_UNKNOWN (ask again later) for an error or no reply.
 */
static inline enum scan_limits
clamd_limits_answer(enum clamd_reply r, const char *out)
{
	static const char limit_prefix[] = "Heuristics.Limits.Exceeded";

	switch (r) {
	case CLAMD_REPLY_CLEAN:
		return SCAN_LIMITS_UNREPORTED;
	case CLAMD_REPLY_INFECTED:
		return clamd_has_eicar(out) ? SCAN_LIMITS_REPORTED : SCAN_LIMITS_UNREPORTED;
	case CLAMD_REPLY_LIMIT:
		return strncmp(out, limit_prefix, sizeof(limit_prefix) - 1) == 0
		    ? SCAN_LIMITS_REPORTED : SCAN_LIMITS_UNREPORTED;
	case CLAMD_REPLY_ERROR:
	case CLAMD_REPLY_BAD:
	default:
		return SCAN_LIMITS_UNKNOWN;
	}
}

#endif
