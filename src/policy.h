/*
 * NAME
 *	policy 3h - from a verdict to an action, as a pure function
 * SUMMARY
 *	policy_decide(), policy_sigrule_match(), policy_untagged(), policy_action_name(),
 *	policy_action_from_name(),
 *	policy_limit_option(), policy_reply_text(), struct policy_conf
 * DESCRIPTION
 *	The policy has no libmilter and no libclamav in it. It maps
 *	(verdict, policy settings, seconds the scanners have been
 *	unavailable) to an action, and says whether the message must carry
 *	an X-Virus-Status tag (accept on anything but clean always tags).
 *	A limit verdict is decided by the option of its kind
 *	(on_limit_size, on_limit_files, on_limit_time, on_limit_nesting)
 *	when that is set, else by on_limit. An infected verdict is decided by
 *	the first signature rule whose glob matches the virus name (its
 *	action, or ignore: accept, no tag, ignored set), else by on_infected.
 */
#ifndef CLAMSHIM_POLICY_H
#define CLAMSHIM_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include "scan.h"

enum policy_action {
	POLICY_ACCEPT = 0,
	POLICY_REJECT,
	POLICY_TEMPFAIL,
	POLICY_DISCARD,
	POLICY_QUARANTINE,
	POLICY_TAG,		/* only as an on_infected value: accept, tagged Infected */
	POLICY_HOLD,		/* only as an on_unavailable value: the MTA's hold queue, marked */
	POLICY_ACTION_COUNT
};

/* A set of actions, as the option table writes an option's allowed values. */
#define POLICY_MASK(a)		(1u << (a))

/* The reply texts when none is configured: the options' defaults and policy_reply's fallback. */
#define POLICY_DEFAULT_REJECT	"Virus found: %v"
#define POLICY_DEFAULT_TEMPFAIL	"Virus scanner unavailable, try again later"

/* A per-kind limit option: unset ("" in the file) leaves the decision to on_limit. */
struct policy_limit {
	int	set;				/* 0 = on_limit decides */
	enum policy_action action;		/* accept|tempfail|reject, when set */
};

/* What a signature rule does: an on_infected action, or ignore. */
struct policy_rule_action {
	int	ignore;				/* 1 = decided as clean; action unused */
	enum policy_action action;		/* reject|discard|quarantine|tag */
};

/* policy_sigrule - a signature rule: a glob on the virus name and what to do on a match */
struct policy_sigrule {
	char   *glob;				/* fnmatch(3), case-sensitive; owned by struct conf */
	struct policy_rule_action what;
};

/* At most this many signature rules (conf reports more as an error). */
#define POLICY_SIGRULES_MAX	256

struct policy_conf {
	enum policy_action on_infected;		/* reject|discard|quarantine|tag */
	enum policy_action on_unavailable;	/* tempfail|accept|reject|quarantine|hold */
	int64_t	fail_open_after_ms;		/* 0 = never */
	enum policy_action on_limit;		/* accept|tempfail|reject */
	/* by enum scan_limit_kind; [SCAN_LIMIT_UNKNOWN] is never set: on_limit */
	struct policy_limit on_limit_kind[SCAN_LIMIT_KIND_COUNT];
	enum policy_action on_error;		/* tempfail|accept|reject|quarantine */
	enum policy_action on_ambiguous;	/* tag|reject|tempfail */
	uint64_t max_size;			/* bytes; 0 = no limit */
	char	*reject_message;		/* default POLICY_DEFAULT_REJECT */
	char	*tempfail_message;		/* default POLICY_DEFAULT_TEMPFAIL */
	int	skip_authenticated;
	/* signature rules in file order, first match wins; not options of policy { } */
	const struct policy_sigrule *sigrules;
	size_t	nsigrules;
};

struct policy_decision {
	enum policy_action action;	/* never POLICY_TAG: accept + tag instead */
	int	tag;			/* X-Virus-Status must be added even if headers.add is off */
	int	fail_open;		/* accepted only because fail_open_after ran out */
	int	ignored;		/* infected, but a signature rule said ignore: accept as clean */
	const char *class_name;		/* the class decided with (policy_class(3)); NULL: none */
};

/* policy_decide - the action for verdict v; unavailable_ms = how long no scanner worked */
void	policy_decide(const struct scan_verdict *v, const struct policy_conf *pc,
		      int64_t unavailable_ms, struct policy_decision *out);
/*
 * policy_fail_open - 1 when unscanned mail is accepted now (fail-open): on_unavailable
 * is tempfail and unavailable_ms has reached fail_open_after (> 0); 0 for NULL. The
 * one rule: policy_decide() and the monitor's fail-open alert and gauge ask it.
 */
int	policy_fail_open(const struct policy_conf *pc, int64_t unavailable_ms);
/* policy_sigrule_match - the first rule of pc whose glob matches name; NULL if none */
const struct policy_sigrule *policy_sigrule_match(const struct policy_conf *pc, const char *name);
/* policy_limit_option - "on_limit_size" ... for a kind; NULL for unknown (on_limit decides) */
const char *policy_limit_option(enum scan_limit_kind k);
/*
 * policy_untagged - the decision for a message that would go on but whose
 * headers could not be made honest: a tag it needs (Infected, Unscanned)
 * not added, or an incoming X-Virus-Status/X-Virus-Scanned not deleted.
 * That is on_error, except that on_error = accept or quarantine would
 * deliver it untagged: tempfail then. Never accept, never a tag.
 */
void	policy_untagged(const struct policy_conf *pc, struct policy_decision *out);
/* policy_action_name - "accept", "reject", "tempfail", "discard", "quarantine", "tag", "hold" */
const char *policy_action_name(enum policy_action a);
/* policy_action_from_name - the reverse; -1 if unknown */
int	policy_action_from_name(const char *name);
/* policy_allowed - 1 when action a is a valid value of the option named opt ("on_infected" ...) */
int	policy_allowed(const char *opt, enum policy_action a);

/*
 * The longest reply text policy_reply writes, NUL not included: even with
 * every '%' doubled for smfi_setreply() it stays under libmilter's 980.
 */
#define POLICY_REPLY_MAX	480

/*
 * policy_reply - SMTP reply for a reject or tempfail: rcode "550"/"451",
 * xcode "5.7.1"/"4.7.1" and the text (reject_message with %v = virus name,
 * %% = %; "Message could not be scanned" for unscanned rejects). The text
 * is sanitized: printable ASCII only, at most textlen-1 and at most
 * POLICY_REPLY_MAX bytes. It is the plain text the client should see: a
 * '%' in it is one '%', so the caller must double each '%' before
 * smfi_setreply() (Sendmail uses the text as a format string; Postfix
 * turns "%%" into "%" and drops a single '%'). An empty or all-control
 * template falls back to the default text. For any other action rcode
 * and xcode are NULL and text is "".
 */
void	policy_reply(const struct policy_decision *d, const struct scan_verdict *v,
		     const struct policy_conf *pc, const char **rcode, const char **xcode,
		     char *text, size_t textlen);

#endif
