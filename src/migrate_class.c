/*
 * NAME
 *	migrate_class 3 - clamav-milter's LocalNet, AllowList and SkipAuthenticated as classes
 * SUMMARY
 *	migrate_h_localnet(), migrate_h_allow(), migrate_h_skipauth()
 * DESCRIPTION
 *	The handlers of the rows (migrate_rows.c) that fill the sections
 *	of the classes. LocalNet's addresses become a class of networks;
 *	AllowList's and SkipAuthenticated's regular expressions become
 *	globs when they are literal text with ., .*, ^ and $
 *	(migrate_glob), others are dropped. A file an option names is read
 *	through the caller's reader, at most MIGRATE_READS_MAX of them,
 *	each bounded.
 * DIAGNOSTICS
 *	Everything is hostile: addresses that do not parse, expressions
 *	that are not literal, lines past their bound are dropped with the
 *	reason.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate_int.h"
#include "util.h"

/* migrate_net - 1 when v is an IPv4 or IPv6 address with an optional /mask */
static int
migrate_net(const char *v)
{
	char	addr[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];
	const char *slash = strchr(v, '/');
	size_t	n = slash ? (size_t) (slash - v) : strlen(v);
	char	unit;
	long long bits;
	int	v6;

	if (n == 0 || n >= sizeof(addr))
		return 0;
	memcpy(addr, v, n);
	addr[n] = '\0';
	v6 = strchr(addr, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1)
		return 0;
	if (slash == NULL)
		return 1;
	bits = migrate_number(slash + 1, "", &unit);
	return bits >= 0 && bits <= (v6 ? 128 : 32);
}

/* migrate_h_localnet - LocalNet: a network of class "localnet" */
void
migrate_h_localnet(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	char   *q;

	if (strcasecmp(e->value, "local") == 0) {
		migrate_drop(m, e, "mail that arrives without SMTP has no client address to match; "
			     "Postfix gives it 127.0.0.1: add that to the class if you want it unscanned");
		return;
	}
	if (!migrate_net(e->value)) {
		migrate_drop(m, e, "not an address or network: clamshim matches client addresses, "
			     "never resolves names; write the address");
		return;
	}
	q = migrate_quote(e->value);
	migrate_put(m, e, r->sect, "networks", q, 1);
	free(q);
}

/*
 * migrate_glob - a POSIX regular expression (ere: extended) matched
 * anywhere in the text, as a glob on the whole text. 0 ok; -1 when it is
 * more than literal text with ., .*, ^ and $.
 */
static int
migrate_glob(const char *re, int ere, char *out, size_t outlen)
{
	size_t	n = strlen(re), i = 0, o = 0;
	int	start = re[0] == '^', end = n > 0 && re[n - 1] == '$' && (n < 2 || re[n - 2] != '\\');

	if (outlen < 3 || n + 3 > outlen)
		return -1;
	if (start)
		i = 1;
	if (end)
		n--;
	if (!start)
		out[o++] = '*';
	for (; i < n; i++) {
		char	c = re[i];

		if (c == '.' && re[i + 1] == '*' && i + 1 < n) {
			out[o++] = '*';
			i++;
		} else if (c == '.')
			out[o++] = '?';
		else if (c == '\\' && i + 1 < n && strchr(".+@-_/:=%~,!'\\$^", re[i + 1])) {
			if (re[i + 1] == '\\')
				return -1;	/* a glob may read \ itself */
			out[o++] = re[++i];
		} else if (isalnum((unsigned char) c) || strchr("@-_/:=%~,!'", c)
			   || (c == '+' && !ere))
			out[o++] = c;
		else
			return -1;
		if (o + 2 >= outlen)
			return -1;
	}
	if (!end)
		out[o++] = '*';
	out[o] = '\0';
	for (i = 0; out[i]; i++)	/* "**" is "*" */
		while (out[i] == '*' && out[i + 1] == '*')
			memmove(out + i, out + i + 1, strlen(out + i));
	return 0;
}

/* migrate_put_glob - one regex of a list as a glob of section s's key; -1 dropped */
static int
migrate_put_glob(struct migrate *m, const struct migrate_entry *e, int s, const char *key,
		 const char *re, int ere)
{
	char	g[MIGRATE_LINE_MAX + 4], shown[MIGRATE_SHOW_MAX];
	char   *q;

	if (!migrate_printable(re) || migrate_glob(re, ere, g, sizeof(g)) < 0) {
		migrate_drop(m, e, "the expression \"%s\" is not plain text with ., .*, ^ and $: "
			     "write it as a glob (* ?) yourself", migrate_shown(re, shown, sizeof(shown)));
		return -1;
	}
	q = migrate_quote(g);
	migrate_put(m, e, s, key, q, 1);
	free(q);
	return 0;
}

/* migrate_read_lines - each line of the file e names, through fn; -1 (dropped) when unreadable */
static int
migrate_read_lines(struct migrate *m, const struct migrate_entry *e, const char *path,
		   void (*fn)(struct migrate *, const struct migrate_entry *, const char *))
{
	char	err[256], line[MIGRATE_LINE_MAX];
	char   *text = NULL, *p, *nl;
	size_t	len = 0, n;

	if (m->nread >= MIGRATE_READS_MAX) {	/* each up to 1 MiB: the work stays bounded */
		migrate_drop(m, e, "more than %d files named: not read", MIGRATE_READS_MAX);
		return -1;
	}
	m->nread++;
	if (m->read == NULL || m->read(path, &text, &len, err, sizeof(err)) < 0) {
		migrate_drop(m, e, "cannot read the file: %s", m->read ? err : "not read here");
		return -1;
	}
	for (p = text; p < text + len; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t) (text + len - p))) == NULL)
			nl = text + len;
		n = (size_t) (nl - p);
		while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof(line))
			continue;
		memcpy(line, p, n);
		line[n] = '\0';
		fn(m, e, line);
	}
	free(text);
	return 0;
}

/* migrate_allow_line - one line of an AllowList file: [From:|To:]REGEX */
static void
migrate_allow_line(struct migrate *m, const struct migrate_entry *e, const char *line)
{
	if (strchr("#:!", line[0]) != NULL)
		return;
	if (strncmp(line, "From:", 5) == 0)
		(void) migrate_put_glob(m, e, MS_FROM, "senders", line + 5, 0);
	else
		(void) migrate_put_glob(m, e, MS_TO, "recipients",
					line + (strncmp(line, "To:", 3) == 0 ? 3 : 0), 0);
}

/* migrate_h_allow - AllowList FILE: classes of senders and of recipients */
void
migrate_h_allow(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	(void) r;
	(void) migrate_read_lines(m, e, e->value, migrate_allow_line);
}

/* migrate_auth_line - one name of a SkipAuthenticated file: */
static void
migrate_auth_line(struct migrate *m, const struct migrate_entry *e, const char *line)
{
	char   *q;

	if (strpbrk(line, "*?[\\") != NULL || !migrate_printable(line)) {
		migrate_drop(m, e, "a name with * ? [ or \\ in it is not a plain glob");
		return;
	}
	q = migrate_quote(line);
	migrate_put(m, e, MS_AUTH, "auth_users", q, 1);
	free(q);
}

/* migrate_h_skipauth - SkipAuthenticated REGEX or file:PATH: class "authenticated" */
void
migrate_h_skipauth(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e)
{
	(void) r;
	if (strncmp(e->value, "file:", 5) == 0) {
		if (migrate_read_lines(m, e, e->value + 5, migrate_auth_line) == 0)
			migrate_put(m, e, MS_AUTH, "authenticated", "true", 0);
		return;
	}
	if (migrate_put_glob(m, e, MS_AUTH, "auth_users", e->value, 1) == 0)
		migrate_put(m, e, MS_AUTH, "authenticated", "true", 0);
}
