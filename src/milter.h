/*
 * NAME
 *	milter 3h - libmilter glue: callbacks, contexts, applying actions
 * SUMMARY
 *	milter_open(), milter_run(), milter_wake(), milter_set_conf(),
 *	milter_get_conf(), milter_set_observer(), milter_set_hold(), milter_drain()
 * DESCRIPTION
 *	The only module that speaks libmilter. It rebuilds each message into
 *	a spool, asks the chain for a verdict and the policy for an action at
 *	end of message, applies it (reply, headers, quarantine), and writes the
 *	one log line per message. Nothing else lives here. Its files are
 *	listed in milter_int.h.
 */
#ifndef CLAMSHIM_MILTER_H
#define CLAMSHIM_MILTER_H

#include <stddef.h>
#include <stdint.h>

#include "scan.h"
#include "policy.h"

struct conf;
struct chain;
struct hold;
struct envelope;

/*
 * What one message ended as; passed to the observer (metrics, and the
 * virus event for an infected one). The pointers are valid during the
 * call only.
 */
struct milter_outcome {
	enum scan_result verdict;
	enum policy_action action;	/* accept, reject, tempfail, discard, quarantine, hold */
	int	fail_open;
	double	seconds;		/* end of message to decision */
	uint64_t size;
	const char *qid;
	const char *virus;		/* infected: the signature's name, sanitized; else "" */
	const struct envelope *env;	/* sender, recipients, client; NULL when not known */
	const char *class_name;		/* the class the message matched; "" = none */
};

typedef void milter_observer_fn(const struct milter_outcome *o);

/* milter_open - register with libmilter and bind the socket; 0 ok, -1 err filled */
int	milter_open(const char *socket_spec, struct conf *conf, struct chain *chain,
		    char *err, size_t errlen);
/* milter_set_observer - called once per decided message (may be NULL) */
void	milter_set_observer(milter_observer_fn *fn);
/* milter_set_hold - the ledger of held messages (hold(3h)), before milter_run; NULL: tempfail */
void	milter_set_hold(struct hold *h);
/* milter_run - serve until stopped (SIGTERM); returns 0 on a clean stop */
int	milter_run(void);
/* milter_wake - a stop signal came (libmilter was told): end milter_run()'s wait now; any thread */
void	milter_wake(void);
/* milter_set_conf - new connections use this snapshot (a reference is taken) */
void	milter_set_conf(struct conf *conf);
/* milter_get_conf - a reference to the current snapshot; conf_unref() it */
struct conf *milter_get_conf(void);
/*
 * milter_drain - the stop: from now on no message is scanned (each gets a
 * logged tempfail); wait up to timeout_ms until no decision is in flight.
 * Returns how many are still running (0: the chain may be freed).
 */
unsigned milter_drain(int64_t timeout_ms);

#endif
