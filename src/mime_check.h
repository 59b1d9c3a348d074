/*
 * NAME
 *	mime_check 3h - where a message's MIME can be read more than one way
 * SUMMARY
 *	struct mime_report, mime_check(), mime_report_free(), mime_class_name(),
 *	struct mime_readings, mime_readings_make(), mime_readings_free()
 * DESCRIPTION
 *	mime_check() walks a message's MIME structure (bounded: depth, parts,
 *	edits, time) and reports the ambiguities it finds, each as a class
 *	bit, and for those it can resolve the edits (byte ranges of the
 *	message and what to put there) that give the other reading: the
 *	boundary actually used written into the header, one of two
 *	conflicting headers deleted, an encoded multipart decoded, a part
 *	with NUL bytes or stray '=' in its base64 re-encoded cleanly, an end
 *	line added to uuencode or yEnc, a header continuation line of white
 *	space only removed, a base64 or quoted-printable text part holding
 *	uuencode decoded to 8bit. Edits of alternative 1 and 2 belong
 *	to two different readings (first header wins, last header wins);
 *	edits of alternative 0 to both. A class it cannot resolve is set in
 *	unresolved with a reason.
 *
 *	mime_readings_make() (mime_read.c) turns that into whole messages:
 *	it applies the edits, checks each reading again (an ambiguity may
 *	hide inside a decoded part) for at most MIME_ROUNDS rounds, and
 *	returns the final readings, or none for an unambiguous message.
 *	A bare CR is resolved first, alone: the reading is the message with
 *	every line end CRLF. Where bare CRs take part in the structure (a
 *	header section, a boundary line, a part header) the reading in which
 *	CR is not a line end cannot be given to a scanner: that is left
 *	unresolved ("bare CR line ends").
 */
#ifndef CLAMSHIM_MIME_CHECK_H
#define CLAMSHIM_MIME_CHECK_H

#include <stddef.h>

/* The classes of ambiguity, as bits. */
enum mime_class {
	MIME_BARE_CR = 1u << 0,		/* CR not followed by LF */
	MIME_BOUNDARY_UNUSED = 1u << 1,	/* declared boundary never occurs */
	MIME_BOUNDARY_ODD = 1u << 2,	/* odd quoting, spaces, RFC 2231, twice */
	MIME_DUP_HEADER = 1u << 3,	/* two different Content-Type or -Transfer-Encoding */
	MIME_ENCODED_MULTIPART = 1u << 4, /* base64/qp on a multipart or message */
	MIME_PARTIAL = 1u << 5,		/* message/partial */
	MIME_UU_NOEND = 1u << 6,	/* uuencode without an end line */
	MIME_YENC_NOEND = 1u << 7,	/* yEnc without =yend */
	MIME_NUL_UNENCODED = 1u << 8,	/* NUL bytes in a part without encoding */
	MIME_B64_STRAY_PAD = 1u << 9,	/* '=' inside base64, data after it */
	MIME_TOO_COMPLEX = 1u << 10,	/* a bound was reached */
	MIME_FOLD_BLANK = 1u << 11,	/* a header continuation line of white space only */
	MIME_ENCODED_UU = 1u << 12,	/* uuencode inside a base64/qp text part */
	MIME_YENC = 1u << 13,		/* yEnc in a text part (libclamav does not decode it) */
	MIME_CLASS_COUNT = 14
};

#define MIME_MAX_DEPTH	64		/* nested entities */
#define MIME_MAX_PARTS	100000		/* entities in all */
#define MIME_MAX_EDITS	64		/* edits in one round */
#define MIME_MAX_MS	2000		/* wall time of one check */
#define MIME_ROUNDS	4		/* check, fix, check again ... */
#define MIME_MAX_READINGS 4		/* readings kept at once */

/* One change to the message: bytes [off, off + len) become text. */
struct mime_edit {
	size_t	off;
	size_t	len;
	char   *text;			/* owned; may be NULL when textlen is 0 */
	size_t	textlen;
	int	alt;			/* 0 every reading, 1 first wins, 2 last wins */
};

struct mime_report {
	unsigned found;			/* classes seen */
	unsigned unresolved;		/* classes no reading covers */
	char	reason[128];		/* the first unresolved one, in words */
	int	cr_structural;		/* a bare CR where it shapes the structure */
	int	again;			/* edits left out (overlap, bound): check the reading again */
	struct mime_edit edit[MIME_MAX_EDITS];
	size_t	nedits;
};

/* mime_check - examine msg; 0 done (r filled; free with mime_report_free) */
int	mime_check(const char *msg, size_t len, struct mime_report *r);
/* mime_report_free - free the edits' texts */
void	mime_report_free(struct mime_report *r);
/* mime_class_name - "bare CR line ends", ... for one class bit */
const char *mime_class_name(unsigned cls);

/* The readings of a message (mime_read.c). */
struct mime_readings {
	size_t	n;
	char   *buf[MIME_MAX_READINGS];
	size_t	len[MIME_MAX_READINGS];
	unsigned found;			/* classes seen in any round */
	char	reason[128];		/* "" when the readings cover every ambiguity */
};

/* mime_readings_make - the other readings of msg; rd->n 0 and reason "" = unambiguous */
void	mime_readings_make(const char *msg, size_t len, struct mime_readings *rd);
/* mime_readings_free - free the readings */
void	mime_readings_free(struct mime_readings *rd);

/* Helpers shared by mime_check.c and mime_read.c. */
/* mime_b64_encode - base64 of src, 76 columns, CRLF; *outlen set; never NULL */
char   *mime_b64_encode(const unsigned char *src, size_t len, size_t *outlen);
/* mime_b64_decode - lenient: skips '=' and every byte outside the alphabet; never NULL */
unsigned char *mime_b64_decode(const char *src, size_t len, size_t *outlen);
/* mime_qp_decode - quoted-printable, soft breaks removed; never NULL */
unsigned char *mime_qp_decode(const char *src, size_t len, size_t *outlen);

#endif
