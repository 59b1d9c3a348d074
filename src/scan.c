/*
 * NAME
 *	scan 3 - verdict helpers shared by the scanner backends
 * DESCRIPTION
 *	Names of verdict kinds and a bounded way to fill a verdict. The
 *	backends themselves are scan_embedded.c, scan_clamd.c and, for
 *	tests, scan_null.c.
 *
 *	scan_limit_kind_of() maps libclamav's limit alerts, the names
 *	"Heuristics.Limits.Exceeded.NAME" (from libclamav in process or in a
 *	clamd reply), to the kind of limit the policy decides by:
 *
 *	nesting	MaxRecursion (archives, documents or messages nested past
 *		max_recursion).
 *	files	MaxFiles, and libclamav's fixed e-mail counts
 *		EmailMIMEPartsPerMessage, EmailHeaders, EmailMIMEArguments.
 *	size	MaxFileSize, MaxScanSize, and the fixed e-mail byte limits
 *		EmailHeaderBytes and EmailLineFoldCnt (one header folded over
 *		too many lines).
 *	time	MaxScanTime.
 *
 *	Those ten are every name libclamav 1.4 reports under that prefix.
 *	Names after other limits of clamd.conf are mapped too, so that a
 *	later libclamav that reports them is not decided as unknown:
 *	MaxEmbeddedPE, MaxHTMLNormalize, MaxHTMLNoTags, MaxScriptNormalize,
 *	MaxZipTypeRcg, PCREMaxFileSize (size); MaxPartitions, MaxIconsPE
 *	(files); MaxRecHWP3 (nesting); PCREMatchLimit, PCRERecMatchLimit
 *	(time: both bound the work of one regular expression). Any other
 *	name is unknown, which the policy decides by on_limit.
 *
 *	The module is pure: no I/O, no libclamav.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scan.h"

#define SCAN_LIMIT_PREFIX	"Heuristics.Limits.Exceeded."

/* The kind of each limit alert, by the part of its name after the prefix. */
static const struct scan_limit_name {
	const char *name;
	enum scan_limit_kind kind;
} scan_limit_names[] = {
	/* reported by libclamav 1.4 */
	{"MaxRecursion", SCAN_LIMIT_NESTING},
	{"MaxFiles", SCAN_LIMIT_FILES},
	{"MaxFileSize", SCAN_LIMIT_SIZE},
	{"MaxScanSize", SCAN_LIMIT_SIZE},
	{"MaxScanTime", SCAN_LIMIT_TIME},
	{"EmailHeaderBytes", SCAN_LIMIT_SIZE},
	{"EmailLineFoldCnt", SCAN_LIMIT_SIZE},
	{"EmailHeaders", SCAN_LIMIT_FILES},
	{"EmailMIMEArguments", SCAN_LIMIT_FILES},
	{"EmailMIMEPartsPerMessage", SCAN_LIMIT_FILES},
	/* clamd.conf's other limits, should a later libclamav report them */
	{"MaxEmbeddedPE", SCAN_LIMIT_SIZE},
	{"MaxHTMLNormalize", SCAN_LIMIT_SIZE},
	{"MaxHTMLNoTags", SCAN_LIMIT_SIZE},
	{"MaxScriptNormalize", SCAN_LIMIT_SIZE},
	{"MaxZipTypeRcg", SCAN_LIMIT_SIZE},
	{"PCREMaxFileSize", SCAN_LIMIT_SIZE},
	{"MaxPartitions", SCAN_LIMIT_FILES},
	{"MaxIconsPE", SCAN_LIMIT_FILES},
	{"MaxRecHWP3", SCAN_LIMIT_NESTING},
	{"PCREMatchLimit", SCAN_LIMIT_TIME},
	{"PCRERecMatchLimit", SCAN_LIMIT_TIME},
};

/* scan_result_name - the verdict kind as logged and counted */
const char *
scan_result_name(enum scan_result r)
{
	static const char *const names[SCAN_RESULT_COUNT] = {
		[SCAN_CLEAN] = "clean", [SCAN_INFECTED] = "infected",
		[SCAN_LIMIT] = "limit", [SCAN_ERROR] = "error",
		[SCAN_UNAVAILABLE] = "unavailable", [SCAN_SKIPPED] = "skipped",
		[SCAN_AMBIGUOUS] = "ambiguous",
	};

	if ((unsigned) r >= SCAN_RESULT_COUNT)
		return "error";
	return names[r];
}

/* scan_limit_kind_name - the kind of a limit as logged and put in the header */
const char *
scan_limit_kind_name(enum scan_limit_kind k)
{
	static const char *const names[SCAN_LIMIT_KIND_COUNT] = {
		[SCAN_LIMIT_UNKNOWN] = "unknown", [SCAN_LIMIT_SIZE] = "size",
		[SCAN_LIMIT_FILES] = "files", [SCAN_LIMIT_TIME] = "time",
		[SCAN_LIMIT_NESTING] = "nesting",
	};

	if ((unsigned) k >= SCAN_LIMIT_KIND_COUNT)
		return "unknown";
	return names[k];
}

/* scan_limit_kind_of - the kind of a libclamav Heuristics.Limits.Exceeded.* name */
enum scan_limit_kind
scan_limit_kind_of(const char *name)
{
	size_t	i;

	if (name == NULL || strncmp(name, SCAN_LIMIT_PREFIX, sizeof(SCAN_LIMIT_PREFIX) - 1) != 0)
		return SCAN_LIMIT_UNKNOWN;
	name += sizeof(SCAN_LIMIT_PREFIX) - 1;
	for (i = 0; i < sizeof(scan_limit_names) / sizeof(scan_limit_names[0]); i++)
		if (strcmp(name, scan_limit_names[i].name) == 0)
			return scan_limit_names[i].kind;
	return SCAN_LIMIT_UNKNOWN;
}

static void scan_verdict_vset(struct scan_verdict *, enum scan_result, enum scan_limit_kind,
			      const char *, const char *, va_list)
	__attribute__((format(printf, 5, 0)));

/* scan_verdict_vset - fill a verdict: kind, limit kind, scanner, name/reason */
static void
scan_verdict_vset(struct scan_verdict *v, enum scan_result r, enum scan_limit_kind k,
		  const char *scanner, const char *fmt, va_list ap)
{
	v->result = r;
	v->limit = k;
	snprintf(v->scanner, sizeof(v->scanner), "%s", scanner ? scanner : "");
	v->name[0] = 0;
	if (fmt)
		vsnprintf(v->name, sizeof(v->name), fmt, ap);
}

/* scan_verdict_set - fill a verdict with a kind, scanner and name/reason */
void
scan_verdict_set(struct scan_verdict *v, enum scan_result r, const char *scanner,
		 const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	scan_verdict_vset(v, r, SCAN_LIMIT_UNKNOWN, scanner, fmt, ap);
	va_end(ap);
}

/* scan_verdict_limit - fill a limit verdict of kind k; fmt gives the reason */
void
scan_verdict_limit(struct scan_verdict *v, enum scan_limit_kind k, const char *scanner,
		   const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	scan_verdict_vset(v, SCAN_LIMIT, (unsigned) k < SCAN_LIMIT_KIND_COUNT ? k : SCAN_LIMIT_UNKNOWN,
			  scanner, fmt, ap);
	va_end(ap);
}
