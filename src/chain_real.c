/*
 * NAME
 *	chain_real 3 - the backends the daemon and --scan scan with
 * DESCRIPTION
 *	chain_real_backends gives chain_new() the embedded engine
 *	(libclamav) and the clamd pool, with the monotonic clock of util(3).
 *	It lives apart from chain.c so that a program that makes its own
 *	table (test_chain with scan_null(3)) links without libclamav.
 */
#include "config.h"

#include "chain.h"
#include "util.h"

const struct chain_backends chain_real_backends = {
	.ops = {
		[CONF_SCANNER_EMBEDDED] = &scan_embedded_ops,
		[CONF_SCANNER_CLAMD] = &scan_clamd_ops,
	},
	.now_ms = util_now_ms,
};
