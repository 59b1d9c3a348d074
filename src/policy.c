/*
 * NAME
 *	policy 3 - from a verdict to an action, as a pure function
 * SUMMARY
 *	policy_decide(), policy_untagged(), policy_allowed(), policy_action_name(),
 *	policy_action_from_name(), policy_limit_option(), policy_reply()
 * DESCRIPTION
 *	policy_decide() maps (verdict, policy settings, milliseconds the
 *	scanners have been unavailable) to an action and says whether the
 *	message must carry an X-Virus-Status header even when headers.add
 *	is off (tag):
 *
 *	clean		accept, no tag (the milter adds "Clean" only when
 *			headers.add is on).
 *	infected	on_infected: reject | discard | quarantine | tag;
 *			tag is accept with tag set.
 *	unavailable	on_unavailable: tempfail | accept | reject |
 *			quarantine | hold (tagged, like quarantine; the
 *			milter carries it out, see hold(3)). A tempfail becomes accept with tag and
 *			fail_open set once fail_open_after_ms > 0 and
 *			unavailable_ms >= fail_open_after_ms.
 *	limit		the option of the verdict's kind when it is set:
 *			on_limit_size, on_limit_files, on_limit_time,
 *			on_limit_nesting; else (unset, or the kind is
 *			unknown) on_limit. Each: accept | tempfail | reject.
 *	error		on_error: tempfail | accept | reject | quarantine.
 *			fail_open applies to unavailable only.
 *	skipped		accept with tag (a class with scan = false, or
 *			skip_authenticated, let it pass unscanned).
 *	ambiguous	on_ambiguous: tag | reject | tempfail; tag is accept
 *			with tag set ("Unscanned (ambiguous: REASON)").
 *
 *	Signature rules come first for an infected verdict: the first rule
 *	(in file order) whose glob matches the virus name, with fnmatch(3)
 *	and no flags (case-sensitive, as ClamAV's names are; '*' also
 *	matches '.'), decides: its action as on_infected would, or ignore:
 *	accept, no tag, ignored set (the milter tags it Clean and logs
 *	ignored=NAME). No rule matches: on_infected.
 *
 *	Accept on anything but clean always tags. Quarantine of a
 *	non-clean message tags too: the held message says why it was held
 *	when an operator releases it. Reject, tempfail and discard do not
 *	tag: the message is not delivered.
 *
 *	A setting outside the allowed set of its option (conf validates, so
 *	this is defence only), a verdict or a kind of limit the module does
 *	not know, or no verdict at all gives tempfail: a message is never
 *	accepted silently by mistake. A clean message is accepted whatever
 *	the settings. The kind unknown (a limit whose kind cannot be known)
 *	is not an error: on_limit decides it.
 *
 *	policy_untagged() decides for a message the milter could not tag
 *	(or could not rid of a forged X-Virus-Status): on_error when that
 *	is reject or tempfail, else tempfail, since accept and quarantine
 *	would let it through without the header it needs (on_error never
 *	allows hold).
 *
 *	policy_reply() builds the SMTP reply for reject and tempfail; see
 *	policy(3h). Bytes from the virus name or the configured texts pass
 *	through hdrs_map_char(), the same filter the headers use. The text
 *	is plain: the milter doubles '%' for smfi_setreply(). In a template,
 *	%v is the virus name ("unknown" when there is none, as in a
 *	tempfail_message), %% is '%', and any other '%' stays as it is.
 *
 *	The module is pure: no I/O, no libmilter, no libclamav, no loading
 *	of the configuration. The names and allowed values of its options
 *	are rows of the one option table (conf_options.c); the module names
 *	an option by the field of struct policy_conf it fills and asks the
 *	table through conf_policy_option() and conf_policy_allowed().
 */
#include "config.h"

#include <fnmatch.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "policy.h"
#include "hdrs.h"

/* An option of the policy, as the option table knows it: the field it fills. */
#define POLICY_FIELD(f)		offsetof(struct policy_conf, f)

#define POLICY_UNSCANNED_TEXT	"Message could not be scanned"
#define POLICY_UNKNOWN_NAME	"unknown"

static const char *const policy_names[POLICY_ACTION_COUNT] = {
	[POLICY_ACCEPT] = "accept",
	[POLICY_REJECT] = "reject",
	[POLICY_TEMPFAIL] = "tempfail",
	[POLICY_DISCARD] = "discard",
	[POLICY_QUARANTINE] = "quarantine",
	[POLICY_TAG] = "tag",
	[POLICY_HOLD] = "hold",
};

/* policy_limit_field - the field of the option of limit kind k (k < SCAN_LIMIT_KIND_COUNT) */
static size_t
policy_limit_field(enum scan_limit_kind k)
{
	return POLICY_FIELD(on_limit_kind) + (size_t) k * sizeof(struct policy_limit);
}

/* policy_limit_option - "on_limit_size" ... for a kind; NULL for unknown (on_limit decides) */
const char *
policy_limit_option(enum scan_limit_kind k)
{
	if ((unsigned) k >= SCAN_LIMIT_KIND_COUNT)
		return NULL;
	return conf_policy_option(policy_limit_field(k));
}

/* policy_action_name - "accept", "reject", "tempfail", "discard", "quarantine", "tag", "hold" */
const char *
policy_action_name(enum policy_action a)
{
	if ((int) a < 0 || a >= POLICY_ACTION_COUNT)
		return "unknown";
	return policy_names[a];
}

/* policy_action_from_name - the reverse; -1 if unknown */
int
policy_action_from_name(const char *name)
{
	int	i;

	if (name == NULL)
		return -1;
	for (i = 0; i < POLICY_ACTION_COUNT; i++)
		if (strcasecmp(name, policy_names[i]) == 0)
			return i;
	return -1;
}

/* policy_allowed - 1 when action a is a valid value of the option named opt ("on_infected" ...) */
int
policy_allowed(const char *opt, enum policy_action a)
{
	if (opt == NULL || (int) a < 0 || a >= POLICY_ACTION_COUNT)
		return 0;
	return (conf_policy_allowed(opt) & POLICY_MASK(a)) != 0;
}

/* policy_set - fill in a decision */
static void
policy_set(struct policy_decision *out, enum policy_action a, int tag, int fail_open)
{
	out->action = a;
	out->tag = tag;
	out->fail_open = fail_open;
	out->ignored = 0;
}

/* policy_apply - the decision for a non-clean verdict whose option (the one filling field) is a */
static void
policy_apply(struct policy_decision *out, size_t field, enum policy_action a)
{
	if (!policy_allowed(conf_policy_option(field), a)) {
		policy_set(out, POLICY_TEMPFAIL, 0, 0);
		return;
	}
	switch (a) {
	case POLICY_ACCEPT:
	case POLICY_TAG:
		policy_set(out, POLICY_ACCEPT, 1, 0);
		break;
	case POLICY_QUARANTINE:
	case POLICY_HOLD:
		policy_set(out, a, 1, 0);
		break;
	default:				/* reject, tempfail, discard */
		policy_set(out, a, 0, 0);
		break;
	}
}

/* policy_limit - the decision for a limit of kind k: its own option if set, else on_limit */
static void
policy_limit(struct policy_decision *out, const struct policy_conf *pc, enum scan_limit_kind k)
{
	if ((unsigned) k >= SCAN_LIMIT_KIND_COUNT)
		policy_set(out, POLICY_TEMPFAIL, 0, 0);	/* a kind we do not know */
	else if (policy_limit_option(k) != NULL && pc->on_limit_kind[k].set)
		policy_apply(out, policy_limit_field(k), pc->on_limit_kind[k].action);
	else
		policy_apply(out, POLICY_FIELD(on_limit), pc->on_limit);
}

/* policy_sigrule_match - the first rule of pc whose glob matches name; NULL if none */
const struct policy_sigrule *
policy_sigrule_match(const struct policy_conf *pc, const char *name)
{
	size_t	i;

	if (pc == NULL || name == NULL || pc->sigrules == NULL)
		return NULL;
	for (i = 0; i < pc->nsigrules && i < POLICY_SIGRULES_MAX; i++)
		if (pc->sigrules[i].glob != NULL && fnmatch(pc->sigrules[i].glob, name, 0) == 0)
			return &pc->sigrules[i];
	return NULL;
}

/* policy_infected - an infected verdict: the first matching signature rule, else on_infected */
static void
policy_infected(struct policy_decision *out, const struct policy_conf *pc,
		const struct scan_verdict *v)
{
	char	name[SCAN_NAME_MAX + 1];
	const struct policy_sigrule *r;

	memcpy(name, v->name, sizeof(v->name));
	name[SCAN_NAME_MAX] = 0;		/* v->name may lack its NUL */
	if ((r = policy_sigrule_match(pc, name)) == NULL)
		policy_apply(out, POLICY_FIELD(on_infected), pc->on_infected);
	else if (r->what.ignore) {
		policy_set(out, POLICY_ACCEPT, 0, 0);
		out->ignored = 1;
	} else {
		policy_apply(out, POLICY_FIELD(on_infected), r->what.action);
	}
}

/* policy_fail_open - 1 when on_unavailable is tempfail and fail_open_after has been reached */
int
policy_fail_open(const struct policy_conf *pc, int64_t unavailable_ms)
{
	return pc != NULL && pc->on_unavailable == POLICY_TEMPFAIL && pc->fail_open_after_ms > 0
	    && unavailable_ms >= pc->fail_open_after_ms;
}

/* policy_decide - the action for verdict v; unavailable_ms = how long no scanner worked */
void
policy_decide(const struct scan_verdict *v, const struct policy_conf *pc,
	      int64_t unavailable_ms, struct policy_decision *out)
{
	enum scan_result verdict;

	if (out == NULL)
		return;
	policy_set(out, POLICY_ACCEPT, 0, 0);
	if (v == NULL) {
		policy_set(out, POLICY_TEMPFAIL, 0, 0);
		return;
	}
	verdict = v->result;
	if (verdict == SCAN_CLEAN) {
		policy_set(out, POLICY_ACCEPT, 0, 0);
		return;
	}
	if (verdict == SCAN_SKIPPED) {
		policy_set(out, POLICY_ACCEPT, 1, 0);
		return;
	}
	if (pc == NULL) {
		policy_set(out, POLICY_TEMPFAIL, 0, 0);
		return;
	}
	switch (verdict) {
	case SCAN_INFECTED:
		policy_infected(out, pc, v);
		break;
	case SCAN_UNAVAILABLE:
		if (policy_fail_open(pc, unavailable_ms))
			policy_set(out, POLICY_ACCEPT, 1, 1);
		else
			policy_apply(out, POLICY_FIELD(on_unavailable), pc->on_unavailable);
		break;
	case SCAN_LIMIT:
		policy_limit(out, pc, v->limit);
		break;
	case SCAN_ERROR:
		policy_apply(out, POLICY_FIELD(on_error), pc->on_error);
		break;
	case SCAN_AMBIGUOUS:
		policy_apply(out, POLICY_FIELD(on_ambiguous), pc->on_ambiguous);
		break;
	default:
		policy_set(out, POLICY_TEMPFAIL, 0, 0);
		break;
	}
}

/* policy_untagged - on_error for a message whose headers could not be made honest; never delivers */
void
policy_untagged(const struct policy_conf *pc, struct policy_decision *out)
{
	if (out == NULL)
		return;
	if (pc != NULL && policy_allowed(conf_policy_option(POLICY_FIELD(on_error)), pc->on_error) && pc->on_error == POLICY_REJECT)
		policy_set(out, POLICY_REJECT, 0, 0);
	else
		policy_set(out, POLICY_TEMPFAIL, 0, 0);	/* tempfail, or accept/quarantine: untagged */
}

/* policy_strnlen - length of s, at most max (s may lack a NUL within max) */
static size_t
policy_strnlen(const char *s, size_t max)
{
	const char *nul = memchr(s, 0, max);

	return nul ? (size_t) (nul - s) : max;
}

/* A bounded output buffer for the reply text. */
struct policy_buf {
	char   *text;
	size_t	len;
	size_t	cap;				/* bytes of text, NUL not included */
	int	full;				/* something did not fit: stop there */
};

/* policy_put - append one byte, sanitized; nothing once full */
static void
policy_put(struct policy_buf *b, unsigned char ch)
{
	int	c = hdrs_map_char(ch);

	if (c == 0 || b->full)
		return;
	if (b->len >= b->cap) {
		b->full = 1;
		return;
	}
	b->text[b->len++] = (char) c;
	b->text[b->len] = 0;
}

/* policy_puts - append len bytes of s; returns how many text bytes that added */
static size_t
policy_puts(struct policy_buf *b, const char *s, size_t len)
{
	size_t	before = b->len;
	size_t	i;

	for (i = 0; i < len; i++)
		policy_put(b, (unsigned char) s[i]);
	return b->len - before;
}

/* policy_expand - the template into b: %v = name, %% = %, other % kept */
static void
policy_expand(struct policy_buf *b, const char *tmpl, const char *name, size_t namelen)
{
	const char *cp;

	for (cp = tmpl; *cp; cp++) {
		if (cp[0] == '%' && cp[1] == 'v') {
			if (policy_puts(b, name, namelen) == 0 && !b->full)
				policy_puts(b, POLICY_UNKNOWN_NAME, strlen(POLICY_UNKNOWN_NAME));
			cp++;
		} else if (cp[0] == '%' && cp[1] == '%') {
			policy_put(b, '%');
			cp++;
		} else {
			policy_put(b, (unsigned char) cp[0]);
		}
	}
}

/* policy_reply - SMTP reply for a reject or tempfail (see policy.h) */
void
policy_reply(const struct policy_decision *d, const struct scan_verdict *v,
	     const struct policy_conf *pc, const char **rcode, const char **xcode,
	     char *text, size_t textlen)
{
	struct policy_buf b;
	const char *tmpl = NULL;
	const char *deftmpl = NULL;
	const char *name = "";
	size_t	namelen = 0;

	if (rcode)
		*rcode = NULL;
	if (xcode)
		*xcode = NULL;
	if (text != NULL && textlen > 0)
		text[0] = 0;
	if (d == NULL)
		return;

	if (d->action == POLICY_REJECT) {
		if (rcode)
			*rcode = "550";
		if (xcode)
			*xcode = "5.7.1";
		if (v != NULL && v->result == SCAN_INFECTED) {
			tmpl = pc ? pc->reject_message : NULL;
			deftmpl = POLICY_DEFAULT_REJECT;
			name = v->name;
			namelen = policy_strnlen(v->name, sizeof(v->name));
		} else {
			deftmpl = POLICY_UNSCANNED_TEXT;
		}
	} else if (d->action == POLICY_TEMPFAIL) {
		if (rcode)
			*rcode = "451";
		if (xcode)
			*xcode = "4.7.1";
		tmpl = pc ? pc->tempfail_message : NULL;
		deftmpl = POLICY_DEFAULT_TEMPFAIL;
	} else {
		return;
	}
	if (text == NULL || textlen == 0)
		return;

	b.text = text;
	b.len = 0;
	b.cap = textlen - 1 < POLICY_REPLY_MAX ? textlen - 1 : POLICY_REPLY_MAX;
	b.full = 0;
	if (tmpl != NULL && *tmpl != 0)
		policy_expand(&b, tmpl, name, namelen);
	/* An empty template, or one that sanitized to nothing: the default. */
	if (b.len == 0) {
		b.full = 0;
		policy_expand(&b, deftmpl, name, namelen);
	}
}
