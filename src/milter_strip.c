/*
 * NAME
 *	milter_strip 3 - the incoming X-Virus-* headers of one message
 * SUMMARY
 *	milter_strip_note(), milter_own_names[] (milter_int.h)
 * DESCRIPTION
 *	The bookkeeping behind deleting forged X-Virus-* headers: while the
 *	headers come in, each X-Virus-* name (hdrs_is_ours) is noted here;
 *	at end of message milter_apply.c deletes what was noted.
 *
 *	X-Virus-Status, X-Virus-Scanned and X-Clamshim-Hold (the names
 *	clamshim writes; the last is the mark of a held message, hold(3h))
 *	are counted apart, matched in any case as the MTAs match names. Up to
 *	MILTER_STRIP_MAX other distinct X-Virus-* names of less than
 *	MILTER_STRIP_NAME_MAX bytes are noted with their counts; a name
 *	beyond those sets the overflow flag and is not noted (clamshim
 *	vouches for its two names only). A count stops at
 *	MILTER_STRIP_COUNT_MAX + 1, which means "more than can be deleted".
 *
 *	Pure bookkeeping: no libmilter, no allocation, no lock (one message
 *	belongs to one connection's thread).
 * DIAGNOSTICS
 *	None; the caller logs what it could not delete.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hdrs.h"
#include "hold.h"
#include "milter_int.h"

const char *const milter_own_names[MILTER_OWN_COUNT] = {
	"X-Virus-Status", "X-Virus-Scanned", HOLD_HEADER
};

/* milter_strip_count - one more copy of a header name, up to MILTER_STRIP_COUNT_MAX + 1 */
static void
milter_strip_count(unsigned *count)
{
	if (*count <= MILTER_STRIP_COUNT_MAX)
		(*count)++;
}

/* milter_strip_note - note an incoming header of ours or X-Virus-* for deletion; 1 noted, 0 not */
int
milter_strip_note(struct milter_strip *s, const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < MILTER_OWN_COUNT; i++) {
		if (strcasecmp(milter_own_names[i], name) == 0) {
			milter_strip_count(&s->own[i]);
			return 1;
		}
	}
	if (!hdrs_is_ours(name))
		return 0;
	for (i = 0; i < s->nother; i++) {
		if (strcasecmp(s->other[i].name, name) == 0) {
			milter_strip_count(&s->other[i].count);
			return 1;
		}
	}
	if (s->nother == MILTER_STRIP_MAX || strlen(name) >= sizeof(s->other[0].name)) {
		s->overflow = 1;
		return 0;
	}
	snprintf(s->other[s->nother].name, sizeof(s->other[0].name), "%s", name);
	s->other[s->nother].count = 1;
	s->nother++;
	return 1;
}
