/*
 * NAME
 *	test_class - table-driven tests of policy_class(3)
 * SUMMARY
 *	tests/test_class
 * DESCRIPTION
 *	One table of (class, envelope, matches or not): each criterion alone
 *	and ANDed, lists ORed, IPv4 and IPv6 networks with prefix edges and
 *	an IPv4-mapped client, authenticated unset/true/false, case-folded
 *	globs for addresses and users but not daemons, "<>" for the null
 *	sender, every recipient for recipients (one stray one, none known,
 *	some not kept). Then first match wins over a list of classes, the
 *	implicit skip_authenticated class after the explicit ones, and
 *	policy_net_parse() on good and bad text. Each failing row is named.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "envelope.h"
#include "policy_class.h"

/* The table leaves out what a row does not use: zero, NULL. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define NROWS(t)	(sizeof(t) / sizeof((t)[0]))
#define LISTMAX		4
#define EITHER		(-1)
#define NO_MAIL		((const char *) 1)	/* sender: MAIL FROM not seen */

/* A class as the table writes it: NULL-terminated lists. */
struct spec {
	const char *nets[LISTMAX];
	int	authenticated;
	const char *users[LISTMAX];
	const char *daemons[LISTMAX];
	const char *senders[LISTMAX];
	const char *rcpts[LISTMAX];
};

/* An envelope as the table writes it. */
struct env_spec {
	const char *addr;		/* client address text, "" = none */
	const char *auth;		/* NULL = not authenticated */
	const char *daemon;
	const char *sender;		/* "<a@b>", "<>", or NO_MAIL */
	const char *rcpts[LISTMAX];	/* "<a@b>" each */
	int	over;			/* one more recipient, too long to keep */
};

struct row {
	const char *what;
	struct spec cls;
	struct env_spec env;
	int	match;
};

/* fill_list - a NULL-terminated list into a class list */
static size_t
fill_list(char **dst, const char *const *src)
{
	size_t	n = 0;

	while (n < LISTMAX && src[n] != NULL) {
		dst[n] = (char *) src[n];
		n++;
	}
	return n;
}

/* make_class - the struct policy_class of a spec */
static void
make_class(struct policy_class *c, const struct spec *s, const char *name)
{
	size_t	i;

	memset(c, 0, sizeof(*c));
	c->name = (char *) name;
	c->scan = 1;
	c->authenticated = s->authenticated;
	for (i = 0; i < LISTMAX && s->nets[i] != NULL; i++) {
		if (policy_net_parse(s->nets[i], &c->networks[i]) != 0)
			fail_msg("class %s: bad network %s", name, s->nets[i]);
		c->nnetworks++;
	}
	c->nauth_users = fill_list(c->auth_users, s->users);
	c->ndaemons = fill_list(c->daemons, s->daemons);
	c->nsenders = fill_list(c->senders, s->senders);
	c->nrecipients = fill_list(c->recipients, s->rcpts);
}

/* make_env - the envelope of a spec (env_free it) */
static void
make_env(struct envelope *e, const struct env_spec *s)
{
	char	longaddr[ENV_ADDR_MAX + 10];
	size_t	i;

	memset(e, 0, sizeof(*e));
	snprintf(e->client_addr, sizeof(e->client_addr), "%s", s->addr ? s->addr : "");
	env_set_daemon(e, s->daemon);
	env_set_auth(e, s->auth);
	if (s->sender != NO_MAIL)
		env_set_sender(e, s->sender ? s->sender : "<sender@example.com>");
	for (i = 0; i < LISTMAX && s->rcpts[i] != NULL; i++)
		assert_int_equal(env_add_rcpt(e, s->rcpts[i]), 1);
	if (s->over) {
		memset(longaddr, 'a', sizeof(longaddr) - 1);
		longaddr[sizeof(longaddr) - 1] = 0;
		assert_int_equal(env_add_rcpt(e, longaddr), 0);
	}
}

#define R(...)		{__VA_ARGS__}
#define NONE		{NULL}

static const struct row rows[] = {
	/* no criterion: everything */
	{"empty class", {NONE, EITHER, NONE, NONE, NONE, NONE}, {"192.0.2.1", NULL, "", NULL, R("<a@b.example>")}, 1},
	/* networks */
	{"v4 in /24", {R("192.0.2.0/24"), EITHER}, {"192.0.2.77"}, 1},
	{"v4 out of /24", {R("192.0.2.0/24"), EITHER}, {"192.0.3.1"}, 0},
	{"v4 /25 edge in", {R("192.0.2.0/25"), EITHER}, {"192.0.2.127"}, 1},
	{"v4 /25 edge out", {R("192.0.2.0/25"), EITHER}, {"192.0.2.128"}, 0},
	{"v4 host", {R("127.0.0.1"), EITHER}, {"127.0.0.1"}, 1},
	{"v4 host other", {R("127.0.0.1"), EITHER}, {"127.0.0.2"}, 0},
	{"v4 /0 any", {R("0.0.0.0/0"), EITHER}, {"203.0.113.9"}, 1},
	{"v4 /0 not v6", {R("0.0.0.0/0"), EITHER}, {"2001:db8::1"}, 0},
	{"v6 in /32", {R("2001:db8::/32"), EITHER}, {"2001:db8:ffff::1"}, 1},
	{"v6 out /32", {R("2001:db8::/32"), EITHER}, {"2001:db9::1"}, 0},
	{"v6 ::1", {R("::1"), EITHER}, {"::1"}, 1},
	{"v6 /127 edge", {R("2001:db8::/127"), EITHER}, {"2001:db8::1"}, 1},
	{"v6 /127 out", {R("2001:db8::/127"), EITHER}, {"2001:db8::2"}, 0},
	{"v4-mapped v6 client", {R("192.0.2.0/24"), EITHER}, {"::ffff:192.0.2.5"}, 1},
	{"v4-mapped outside", {R("192.0.2.0/24"), EITHER}, {"::ffff:198.51.100.5"}, 0},
	{"no address", {R("0.0.0.0/0", "::/0"), EITHER}, {""}, 0},
	{"second network ORed", {R("10.0.0.0/8", "192.0.2.0/24"), EITHER}, {"192.0.2.1"}, 1},
	/* authenticated */
	{"auth true, authed", {NONE, 1}, {"192.0.2.1", "alice"}, 1},
	{"auth true, not", {NONE, 1}, {"192.0.2.1", NULL}, 0},
	{"auth false, not", {NONE, 0}, {"192.0.2.1", NULL}, 1},
	{"auth false, authed", {NONE, 0}, {"192.0.2.1", "alice"}, 0},
	{"auth either, authed", {NONE, EITHER}, {"192.0.2.1", "alice"}, 1},
	/* auth_users */
	{"user exact", {NONE, EITHER, R("alice")}, {"", "alice"}, 1},
	{"user case", {NONE, EITHER, R("alice")}, {"", "ALICE"}, 1},
	{"user glob domain", {NONE, EITHER, R("bob", "*@example.org")}, {"", "carol@Example.ORG"}, 1},
	{"user other", {NONE, EITHER, R("alice")}, {"", "mallory"}, 0},
	{"user, not authed", {NONE, EITHER, R("*")}, {"", NULL}, 0},
	/* daemons */
	{"daemon", {NONE, EITHER, NONE, R("ORIGINATING")}, {"", NULL, "ORIGINATING"}, 1},
	{"daemon case-sensitive", {NONE, EITHER, NONE, R("ORIGINATING")}, {"", NULL, "originating"}, 0},
	{"daemon none sent", {NONE, EITHER, NONE, R("ORIGINATING")}, {"", NULL, ""}, 0},
	{"daemon glob", {NONE, EITHER, NONE, R("MTA", "ORIG*")}, {"", NULL, "ORIGINATING"}, 1},
	/* senders */
	{"sender glob", {NONE, EITHER, NONE, NONE, R("*@example.org")}, {"", NULL, "", "<a@example.org>"}, 1},
	{"sender case", {NONE, EITHER, NONE, NONE, R("*@example.org")}, {"", NULL, "", "<A@EXAMPLE.ORG>"}, 1},
	{"sender other", {NONE, EITHER, NONE, NONE, R("*@example.org")}, {"", NULL, "", "<a@example.net>"}, 0},
	{"sender null <>", {NONE, EITHER, NONE, NONE, R("<>")}, {"", NULL, "", "<>"}, 1},
	{"sender <> not a@b", {NONE, EITHER, NONE, NONE, R("<>")}, {"", NULL, "", "<a@b>"}, 0},
	{"sender glob not null", {NONE, EITHER, NONE, NONE, R("*@*")}, {"", NULL, "", "<>"}, 0},
	{"sender no MAIL", {NONE, EITHER, NONE, NONE, R("*")}, {"", NULL, "", NO_MAIL}, 0},
	/* recipients: every one */
	{"rcpt one", {NONE, EITHER, NONE, NONE, NONE, R("abuse@example.org")}, {"", NULL, "", NULL, R("<abuse@example.org>")}, 1},
	{"rcpt case", {NONE, EITHER, NONE, NONE, NONE, R("abuse@example.org")}, {"", NULL, "", NULL, R("<Abuse@Example.ORG>")}, 1},
	{"rcpt all match", {NONE, EITHER, NONE, NONE, NONE, R("abuse@*", "postmaster@*")},
	 {"", NULL, "", NULL, R("<abuse@a.example>", "<postmaster@b.example>")}, 1},
	{"rcpt one stray", {NONE, EITHER, NONE, NONE, NONE, R("abuse@example.org")},
	 {"", NULL, "", NULL, R("<abuse@example.org>", "<bob@example.org>")}, 0},
	{"rcpt stray first", {NONE, EITHER, NONE, NONE, NONE, R("abuse@example.org")},
	 {"", NULL, "", NULL, R("<bob@example.org>", "<abuse@example.org>")}, 0},
	{"rcpt none known", {NONE, EITHER, NONE, NONE, NONE, R("*")}, {"", NULL, "", NULL, NONE}, 0},
	{"rcpt not all kept", {NONE, EITHER, NONE, NONE, NONE, R("*")},
	 {"", NULL, "", NULL, R("<abuse@example.org>"), 1}, 0},
	/* criteria ANDed */
	{"and: all hold", {R("192.0.2.0/24"), 1, NONE, R("ORIGINATING"), R("*@example.org")},
	 {"192.0.2.9", "alice", "ORIGINATING", "<alice@example.org>"}, 1},
	{"and: network fails", {R("192.0.2.0/24"), 1, NONE, R("ORIGINATING"), R("*@example.org")},
	 {"198.51.100.9", "alice", "ORIGINATING", "<alice@example.org>"}, 0},
	{"and: auth fails", {R("192.0.2.0/24"), 1, NONE, R("ORIGINATING"), R("*@example.org")},
	 {"192.0.2.9", NULL, "ORIGINATING", "<alice@example.org>"}, 0},
	{"and: daemon fails", {R("192.0.2.0/24"), 1, NONE, R("ORIGINATING"), R("*@example.org")},
	 {"192.0.2.9", "alice", "MTA", "<alice@example.org>"}, 0},
	{"and: sender fails", {R("192.0.2.0/24"), 1, NONE, R("ORIGINATING"), R("*@example.org")},
	 {"192.0.2.9", "alice", "ORIGINATING", "<alice@example.net>"}, 0},
};

/* test_match_table - each row: policy_class_matches says what the row says */
static void
test_match_table(void **state)
{
	struct policy_class c;
	struct envelope e;
	size_t	i;
	unsigned bad = 0;

	(void) state;
	for (i = 0; i < NROWS(rows); i++) {
		int	got;

		make_class(&c, &rows[i].cls, "t");
		make_env(&e, &rows[i].env);
		got = policy_class_matches(&c, &e);
		if (got != rows[i].match) {
			print_message("row \"%s\": matches %d, wanted %d\n", rows[i].what, got, rows[i].match);
			bad++;
		}
		env_free(&e);
	}
	assert_int_equal(bad, 0);
	assert_int_equal(policy_class_matches(NULL, &e), 0);
}

/* test_first_wins - the first matching class of a list; the implicit skip_authenticated one last */
static void
test_first_wins(void **state)
{
	static const struct spec any = {NONE, EITHER};
	static const struct spec authed = {NONE, 1};
	static const struct spec lan = {R("192.0.2.0/24"), EITHER};
	static const struct spec abuse = {NONE, EITHER, NONE, NONE, NONE, R("abuse@*")};
	static const struct env_spec from_lan = {"192.0.2.1", NULL, "", NULL, R("<abuse@x.example>")};
	static const struct env_spec from_far = {"203.0.113.1", NULL, "", NULL, R("<bob@x.example>")};
	static const struct env_spec far_authed = {"203.0.113.1", "alice", "", NULL, R("<bob@x.example>")};
	struct policy_class cl[3];
	struct policy_conf top;
	struct policy_choice ch;
	struct envelope e;
	char	why[POLICY_CLASS_WHY_MAX];

	(void) state;
	memset(&top, 0, sizeof(top));
	make_class(&cl[0], &lan, "lan");
	make_class(&cl[1], &abuse, "abuse");
	make_class(&cl[2], &any, "rest");
	cl[0].scan = 0;
	cl[1].policy.on_infected = POLICY_TAG;

	make_env(&e, &from_lan);		/* lan and abuse both match: lan, listed first */
	assert_ptr_equal(policy_class_match(cl, 3, &e), &cl[0]);
	policy_class_choose(cl, 3, &top, &e, &ch, why, sizeof(why));
	assert_ptr_equal(ch.cls, &cl[0]);
	assert_ptr_equal(ch.policy, &cl[0].policy);
	assert_int_equal(ch.scan, 0);
	assert_string_equal(ch.why, "class lan");
	policy_class_choose(&cl[1], 2, &top, &e, &ch, why, sizeof(why));
	assert_ptr_equal(ch.cls, &cl[1]);
	assert_int_equal(ch.scan, 1);
	assert_int_equal(ch.policy->on_infected, POLICY_TAG);
	env_free(&e);

	make_env(&e, &from_far);		/* only the catch-all */
	assert_ptr_equal(policy_class_match(cl, 3, &e), &cl[2]);
	assert_null(policy_class_match(cl, 2, &e));
	policy_class_choose(cl, 2, &top, &e, &ch, why, sizeof(why));
	assert_null(ch.cls);
	assert_ptr_equal(ch.policy, &top);
	assert_int_equal(ch.scan, 1);
	env_free(&e);

	/* skip_authenticated: the implicit class, after the explicit ones */
	top.skip_authenticated = 1;
	make_env(&e, &far_authed);
	policy_class_choose(cl, 2, &top, &e, &ch, why, sizeof(why));
	assert_null(ch.cls);
	assert_int_equal(ch.scan, 0);
	assert_string_equal(ch.why, "authenticated sender");
	make_class(&cl[0], &authed, "authed");	/* an explicit class wins over it */
	policy_class_choose(cl, 1, &top, &e, &ch, why, sizeof(why));
	assert_ptr_equal(ch.cls, &cl[0]);
	assert_int_equal(ch.scan, 1);
	env_free(&e);
	make_env(&e, &from_far);		/* not authenticated: scanned */
	policy_class_choose(NULL, 0, &top, &e, &ch, why, sizeof(why));
	assert_int_equal(ch.scan, 1);
	env_free(&e);
}

/* test_net_parse - good and bad network text */
static void
test_net_parse(void **state)
{
	static const struct {
		const char *text;
		int	ok, family;
		unsigned bits;
	} t[] = {
		{"192.0.2.0/24", 0, AF_INET, 24}, {"127.0.0.1", 0, AF_INET, 32},
		{"0.0.0.0/0", 0, AF_INET, 0}, {"::1", 0, AF_INET6, 128},
		{"2001:db8::/32", 0, AF_INET6, 32}, {"::/0", 0, AF_INET6, 0},
		{"192.0.2.0/33", -1}, {"2001:db8::/129", -1}, {"300.0.0.1", -1},
		{"192.0.2.0/", -1}, {"192.0.2.0/-1", -1}, {"192.0.2.0/ 8", -1},
		{"192.0.2.0/24x", -1}, {"", -1}, {"/8", -1}, {"example.org", -1},
		{"192.0.2.0/0008", -1}, {"1.2.3", -1}, {"::1/+8", -1},
		{"fe80::1%eth0", -1},
	};
	struct policy_net n;
	size_t	i;

	(void) state;
	for (i = 0; i < NROWS(t); i++) {
		int	rc = policy_net_parse(t[i].text, &n);

		if (rc != t[i].ok)
			fail_msg("policy_net_parse(\"%s\") = %d, wanted %d", t[i].text, rc, t[i].ok);
		if (rc == 0 && (n.family != t[i].family || n.bits != t[i].bits))
			fail_msg("policy_net_parse(\"%s\"): family %d bits %u", t[i].text, n.family, n.bits);
	}
	assert_int_equal(policy_net_parse(NULL, &n), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_first_wins),
		cmocka_unit_test(test_net_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
