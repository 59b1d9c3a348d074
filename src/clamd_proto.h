/*
 * NAME
 *	clamd_proto 3h - clamd's reply parser and server specs, pure functions
 * SUMMARY
 *	clamd_parse_reply(), clamd_parse_pong(), clamd_parse_version(),
 *	clamd_version_time(), clamd_parse_spec(), clamd_chunk_header(),
 *	clamd_sanitize(), clamd_fmt(), clamd_limits_answer()
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
 *	clamd_limits_answer() judges the reply to the limits probe (built by
 *	clamd_limits_probe(), see clamd_zip(3h)): Heuristics.Limits.Exceeded.*
 *	or an EICAR name is honest, OK is not.
 *
 *	None of these functions allocates, blocks or logs.
 * DIAGNOSTICS
 *	Functions that can fail fill a caller's buffer with a short reason
 *	that is safe to log (hostile bytes are escaped).
 */
#ifndef CLAMSHIM_CLAMD_PROTO_H
#define CLAMSHIM_CLAMD_PROTO_H

#include <stddef.h>
#include <stdint.h>
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
void	clamd_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* clamd_sanitize - copy up to max bytes of src as printable text, escaping the rest */
void	clamd_sanitize(char *dst, size_t dstlen, const char *src, size_t srclen, size_t max);

/* clamd_parse_reply - classify a zINSTREAM reply; out gets the name, reason or why */
enum clamd_reply clamd_parse_reply(const char *buf, size_t len, char *out, size_t outlen);
/* clamd_parse_pong - 0 when the reply is exactly "PONG", else -1 with why */
int	clamd_parse_pong(const char *buf, size_t len, char *why, size_t whylen);
/* clamd_parse_version - "ClamAV 1.4.6/27432/DATE" to engine "1.4.6/27432", sig "27432"; 0, or -1 */
int	clamd_parse_version(const char *buf, size_t len, char *engine, size_t englen,
			    char *sig, size_t siglen);
/* clamd_version_time - the signature build time in a VERSION reply, 0 when none */
time_t	clamd_version_time(const char *buf, size_t len);

/* clamd_parse_spec - "unix:/PATH" or "tcp:HOST:PORT" or "tcp:[V6]:PORT"; 0 ok, -1 with err */
int	clamd_parse_spec(const char *spec, struct clamd_spec *out, char *err, size_t errlen);

/* clamd_chunk_header - the 4-byte big-endian length that starts an INSTREAM chunk */
void	clamd_chunk_header(unsigned char h[4], uint32_t len);

/* clamd_limits_answer - what a parsed reply to the limits probe says of the server */
enum scan_limits clamd_limits_answer(enum clamd_reply r, const char *out);

#endif
