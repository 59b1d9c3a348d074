/*
 * NAME
 *	hdrs 3h - the X-Virus-* header texts, made safe
 * SUMMARY
 *	hdrs_sanitize(), hdrs_status(), hdrs_status_held(), hdrs_scanned(), hdrs_is_ours()
 * DESCRIPTION
 *	Everything that goes into a header or an SMTP reply may come from a
 *	hostile message or peer (a virus name, a clamd reason). hdrs_sanitize
 *	keeps printable ASCII, maps a tab to a space, drops CR, LF, NUL and
 *	other controls, turns 8-bit bytes into '?', and bounds the length.
 *	Names and reasons put between parentheses have '(' and ')' mapped to
 *	'[' and ']' so that a hostile name cannot close the parenthesis and
 *	forge structure after it.
 */
#ifndef CLAMSHIM_HDRS_H
#define CLAMSHIM_HDRS_H

#include <stddef.h>
#include "scan.h"

#define HDRS_VALUE_MAX	512

/* hdrs_map_char - what one byte becomes in a header or reply: itself, ' ', '?', or 0 = dropped */
int	hdrs_map_char(unsigned char c);
/* hdrs_sanitize - copy src to dst (size dstlen; 0 = no-op), printable ASCII only; returns dst */
char	*hdrs_sanitize(char *dst, size_t dstlen, const char *src);
/* hdrs_sanitize_n - the same for srclen bytes of src, which may hold NUL bytes */
char	*hdrs_sanitize_n(char *dst, size_t dstlen, const char *src, size_t srclen);
/* hdrs_status - the X-Virus-Status value: "Clean", "Infected (NAME)", "Unscanned (REASON)" */
void	hdrs_status(char *dst, size_t dstlen, const struct scan_verdict *v);
/* hdrs_status_held - X-Virus-Status of a message held in an outage: "Unscanned (held: REASON)" */
void	hdrs_status_held(char *dst, size_t dstlen, const struct scan_verdict *v);
/* hdrs_scanned - "clamshim VERSION (ClamAV ENGINE) on HOST" */
void	hdrs_scanned(char *dst, size_t dstlen, const char *version, const char *engine,
		     const char *host);
/* hdrs_is_ours - 1 when a header name is one a sender must not set (X-Virus-*) */
int	hdrs_is_ours(const char *name);

#endif
