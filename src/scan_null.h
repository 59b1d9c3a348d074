/*
 * NAME
 *	scan_null 3h - a scanner backend that scans nothing: the test double
 * SUMMARY
 *	scan_null_ops, scan_null_script(), scan_null_scans()
 * DESCRIPTION
 *	scan_null_ops is a backend (see scan(3h)) with no I/O and no engine:
 *	each instance answers every scan with the verdict its test scripted,
 *	clean until told otherwise, and counts the scans it was asked. A test
 *	gives it to chain_new() for any scanner kind and reaches the instance
 *	the chain made with chain_scanner().
 */
#ifndef CLAMSHIM_SCAN_NULL_H
#define CLAMSHIM_SCAN_NULL_H

#include "scan.h"

extern const struct scan_ops scan_null_ops;

/*
 * scan_null_script - from now on every scan of s (made by scan_null_ops) gives
 * verdict r from scanner (e.g. "embedded"), with name the virus name or the
 * reason, and kind k for a limit; unavailable also makes the status down
 */
void	scan_null_script(struct scanner *s, const char *scanner, enum scan_result r,
			 enum scan_limit_kind k, const char *name);
/* scan_null_scans - how many scans s was asked */
unsigned long scan_null_scans(struct scanner *s);

#endif
