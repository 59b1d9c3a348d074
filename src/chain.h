/*
 * NAME
 *	chain 3h - the ordered scanner chain
 * SUMMARY
 *	struct chain_backends, chain_real_backends, chain_new(),
 *	chain_configure(), chain_scan(), chain_reload(), chain_wait_ready(),
 *	chain_status(), chain_unavailable_ms(), chain_note_down(),
 *	chain_scanner(), chain_free()
 * DESCRIPTION
 *	The chain scans with the backends and the clock its caller gives
 *	chain_new(): the daemon and --scan give chain_real_backends (the
 *	embedded engine, the clamd pool, the monotonic clock), a test gives
 *	scan_null(3h) instances and a clock it moves itself.
 *
 *	The chain owns one instance of each backend kind ever named in the
 *	configuration and keeps them across reloads (an embedded engine is
 *	not thrown away because the config was re-read). chain_scan() is
 *	where a message enters scanning: one over max_size is limit(size)
 *	at once, no scanner asked. Otherwise it asks the scanners in the
 *	order of the message's configuration snapshot; one that is
 *	unavailable passes the message on; the first definitive verdict
 *	wins. A clean message's other MIME readings (mime_check(3h)) are
 *	scanned the same way; one not clean decides, and a reading that
 *	cannot be built makes the verdict ambiguous(REASON). The chain also keeps how long no scanner has worked,
 *	for the policy's fail_open_after: from the first unavailable scan or
 *	from when the monitor saw every scanner down (chain_note_down), even
 *	with no mail, until a scan gets a verdict or the monitor sees a
 *	scanner come back.
 */
#ifndef CLAMSHIM_CHAIN_H
#define CLAMSHIM_CHAIN_H

#include <stdint.h>
#include "conf.h"
#include "scan.h"

struct chain;
struct spool;

/* What a chain scans with: the backend of each scanner kind, and its clock. */
struct chain_backends {
	const struct scan_ops *ops[CONF_SCANNER_COUNT];	/* NULL: that kind cannot be made */
	int64_t	(*now_ms)(void);			/* monotonic ms, never 0; NULL: util_now_ms */
};

/* chain_real_backends - embedded (libclamav) and clamd, util_now_ms; in chain_real.c */
extern const struct chain_backends chain_real_backends;

/* chain_new - an empty chain that scans with b (copied); never NULL */
struct chain *chain_new(const struct chain_backends *b);
/* chain_configure - create missing backends named in conf and pass conf to all; 0 ok, -1 err filled */
int	chain_configure(struct chain *ch, const struct conf *conf, char *err, size_t errlen);
/* chain_scan - scan msg with the scanners conf names, in order, then its other MIME readings */
void	chain_scan(struct chain *ch, const struct conf *conf, const struct spool *msg,
		   struct scan_verdict *v);
/* chain_reload - ask every backend to reload signatures */
void	chain_reload(struct chain *ch);
/* chain_wait_ready - wait for first loads of the scanners conf names; 0 all ready, -1 timeout */
int	chain_wait_ready(struct chain *ch, const struct conf *conf, int timeout_ms);
/* chain_unavailable_ms - how long no scanner has worked (0 = scanning works) */
int64_t	chain_unavailable_ms(struct chain *ch);
/* chain_note_down - the monitor saw every scanner down (1) or some up (0); starts/ends the clock */
void	chain_note_down(struct chain *ch, int all_down);
/* chain_status - status of backend kind k; -1 when that kind was never created */
int	chain_status(struct chain *ch, enum conf_scanner k, struct scan_status *st);
/* chain_scanner - the instance of kind k when ops made it, else NULL (tests script their doubles) */
struct scanner *chain_scanner(struct chain *ch, enum conf_scanner k, const struct scan_ops *ops);
/* chain_free - destroy every backend */
void	chain_free(struct chain *ch);

#endif
