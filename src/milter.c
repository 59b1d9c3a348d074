/*
 * NAME
 *	milter 3 - libmilter glue: callbacks, contexts, applying actions
 * DESCRIPTION
 *	Two levels of context, as in OpenDKIM: one per SMTP connection
 *	(holding the configuration snapshot the connection started with and
 *	the actions the MTA granted at negotiation) and one per message
 *	inside it (queue id, authentication, the spool, the incoming
 *	X-Virus-* headers to delete, the last protocol step seen). Only the
 *	protocol steps used are negotiated: connect, MAIL FROM, headers, end
 *	of headers, body, end of message, abort and close. MAIL FROM, each
 *	header, end of headers and each body chunk are negotiated as "no
 *	reply" (SMFIP_NR_*): the MTA streams them without waiting for an
 *	answer, since the only decision is made at end of message. libmilter
 *	answers for us when the MTA cannot do without a reply.
 *
 *	At end of message the chain gives a verdict, the policy an action,
 *	and this module applies it: an SMTP reply for reject and tempfail,
 *	discard, quarantine (smfi_quarantine with the reason), and for
 *	messages that go on, the incoming X-Virus-* headers deleted and the
 *	X-Virus-Scanned and X-Virus-Status headers added.
 *
 *	Incoming X-Virus-Status and X-Virus-Scanned (the names clamshim
 *	writes; matched in any case, as the MTAs match names) are counted
 *	apart and always deleted, every copy, last first. Up to
 *	MILTER_STRIP_MAX other distinct X-Virus-* names are deleted too;
 *	more are left and logged (clamshim vouches for its two names only).
 *
 *	A message that goes on must leave with honest headers. When the tag
 *	the policy asks for (Infected, Unscanned) cannot be added, or an
 *	incoming X-Virus-Status or X-Virus-Scanned cannot be deleted (the MTA
 *	did not grant the action, a libmilter call failed, more than
 *	MILTER_STRIP_COUNT_MAX copies), the decision becomes
 *	policy_untagged()'s (on_error, never accept). The informational
 *	"Clean" header is not worth refusing mail for: a clean message
 *	whose header could not be added is accepted without it.
 *
 *	Every message that reached MAIL FROM gets exactly one line, written
 *	with log_decision() whatever log_level says: the decision at end of
 *	message ("QID: verdict=... action=..."), or, for one that never got
 *	there, "QID: no decision: aborted by the MTA at STEP" (the MTA
 *	aborted it and the connection went on) or "QID: no decision:
 *	connection lost at STEP" (the connection ended with the message
 *	open; libmilter reports a broken connection as an abort followed by
 *	close, so an abort is written only once the next message starts or
 *	the connection closes). STEP is mail, header, eoh or body.
 *
 *	At the stop (milter_drain) the decisions in flight finish before the
 *	caller frees the chain: each end of message is counted while it uses
 *	the chain or the observer; a message still waiting for a scan slot,
 *	or reaching its end after the stop began, is not scanned and gets a
 *	temporary failure ("clamshim is stopping"), logged like any other.
 * DIAGNOSTICS
 *	A message that cannot be spooled (disk full) gets the on_error action:
 *	it is never passed on unscanned without a tag. Callbacks that come
 *	before CONNECT (no configuration snapshot yet) get tempfail at end of
 *	message (or at MAIL FROM when there is no context at all), logged.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "chain.h"
#include "conf.h"
#include "hdrs.h"
#include "log.h"
#include "milter.h"
#include "policy.h"
#include "spool.h"

#define MILTER_QID_MAX		64
#define MILTER_STRIP_MAX	16	/* other distinct X-Virus-* names deleted per message */
#define MILTER_STRIP_COUNT_MAX	100000	/* copies of one name deleted at most */
#define MILTER_ACTIONS		(SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE)
#define MILTER_HERR_MAX		160	/* why a header change failed, for the log line */

/* The names clamshim writes: incoming copies are always deleted. */
static const char *const milter_own_names[] = {"X-Virus-Status", "X-Virus-Scanned"};

#define MILTER_OWN_COUNT	(sizeof(milter_own_names) / sizeof(milter_own_names[0]))

/* The last protocol step of an open message; NONE: no message open, no line owed. */
enum milter_step {
	MILTER_STEP_NONE = 0,
	MILTER_STEP_MAIL,
	MILTER_STEP_HEADER,
	MILTER_STEP_EOH,
	MILTER_STEP_BODY,
};

/* An incoming header name to delete, with how many times it occurred. */
struct milter_strip {
	char	name[64];
	unsigned count;			/* stops at MILTER_STRIP_COUNT_MAX + 1 */
};

/* Per message. */
struct milter_msg {
	struct spool *spool;
	char	qid[MILTER_QID_MAX];
	int	authenticated;
	enum milter_step step;		/* MAIL FROM seen, no line written yet */
	int	aborted;		/* the MTA aborted it: line at next message or close */
	int	spool_failed;		/* writing the spool failed: on_error */
	char	spool_error[128];
	unsigned own[MILTER_OWN_COUNT];	/* copies of milter_own_names[i], same bound */
	struct milter_strip strip[MILTER_STRIP_MAX];
	size_t	nstrip;
	int	strip_overflow;
};

/* Per connection. */
struct milter_conn {
	unsigned long nr;		/* SMFIP_NR_* steps negotiated: no reply to them */
	unsigned long actions;		/* SMFIF_* actions the MTA granted */
	struct conf *conf;		/* snapshot held for the whole connection */
	char	client[128];
	struct milter_msg msg;
};

/* The daemon-wide state, file-static: conf and chain behind a lock. */
static struct {
	pthread_mutex_t lock;
	struct conf *conf;
	struct chain *chain;
	char	host[256];
	char	sockpath[512];
	milter_observer_fn *observer;
	/* the max_scans gate */
	pthread_mutex_t glock;
	pthread_cond_t gcond;
	unsigned active;
	/* the stop, under glock: decisions in flight (mlfi_eom) and milter_drain() */
	pthread_cond_t dcond;		/* CLOCK_MONOTONIC, made in milter_open() */
	unsigned busy;
	int	stopping;
} milter_state = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.glock = PTHREAD_MUTEX_INITIALIZER,
	.gcond = PTHREAD_COND_INITIALIZER,
};

static int milter_drain_init(void);
static int milter_busy_enter(void);
static void milter_busy_leave(void);
static void milter_stop_decision(struct scan_verdict *v, struct policy_decision *d);

/* milter_now - monotonic seconds */
static double
milter_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* milter_set_conf - install a new snapshot for new connections */
void
milter_set_conf(struct conf *conf)
{
	struct conf *old;

	conf_ref(conf);
	pthread_mutex_lock(&milter_state.lock);
	old = milter_state.conf;
	milter_state.conf = conf;
	pthread_mutex_unlock(&milter_state.lock);
	conf_unref(old);
	pthread_cond_broadcast(&milter_state.gcond);	/* max_scans may have grown */
}

/* milter_get_conf - a reference to the current snapshot */
struct conf *
milter_get_conf(void)
{
	struct conf *c;

	pthread_mutex_lock(&milter_state.lock);
	c = conf_ref(milter_state.conf);
	pthread_mutex_unlock(&milter_state.lock);
	return c;
}

/* milter_set_observer - the per-message outcome callback */
void
milter_set_observer(milter_observer_fn *fn)
{
	pthread_mutex_lock(&milter_state.lock);
	milter_state.observer = fn;
	pthread_mutex_unlock(&milter_state.lock);
}

/* milter_gate_enter - wait for one of the max_scans scan slots; -1 once stopping (no slot) */
static int
milter_gate_enter(const struct conf *conf)
{
	pthread_mutex_lock(&milter_state.glock);
	while (!milter_state.stopping && conf->max_scans && milter_state.active >= conf->max_scans)
		pthread_cond_wait(&milter_state.gcond, &milter_state.glock);
	if (milter_state.stopping) {
		pthread_mutex_unlock(&milter_state.glock);
		return -1;
	}
	milter_state.active++;
	pthread_mutex_unlock(&milter_state.glock);
	return 0;
}

/* milter_gate_leave - give the scan slot back */
static void
milter_gate_leave(void)
{
	pthread_mutex_lock(&milter_state.glock);
	milter_state.active--;
	pthread_mutex_unlock(&milter_state.glock);
	pthread_cond_broadcast(&milter_state.gcond);
}

/* milter_msg_reset - forget the current message, keep the spool allocation */
static void
milter_msg_reset(struct milter_msg *m)
{
	struct spool *sp = m->spool;

	if (sp)
		spool_reset(sp);
	memset(m, 0, sizeof(*m));
	m->spool = sp;
	snprintf(m->qid, sizeof(m->qid), "NOQUEUE");
}

/* milter_read_qid - take the queue id macro when the MTA has one */
static void
milter_read_qid(SMFICTX *ctx, struct milter_msg *m)
{
	const char *qid = smfi_getsymval(ctx, "i");

	if (qid == NULL)
		qid = smfi_getsymval(ctx, "{i}");
	if (qid && *qid)
		hdrs_sanitize(m->qid, sizeof(m->qid), qid);
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
static void
milter_undecided(struct milter_msg *m, const char *why)
{
	if (m->step == MILTER_STEP_NONE)
		return;
	log_decision("%s: no decision: %s at %s", m->qid, why, milter_step_name(m->step));
	m->step = MILTER_STEP_NONE;
}

/* milter_msg_begin - a new message: the last one's line if it is owed, then a clean slate */
static void
milter_msg_begin(SMFICTX *ctx, struct milter_msg *m)
{
	milter_undecided(m, "aborted by the MTA");
	milter_msg_reset(m);
	m->step = MILTER_STEP_MAIL;
	milter_read_qid(ctx, m);
}

/* milter_msg_step - note a step of the message, opening one when MAIL FROM was not seen */
static void
milter_msg_step(SMFICTX *ctx, struct milter_msg *m, enum milter_step step)
{
	if (m->step == MILTER_STEP_NONE || m->aborted)
		milter_msg_begin(ctx, m);
	m->step = step;
}

/* milter_conn_get - this connection's context, also when CONNECT has not come yet */
static struct milter_conn *
milter_conn_get(SMFICTX *ctx)
{
	return (struct milter_conn *) smfi_getpriv(ctx);
}

/* milter_conn_ready - the context once CONNECT made it usable, else NULL (tempfail) */
static struct milter_conn *
milter_conn_ready(SMFICTX *ctx)
{
	struct milter_conn *c = milter_conn_get(ctx);

	return c != NULL && c->conf != NULL && c->msg.spool != NULL ? c : NULL;
}

/* milter_spool_put - append to the spool; a failure is remembered for on_error */
static void
milter_spool_put(struct milter_msg *m, const void *buf, size_t len)
{
	if (m->spool_failed || len == 0)
		return;
	if (spool_write(m->spool, buf, len, m->spool_error, sizeof(m->spool_error)) < 0) {
		m->spool_failed = 1;
		log_error("%s: cannot spool message: %s", m->qid, m->spool_error);
	}
}

/* milter_go_on - CONTINUE, or NOREPLY for a step negotiated as needing no reply */
static sfsistat
milter_go_on(const struct milter_conn *c, unsigned long step)
{
	return (c->nr & step) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/*
 * milter_decided - the one line of a decided message, and the observer when
 * observe is set (a decision counted by milter_busy_enter: the observer's
 * monitor is not freed under it)
 */
static void
milter_decided(const char *qid, const struct scan_verdict *v, const struct policy_decision *d,
	       uint64_t size, double seconds, const char *herr, int observe)
{
	struct milter_outcome o;
	milter_observer_fn *observer;
	char	detail[SCAN_NAME_MAX + 32] = "", safe[SCAN_NAME_MAX];

	hdrs_sanitize(safe, sizeof(safe), v->name);
	if (v->result == SCAN_INFECTED)
		snprintf(detail, sizeof(detail), " virus=\"%s\"", safe);
	else if (v->result == SCAN_LIMIT)
		snprintf(detail, sizeof(detail), " limit=%s reason=\"%s\"",
			 scan_limit_kind_name(v->limit), safe);
	else if (v->result != SCAN_CLEAN)
		snprintf(detail, sizeof(detail), " reason=\"%s\"", safe);
	log_decision("%s: verdict=%s action=%s scanner=%s size=%llu time=%.3fs%s%s%s%s%s",
		     qid, scan_result_name(v->result), policy_action_name(d->action),
		     v->scanner[0] ? v->scanner : "none", (unsigned long long) size, seconds,
		     detail, d->fail_open ? " fail_open=1" : "",
		     *herr ? " header_error=\"" : "", herr, *herr ? "\"" : "");
	memset(&o, 0, sizeof(o));
	o.verdict = v->result;
	o.action = d->action;
	o.fail_open = d->fail_open;
	o.size = size;
	o.seconds = seconds;
	pthread_mutex_lock(&milter_state.lock);
	observer = observe ? milter_state.observer : NULL;
	pthread_mutex_unlock(&milter_state.lock);
	if (observer)
		observer(&o);
}

/* milter_refused - tempfail for a message that cannot be handled here; logged, counted */
static sfsistat
milter_refused(const char *qid, const char *why)
{
	struct scan_verdict v;
	struct policy_decision d;
	int	busy = milter_busy_enter();

	memset(&d, 0, sizeof(d));
	d.action = POLICY_TEMPFAIL;
	scan_verdict_set(&v, SCAN_ERROR, "none", "%s", why);
	milter_decided(qid, &v, &d, 0, 0.0, "", busy);
	if (busy)
		milter_busy_leave();
	return SMFIS_TEMPFAIL;
}

/* milter_no_context - a message on a connection with no context at all: tempfail, one line */
static sfsistat
milter_no_context(SMFICTX *ctx)
{
	struct milter_msg m;

	memset(&m, 0, sizeof(m));
	snprintf(m.qid, sizeof(m.qid), "NOQUEUE");
	milter_read_qid(ctx, &m);
	return milter_refused(m.qid, "no connection context (out of memory at negotiation)");
}

/*
 * mlfi_negotiate - ask only for the steps and actions used, and for no
 * replies to the steps that never decide. The connection context is made
 * here already, to remember which steps need no reply and which actions
 * the MTA granted.
 */
static sfsistat
mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
	       unsigned long f3, unsigned long *pf0, unsigned long *pf1,
	       unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want = MILTER_ACTIONS;
	unsigned long skip = SMFIP_NOHELO | SMFIP_NORCPT | SMFIP_NOUNKNOWN | SMFIP_NODATA;
	unsigned long nr = SMFIP_NR_MAIL | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;
	struct milter_conn *c = milter_conn_get(ctx);

	if ((f0 & want) != want)
		log_warning("MTA does not offer every milter action needed (offered 0x%lx): "
			    "messages that need a tag or a forged header deleted get on_error",
			    f0);
	if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL && smfi_setpriv(ctx, c) != MI_SUCCESS) {
		free(c);
		c = NULL;
	}
	nr = c != NULL ? f1 & nr : 0;	/* without a context: replies as usual */
	if (c != NULL) {
		c->nr = nr;
		c->actions = f0 & want;
	}
	*pf0 = f0 & want;
	*pf1 = f1 & (skip | nr);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

/* mlfi_connect - a new connection: its context (made at negotiation) and config snapshot */
static sfsistat
mlfi_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *addr)
{
	struct milter_conn *c = milter_conn_get(ctx);
	int	fresh = c == NULL;

	if (fresh && (c = calloc(1, sizeof(*c))) == NULL) {
		log_error("out of memory for a new connection: tempfail");
		return SMFIS_TEMPFAIL;
	}
	if (fresh)			/* not seen at negotiation: libmilter's checks decide */
		c->actions = MILTER_ACTIONS;
	if (c->conf != NULL)		/* a second CONNECT: start over */
		conf_unref(c->conf);
	spool_free(c->msg.spool);
	c->conf = milter_get_conf();
	hdrs_sanitize(c->client, sizeof(c->client), hostname ? hostname : "unknown");
	c->msg.spool = spool_new(c->conf->spool_dir, c->conf->memory_limit,
				 c->conf->policy.max_size);
	milter_msg_reset(&c->msg);
	if (fresh && smfi_setpriv(ctx, c) != MI_SUCCESS) {
		spool_free(c->msg.spool);
		conf_unref(c->conf);
		free(c);
		log_error("smfi_setpriv failed: tempfail");
		return SMFIS_TEMPFAIL;
	}
	return SMFIS_CONTINUE;
}

/* mlfi_envfrom - a new message: queue id and authentication */
static sfsistat
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct milter_conn *c = milter_conn_get(ctx);
	const char *auth;

	(void) argv;
	if (c == NULL)			/* libmilter skips the rest of this message */
		return milter_no_context(ctx);
	milter_msg_begin(ctx, &c->msg);
	if (milter_conn_ready(ctx) == NULL)	/* before CONNECT: tempfail at end */
		return milter_go_on(c, SMFIP_NR_MAIL);
	auth = smfi_getsymval(ctx, "{auth_authen}");
	c->msg.authenticated = auth != NULL && *auth != 0;
	return milter_go_on(c, SMFIP_NR_MAIL);
}

/* milter_count - one more copy of a header name, up to MILTER_STRIP_COUNT_MAX + 1 */
static void
milter_count(unsigned *count)
{
	if (*count <= MILTER_STRIP_COUNT_MAX)
		(*count)++;
}

/* milter_strip_note - remember an incoming X-Virus-* header for deletion */
static void
milter_strip_note(struct milter_msg *m, const char *name)
{
	size_t	i;

	for (i = 0; i < MILTER_OWN_COUNT; i++) {
		if (strcasecmp(milter_own_names[i], name) == 0) {
			milter_count(&m->own[i]);
			return;
		}
	}
	for (i = 0; i < m->nstrip; i++) {
		if (strcasecmp(m->strip[i].name, name) == 0) {
			milter_count(&m->strip[i].count);
			return;
		}
	}
	if (m->nstrip == MILTER_STRIP_MAX || strlen(name) >= sizeof(m->strip[0].name)) {
		m->strip_overflow = 1;
		return;
	}
	snprintf(m->strip[m->nstrip].name, sizeof(m->strip[0].name), "%s", name);
	m->strip[m->nstrip].count = 1;
	m->nstrip++;
}

/* mlfi_header - one header into the spool */
static sfsistat
mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	struct milter_conn *c = milter_conn_get(ctx);

	if (c == NULL)			/* unreachable: see mlfi_envfrom */
		return SMFIS_TEMPFAIL;
	milter_msg_step(ctx, &c->msg, MILTER_STEP_HEADER);
	if (milter_conn_ready(ctx) == NULL)
		return milter_go_on(c, SMFIP_NR_HDR);
	if (c->conf->headers.strip_incoming && hdrs_is_ours(name))
		milter_strip_note(&c->msg, name);
	if (c->msg.authenticated && c->conf->policy.skip_authenticated)
		return milter_go_on(c, SMFIP_NR_HDR);
	milter_spool_put(&c->msg, name, strlen(name));
	milter_spool_put(&c->msg, ": ", 2);
	milter_spool_put(&c->msg, value, strlen(value));
	milter_spool_put(&c->msg, "\r\n", 2);
	return milter_go_on(c, SMFIP_NR_HDR);
}

/* mlfi_eoh - the blank line between headers and body */
static sfsistat
mlfi_eoh(SMFICTX *ctx)
{
	struct milter_conn *c = milter_conn_get(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	milter_msg_step(ctx, &c->msg, MILTER_STEP_EOH);
	if (strcmp(c->msg.qid, "NOQUEUE") == 0)
		milter_read_qid(ctx, &c->msg);
	if (milter_conn_ready(ctx) == NULL)
		return milter_go_on(c, SMFIP_NR_EOH);
	milter_spool_put(&c->msg, "\r\n", 2);
	return milter_go_on(c, SMFIP_NR_EOH);
}

/* mlfi_body - a body chunk into the spool */
static sfsistat
mlfi_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct milter_conn *c = milter_conn_get(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	milter_msg_step(ctx, &c->msg, MILTER_STEP_BODY);
	if (milter_conn_ready(ctx) == NULL)
		return milter_go_on(c, SMFIP_NR_BODY);
	if (c->msg.authenticated && c->conf->policy.skip_authenticated)
		return milter_go_on(c, SMFIP_NR_BODY);
	milter_spool_put(&c->msg, chunk, len);
	return milter_go_on(c, SMFIP_NR_BODY);
}

/* milter_verdict - scan the spooled message (or explain why not); -1 not scanned: stopping */
static int
milter_verdict(struct milter_conn *c, struct scan_verdict *v)
{
	struct milter_msg *m = &c->msg;
	char	err[128];

	memset(v, 0, sizeof(*v));
	if (m->authenticated && c->conf->policy.skip_authenticated) {
		scan_verdict_set(v, SCAN_SKIPPED, "none", "authenticated sender");
		return 0;
	}
	if (!m->spool_failed && spool_finish(m->spool, err, sizeof(err)) < 0) {
		m->spool_failed = 1;
		snprintf(m->spool_error, sizeof(m->spool_error), "%s", err);
	}
	if (m->spool_failed) {
		scan_verdict_set(v, SCAN_ERROR, "none", "spool: %s", m->spool_error);
		return 0;
	}
	if (milter_gate_enter(c->conf) < 0)
		return -1;
	chain_scan(milter_state.chain, c->conf, m->spool, v);
	milter_gate_leave();
	return 0;
}

/* milter_add_header - add one of our headers; 0 done, -1 failed (logged) */
static int
milter_add_header(SMFICTX *ctx, const struct milter_msg *m, const char *name, const char *value)
{
	if (smfi_addheader(ctx, (char *) name, (char *) value) == MI_SUCCESS)
		return 0;
	log_warning("%s: could not add header %s", m->qid, name);
	return -1;
}

/* milter_delete - delete count copies of a header, last first so the indexes stay valid */
static int
milter_delete(SMFICTX *ctx, const char *name, unsigned count)
{
	for (; count > 0; count--)
		if (smfi_chgheader(ctx, (char *) name, (int) count, NULL) != MI_SUCCESS)
			return -1;
	return 0;
}

/* milter_strip - delete incoming X-Virus-* headers; -1 (herr filled) when one of ours stays */
static int
milter_strip(SMFICTX *ctx, const struct milter_conn *c, char *herr, size_t herrlen)
{
	const struct milter_msg *m = &c->msg;
	size_t	i;

	for (i = 0; i < MILTER_OWN_COUNT; i++) {
		if (m->own[i] == 0)
			continue;
		if (m->own[i] > MILTER_STRIP_COUNT_MAX)
			snprintf(herr, herrlen, "more than %d incoming %s headers",
				 MILTER_STRIP_COUNT_MAX, milter_own_names[i]);
		else if ((c->actions & SMFIF_CHGHDRS) == 0)
			snprintf(herr, herrlen, "incoming %s not deleted: the MTA did not "
				 "grant header changes", milter_own_names[i]);
		else if (milter_delete(ctx, milter_own_names[i], m->own[i]) < 0)
			snprintf(herr, herrlen, "incoming %s not deleted: smfi_chgheader failed",
				 milter_own_names[i]);
		else {
			log_debug("%s: deleted %u incoming %s headers", m->qid, m->own[i],
				  milter_own_names[i]);
			continue;
		}
		return -1;
	}
	if (m->strip_overflow)
		log_warning("%s: more than %d other X-Virus-* header names, or one over 63 "
			    "bytes; those were left", m->qid, MILTER_STRIP_MAX);
	for (i = 0; i < m->nstrip; i++) {
		if (m->strip[i].count > MILTER_STRIP_COUNT_MAX) {
			log_warning("%s: more than %d incoming %s headers; left", m->qid,
				    MILTER_STRIP_COUNT_MAX, m->strip[i].name);
			continue;
		}
		if ((c->actions & SMFIF_CHGHDRS) == 0
		    || milter_delete(ctx, m->strip[i].name, m->strip[i].count) < 0) {
			log_warning("%s: incoming %s header not deleted (header changes not "
				    "granted or failed); other X-Virus-* names left too",
				    m->qid, m->strip[i].name);
			break;			/* no use trying the next ones */
		}
	}
	return 0;
}

/*
 * milter_apply_headers - delete forged X-Virus-* headers, add ours. -1 with
 * herr filled when the message cannot go on honestly: a tag it needs not
 * added, or an incoming header of ours not deleted. A "Clean" header that
 * could not be added fills herr only.
 */
static int
milter_apply_headers(SMFICTX *ctx, struct milter_conn *c, const struct scan_verdict *v,
		     int tag, char *herr, size_t herrlen)
{
	struct milter_msg *m = &c->msg;
	char	value[HDRS_VALUE_MAX];

	if (tag && (c->actions & SMFIF_ADDHDRS) == 0) {	/* before changing anything */
		snprintf(herr, herrlen, "X-Virus-Status not added: the MTA did not grant adding headers");
		return -1;
	}
	if (milter_strip(ctx, c, herr, herrlen) < 0)
		return -1;
	if (!c->conf->headers.add && !tag)
		return 0;
	if ((c->actions & SMFIF_ADDHDRS) == 0) {
		snprintf(herr, herrlen, "X-Virus-Status not added: the MTA did not grant adding headers");
		return 0;
	}
	hdrs_scanned(value, sizeof(value), PACKAGE_VERSION,
		     v->engine[0] ? v->engine : "unknown", milter_state.host);
	(void) milter_add_header(ctx, m, "X-Virus-Scanned", value);
	hdrs_status(value, sizeof(value), v);
	if (milter_add_header(ctx, m, "X-Virus-Status", value) < 0) {
		snprintf(herr, herrlen, "X-Virus-Status not added: smfi_addheader failed");
		return tag ? -1 : 0;
	}
	return 0;
}

/* milter_reply - set the SMTP reply for reject and tempfail */
static void
milter_reply(SMFICTX *ctx, struct milter_conn *c, const struct policy_decision *d,
	     const struct scan_verdict *v)
{
	const char *rcode, *xcode;
	char	text[256], esc[512];
	size_t	i, j;

	policy_reply(d, v, &c->conf->policy, &rcode, &xcode, text, sizeof(text));
	for (i = j = 0; text[i] && j < sizeof(esc) - 2; i++) {	/* libmilter treats % as format */
		if (text[i] == '%')
			esc[j++] = '%';
		esc[j++] = text[i];
	}
	esc[j] = 0;
	if (smfi_setreply(ctx, (char *) rcode, (char *) xcode, esc) != MI_SUCCESS)
		log_warning("%s: could not set the SMTP reply", c->msg.qid);
}

/* milter_refuse - the reply and return code of a reject or tempfail */
static sfsistat
milter_refuse(SMFICTX *ctx, struct milter_conn *c, const struct policy_decision *d,
	      const struct scan_verdict *v)
{
	milter_reply(ctx, c, d, v);
	return d->action == POLICY_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}

/* milter_apply - carry out decision d; a message that cannot go on honestly gets policy_untagged */
static sfsistat
milter_apply(SMFICTX *ctx, struct milter_conn *c, const struct scan_verdict *v,
	     struct policy_decision *d, char *herr, size_t herrlen)
{
	char	reason[SCAN_NAME_MAX];

	switch (d->action) {
	case POLICY_REJECT:
	case POLICY_TEMPFAIL:
		return milter_refuse(ctx, c, d, v);
	case POLICY_DISCARD:
		return SMFIS_DISCARD;
	case POLICY_QUARANTINE:
		hdrs_status(reason, sizeof(reason), v);
		if (smfi_quarantine(ctx, reason) != MI_SUCCESS) {
			log_error("%s: quarantine failed: tempfail instead", c->msg.qid);
			d->action = POLICY_TEMPFAIL;
			d->tag = 0;
			return milter_refuse(ctx, c, d, v);
		}
		break;
	default:
		break;
	}
	if (milter_apply_headers(ctx, c, v, d->tag, herr, herrlen) == 0)
		return SMFIS_CONTINUE;
	policy_untagged(&c->conf->policy, d);
	return milter_refuse(ctx, c, d, v);
}

/* mlfi_eom - decide, apply, log once */
static sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct milter_conn *c = milter_conn_get(ctx);
	struct milter_msg *m;
	struct scan_verdict v;
	struct policy_decision d;
	sfsistat rc;
	char	herr[MILTER_HERR_MAX] = "";
	double	t0 = milter_now();
	int	busy;

	if (c == NULL)			/* unreachable after mlfi_envfrom's line */
		return milter_no_context(ctx);
	m = &c->msg;
	if (m->step == MILTER_STEP_NONE || m->aborted)
		milter_msg_begin(ctx, m);
	if (strcmp(m->qid, "NOQUEUE") == 0)
		milter_read_qid(ctx, m);
	if (milter_conn_ready(ctx) == NULL) {
		rc = milter_refused(m->qid, "milter callbacks before CONNECT");
		milter_msg_reset(m);
		return rc;
	}
	busy = milter_busy_enter();	/* 0: stopping, the chain may be gone */
	if (!busy || milter_verdict(c, &v) < 0)
		milter_stop_decision(&v, &d);
	else
		policy_decide(&v, &c->conf->policy, chain_unavailable_ms(milter_state.chain), &d);
	rc = milter_apply(ctx, c, &v, &d, herr, sizeof(herr));
	milter_decided(m->qid, &v, &d, spool_offered(m->spool), milter_now() - t0, herr, busy);
	milter_msg_reset(m);
	if (busy)
		milter_busy_leave();
	return rc;
}

/* mlfi_abort - the message was abandoned: its line waits for the next message or close */
static sfsistat
mlfi_abort(SMFICTX *ctx)
{
	struct milter_conn *c = milter_conn_get(ctx);

	if (c == NULL || c->msg.step == MILTER_STEP_NONE)
		return SMFIS_CONTINUE;
	if (strcmp(c->msg.qid, "NOQUEUE") == 0)
		milter_read_qid(ctx, &c->msg);
	c->msg.aborted = 1;
	if (c->msg.spool)
		spool_reset(c->msg.spool);
	return SMFIS_CONTINUE;
}

/* mlfi_close - the connection ended: an open message's line, then free its context */
static sfsistat
mlfi_close(SMFICTX *ctx)
{
	struct milter_conn *c = milter_conn_get(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	milter_undecided(&c->msg, "connection lost");
	smfi_setpriv(ctx, NULL);
	spool_free(c->msg.spool);
	conf_unref(c->conf);
	free(c);
	return SMFIS_CONTINUE;
}

static struct smfiDesc milter_desc = {
	.xxfi_name = "clamshim",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
	.xxfi_connect = mlfi_connect,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_header = mlfi_header,
	.xxfi_eoh = mlfi_eoh,
	.xxfi_body = mlfi_body,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_negotiate = mlfi_negotiate,
};

/* milter_open - register and bind the socket (as root, before dropping privileges) */
int
milter_open(const char *socket_spec, struct conf *conf, struct chain *chain,
	    char *err, size_t errlen)
{
	const char *path = NULL;

	if (gethostname(milter_state.host, sizeof(milter_state.host) - 1) != 0)
		snprintf(milter_state.host, sizeof(milter_state.host), "localhost");
	milter_set_conf(conf);
	milter_state.chain = chain;
	if (milter_drain_init() != 0) {
		snprintf(err, errlen, "cannot make a condition variable");
		return -1;
	}
	if (strncmp(socket_spec, "unix:", 5) == 0)
		path = socket_spec + 5;
	else if (strncmp(socket_spec, "local:", 6) == 0)
		path = socket_spec + 6;
	else if (socket_spec[0] == '/')
		path = socket_spec;
	milter_state.sockpath[0] = 0;
	if (path)
		snprintf(milter_state.sockpath, sizeof(milter_state.sockpath), "%s", path);
	if (smfi_register(milter_desc) != MI_SUCCESS) {
		snprintf(err, errlen, "smfi_register failed");
		return -1;
	}
	if (smfi_setconn((char *) socket_spec) != MI_SUCCESS) {
		snprintf(err, errlen, "bad socket specification \"%s\"", socket_spec);
		return -1;
	}
	smfi_settimeout(600);
	if (smfi_opensocket(1) != MI_SUCCESS) {
		snprintf(err, errlen, "cannot listen on \"%s\" (in use, bad path, "
			 "or no permission)", socket_spec);
		return -1;
	}
	return 0;
}

/* milter_socket_path - the unix socket path, or NULL */
const char *
milter_socket_path(void)
{
	return milter_state.sockpath[0] ? milter_state.sockpath : NULL;
}

/* milter_run - serve until stopped */
int
milter_run(void)
{
	return smfi_main() == MI_SUCCESS ? 0 : -1;
}

/* milter_drain_init - the stop's condition variable, on the monotonic clock; 0 ok */
static int
milter_drain_init(void)
{
	pthread_condattr_t ca;
	int	rc;

	if (pthread_condattr_init(&ca) != 0)
		return -1;
	rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(&milter_state.dcond, &ca);
	pthread_condattr_destroy(&ca);
	return rc;
}

/* milter_busy_enter - count a decision in flight; 0 (not counted) once the stop began */
static int
milter_busy_enter(void)
{
	int	ok;

	pthread_mutex_lock(&milter_state.glock);
	ok = !milter_state.stopping;
	if (ok)
		milter_state.busy++;
	pthread_mutex_unlock(&milter_state.glock);
	return ok;
}

/* milter_busy_leave - a decision in flight ended; wake milter_drain() at the last */
static void
milter_busy_leave(void)
{
	pthread_mutex_lock(&milter_state.glock);
	if (--milter_state.busy == 0 && milter_state.stopping)
		pthread_cond_broadcast(&milter_state.dcond);
	pthread_mutex_unlock(&milter_state.glock);
}

/* milter_stop_decision - not scanned because clamshim is stopping: tempfail, the MTA retries */
static void
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
	struct timespec dl;
	unsigned left;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += (time_t) (timeout_ms / 1000);
	dl.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&milter_state.glock);
	milter_state.stopping = 1;
	pthread_cond_broadcast(&milter_state.gcond);	/* messages waiting for a slot give up */
	if (milter_state.busy > 0)
		log_info("%u message%s in flight, %u being scanned: waiting for them (at most %lld s)",
			 milter_state.busy, milter_state.busy == 1 ? "" : "s", milter_state.active,
			 (long long) (timeout_ms / 1000));
	while (milter_state.busy > 0 &&
	       pthread_cond_timedwait(&milter_state.dcond, &milter_state.glock, &dl) != ETIMEDOUT)
		;
	left = milter_state.busy;
	pthread_mutex_unlock(&milter_state.glock);
	if (left == 0)
		log_info("no scan in flight: stopping");
	return left;
}
