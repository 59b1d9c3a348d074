/*
 * NAME
 *	clamd_proto 3h - clamd's reply parser and server specs, pure functions
 * SUMMARY
 *	clamd_parse_reply(), clamd_parse_spec()
 * DESCRIPTION
 *	Kept apart from the socket code so that it can be tested table-driven
 *	and fuzzed. Everything a clamd says is hostile: replies are bounded
 *	and parsed strictly.
 */
#ifndef CLAMSHIM_CLAMD_PROTO_H
#define CLAMSHIM_CLAMD_PROTO_H

#include <stddef.h>
#include "scan.h"

/* The clamd helper defines the rest of this header. */

#endif
