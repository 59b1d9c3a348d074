/*
 * NAME
 *	conf_scan 3h - the first pass over clamshim.conf, inside the conf module
 * SUMMARY
 *	conf_scan()
 * DESCRIPTION
 *	See conf_scan(3): the file read and cleaned for libconfuse, with
 *	exact lines for unknown, deprecated and misspelled options and for
 *	syntax errors.
 */
#ifndef CLAMSHIM_CONF_SCAN_H
#define CLAMSHIM_CONF_SCAN_H

#include <stddef.h>

#include "conf_table.h"

/*
 * conf_scan - read path into *text (NUL-terminated, *len bytes; the
 * caller frees it) with comments and every unknown or deprecated
 * statement blanked out and every newline kept, reporting each through
 * conf_problem(lc, ...) and noting the line of each known option in
 * lc->lines. -1 when the file cannot be read or has a syntax error
 * (reported; *text is NULL).
 */
int	conf_scan(struct conf_load *lc, const char *path, char **text, size_t *len);

#endif
