/*
 * NAME
 *	milter 3 - libmilter glue: callbacks and contexts
 * DESCRIPTION
 *	The libmilter callbacks, with two levels of context, as in OpenDKIM:
 *	one per SMTP connection (holding the configuration snapshot the
 *	connection started with and the actions the MTA granted at
 *	negotiation) and one per message inside it (queue id,
 *	authentication, the spool, the incoming X-Virus-* headers to delete,
 *	the last protocol step seen). Only the protocol steps used are
 *	negotiated: connect, MAIL FROM, RCPT TO, headers, end of headers,
 *	body, end of message, abort and close. CONNECT, MAIL FROM, each RCPT
 *	TO, each header, end of headers and each body chunk are negotiated
 *	as "no reply" (SMFIP_NR_*): the
 *	MTA streams them without waiting for an answer, since the only
 *	decision is made at end of message. libmilter answers for us when
 *	the MTA cannot do without a reply.
 *
 *	The envelope (client address, {daemon_name}, {auth_authen}, sender,
 *	recipients) is kept in the connection's struct envelope. Once it is
 *	complete (the first header, end of headers, body or end of message)
 *	the message's class is picked (policy_class(3)): the policy it is
 *	decided with, its max_size for the spool, and whether it is scanned
 *	at all (a class with scan = false, or skip_authenticated: nothing is
 *	spooled, the verdict is skipped).
 *
 *	Each message is rebuilt into a spool while it comes in, and its
 *	X-Virus-* header names noted (milter_strip.c). At end of message
 *	(mlfi_eom) it waits for a max_scans slot (milter_gate.c), the chain
 *	gives a verdict, the class's policy an action, milter_apply.c
 *	carries it out, and milter_log.c writes the message's one line.
 *
 *	A message that never reaches its end gets its line here too: "no
 *	decision: aborted by the MTA" once the next message starts or the
 *	connection closes (libmilter reports a broken connection as an
 *	abort followed by close, so an abort is written only then), or "no
 *	decision: connection lost" at close with the message open.
 *
 *	At the stop (milter_drain, milter_gate.c) a message still waiting
 *	for a scan slot, or reaching its end after the stop began, is not
 *	scanned and gets a temporary failure, logged like any other.
 * DIAGNOSTICS
 *	A message that cannot be spooled (disk full) gets the on_error action:
 *	it is never passed on unscanned without a tag. Callbacks that come
 *	before CONNECT (no configuration snapshot yet) get tempfail at end of
 *	message (or at MAIL FROM when there is no context at all), logged.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libmilter/mfapi.h>

#include "chain.h"
#include "conf.h"
#include "hdrs.h"
#include "hold.h"
#include "log.h"
#include "milter.h"
#include "milter_int.h"
#include "policy.h"
#include "spool.h"
#include "util.h"

#define MILTER_ACTIONS		(SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE)

/* The chain the messages are scanned with, set once by milter_open(); file-static. */
static struct {
	struct chain *chain;
	struct hold *hold;		/* the ledger of held messages; NULL: nothing is held */
} milter_state;

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

/* milter_choose - the message's class, picked once its envelope is complete (from its first header on) */
static const struct policy_choice *
milter_choose(struct milter_conn *c)
{
	struct milter_msg *m = &c->msg;

	if (!m->chosen) {
		policy_class_choose(c->conf->classes, c->conf->nclasses, &c->conf->policy, &c->env,
				    &m->choice, m->why, sizeof(m->why));
		m->policy = m->choice.policy;
		m->chosen = 1;
		/* its max_size; called before the first byte is spooled, so it cannot fail */
		if (spool_set_max_size(m->spool, m->policy->max_size) < 0)
			log_warning("%s: max_size of the class not applied: message already spooled",
				    m->qid);
	}
	return &m->choice;
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

/* milter_refused - tempfail for a message that cannot be handled here; logged, counted */
static sfsistat
milter_refused(const char *qid, const char *why)
{
	struct scan_verdict v;
	struct policy_decision d;
	struct milter_busy b;
	int	busy = milter_busy_enter(&b, qid);

	memset(&d, 0, sizeof(d));
	d.action = POLICY_TEMPFAIL;
	scan_verdict_set(&v, SCAN_ERROR, "none", "%s", why);
	milter_decided(qid, &v, &d, 0, 0.0, "", busy ? &b : NULL, NULL);
	if (busy)
		milter_busy_leave(&b);
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
	return milter_refused(m.qid, "no connection context (smfi_setpriv failed at negotiation)");
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
	unsigned long skip = SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA;
	unsigned long nr = SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR |
	    SMFIP_NR_EOH | SMFIP_NR_BODY;
	struct milter_conn *c = milter_conn_get(ctx);

	if ((f0 & want) != want)
		log_warning("MTA does not offer every milter action needed (offered 0x%lx): "
			    "messages that need a tag or a forged header deleted get on_error",
			    f0);
	if (c == NULL) {
		c = util_calloc(1, sizeof(*c));
		if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
			free(c);
			c = NULL;
		}
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

	if (fresh) {			/* not seen at negotiation: libmilter's checks decide */
		c = util_calloc(1, sizeof(*c));
		c->actions = MILTER_ACTIONS;
	}
	if (c->conf != NULL)		/* a second CONNECT: start over */
		conf_unref(c->conf);
	spool_free(c->msg.spool);
	c->conf = milter_get_conf();
	c->hold = milter_state.hold;
	hdrs_sanitize(c->client, sizeof(c->client), hostname ? hostname : "unknown");
	env_set_client(&c->env, hostname, addr);
	env_set_daemon(&c->env, smfi_getsymval(ctx, "{daemon_name}"));
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
	return milter_go_on(c, SMFIP_NR_CONN);	/* fresh: c->nr is 0, a reply */
}

/* mlfi_envfrom - a new message: queue id, sender and authentication */
static sfsistat
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct milter_conn *c = milter_conn_get(ctx);
	const char *auth;

	if (c == NULL)			/* libmilter skips the rest of this message */
		return milter_no_context(ctx);
	milter_msg_begin(ctx, &c->msg);
	env_msg_clear(&c->env);
	if (milter_conn_ready(ctx) == NULL)	/* before CONNECT: tempfail at end */
		return milter_go_on(c, SMFIP_NR_MAIL);
	env_set_sender(&c->env, argv != NULL ? argv[0] : NULL);
	auth = smfi_getsymval(ctx, "{auth_authen}");
	env_set_auth(&c->env, auth);
	if (c->env.daemon[0] == 0)	/* Sendmail sends it with MAIL FROM when asked */
		env_set_daemon(&c->env, smfi_getsymval(ctx, "{daemon_name}"));
	return milter_go_on(c, SMFIP_NR_MAIL);
}

/* mlfi_envrcpt - one recipient, kept for the classes and the log */
static sfsistat
mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	struct milter_conn *c = milter_conn_get(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	if (c->msg.step != MILTER_STEP_NONE && !c->msg.aborted)
		env_add_rcpt(&c->env, argv != NULL ? argv[0] : NULL);
	return milter_go_on(c, SMFIP_NR_RCPT);
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
	if (c->conf->headers.strip_incoming || strcasecmp(name, HOLD_HEADER) == 0)
		(void) milter_strip_note(&c->msg.strip, name);	/* the mark: always */
	if (!milter_choose(c)->scan)	/* not scanned: nothing to keep */
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
	if (milter_conn_ready(ctx) == NULL || !milter_choose(c)->scan)
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
	if (!milter_choose(c)->scan)
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
	if (!milter_choose(c)->scan) {	/* a class with scan = false, or skip_authenticated */
		scan_verdict_set(v, SCAN_SKIPPED, "none", "%s", m->choice.why);
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

/* milter_status - what libmilter is told about the message once decision d was carried out */
static sfsistat
milter_status(const struct policy_decision *d)
{
	switch (d->action) {
	case POLICY_REJECT:
		return SMFIS_REJECT;
	case POLICY_TEMPFAIL:
		return SMFIS_TEMPFAIL;
	case POLICY_DISCARD:
		return SMFIS_DISCARD;
	default:
		return SMFIS_CONTINUE;
	}
}

/* mlfi_eom - decide, apply, log once */
static sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct milter_conn *c = milter_conn_get(ctx);
	struct milter_msg *m;
	struct scan_verdict v;
	struct policy_decision d = {0};
	sfsistat rc;
	char	herr[MILTER_HERR_MAX] = "";
	double	t0 = util_now();
	struct milter_busy b;
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
	busy = milter_busy_enter(&b, m->qid);	/* 0: stopping, the chain may be gone */
	(void) milter_choose(c);
	if (!busy || milter_verdict(c, &v) < 0)
		milter_stop_decision(&v, &d);
	else
		policy_decide(&v, m->policy, chain_unavailable_ms(milter_state.chain), &d);
	d.class_name = m->choice.cls ? m->choice.cls->name : NULL;
	if (d.ignored)			/* a signature rule said ignore: clean, the name kept for the log */
		v.result = SCAN_CLEAN;
	milter_apply(ctx, c, &v, &d, herr, sizeof(herr));
	rc = milter_status(&d);
	milter_decided(m->qid, &v, &d, spool_offered(m->spool), util_now() - t0, herr,
		       busy ? &b : NULL, c);
	milter_msg_reset(m);		/* b's line is written: the drain no longer reads m->qid */
	if (busy)
		milter_busy_leave(&b);
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
	env_free(&c->env);
	free(c);
	return SMFIS_CONTINUE;
}

/* What libmilter is registered with: the callbacks and the actions they may ask for. */
static struct smfiDesc milter_desc = {
	.xxfi_name = "clamshim",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = MILTER_ACTIONS,	/* mlfi_negotiate asks for the same */
	.xxfi_connect = mlfi_connect,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_envrcpt = mlfi_envrcpt,
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
	milter_apply_init();
	milter_set_conf(conf);
	milter_state.chain = chain;
	if (milter_gate_init() != 0) {
		snprintf(err, errlen, "cannot make a condition variable");
		return -1;
	}
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

/* milter_set_hold - the ledger that holds are written to (before milter_run; NULL: none) */
void
milter_set_hold(struct hold *h)
{
	milter_state.hold = h;
}

/* milter_run - serve until stopped; a stop signal wakes the loop at once (milter_wake.c) */
int
milter_run(void)
{
	int	rc;

	milter_wake_arm();
	rc = smfi_main();
	milter_wake_disarm();
	return rc == MI_SUCCESS ? 0 : -1;
}
