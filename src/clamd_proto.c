/*
 * NAME
 *	clamd_proto 3 - clamd's reply parser and server specs, pure functions
 * DESCRIPTION
 *	See clamd_proto(3h). Replies are framed first (clamd_reply_line():
 *	one NUL at the end, printable, at most CLAMD_REPLY_MAX bytes), then
 *	matched exactly; anything else is CLAMD_REPLY_BAD with the first
 *	bytes escaped for the log. Server specs are checked byte by byte,
 *	so a spec that parses is safe to use as a socket path or a host name.
 * DIAGNOSTICS
 *	None: reasons go into the caller's buffer.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clamd_proto.h"

/* the name clamd gives to a file it stopped scanning at a limit (AlertExceedsMax yes) */
static const char clamd_limit_prefix[] = "Heuristics.Limits.Exceeded";

/* clamd_fmt - snprintf that may truncate on purpose */
void
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
void
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
static long
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
static int
clamd_ends_with(const char *line, size_t n, const char *suffix)
{
	size_t	k = strlen(suffix);

	return n >= k && memcmp(line + n - k, suffix, k) == 0;
}

/* clamd_parse_reply - classify a zINSTREAM reply; out gets the name, reason or why */
enum clamd_reply
clamd_parse_reply(const char *buf, size_t len, char *out, size_t outlen)
{
	static const char prefix[] = "stream: ";
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
		if (strncmp(out, clamd_limit_prefix, sizeof(clamd_limit_prefix) - 1) == 0)
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
int
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
static int
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
int
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
time_t
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
static int
clamd_host_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || c == '.' || c == '-' || c == '_';
}

/* clamd_parse_spec - "unix:/PATH" or "tcp:HOST:PORT" or "tcp:[V6]:PORT"; 0 ok, -1 with err */
int
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
void
clamd_chunk_header(unsigned char h[4], uint32_t len)
{
	h[0] = (unsigned char) (len >> 24);
	h[1] = (unsigned char) (len >> 16);
	h[2] = (unsigned char) (len >> 8);
	h[3] = (unsigned char) len;
}

/* clamd_has_eicar - 1 when name contains "eicar" in any case */
static int
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
enum scan_limits
clamd_limits_answer(enum clamd_reply r, const char *out)
{
	switch (r) {
	case CLAMD_REPLY_CLEAN:
		return SCAN_LIMITS_UNREPORTED;
	case CLAMD_REPLY_INFECTED:
		return clamd_has_eicar(out) ? SCAN_LIMITS_REPORTED : SCAN_LIMITS_UNREPORTED;
	case CLAMD_REPLY_LIMIT:
		return strncmp(out, clamd_limit_prefix, sizeof(clamd_limit_prefix) - 1) == 0
		    ? SCAN_LIMITS_REPORTED : SCAN_LIMITS_UNREPORTED;
	case CLAMD_REPLY_ERROR:
	case CLAMD_REPLY_BAD:
	default:
		return SCAN_LIMITS_UNKNOWN;
	}
}
