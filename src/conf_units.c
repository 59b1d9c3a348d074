/*
 * NAME
 *	conf_units 3 - durations, sizes and the names of the enums of clamshim.conf
 * SUMMARY
 *	conf_parse_duration(), conf_parse_size(), conf_scanner_name(),
 *	conf_mta_name(), conf_log_addresses_name(); inside the conf module:
 *	conf_digits(), conf_mta_from_name(), conf_scanner_from_name(),
 *	conf_log_addresses_from_name()
 * DESCRIPTION
 *	Durations are a whole number and a unit (ms s m h d), or "0"; sizes
 *	a whole number of bytes, or with K, M or G. Neither takes a sign, a
 *	fraction, spaces or overflow. Each enum of struct conf has its names
 *	here, both ways; the parse functions of conf_types.c use them.
 * DIAGNOSTICS
 *	-1 or NULL for a value that is not one; the caller says why.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "conf.h"
#include "conf_table.h"

/* ---- units ---- */

/* conf_digits - leading decimal digits of s as an unsigned number; NULL on overflow or none */
const char *
conf_digits(const char *s, uint64_t *n)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char) *s))
		return NULL;
	for (; isdigit((unsigned char) *s); s++) {
		unsigned d = (unsigned) (*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
	}
	*n = v;
	return s;
}

/* conf_parse_duration - "500ms" "30s" "5m" "2h" "1d" (or "0") to ms; 0 ok, -1 bad */
int
conf_parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {
		{"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 3600 * 1000},
		{"d", 24 * 3600 * 1000},
	};
	const char *p;
	uint64_t n;
	size_t	i;

	if (s == NULL || (p = conf_digits(s, &n)) == NULL)
		return -1;
	if (*p == '\0') {
		if (n != 0)
			return -1;	/* a bare number has no unit: only "0" is clear */
		*ms = 0;
		return 0;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].unit) != 0)
			continue;
		if (n > (uint64_t) INT64_MAX / units[i].ms)
			return -1;
		*ms = (int64_t) (n * units[i].ms);
		return 0;
	}
	return -1;
}

/* conf_parse_size - "1234" "512K" "25M" "1G" to bytes; 0 ok, -1 bad */
int
conf_parse_size(const char *s, uint64_t *bytes)
{
	const char *p;
	uint64_t n, mult;

	if (s == NULL || (p = conf_digits(s, &n)) == NULL)
		return -1;
	switch (*p) {
	case '\0':
		mult = 1;
		break;
	case 'K': case 'k':
		mult = UINT64_C(1) << 10;
		break;
	case 'M': case 'm':
		mult = UINT64_C(1) << 20;
		break;
	case 'G': case 'g':
		mult = UINT64_C(1) << 30;
		break;
	default:
		return -1;
	}
	if (*p != '\0' && p[1] != '\0')
		return -1;
	if (n > UINT64_MAX / mult)
		return -1;
	*bytes = n * mult;
	return 0;
}

/* The names of each enum, by value. */
static const char *const conf_mta_names[CONF_MTA_COUNT] = {
	[CONF_MTA_POSTFIX] = "postfix", [CONF_MTA_SENDMAIL] = "sendmail",
};
static const char *const conf_scanner_names[CONF_SCANNER_COUNT] = {
	[CONF_SCANNER_EMBEDDED] = "embedded", [CONF_SCANNER_CLAMD] = "clamd",
};
static const char *const conf_log_addresses_names[CONF_LOG_ADDRESSES_COUNT] = {
	"none", "infected", "all",
};

/* conf_name_of - names[v] of count names, "unknown" past them */
static const char *
conf_name_of(const char *const *names, unsigned count, unsigned v)
{
	return v < count ? names[v] : "unknown";
}

/* conf_name_index - the value whose name in names (count of them) is name; -1 if none */
static int
conf_name_index(const char *const *names, unsigned count, const char *name)
{
	unsigned i;

	for (i = 0; i < count; i++)
		if (strcmp(name, names[i]) == 0)
			return (int) i;
	return -1;
}

/* conf_mta_name - "postfix", "sendmail" */
const char *
conf_mta_name(enum conf_mta m)
{
	return conf_name_of(conf_mta_names, CONF_MTA_COUNT, (unsigned) m);
}

/* conf_scanner_name - "embedded", "clamd" */
const char *
conf_scanner_name(enum conf_scanner s)
{
	return conf_name_of(conf_scanner_names, CONF_SCANNER_COUNT, (unsigned) s);
}

/* conf_log_addresses_name - "none", "infected", "all" */
const char *
conf_log_addresses_name(enum conf_log_addresses v)
{
	return conf_name_of(conf_log_addresses_names, CONF_LOG_ADDRESSES_COUNT, (unsigned) v);
}

/* conf_mta_from_name - the reverse of conf_mta_name; -1 if unknown */
int
conf_mta_from_name(const char *name)
{
	return conf_name_index(conf_mta_names, CONF_MTA_COUNT, name);
}

/* conf_scanner_from_name - the reverse of conf_scanner_name; -1 if unknown */
int
conf_scanner_from_name(const char *name)
{
	return conf_name_index(conf_scanner_names, CONF_SCANNER_COUNT, name);
}

/* conf_log_addresses_from_name - the reverse of conf_log_addresses_name; -1 if unknown */
int
conf_log_addresses_from_name(const char *name)
{
	return conf_name_index(conf_log_addresses_names, CONF_LOG_ADDRESSES_COUNT, name);
}
