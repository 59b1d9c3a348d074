/*
 * NAME
 *	policy_class 3h - classes: a policy chosen by origin and destination
 * SUMMARY
 *	struct policy_class, struct policy_net, struct policy_choice,
 *	policy_class_match(), policy_class_choose(), policy_net_parse()
 * DESCRIPTION
 *	A class names mail by where it comes from and where it goes (client
 *	networks, SMTP AUTH, the MTA's {daemon_name}, the envelope sender,
 *	every recipient) and gives it a policy of its own, or no scan at
 *	all. The first class whose criteria all hold wins; within one
 *	criterion any entry will do. Part of the policy module: pure, no
 *	libmilter, no libclamav, no I/O.
 */
#ifndef CLAMSHIM_POLICY_CLASS_H
#define CLAMSHIM_POLICY_CLASS_H

#include <stddef.h>

#include "envelope.h"
#include "policy.h"

#define POLICY_CLASSES_MAX		64	/* class sections */
#define POLICY_CLASS_ENTRIES_MAX	64	/* entries of one list of a class */
#define POLICY_GLOB_MAX			255	/* bytes of one glob */
#define POLICY_CLASS_NAME_MAX		64	/* bytes of a class name */
#define POLICY_CLASS_WHY_MAX		(POLICY_CLASS_NAME_MAX + 8)	/* "class NAME" */

/* A network: an IPv4 or IPv6 address and how many leading bits must match. */
struct policy_net {
	int	family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];		/* network order; IPv4 in the first 4 */
	unsigned bits;			/* 0..32 or 0..128 */
};

/*
 * One class. An empty list or authenticated < 0 is no criterion. Filled
 * by conf(3): name and the lists are owned by struct conf; over holds
 * the keys its policy { } set; policy is the top-level policy with
 * those keys replaced (its strings point into over or the top level).
 */
struct policy_class {
	char   *name;			/* the title: class "NAME" */
	struct policy_net networks[POLICY_CLASS_ENTRIES_MAX];
	size_t	nnetworks;
	int	authenticated;		/* -1 either, 0 not, 1 SMTP AUTH used */
	char   *auth_users[POLICY_CLASS_ENTRIES_MAX];	/* globs on {auth_authen}, any case */
	size_t	nauth_users;
	char   *daemons[POLICY_CLASS_ENTRIES_MAX];	/* globs on {daemon_name} */
	size_t	ndaemons;
	char   *senders[POLICY_CLASS_ENTRIES_MAX];	/* globs, any case; "<>" = null sender */
	size_t	nsenders;
	char   *recipients[POLICY_CLASS_ENTRIES_MAX];	/* globs, any case; every rcpt */
	size_t	nrecipients;
	int	scan;			/* 0: not scanned, accepted, tagged Unscanned (class NAME) */
	struct policy_conf over;	/* what policy { } set (conf's bookkeeping) */
	struct policy_conf policy;	/* the policy the class decides with */
};

/* What a message gets: a class, or the top-level policy. */
struct policy_choice {
	const struct policy_class *cls;		/* NULL: no explicit class matched */
	const struct policy_conf *policy;	/* the policy to decide with */
	int	scan;				/* 0: not scanned */
	const char *why;			/* when not scanned: "class NAME" or "authenticated sender" text */
};

/* policy_net_parse - "192.0.2.0/24", "2001:db8::/32", "::1" into n; 0 ok, -1 bad */
int	policy_net_parse(const char *text, struct policy_net *n);
/* policy_class_matches - 1 when every criterion of cls holds for envelope e */
int	policy_class_matches(const struct policy_class *cls, const struct envelope *e);
/* policy_class_match - the first of the n classes that matches e; NULL if none */
const struct policy_class *policy_class_match(const struct policy_class *classes, size_t n,
					      const struct envelope *e);
/*
 * policy_class_choose - the class of e and what it means: the first
 * explicit class that matches; else, when top->skip_authenticated and e
 * is authenticated, not scanned (the implicit class, why "authenticated
 * sender"); else the top-level policy, scanned. why is written into
 * whybuf (whylen bytes) when not scanned.
 */
void	policy_class_choose(const struct policy_class *classes, size_t n,
			    const struct policy_conf *top, const struct envelope *e,
			    struct policy_choice *out, char *whybuf, size_t whylen);

#endif
