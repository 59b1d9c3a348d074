/*
 * NAME
 *	milter_apply 3 - carry out a decision at end of message
 * SUMMARY
 *	milter_apply_init(), milter_apply() (milter_int.h)
 * DESCRIPTION
 *	What libmilter is asked to do once the policy has decided: an SMTP
 *	reply for reject and tempfail ('%' doubled: libmilter reads the text
 *	as a format), nothing for discard, smfi_quarantine() with the reason
 *	for quarantine (a failed quarantine becomes a tempfail), and for
 *	messages that go on, the incoming X-Virus-* headers deleted and the
 *	X-Virus-Scanned and X-Virus-Status headers added. X-Virus-Scanned
 *	names headers.hostname when it is set, else this host's name.
 *
 *	Hold (on_unavailable, hold(3h)): unless the message is a rescan by
 *	clamshim-release or a probe by check_clamshim ({daemon_name}
 *	clamshim-release, mtclient: no MTA queue would hold the message
 *	that the ledger records), the MTA did not grant quarantine
 *	and adding headers, or hold.max_messages are held already, a token
 *	is drawn, the ledger file written, smfi_quarantine() asked with
 *	"clamshim hold TOKEN", the forged headers deleted (an incoming
 *	X-Clamshim-Hold too), X-Virus-Status: Unscanned (held: REASON) and
 *	the mark X-Clamshim-Hold: TOKEN added. Any step refused or failed
 *	gives tempfail, and the ledger file is removed again.
 *
 *	Incoming X-Virus-Status and X-Virus-Scanned (noted by
 *	milter_strip.c) are always deleted, every copy, last first so that
 *	the indexes stay valid. The other X-Virus-* names noted are deleted
 *	too; those not noted (more than MILTER_STRIP_MAX names) are left and
 *	logged.
 *
 *	A message that goes on must leave with honest headers. When the tag
 *	the policy asks for (Infected, Unscanned) cannot be added, or an
 *	incoming X-Virus-Status or X-Virus-Scanned cannot be deleted (the MTA
 *	did not grant the action, a libmilter call failed, more than
 *	MILTER_STRIP_COUNT_MAX copies), the decision becomes
 *	policy_untagged()'s (on_error, never accept). The informational
 *	"Clean" header is not worth refusing mail for: a clean message
 *	whose header could not be added is accepted without it.
 * DIAGNOSTICS
 *	A header that could not be changed is logged (warning) and named in
 *	herr for the message's line; a failed quarantine or SMTP reply is
 *	logged.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "conf.h"
#include "hdrs.h"
#include "hold.h"
#include "log.h"
#include "milter_int.h"
#include "policy.h"

/* This host, named in X-Virus-Scanned; set once before the callbacks run. */
static char milter_host[256];

/* milter_apply_init - this host's name, for the headers */
void
milter_apply_init(void)
{
	if (gethostname(milter_host, sizeof(milter_host) - 1) != 0)
		snprintf(milter_host, sizeof(milter_host), "localhost");
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

/* milter_delete_incoming - delete incoming X-Virus-* headers; -1 (herr filled) when one of ours stays */
static int
milter_delete_incoming(SMFICTX *ctx, const struct milter_conn *c, char *herr, size_t herrlen)
{
	const struct milter_msg *m = &c->msg;
	const struct milter_strip *s = &m->strip;
	size_t	i;

	for (i = 0; i < MILTER_OWN_COUNT; i++) {
		if (s->own[i] == 0)
			continue;
		if (s->own[i] > MILTER_STRIP_COUNT_MAX)
			snprintf(herr, herrlen, "more than %d incoming %s headers",
				 MILTER_STRIP_COUNT_MAX, milter_own_names[i]);
		else if ((c->actions & SMFIF_CHGHDRS) == 0)
			snprintf(herr, herrlen, "incoming %s not deleted: the MTA did not "
				 "grant header changes", milter_own_names[i]);
		else if (milter_delete(ctx, milter_own_names[i], s->own[i]) < 0)
			snprintf(herr, herrlen, "incoming %s not deleted: smfi_chgheader failed",
				 milter_own_names[i]);
		else {
			log_debug("%s: deleted %u incoming %s headers", m->qid, s->own[i],
				  milter_own_names[i]);
			continue;
		}
		return -1;
	}
	if (s->overflow)
		log_warning("%s: more than %d other X-Virus-* header names, or one over %d "
			    "bytes; those were left", m->qid, MILTER_STRIP_MAX,
			    MILTER_STRIP_NAME_MAX - 1);
	for (i = 0; i < s->nother; i++) {
		if (s->other[i].count > MILTER_STRIP_COUNT_MAX) {
			log_warning("%s: more than %d incoming %s headers; left", m->qid,
				    MILTER_STRIP_COUNT_MAX, s->other[i].name);
			continue;
		}
		if ((c->actions & SMFIF_CHGHDRS) == 0
		    || milter_delete(ctx, s->other[i].name, s->other[i].count) < 0) {
			log_warning("%s: incoming %s header not deleted (header changes not "
				    "granted or failed); other X-Virus-* names left too",
				    m->qid, s->other[i].name);
			break;			/* no use trying the next ones */
		}
	}
	return 0;
}

/*
 * milter_apply_headers - delete forged X-Virus-* headers, add ours ("Unscanned
 * (held: REASON)" when held). -1 with
 * herr filled when the message cannot go on honestly: a tag it needs not
 * added, or an incoming header of ours not deleted. A "Clean" header that
 * could not be added fills herr only.
 */
static int
milter_apply_headers(SMFICTX *ctx, struct milter_conn *c, const struct scan_verdict *v,
		     int tag, int held, char *herr, size_t herrlen)
{
	struct milter_msg *m = &c->msg;
	char	value[HDRS_VALUE_MAX];

	if (tag && (c->actions & SMFIF_ADDHDRS) == 0) {	/* before changing anything */
		snprintf(herr, herrlen, "X-Virus-Status not added: the MTA did not grant adding headers");
		return -1;
	}
	if (milter_delete_incoming(ctx, c, herr, herrlen) < 0)
		return -1;
	if (!c->conf->headers.add && !tag)
		return 0;
	if ((c->actions & SMFIF_ADDHDRS) == 0) {
		snprintf(herr, herrlen, "X-Virus-Status not added: the MTA did not grant adding headers");
		return 0;
	}
	hdrs_scanned(value, sizeof(value), PACKAGE_VERSION,
		     v->engine[0] ? v->engine : "unknown",
		     c->conf->headers.hostname && *c->conf->headers.hostname ?
		     c->conf->headers.hostname : milter_host);
	(void) milter_add_header(ctx, m, "X-Virus-Scanned", value);
	if (held)
		hdrs_status_held(value, sizeof(value), v);
	else
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

	policy_reply(d, v, c->msg.policy ? c->msg.policy : &c->conf->policy, &rcode, &xcode, text, sizeof(text));
	for (i = j = 0; text[i] && j < sizeof(esc) - 2; i++) {	/* libmilter treats % as format */
		if (text[i] == '%')
			esc[j++] = '%';
		esc[j++] = text[i];
	}
	esc[j] = 0;
	if (smfi_setreply(ctx, (char *) rcode, (char *) xcode, esc) != MI_SUCCESS)
		log_warning("%s: could not set the SMTP reply", c->msg.qid);
}

/* milter_hold_refused - why the message may not be held; NULL: it may (counted in the ledger) */
static const char *
milter_hold_refused(SMFICTX *ctx, const struct milter_conn *c, char *why, size_t whylen)
{
	const char *dn = smfi_getsymval(ctx, "{daemon_name}");

	if (dn != NULL && strcmp(dn, HOLD_RELEASER) == 0)
		return "a rescan by " HOLD_RELEASER " is never held";
	if (dn != NULL && strcmp(dn, HOLD_PROBER) == 0)	/* no MTA queue would hold it */
		return "a probe by clamshim's milter client (" HOLD_PROBER ") is never held";
	if ((c->actions & (SMFIF_QUARANTINE | SMFIF_ADDHDRS)) != (SMFIF_QUARANTINE | SMFIF_ADDHDRS))
		return "the MTA did not grant quarantine and adding headers";
	if (c->hold == NULL)
		return "no ledger of held messages";
	if (hold_reserve(c->hold, c->conf->hold.max_messages) < 0) {
		snprintf(why, whylen, "hold.max_messages (%u) messages are held already",
			 c->conf->hold.max_messages);
		return why;
	}
	return NULL;
}

/*
 * milter_hold - into the MTA's hold queue: the ledger file, the
 * quarantine with the token, the tag and the mark. -1 when the message
 * may not or could not be held (logged; nothing of it stays in the
 * ledger): the caller gives tempfail.
 */
static int
milter_hold(SMFICTX *ctx, struct milter_conn *c, const struct scan_verdict *v,
	    char *herr, size_t herrlen)
{
	const struct conf_hold *hc = &c->conf->hold;
	const char *qid = c->msg.qid, *refused;
	char	tok[HOLD_TOKEN_LEN + 1], reason[sizeof(HOLD_QUARANTINE_PREFIX) + HOLD_TOKEN_LEN];
	char	why[256], err[256] = "";

	if ((refused = milter_hold_refused(ctx, c, why, sizeof(why))) != NULL) {
		log_warning("%s: not held: %s: tempfail instead", qid, refused);
		return -1;
	}
	if (hold_token(tok, sizeof(tok), err, sizeof(err)) < 0
	    || hold_record(hc->dir, tok, qid, time(NULL), hc->mta, err, sizeof(err)) < 0) {
		log_error("%s: not held: the ledger: %s: tempfail instead", qid, err);
		hold_unreserve(c->hold);
		return -1;
	}
	snprintf(reason, sizeof(reason), "%s%s", HOLD_QUARANTINE_PREFIX, tok);
	if (smfi_quarantine(ctx, reason) != MI_SUCCESS)
		snprintf(err, sizeof(err), "smfi_quarantine failed");
	else if (milter_apply_headers(ctx, c, v, 1, 1, herr, herrlen) < 0)
		snprintf(err, sizeof(err), "%s", herr);
	else if (milter_add_header(ctx, &c->msg, HOLD_HEADER, tok) < 0)
		snprintf(err, sizeof(err), "the mark %s not added", HOLD_HEADER);
	else {
		log_info("%s: held in the %s %s, token %s", qid, conf_mta_name(hc->mta),
			 hc->mta == CONF_MTA_SENDMAIL ? "quarantine" : "hold queue", tok);
		return 0;
	}
	log_error("%s: not held: %s: tempfail instead", qid, err);
	if (hold_forget(hc->dir, tok, why, sizeof(why)) < 0)
		log_error("%s: %s", qid, why);
	hold_unreserve(c->hold);
	return -1;
}

/* milter_apply - carry out decision d; a message that cannot go on honestly gets policy_untagged */
void
milter_apply(SMFICTX *ctx, struct milter_conn *c, const struct scan_verdict *v,
	     struct policy_decision *d, char *herr, size_t herrlen)
{
	char	reason[SCAN_NAME_MAX];

	switch (d->action) {
	case POLICY_REJECT:
	case POLICY_TEMPFAIL:
		milter_reply(ctx, c, d, v);
		return;
	case POLICY_DISCARD:
		return;
	case POLICY_QUARANTINE:
		hdrs_status(reason, sizeof(reason), v);
		if (smfi_quarantine(ctx, reason) != MI_SUCCESS) {
			log_error("%s: quarantine failed: tempfail instead", c->msg.qid);
			d->action = POLICY_TEMPFAIL;
			d->tag = 0;
			milter_reply(ctx, c, d, v);
			return;
		}
		break;
	case POLICY_HOLD:
		if (milter_hold(ctx, c, v, herr, herrlen) == 0)
			return;
		d->action = POLICY_TEMPFAIL;
		d->tag = 0;
		milter_reply(ctx, c, d, v);
		return;
	default:
		break;
	}
	if (milter_apply_headers(ctx, c, v, d->tag, 0, herr, herrlen) == 0)
		return;
	policy_untagged(c->msg.policy ? c->msg.policy : &c->conf->policy, d);
	milter_reply(ctx, c, d, v);
}
