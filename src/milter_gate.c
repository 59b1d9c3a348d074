/*
 * NAME
 *	milter_gate 3 - who may scan: the snapshot, the slots, the stop
 * SUMMARY
 *	milter_set_conf(), milter_get_conf(), milter_drain() (milter.h);
 *	milter_gate_init(), milter_gate_enter(), milter_gate_leave(),
 *	milter_busy_enter(), milter_busy_leave(), milter_busy_claim(),
 *	milter_stop_decision()
 *	(milter_int.h)
 * DESCRIPTION
 *	The state that the callbacks of all connections share, behind locks:
 *
 *	The configuration snapshot a new connection takes (milter_set_conf
 *	at start and reload, milter_get_conf at CONNECT).
 *
 *	The max_scans slots: a message waits here for a slot before the
 *	chain scans it (0: no bound). A new snapshot wakes the waiters, as
 *	max_scans may have grown.
 *
 *	The stop (milter_drain): each end of message counts itself as a
 *	decision in flight while it uses the chain or the observer
 *	(milter_busy_enter). Once the stop began, no decision is counted and
 *	a message still waiting for a slot gives up; both get the stop
 *	decision, a temporary failure ("clamshim is stopping"), so the MTA
 *	tries again later. milter_drain waits, up to a limit, until no
 *	decision is in flight; then the caller may free the chain. When the
 *	limit passes with decisions still in flight, the caller exits
 *	without freeing: the drain first writes each such message's one
 *	line ("QID: no decision: clamshim stopped while scanning it"), and a
 *	decision that ends after that writes none (milter_busy_claim), so a
 *	message never has two lines or none.
 *
 *	No libmilter here.
 * DIAGNOSTICS
 *	milter_drain logs how many messages it waits for, and when none is
 *	left.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "milter.h"
#include "milter_int.h"
#include "util.h"

/* The shared state, file-static. */
static struct {
	pthread_mutex_t lock;		/* conf */
	struct conf *conf;
	pthread_mutex_t glock;		/* the rest */
	pthread_cond_t gcond;		/* a slot came free, a new snapshot, the stop */
	unsigned active;		/* slots taken */
	pthread_cond_t dcond;		/* CLOCK_MONOTONIC (milter_gate_init): busy fell to 0 */
	unsigned busy;			/* decisions in flight */
	struct milter_busy *list;	/* the same, for the drain's lines */
	int	stopping;
} milter_gate = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.glock = PTHREAD_MUTEX_INITIALIZER,
	.gcond = PTHREAD_COND_INITIALIZER,
};

/* milter_set_conf - install a new snapshot for new connections */
void
milter_set_conf(struct conf *conf)
{
	struct conf *old;

	conf_ref(conf);
	pthread_mutex_lock(&milter_gate.lock);
	old = milter_gate.conf;
	milter_gate.conf = conf;
	pthread_mutex_unlock(&milter_gate.lock);
	conf_unref(old);
	pthread_cond_broadcast(&milter_gate.gcond);	/* max_scans may have grown */
}

/* milter_get_conf - a reference to the current snapshot */
struct conf *
milter_get_conf(void)
{
	struct conf *c;

	pthread_mutex_lock(&milter_gate.lock);
	c = conf_ref(milter_gate.conf);
	pthread_mutex_unlock(&milter_gate.lock);
	return c;
}

/* milter_gate_init - the stop's condition variable, on the monotonic clock; 0 ok */
int
milter_gate_init(void)
{
	return util_cond_init(&milter_gate.dcond);
}

/* milter_gate_enter - wait for one of the max_scans scan slots; -1 once stopping (no slot) */
int
milter_gate_enter(const struct conf *conf)
{
	pthread_mutex_lock(&milter_gate.glock);
	while (!milter_gate.stopping && conf->max_scans && milter_gate.active >= conf->max_scans)
		pthread_cond_wait(&milter_gate.gcond, &milter_gate.glock);
	if (milter_gate.stopping) {
		pthread_mutex_unlock(&milter_gate.glock);
		return -1;
	}
	milter_gate.active++;
	pthread_mutex_unlock(&milter_gate.glock);
	return 0;
}

/* milter_gate_leave - give the scan slot back */
void
milter_gate_leave(void)
{
	pthread_mutex_lock(&milter_gate.glock);
	milter_gate.active--;
	pthread_mutex_unlock(&milter_gate.glock);
	pthread_cond_broadcast(&milter_gate.gcond);
}

/* milter_busy_enter - count b (qid) as a decision in flight; 0 (not counted) once the stop began */
int
milter_busy_enter(struct milter_busy *b, const char *qid)
{
	int	ok;

	memset(b, 0, sizeof(*b));
	b->qid = qid;
	pthread_mutex_lock(&milter_gate.glock);
	ok = !milter_gate.stopping;
	if (ok) {
		milter_gate.busy++;
		b->next = milter_gate.list;
		if (b->next)
			b->next->prev = b;
		milter_gate.list = b;
	}
	pthread_mutex_unlock(&milter_gate.glock);
	return ok;
}

/* milter_busy_leave - a decision in flight ended; wake milter_drain() at the last */
void
milter_busy_leave(struct milter_busy *b)
{
	pthread_mutex_lock(&milter_gate.glock);
	if (b->prev)
		b->prev->next = b->next;
	else
		milter_gate.list = b->next;
	if (b->next)
		b->next->prev = b->prev;
	b->prev = b->next = NULL;
	if (--milter_gate.busy == 0 && milter_gate.stopping)
		pthread_cond_broadcast(&milter_gate.dcond);
	pthread_mutex_unlock(&milter_gate.glock);
}

/* milter_busy_claim - 1: the caller writes b's line; 0: the drain gave up on it and wrote it */
int
milter_busy_claim(struct milter_busy *b)
{
	int	mine;

	pthread_mutex_lock(&milter_gate.glock);
	mine = !b->lined;
	b->lined = 1;
	pthread_mutex_unlock(&milter_gate.glock);
	return mine;
}

/* milter_stop_decision - not scanned because clamshim is stopping: tempfail, the MTA retries */
void
milter_stop_decision(struct scan_verdict *v, struct policy_decision *d)
{
	memset(v, 0, sizeof(*v));
	scan_verdict_set(v, SCAN_UNAVAILABLE, "none", "clamshim is stopping");
	memset(d, 0, sizeof(*d));
	d->action = POLICY_TEMPFAIL;
}

/* milter_drain - refuse new scans, wait up to timeout_ms for the decisions in flight; how many remain */
unsigned
milter_drain(int64_t timeout_ms)
{
	struct timespec dl = util_deadline(timeout_ms);
	struct milter_busy *b;
	unsigned left;

	pthread_mutex_lock(&milter_gate.glock);
	milter_gate.stopping = 1;
	pthread_cond_broadcast(&milter_gate.gcond);	/* messages waiting for a slot give up */
	if (milter_gate.busy > 0)
		log_info("%u message%s in flight, %u being scanned: waiting for them (at most %lld s)",
			 milter_gate.busy, milter_gate.busy == 1 ? "" : "s", milter_gate.active,
			 (long long) (timeout_ms / 1000));
	while (milter_gate.busy > 0 &&
	       pthread_cond_timedwait(&milter_gate.dcond, &milter_gate.glock, &dl) != ETIMEDOUT)
		;
	left = milter_gate.busy;
	for (b = milter_gate.list; left > 0 && b; b = b->next)	/* the caller exits: their lines now */
		if (!b->lined) {
			b->lined = 1;
			log_decision("%s: no decision: clamshim stopped while scanning it (%lld s after "
				     "the stop); the MTA gets no reply and tries again later", b->qid,
				     (long long) (timeout_ms / 1000));
		}
	pthread_mutex_unlock(&milter_gate.glock);
	if (left == 0)
		log_info("no scan in flight: stopping");
	return left;
}
