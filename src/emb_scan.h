/*
 * NAME
 *	emb_scan 3h - one message through one compiled libclamav engine
 * SUMMARY
 *	EMB_SCANNER, emb_scan_mem(), emb_scan_spool()
 * DESCRIPTION
 *	The scanning half of the embedded scanner: the scan options, the
 *	message handed to libclamav without a copy, and libclamav's answer
 *	turned into a verdict. The engine must have been built by
 *	emb_engine_build() (its callbacks fill the scan's context). Thread
 *	safe: one compiled engine may scan many messages at once.
 */
#ifndef CLAMSHIM_EMB_SCAN_H
#define CLAMSHIM_EMB_SCAN_H

#include <stddef.h>

#include <clamav.h>

#include "scan.h"

struct spool;

#define EMB_SCANNER	"embedded"	/* the scanner's name in verdicts and the chain */

/* emb_scan_mem - the verdict for len bytes at mem (nothing to scan is clean) */
void	emb_scan_mem(struct cl_engine *cl, const struct cl_scan_options *base, const void *mem,
		     size_t len, struct scan_verdict *v);
/*
 * emb_scan_spool - the verdict for a finished spool, with libclamav's temp
 * files in tmpdir (room reserved by the caller); nocache: the scan skips
 * libclamav's clean-result cache. 1 when the scan poisons that cache.
 */
int	emb_scan_spool(struct cl_engine *cl, const struct cl_scan_options *base,
		       const struct spool *msg, const char *tmpdir, int nocache,
		       struct scan_verdict *v);

#endif
