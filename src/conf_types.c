/*
 * NAME
 *	conf_types 3 - the kinds of values an option takes: check, convert, free
 * SUMMARY
 *	conf_type_parse(), conf_type_size(), conf_type_free()
 * DESCRIPTION
 *	One parse function per enum conf_type. It checks a value as the
 *	file writes it and, given a destination, stores what it means in
 *	the field the option's row names: the same function checks a value
 *	while libconfuse reads it (so every bad value is reported with its
 *	line) and converts it into struct conf afterwards, defaults
 *	included. The bounds and allowed values come from the row.
 *
 *	Durations, sizes and the names of the enums are read by
 *	conf_units.c.
 * DIAGNOSTICS
 *	The reason for a bad value, for the caller to report with the
 *	option's name. Values shown in a reason are cut and have control
 *	characters as '?'.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <confuse.h>

#include "clamd_proto.h"
#include "conf_table.h"
#include "policy.h"
#include "policy_class.h"
#include "util.h"

/* ---- one parse function per type ---- */

/* The arguments of every parse function (see conf_type_parse). */
#define CONF_PARSE_ARGS	const struct conf_row *r, const char *value, void *dst, char *err, \
			size_t errlen

/* conf_shown - a value for a message: bounded, control characters as '?' */
static const char *
conf_shown(const char *value, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; value[i] && i + 1 < len; i++)
		buf[i] = (value[i] >= 0x20 && value[i] < 0x7f) ? value[i] : '?';
	buf[i] = '\0';
	if (value[i] && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

#define SHOWN(v)	conf_shown((v), shown, sizeof(shown))
#define BAD(...)	(snprintf(err, errlen, __VA_ARGS__), -1)

/* conf_store_text - a checked text: a copy of it into dst (char *) */
static int
conf_store_text(const char *value, void *dst)
{
	if (dst)
		*(char **) dst = util_strdup(value);
	return 0;
}

/* conf_parse_text - any text */
static int
conf_parse_text(CONF_PARSE_ARGS)
{
	return conf_store_text(value, dst);
}

/* conf_parse_path - a file or directory name, not empty */
static int
conf_parse_path(CONF_PARSE_ARGS)
{
	if (*value == '\0')
		return BAD("must not be empty");
	return conf_store_text(value, dst);
}

/* conf_parse_message - one line of printable ASCII, the text of an SMTP reply, at most r->max */
static int
conf_parse_message(CONF_PARSE_ARGS)
{
	size_t	i;

	for (i = 0; value[i]; i++)
		if ((unsigned char) value[i] < 0x20 || (unsigned char) value[i] > 0x7e)
			break;
	if (*value == '\0')
		return BAD("must not be empty");
	if (value[i])
		return BAD("must be one line of printable ASCII (an SMTP reply)");
	if (i > (size_t) r->max)
		return BAD("is %zu characters long, at most %ld are allowed", i, r->max);
	return conf_store_text(value, dst);
}

/* conf_parse_socket - a libmilter socket: unix:/path, local:/path, inet:PORT[@HOST], inet6:... */
static int
conf_parse_socket(CONF_PARSE_ARGS)
{
	static const char *const kinds[] = {"unix:", "local:", "inet:", "inet6:"};
	char	shown[80];
	size_t	i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(value, kinds[i], strlen(kinds[i])) == 0
		    && value[strlen(kinds[i])] != '\0')
			return conf_store_text(value, dst);
	if (value[0] == '/')
		return conf_store_text(value, dst);
	return BAD("\"%s\" is not a milter socket (use unix:/PATH, inet:PORT@HOST "
		   "or inet6:PORT@HOST)", SHOWN(value));
}

/*
 * conf_parse_server - one clamd server spec, checked by the clamd module's
 * own parser (so the daemon never accepts a spec its clamd scanner refuses),
 * plus a real IPv6 address check for tcp:[ADDRESS]:PORT.
 */
static int
conf_parse_server(CONF_PARSE_ARGS)
{
	struct clamd_spec cs;
	unsigned char bin[16];
	char	why[CONF_TEXT_MAX / 2], shown[CONF_TEXT_MAX / 2];

	if (clamd_parse_spec(value, &cs, why, sizeof(why)) < 0)
		return BAD("%s (use unix:/PATH, tcp:HOST:PORT or tcp:[IPV6]:PORT)", SHOWN(why));
	if (cs.kind == CLAMD_SPEC_TCP && strncmp(value, "tcp:[", 5) == 0
	    && inet_pton(AF_INET6, cs.host, bin) != 1)
		return BAD("%s: bad IPv6 address", SHOWN(value));
	return conf_store_text(value, dst);
}

/* conf_mode - an octal permission "0660" to its value; -1 when not one */
static long
conf_mode(const char *value)
{
	char   *end;
	long	v;

	if (value[0] != '0' || strlen(value) < 3 || strlen(value) > 4 || strspn(value, "01234567") != strlen(value))
		return -1;
	v = strtol(value, &end, 8);
	return *end == '\0' && v >= 0 && v <= 0777 ? v : -1;
}

/*
 * conf_parse_mode - socket permissions: octal, owner read-write, group
 * write (connecting to a unix socket needs write permission, and the MTA
 * connects through the group), never writable by others
 */
static int
conf_parse_mode(CONF_PARSE_ARGS)
{
	char	shown[80];
	long	v = conf_mode(value);

	if (v < 0)
		return BAD("\"%s\" is not an octal mode such as \"0660\"", SHOWN(value));
	if ((v & 0600) != 0600)
		return BAD("\"%s\" must let the owner read and write the socket", value);
	if (v & 0002)
		return BAD("\"%s\" would let every local user talk to the filter; use socket_group",
			   value);
	if ((v & 0020) == 0)
		return BAD("\"%s\" leaves the socket's group (socket_group) unable to connect: "
			   "connecting needs write permission; use \"0660\"", value);
	if (dst)
		*(unsigned *) dst = (unsigned) v;
	return 0;
}

/*
 * conf_parse_hostname - "" (the host's own name) or a host name: letters,
 * digits, '.', '-' and '_', not starting with '.' or '-', at most
 * CONF_HOSTNAME_MAX characters (it goes into a header)
 */
static int
conf_parse_hostname(CONF_PARSE_ARGS)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
	char	shown[80];
	size_t	n = strspn(value, ok), len = strlen(value);

	if (n != len)
		return BAD("\"%s\" is not a host name (letters, digits, '.', '-' and '_' only)",
			   SHOWN(value));
	if (value[0] == '.' || value[0] == '-')
		return BAD("\"%s\" is not a host name (it starts with '%c')", SHOWN(value),
			   value[0]);
	if (len > CONF_HOSTNAME_MAX)
		return BAD("is %zu characters long, at most %d are allowed", len,
			   CONF_HOSTNAME_MAX);
	return conf_store_text(value, dst);
}

/* The types whose values name one of a fixed set: how to look a name up, what the set is. */
static const struct conf_enum {
	int	(*from_name)(const char *);	/* -1 if unknown */
	const char *what;
} conf_enums[CONF_TYPE_COUNT] = {
	[CONF_LOG_LEVEL] = {log_level_from_name, "a log level (use error, warning, info or debug)"},
	[CONF_FACILITY] = {log_facility_from_name,
			   "a syslog facility (use mail, daemon, user or local0 to local7)"},
	[CONF_SCANNER] = {conf_scanner_from_name, "a scanner (use embedded or clamd)"},
	[CONF_MTA] = {conf_mta_from_name, "an MTA (use postfix or sendmail)"},
	[CONF_BOOL] = {cfg_parse_boolean, "a boolean (use true or false)"},	/* also yes|no, on|off */
	[CONF_LOG_ADDRESSES] = {conf_log_addresses_from_name, "none, infected or all"},
};

_Static_assert(sizeof(enum conf_scanner) == sizeof(int), "conf_parse_enum stores an int");
_Static_assert(sizeof(enum conf_mta) == sizeof(int), "conf_parse_enum stores an int");

/* conf_parse_enum - a name of the set of the row's type, stored as its int value */
static int
conf_parse_enum(CONF_PARSE_ARGS)
{
	const struct conf_enum *e = &conf_enums[r->type];
	char	shown[80];
	int	v = e->from_name(value);

	if (v < 0)
		return BAD("\"%s\" is not %s", SHOWN(value), e->what);
	if (dst)
		*(int *) dst = v;
	return 0;
}

/* conf_parse_count - a whole number from r->min to r->max */
static int
conf_parse_count(CONF_PARSE_ARGS)
{
	char	shown[80];
	uint64_t n = 0;
	const char *end = conf_digits(value, &n);

	if (end == NULL || *end != '\0' || n < (uint64_t) r->min || n > (uint64_t) r->max)
		return BAD("\"%s\" is not a whole number from %ld to %ld (%s)", SHOWN(value),
			   r->min, r->max, r->meaning);
	if (dst)
		*(unsigned *) dst = (unsigned) n;
	return 0;
}

/* conf_parse_dur - a duration: more than 0, or "0" = off for CONF_DURATION0 */
static int
conf_parse_dur(CONF_PARSE_ARGS)
{
	char	shown[80];
	int	zero_ok = r->type == CONF_DURATION0;
	int64_t	ms;

	if (conf_parse_duration(value, &ms) < 0)
		return BAD("\"%s\" is not a duration (use a whole number and a unit: "
			   "500ms, 30s, 5m, 2h, 1d%s)", SHOWN(value), zero_ok ? "; 0 = off" : "");
	if (ms == 0 && !zero_ok)
		return BAD("must be longer than 0");
	if (dst)
		*(int64_t *) dst = ms;
	return 0;
}

/* conf_parse_bytes - a size that fits in memory: more than 0, or 0 too for CONF_SIZE0 */
static int
conf_parse_bytes(CONF_PARSE_ARGS)
{
	char	shown[80];
	uint64_t n;

	if (conf_parse_size(value, &n) < 0 || n > SIZE_MAX)
		return BAD("\"%s\" is not a size (use bytes or a whole number with "
			   "K, M or G: 512K, 25M, 1G)", SHOWN(value));
	if (n == 0 && r->type != CONF_SIZE0)
		return BAD("must be more than 0");
	if (dst)
		*(uint64_t *) dst = n;
	return 0;
}

/*
 * conf_parse_action - an action of r->allowed, stored as an enum
 * policy_action; for CONF_ACTION_UNSET as a struct policy_limit, where
 * "" is unset: on_limit decides.
 */
static int
conf_parse_action(CONF_PARSE_ARGS)
{
	char	allowed[128], shown[80];
	int	unset_ok = r->type == CONF_ACTION_UNSET;
	int	a = policy_action_from_name(value), i, count = 0, total = 0;
	size_t	n = 0;

	if ((a >= 0 && (r->allowed & POLICY_MASK(a)) != 0) || (unset_ok && *value == '\0')) {
		if (dst && unset_ok)
			*(struct policy_limit *) dst = (struct policy_limit) {
				.set = a >= 0, .action = a >= 0 ? (enum policy_action) a : POLICY_ACCEPT};
		else if (dst)
			*(enum policy_action *) dst = (enum policy_action) a;
		return 0;
	}
	for (i = 0; i < POLICY_ACTION_COUNT; i++)
		total += (r->allowed & POLICY_MASK(i)) != 0;
	allowed[0] = '\0';
	for (i = 0; i < POLICY_ACTION_COUNT && n < sizeof(allowed); i++) {
		if ((r->allowed & POLICY_MASK(i)) == 0)
			continue;
		count++;
		n += (size_t) snprintf(allowed + n, sizeof(allowed) - n, "%s%s",
				       count == 1 ? "" : count == total ? " or " : ", ",
				       policy_action_name((enum policy_action) i));
	}
	return BAD("\"%s\" is not allowed here (use %s%s)", SHOWN(value), allowed,
		   unset_ok ? "; \"\" = as on_limit" : "");
}

/* conf_parse_rule_action - a signature rule's action: one the row allows, or "ignore" */
static int
conf_parse_rule_action(CONF_PARSE_ARGS)
{
	struct conf_row on = *r;
	struct policy_rule_action what = {.ignore = 1, .action = POLICY_ACCEPT};

	on.type = CONF_ACTION;
	if (strcasecmp(value, "ignore") != 0
	    && conf_parse_action(&on, value, dst ? &what.action : NULL, err, errlen) < 0) {
		size_t	n = strlen(err);

		if (n > 0 && err[n - 1] == ')')	/* "(use ...)": add ignore to the list */
			snprintf(err + n - 1, errlen - (n - 1), ", or ignore)");
		return -1;
	}
	if (dst) {
		what.ignore = strcasecmp(value, "ignore") == 0;
		*(struct policy_rule_action *) dst = what;
	}
	return 0;
}

/* conf_parse_network - an IPv4 or IPv6 address, or a network in CIDR notation */
static int
conf_parse_network(CONF_PARSE_ARGS)
{
	struct policy_net n;
	char	shown[80];

	(void) r;
	if (policy_net_parse(value, &n) < 0)
		return BAD("\"%s\" is not an IP address or network (use 192.0.2.0/24, "
			   "2001:db8::/32, 127.0.0.1 or ::1)", SHOWN(value));
	if (dst)
		*(struct policy_net *) dst = n;
	return 0;
}

/* conf_parse_glob - an fnmatch(3) glob: printable ASCII, 1..POLICY_GLOB_MAX bytes */
static int
conf_parse_glob(CONF_PARSE_ARGS)
{
	size_t	i;

	(void) r;
	for (i = 0; value[i]; i++)
		if ((unsigned char) value[i] < 0x20 || (unsigned char) value[i] > 0x7e)
			return BAD("must be printable ASCII");
	if (i == 0)
		return BAD("must not be empty");
	if (i > POLICY_GLOB_MAX)
		return BAD("is %zu characters long, at most %d are allowed", i, POLICY_GLOB_MAX);
	return conf_store_text(value, dst);
}

/* conf_parse_bool_unset - a boolean, or "" = unset (-1) */
static int
conf_parse_bool_unset(CONF_PARSE_ARGS)
{
	char	shown[80];
	int	v = *value == '\0' ? -1 : cfg_parse_boolean(value);

	(void) r;
	if (*value != '\0' && v < 0)
		return BAD("\"%s\" is not a boolean (use true or false; \"\" = either)", SHOWN(value));
	if (dst)
		*(int *) dst = v;
	return 0;
}

/* ---- by type ---- */

/* What a type does: its parse function, the size of its field, whether it owns a string. */
static const struct conf_type_ops {
	int	(*parse)(CONF_PARSE_ARGS);
	size_t	size;
	int	owns_string;
} conf_types[CONF_TYPE_COUNT] = {
	[CONF_TEXT] = {conf_parse_text, sizeof(char *), 1},
	[CONF_PATH] = {conf_parse_path, sizeof(char *), 1},
	[CONF_MESSAGE] = {conf_parse_message, sizeof(char *), 1},
	[CONF_SOCKET] = {conf_parse_socket, sizeof(char *), 1},
	[CONF_SERVER] = {conf_parse_server, sizeof(char *), 1},
	[CONF_MODE] = {conf_parse_mode, sizeof(unsigned), 0},
	[CONF_LOG_LEVEL] = {conf_parse_enum, sizeof(int), 0},
	[CONF_FACILITY] = {conf_parse_enum, sizeof(int), 0},
	[CONF_SCANNER] = {conf_parse_enum, sizeof(enum conf_scanner), 0},
	[CONF_MTA] = {conf_parse_enum, sizeof(enum conf_mta), 0},
	[CONF_BOOL] = {conf_parse_enum, sizeof(int), 0},
	[CONF_COUNT] = {conf_parse_count, sizeof(unsigned), 0},
	[CONF_DURATION] = {conf_parse_dur, sizeof(int64_t), 0},
	[CONF_DURATION0] = {conf_parse_dur, sizeof(int64_t), 0},
	[CONF_SIZE] = {conf_parse_bytes, sizeof(uint64_t), 0},
	[CONF_SIZE0] = {conf_parse_bytes, sizeof(uint64_t), 0},
	[CONF_ACTION] = {conf_parse_action, sizeof(enum policy_action), 0},
	[CONF_ACTION_UNSET] = {conf_parse_action, sizeof(struct policy_limit), 0},
	[CONF_RULE_ACTION] = {conf_parse_rule_action, sizeof(struct policy_rule_action), 0},
	[CONF_LOG_ADDRESSES] = {conf_parse_enum, sizeof(int), 0}, \
	[CONF_HOSTNAME] = {conf_parse_hostname, sizeof(char *), 1}, \
	[CONF_NETWORK] = {conf_parse_network, sizeof(struct policy_net), 0}, \
	[CONF_GLOB] = {conf_parse_glob, sizeof(char *), 1}, \
	[CONF_BOOL_UNSET] = {conf_parse_bool_unset, sizeof(int), 0},
	[CONF_SECTION] = {NULL, 0, 0},
};

/* conf_type_parse - check one value of row r, and store it in dst unless NULL; 0 ok, -1 with err */
int
conf_type_parse(const struct conf_row *r, const char *value, void *dst, char *err, size_t errlen)
{
	if ((unsigned) r->type >= CONF_TYPE_COUNT || conf_types[r->type].parse == NULL) {
		snprintf(err, errlen, "not an option");
		return -1;
	}
	if (value == NULL)
		value = "";
	return conf_types[r->type].parse(r, value, dst, err, errlen);
}

/* conf_type_size - bytes of the field one value of type t fills */
size_t
conf_type_size(enum conf_type t)
{
	return (unsigned) t < CONF_TYPE_COUNT ? conf_types[t].size : 0;
}

/* conf_type_free - free what one stored value of row r owns */
void
conf_type_free(const struct conf_row *r, void *field)
{
	if ((unsigned) r->type < CONF_TYPE_COUNT && conf_types[r->type].owns_string) {
		free(*(char **) field);
		*(char **) field = NULL;
	}
}
