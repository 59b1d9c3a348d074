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
 *	signature rule said ignore; class=NAME when a class matched;
 *	from=<SENDER> to=<RCPT>,<RCPT> nrcpt=N when log_addresses asks for
 *	them: "all", or "infected" for an infected message), or, for one
 *	that never got there, "QID: no
 *	decision: aborted by the MTA at STEP" or "QID: no decision:
 *	connection lost at STEP" (milter.c says when). STEP is mail, header,
 *	eoh or body. Every text from the message or a peer is sanitized
 *	(hdrs_sanitize) before it is logged; in the addresses, which are
 *	printable already (envelope(3)), the bytes that could forge a field
 *	(space, '"', '<', '>', ',') become '?'. The recipients shown are
 *	bounded (MILTER_TO_MAX bytes): those left out are "..." and nrcpt
 *	still counts every RCPT TO.
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

#include "conf.h"
#include "envelope.h"
#include "hdrs.h"
#include "log.h"
#include "milter.h"
#include "milter_int.h"

#define MILTER_TO_MAX		1024	/* bytes of recipients on one line */

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

/* milter_addr_append - "<ADDR>" at buf's end, forging bytes as '?'; 0 ok, -1 did not fit */
static int
milter_addr_append(char *buf, size_t len, size_t *used, const char *addr)
{
	size_t	n = strlen(addr), i;

	if (*used + n + 3 > len)
		return -1;
	buf[(*used)++] = '<';
	for (i = 0; i < n; i++)
		buf[(*used)++] = strchr(" \"<>,", addr[i]) ? '?' : addr[i];
	buf[(*used)++] = '>';
	buf[*used] = 0;
	return 0;
}

/* milter_addresses - " from=<S> to=<R>,<R> nrcpt=N" when log_addresses asks for them, else "" */
static void
milter_addresses(char *buf, size_t len, const struct milter_conn *c, const struct scan_verdict *v)
{
	const struct envelope *e = c ? &c->env : NULL;
	char	to[MILTER_TO_MAX] = "";
	size_t	used = 0, i;
	int	mode = c && c->conf ? c->conf->log_addresses : CONF_LOG_ADDRESSES_NONE;

	buf[0] = 0;
	if (e == NULL || mode == CONF_LOG_ADDRESSES_NONE
	    || (mode == CONF_LOG_ADDRESSES_INFECTED && v->result != SCAN_INFECTED))
		return;
	for (i = 0; i < e->nrcpts; i++) {	/* 4 bytes kept for ",..." */
		size_t	mark = used;

		if (i > 0)
			to[used++] = ',';
		if (milter_addr_append(to, sizeof(to) - 4, &used, e->rcpts[i]) < 0) {
			to[used = mark] = 0;
			break;
		}
	}
	if (i < e->rcpts_seen)
		snprintf(to + used, sizeof(to) - used, "%s...", i > 0 ? "," : "");
	snprintf(buf, len, " from=");
	used = strlen(buf);
	if (milter_addr_append(buf, len, &used, e->sender) < 0)
		snprintf(buf, len, " from=<...>");
	used = strlen(buf);
	snprintf(buf + used, len - used, " to=%s nrcpt=%zu", to, e->rcpts_seen);
}

/*
 * milter_decided - the one line of a decided message, and the observer when
 * busy is set (a decision counted by milter_busy_enter: the observer's
 * monitor is not freed under it); nothing when the drain gave up on it and
 * wrote its line already
 */
void
milter_decided(const char *qid, const struct scan_verdict *v, const struct policy_decision *d,
	       uint64_t size, double seconds, const char *herr, struct milter_busy *busy,
	       const struct milter_conn *c)
{
	struct milter_outcome o;
	milter_observer_fn *observer;
	char	detail[SCAN_NAME_MAX + 32] = "", safe[SCAN_NAME_MAX];
	char	addrs[ENV_ADDR_MAX + MILTER_TO_MAX + 64];

	if (busy && !milter_busy_claim(busy))
		return;
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
	milter_addresses(addrs, sizeof(addrs), c, v);
	log_decision("%s: verdict=%s action=%s scanner=%s size=%llu time=%.3fs%s%s%s%s%s%s%s%s",
		     qid, scan_result_name(v->result), policy_action_name(d->action),
		     v->scanner[0] ? v->scanner : "none", (unsigned long long) size, seconds,
		     detail, d->class_name ? " class=" : "", d->class_name ? d->class_name : "",
		     d->fail_open ? " fail_open=1" : "",
		     *herr ? " header_error=\"" : "", herr, *herr ? "\"" : "", addrs);
	memset(&o, 0, sizeof(o));
	o.verdict = v->result;
	o.action = d->action;
	o.fail_open = d->fail_open;
	o.size = size;
	o.seconds = seconds;
	o.qid = qid;
	o.virus = v->result == SCAN_INFECTED ? safe : "";
	o.env = c ? &c->env : NULL;
	o.class_name = d->class_name ? d->class_name : "";
	pthread_mutex_lock(&milter_log.lock);
	observer = busy ? milter_log.observer : NULL;
	pthread_mutex_unlock(&milter_log.lock);
	if (observer)
		observer(&o);
}
