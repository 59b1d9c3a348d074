/*
 * NAME
 *	policy_class 3 - classes: a policy chosen by origin and destination
 * SUMMARY
 *	policy_net_parse(), policy_class_matches(), policy_class_match(),
 *	policy_class_choose()
 * DESCRIPTION
 *	The classes are tried in file order; the first whose criteria all
 *	hold wins. A criterion is a list (any entry holds) or a tri-state
 *	(authenticated: unset = either); an empty list is no criterion.
 *
 *	networks	the client address is inside one of them (an
 *			IPv4-mapped IPv6 client, ::ffff:192.0.2.1, counts as
 *			its IPv4 address); a client without an IP address
 *			(a Unix socket, the sendmail command) is in none.
 *	authenticated	{auth_authen} was sent and is not empty.
 *	auth_users	fnmatch(3) on {auth_authen}, case-insensitive.
 *	daemons		fnmatch(3) on {daemon_name}, case-sensitive.
 *	senders		fnmatch(3) on the envelope sender without its angle
 *			brackets, case-insensitive; "<>" is the null sender.
 *	recipients	EVERY recipient matches one of the globs,
 *			case-insensitive; not when there is none, and not
 *			when some recipient was not kept (rcpts_over): a
 *			mixed message never escapes the stricter policy.
 *
 *	The implicit class of policy.skip_authenticated (authenticated:
 *	not scanned) is tried after the explicit ones.
 * DIAGNOSTICS
 *	None: pure functions.
 */
#include "config.h"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy_class.h"

/* policy_net_parse - "192.0.2.0/24", "2001:db8::/32", "::1" into n; 0 ok, -1 bad */
int
policy_net_parse(const char *text, struct policy_net *n)
{
	char	addr[INET6_ADDRSTRLEN + 1], *end;
	const char *slash;
	size_t	len;
	long	bits;
	unsigned max;

	if (text == NULL || n == NULL)
		return -1;
	slash = strchr(text, '/');
	len = slash ? (size_t) (slash - text) : strlen(text);
	if (len == 0 || len >= sizeof(addr))
		return -1;
	memcpy(addr, text, len);
	addr[len] = 0;
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, addr, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	n->bits = max;
	if (slash == NULL)
		return 0;
	if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
		return -1;
	bits = strtol(slash + 1, &end, 10);
	if (*end != 0 || bits < 0 || bits > (long) max)
		return -1;
	n->bits = (unsigned) bits;
	return 0;
}

/* policy_net_has - 1 when the address (family, 4 or 16 bytes) is inside net */
static int
policy_net_has(const struct policy_net *net, int family, const unsigned char *a)
{
	unsigned full = net->bits / 8, rest = net->bits % 8;
	unsigned char mask;

	if (net->family != family)
		return 0;
	if (memcmp(net->addr, a, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char) (0xff << (8 - rest));
	return (net->addr[full] & mask) == (a[full] & mask);
}

/* policy_class_networks - 1 when the client address is in one of the class's networks */
static int
policy_class_networks(const struct policy_class *cls, const char *client)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	unsigned char a[16];
	int	family;
	size_t	i;

	if (inet_pton(AF_INET, client, a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, client, a) == 1)
		family = AF_INET6;
	else
		return 0;			/* no IP address: in no network */
	for (i = 0; i < cls->nnetworks && i < POLICY_CLASS_ENTRIES_MAX; i++) {
		if (policy_net_has(&cls->networks[i], family, a))
			return 1;
		if (family == AF_INET6 && memcmp(a, mapped, sizeof(mapped)) == 0
		    && policy_net_has(&cls->networks[i], AF_INET, a + 12))
			return 1;
	}
	return 0;
}

/* policy_glob_any - 1 when one of the n globs matches text */
static int
policy_glob_any(char *const *globs, size_t n, const char *text, int flags)
{
	size_t	i;

	for (i = 0; i < n && i < POLICY_CLASS_ENTRIES_MAX; i++)
		if (globs[i] != NULL && fnmatch(globs[i], text, flags) == 0)
			return 1;
	return 0;
}

/* policy_class_sender - 1 when the sender matches one of the globs ("<>" = the null sender) */
static int
policy_class_sender(const struct policy_class *cls, const struct envelope *e)
{
	size_t	i;

	if (!e->has_sender)
		return 0;
	for (i = 0; i < cls->nsenders && i < POLICY_CLASS_ENTRIES_MAX; i++) {
		if (cls->senders[i] == NULL)
			continue;
		if (strcmp(cls->senders[i], "<>") == 0) {
			if (e->sender[0] == 0)
				return 1;
		} else if (fnmatch(cls->senders[i], e->sender, FNM_CASEFOLD) == 0) {
			return 1;
		}
	}
	return 0;
}

/* policy_class_recipients - 1 when every recipient, all of them known, matches one of the globs */
static int
policy_class_recipients(const struct policy_class *cls, const struct envelope *e)
{
	size_t	i;

	if (e->nrcpts == 0 || e->rcpts_over || e->rcpts == NULL)
		return 0;
	for (i = 0; i < e->nrcpts; i++)
		if (e->rcpts[i] == NULL
		    || !policy_glob_any(cls->recipients, cls->nrecipients, e->rcpts[i], FNM_CASEFOLD))
			return 0;
	return 1;
}

/* policy_class_matches - 1 when every criterion of cls holds for envelope e */
int
policy_class_matches(const struct policy_class *cls, const struct envelope *e)
{
	int	auth;

	if (cls == NULL || e == NULL)
		return 0;
	auth = e->auth[0] != 0;
	if (cls->nnetworks > 0 && !policy_class_networks(cls, e->client_addr))
		return 0;
	if (cls->authenticated >= 0 && cls->authenticated != auth)
		return 0;
	if (cls->nauth_users > 0
	    && (!auth || !policy_glob_any(cls->auth_users, cls->nauth_users, e->auth, FNM_CASEFOLD)))
		return 0;
	if (cls->ndaemons > 0 && !policy_glob_any(cls->daemons, cls->ndaemons, e->daemon, 0))
		return 0;
	if (cls->nsenders > 0 && !policy_class_sender(cls, e))
		return 0;
	if (cls->nrecipients > 0 && !policy_class_recipients(cls, e))
		return 0;
	return 1;
}

/* policy_class_match - the first of the n classes that matches e; NULL if none */
const struct policy_class *
policy_class_match(const struct policy_class *classes, size_t n, const struct envelope *e)
{
	size_t	i;

	for (i = 0; classes != NULL && i < n && i < POLICY_CLASSES_MAX; i++)
		if (policy_class_matches(&classes[i], e))
			return &classes[i];
	return NULL;
}

/* policy_class_choose - the class of e, or the implicit skip_authenticated one, or none */
void
policy_class_choose(const struct policy_class *classes, size_t n,
		    const struct policy_conf *top, const struct envelope *e,
		    struct policy_choice *out, char *whybuf, size_t whylen)
{
	const struct policy_class *cls = policy_class_match(classes, n, e);

	memset(out, 0, sizeof(*out));
	out->policy = top;
	out->scan = 1;
	out->why = "";
	if (whybuf != NULL && whylen > 0)
		whybuf[0] = 0;
	if (cls != NULL) {
		out->cls = cls;
		out->policy = &cls->policy;
		out->scan = cls->scan;
		if (!cls->scan && whybuf != NULL && whylen > 0) {
			snprintf(whybuf, whylen, "class %s", cls->name ? cls->name : "");
			out->why = whybuf;
		}
	} else if (top != NULL && top->skip_authenticated && e != NULL && e->auth[0] != 0) {
		out->scan = 0;
		out->why = "authenticated sender";
	}
}
