/*
 * NAME
 *	milter_log 3 - one line per message, and the observer
 * SUMMARY
 *	milter_set_observer() (milter.h); milter_undecided(),
 *	milter_decided() (milter_int.h)
 * DESCRIPTION
 *	Every message that reached MAIL FROM gets exactly one line, written
 *	with log_decision() whatever log_level says: the decision at end of
 *	message ("QID: verdict=... action=... scanner=... size=... time=...",
 *	with the virus, the limit or the reason, fail_open=1 and the header
 *	error when there is one; ignored="NAME" with verdict=clean when a
 *	signature rule said ignore; class=NAME when a class matched), or, for one that never got there, "QID: no
 *	decision: aborted by the MTA at STEP" or "QID: no decision:
 *	connection lost at STEP" (milter.c says when). STEP is mail, header,
 *	eoh or body. Every text from the message or a peer is sanitized
 *	(hdrs_sanitize) before it is logged.
 *
 *	A decided message also goes to the observer (the metrics) when the
 *	caller counted it as in flight (milter_gate.c): the observer's
 *	monitor is not freed under it.
 *
 *	No libmilter here.
 * DIAGNOSTICS
 *	The lines themselves.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "hdrs.h"
#include "log.h"
#include "milter.h"
#include "milter_int.h"

/* The observer, file-static. */
static struct {
	pthread_mutex_t lock;
	milter_observer_fn *observer;
} milter_log = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

/* milter_set_observer - the per-message outcome callback */
void
milter_set_observer(milter_observer_fn *fn)
{
	pthread_mutex_lock(&milter_log.lock);
	milter_log.observer = fn;
	pthread_mutex_unlock(&milter_log.lock);
}

/* milter_step_name - the STEP of a "no decision" line */
static const char *
milter_step_name(enum milter_step step)
{
	switch (step) {
	case MILTER_STEP_MAIL:
		return "mail";
	case MILTER_STEP_HEADER:
		return "header";
	case MILTER_STEP_EOH:
		return "eoh";
	case MILTER_STEP_BODY:
		return "body";
	default:
		return "unknown";
	}
}

/* milter_undecided - the one line of an open message that ends without a decision */
void
milter_undecided(struct milter_msg *m, const char *why)
{
	if (m->step == MILTER_STEP_NONE)
		return;
	log_decision("%s: no decision: %s at %s", m->qid, why, milter_step_name(m->step));
	m->step = MILTER_STEP_NONE;
}

/*
 * milter_decided - the one line of a decided message, and the observer when
 * observe is set (a decision counted by milter_busy_enter: the observer's
 * monitor is not freed under it)
 */
void
milter_decided(const char *qid, const struct scan_verdict *v, const struct policy_decision *d,
	       uint64_t size, double seconds, const char *herr, int observe)
{
	struct milter_outcome o;
	milter_observer_fn *observer;
	char	detail[SCAN_NAME_MAX + 32] = "", safe[SCAN_NAME_MAX];

	hdrs_sanitize(safe, sizeof(safe), v->name);
	if (d->ignored)
		snprintf(detail, sizeof(detail), " ignored=\"%s\"", safe);
	else if (v->result == SCAN_INFECTED)
		snprintf(detail, sizeof(detail), " virus=\"%s\"", safe);
	else if (v->result == SCAN_LIMIT)
		snprintf(detail, sizeof(detail), " limit=%s reason=\"%s\"",
			 scan_limit_kind_name(v->limit), safe);
	else if (v->result != SCAN_CLEAN)
		snprintf(detail, sizeof(detail), " reason=\"%s\"", safe);
	log_decision("%s: verdict=%s action=%s scanner=%s size=%llu time=%.3fs%s%s%s%s%s%s%s",
		     qid, scan_result_name(v->result), policy_action_name(d->action),
		     v->scanner[0] ? v->scanner : "none", (unsigned long long) size, seconds,
		     detail, d->class_name ? " class=" : "", d->class_name ? d->class_name : "",
		     d->fail_open ? " fail_open=1" : "",
		     *herr ? " header_error=\"" : "", herr, *herr ? "\"" : "");
	memset(&o, 0, sizeof(o));
	o.verdict = v->result;
	o.action = d->action;
	o.fail_open = d->fail_open;
	o.size = size;
	o.seconds = seconds;
	pthread_mutex_lock(&milter_log.lock);
	observer = observe ? milter_log.observer : NULL;
	pthread_mutex_unlock(&milter_log.lock);
	if (observer)
		observer(&o);
}
