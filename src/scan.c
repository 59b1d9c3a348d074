/*
 * NAME
 *	scan 3 - verdict helpers shared by the scanner backends
 * DESCRIPTION
 *	Names of verdict kinds and a bounded way to fill a verdict. The
 *	backends themselves are scan_embedded.c and scan_clamd.c.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scan.h"

/* scan_result_name - the verdict kind as logged and counted */
const char *
scan_result_name(enum scan_result r)
{
	static const char *const names[SCAN_RESULT_COUNT] = {
		[SCAN_CLEAN] = "clean", [SCAN_INFECTED] = "infected",
		[SCAN_LIMIT] = "limit", [SCAN_ERROR] = "error",
		[SCAN_UNAVAILABLE] = "unavailable", [SCAN_SKIPPED] = "skipped",
	};

	if ((unsigned) r >= SCAN_RESULT_COUNT)
		return "error";
	return names[r];
}

/* scan_verdict_set - fill a verdict with a kind, scanner and name/reason */
void
scan_verdict_set(struct scan_verdict *v, enum scan_result r, const char *scanner,
		 const char *fmt, ...)
{
	va_list	ap;

	v->result = r;
	snprintf(v->scanner, sizeof(v->scanner), "%s", scanner ? scanner : "");
	v->name[0] = 0;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(v->name, sizeof(v->name), fmt, ap);
		va_end(ap);
	}
}
