/*
 * NAME
 *	hdrs 3 - the X-Virus-* header texts, made safe
 * SUMMARY
 *	hdrs_map_char(), hdrs_sanitize(), hdrs_sanitize_n(), hdrs_status(),
 *	hdrs_scanned(), hdrs_is_ours()
 * DESCRIPTION
 *	A virus name, a clamd reason or a host name may come from a hostile
 *	message or peer. Before any of it goes into a header value (or an
 *	SMTP reply, see policy(3)) it passes through hdrs_map_char(): bytes
 *	0x20-0x7e stay, a tab becomes a space, CR, LF, NUL, the other
 *	controls and DEL are dropped, and 8-bit bytes become '?'. Nothing
 *	else is collapsed or trimmed. Every output is bounded by the
 *	caller's buffer and always NUL-terminated (a buffer of size 0 is
 *	left alone); since every output byte is one ASCII byte, truncation
 *	never splits a character.
 *
 *	A limit verdict reads "Unscanned (limit KIND: REASON)", KIND being
 *	size, files, time, nesting or unknown (see scan(3)), or "Unscanned
 *	(limit KIND)" when there is no reason; the other unscanned verdicts
 *	read "Unscanned (REASON)", or the verdict's name without a reason.
 *
 *	hdrs_status() and hdrs_scanned() put outside text between
 *	parentheses. Inside them '(' and ')' become '[' and ']', so a name
 *	like "X) Clean (" cannot close the parenthesis and pretend to be
 *	more structure. hdrs_status() keeps the closing parenthesis when it
 *	must shorten a long name; the name is what gets cut. hdrs_scanned()
 *	is simply cut at the end (its parts are short and ours, apart from
 *	the host name). A missing or empty part reads "unknown".
 *
 *	hdrs_is_ours() says which incoming header names a sender must not
 *	set: every name starting with "X-Virus-", in any case.
 *
 *	The module is pure: no I/O, no libmilter, no libclamav.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hdrs.h"

#define HDRS_OURS_PREFIX	"X-Virus-"

/* hdrs_map_char - what one byte becomes in a header or reply: itself, ' ', '?', or 0 = dropped */
int
hdrs_map_char(unsigned char c)
{
	if (c == '\t')
		return ' ';
	if (c >= 0x20 && c <= 0x7e)
		return c;
	if (c >= 0x80)
		return '?';
	return 0;			/* NUL, CR, LF, other controls, DEL */
}

/* hdrs_bracket - map parentheses of outside text to brackets */
static int
hdrs_bracket(int c)
{
	if (c == '(')
		return '[';
	if (c == ')')
		return ']';
	return c;
}

/*
 * hdrs_append - append srclen bytes of src, sanitized (and with brackets
 * for parentheses when bracket is set), at *pos in dst, keeping room for
 * reserve more bytes and the NUL; returns the number of bytes written.
 */
static size_t
hdrs_append(char *dst, size_t dstlen, size_t *pos, const char *src, size_t srclen,
	    int bracket, size_t reserve)
{
	size_t	i, n = 0;
	int	c;

	if (dstlen == 0 || src == NULL)
		return 0;
	for (i = 0; i < srclen; i++) {
		if (*pos + 1 + reserve >= dstlen)
			break;
		c = hdrs_map_char((unsigned char) src[i]);
		if (c == 0)
			continue;
		if (bracket)
			c = hdrs_bracket(c);
		dst[(*pos)++] = (char) c;
		n++;
	}
	dst[*pos] = 0;
	return n;
}

/* hdrs_sanitize_n - the same for srclen bytes of src, which may hold NUL bytes */
char   *
hdrs_sanitize_n(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t	pos = 0;

	if (dst == NULL || dstlen == 0)
		return dst;
	dst[0] = 0;
	(void) hdrs_append(dst, dstlen, &pos, src, srclen, 0, 0);
	return dst;
}

/* hdrs_sanitize - copy src to dst (size dstlen; 0 = no-op), printable ASCII only; returns dst */
char   *
hdrs_sanitize(char *dst, size_t dstlen, const char *src)
{
	return hdrs_sanitize_n(dst, dstlen, src, src ? strlen(src) : 0);
}

/*
 * hdrs_labelled - "WORD (LEAD: INNER)" into dst, or "WORD (INNER)" when
 * lead is NULL; INNER sanitized with brackets, or fallback when INNER is
 * empty after sanitizing (then "WORD (LEAD)" when there is a lead); INNER
 * is shortened first so that the closing parenthesis stays; a buffer too
 * small for " (x)" after WORD gets WORD alone (cut to fit).
 */
static void
hdrs_labelled(char *dst, size_t dstlen, const char *word, const char *lead,
	      const char *inner, size_t innerlen, const char *fallback)
{
	size_t	pos = 0, mark;

	dst[0] = 0;
	hdrs_append(dst, dstlen, &pos, word, strlen(word), 0, 0);
	/* Room for " (x)" and the NUL, or no parenthesis at all. */
	if (dstlen - pos < 5)
		return;
	hdrs_append(dst, dstlen, &pos, " (", 2, 0, 1);
	if (lead != NULL) {
		hdrs_append(dst, dstlen, &pos, lead, strlen(lead), 1, 1);
		mark = pos;
		hdrs_append(dst, dstlen, &pos, ": ", 2, 0, 1);
		if (hdrs_append(dst, dstlen, &pos, inner, innerlen, 1, 1) == 0) {
			pos = mark;		/* no reason: "(LEAD)" */
			dst[pos] = 0;
		}
	} else if (hdrs_append(dst, dstlen, &pos, inner, innerlen, 1, 1) == 0) {
		hdrs_append(dst, dstlen, &pos, fallback, strlen(fallback), 1, 1);
	}
	hdrs_append(dst, dstlen, &pos, ")", 1, 0, 0);
}

/* hdrs_status - the X-Virus-Status value: "Clean", "Infected (NAME)", "Unscanned (REASON)" */
void
hdrs_status(char *dst, size_t dstlen, const struct scan_verdict *v)
{
	const char *kind;
	char	lead[32];
	size_t	namelen;

	if (dst == NULL || dstlen == 0)
		return;
	if (v == NULL) {
		hdrs_labelled(dst, dstlen, "Unscanned", NULL, "", 0, "unknown");
		return;
	}
	namelen = strnlen(v->name, sizeof(v->name));
	switch (v->result) {
	case SCAN_CLEAN:
		hdrs_sanitize(dst, dstlen, "Clean");
		break;
	case SCAN_INFECTED:
		hdrs_labelled(dst, dstlen, "Infected", NULL, v->name, namelen, "unknown");
		break;
	case SCAN_LIMIT:
		snprintf(lead, sizeof(lead), "limit %s", scan_limit_kind_name(v->limit));
		hdrs_labelled(dst, dstlen, "Unscanned", lead, v->name, namelen, "");
		break;
	case SCAN_AMBIGUOUS:		/* "Unscanned (ambiguous: REASON)" */
		hdrs_labelled(dst, dstlen, "Unscanned", "ambiguous", v->name, namelen, "");
		break;
	case SCAN_ERROR:
	case SCAN_UNAVAILABLE:
	case SCAN_SKIPPED:
		kind = scan_result_name(v->result);
		hdrs_labelled(dst, dstlen, "Unscanned", NULL, v->name, namelen,
			      kind ? kind : "unknown");
		break;
	default:
		/* Never "Clean" for a verdict we do not know. */
		hdrs_labelled(dst, dstlen, "Unscanned", NULL, "", 0, "unknown");
		break;
	}
}

/* hdrs_status_held - the X-Virus-Status of a held message: "Unscanned (held: REASON)" */
void
hdrs_status_held(char *dst, size_t dstlen, const struct scan_verdict *v)
{
	if (dst == NULL || dstlen == 0)
		return;
	if (v == NULL)
		hdrs_labelled(dst, dstlen, "Unscanned", "held", "", 0, "");
	else
		hdrs_labelled(dst, dstlen, "Unscanned", "held", v->name,
			      strnlen(v->name, sizeof(v->name)), "");
}

/* hdrs_scanned - "clamshim VERSION (ClamAV ENGINE) on HOST" */
void
hdrs_scanned(char *dst, size_t dstlen, const char *version, const char *engine,
	     const char *host)
{
	size_t	pos = 0;

	if (dst == NULL || dstlen == 0)
		return;
	dst[0] = 0;
	if (version == NULL || *version == 0)
		version = "unknown";
	if (engine == NULL || *engine == 0)
		engine = "unknown";
	if (host == NULL || *host == 0)
		host = "unknown";
	hdrs_append(dst, dstlen, &pos, "clamshim ", 9, 0, 0);
	hdrs_append(dst, dstlen, &pos, version, strlen(version), 1, 0);
	hdrs_append(dst, dstlen, &pos, " (ClamAV ", 9, 0, 0);
	hdrs_append(dst, dstlen, &pos, engine, strlen(engine), 1, 0);
	hdrs_append(dst, dstlen, &pos, ") on ", 5, 0, 0);
	hdrs_append(dst, dstlen, &pos, host, strlen(host), 1, 0);
}

/* hdrs_is_ours - 1 when a header name is one a sender must not set (X-Virus-*) */
int
hdrs_is_ours(const char *name)
{
	if (name == NULL)
		return 0;
	return strncasecmp(name, HDRS_OURS_PREFIX, sizeof(HDRS_OURS_PREFIX) - 1) == 0;
}
