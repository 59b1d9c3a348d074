/*
 * NAME
 *	conf_table 3h - the option table of clamshim.conf, inside the conf module
 * SUMMARY
 *	struct conf_row, struct conf_section, conf_table_root(),
 *	conf_table_section(), conf_table_find(), conf_table_index(),
 *	conf_full_name(), conf_deprecated_reason(), conf_type_parse(),
 *	conf_type_size(), conf_type_free(), conf_digits(), conf_*_from_name(),
 *	struct conf_load, conf_problem()
 * DESCRIPTION
 *	Shared by the files of the conf module only (conf.c, conf_options.c,
 *	conf_types.c, conf_units.c, conf_check.c, conf_scan.c) and by its unit
 *	test; other modules use conf.h.
 *
 *	An option is one struct conf_row: its name, its type (which says how
 *	a value is checked, converted and freed), its default as a file
 *	writes the value, its bounds or allowed values, and the offset of the
 *	field it fills in the struct of its section. A section is a row of
 *	type CONF_SECTION whose own rows fill the struct at its offset, so
 *	the same rows can fill that struct wherever it sits (the policy rows
 *	fill a struct policy_conf). Everything else is a loop over the rows:
 *	the libconfuse option arrays, the check of each value as it is read,
 *	the conversion into struct conf, freeing, the list of option names
 *	and the allowed values of the policy options.
 *
 *	To add an option: one row in conf_options.c, one field, an entry in
 *	man/clamshim.conf.5 and a line in contrib/clamshim.conf (test_conf
 *	checks both). A new kind of value: one enum conf_type and one parse
 *	function in conf_types.c.
 */
#ifndef CLAMSHIM_CONF_TABLE_H
#define CLAMSHIM_CONF_TABLE_H

#include <stddef.h>

#include "conf.h"
#include "log.h"

#define CONF_TEXT_MAX		512		/* one problem's text */
#define CONF_NAME_MAX		64		/* "section.option", longer is cut */
#define CONF_MAX_SCANS		1024		/* max_scans, also when resolved from the CPUs */

/* How a value is checked and what it becomes; the field type is in (). */
enum conf_type {
	CONF_TEXT,		/* any text (char *) */
	CONF_PATH,		/* a file or directory name, not empty (char *) */
	CONF_MESSAGE,		/* an SMTP reply text: printable ASCII, 1..max long (char *) */
	CONF_SOCKET,		/* a libmilter socket spec (char *) */
	CONF_SERVER,		/* a clamd server spec, clamd_parse_spec (char *) */
	CONF_MODE,		/* unix socket permissions such as "0660" (unsigned) */
	CONF_LOG_LEVEL,		/* error|warning|info|debug (int, enum log_level) */
	CONF_FACILITY,		/* a syslog facility name (int, LOG_*) */
	CONF_SCANNER,		/* embedded|clamd (enum conf_scanner) */
	CONF_MTA,		/* postfix|sendmail (enum conf_mta) */
	CONF_BOOL,		/* true|false, yes|no, on|off (int) */
	CONF_COUNT,		/* a whole number from min to max (unsigned) */
	CONF_DURATION,		/* "500ms" .. "1d", more than 0 (int64_t ms) */
	CONF_DURATION0,		/* a duration, "0" = off (int64_t ms) */
	CONF_SIZE,		/* "512K" "25M" "1G", more than 0 (uint64_t bytes) */
	CONF_SIZE0,		/* a size, "0" allowed (uint64_t bytes) */
	CONF_ACTION,		/* a policy action of the set allowed (enum policy_action) */
	CONF_ACTION_UNSET,	/* the same, or "" = unset (struct policy_limit) */
	CONF_RULE_ACTION,	/* an allowed action or "ignore" (struct policy_rule_action) */
	CONF_LOG_ADDRESSES,	/* none|infected|all (int, enum conf_log_addresses) */ \
	CONF_HOSTNAME,		/* "" or a host name: letters, digits . - _ (char *) */ \
	CONF_NETWORK,		/* an IPv4/IPv6 address or CIDR network (struct policy_net) */ \
	CONF_GLOB,		/* an fnmatch(3) glob: printable, 1..POLICY_GLOB_MAX bytes (char *) */ \
	CONF_BOOL_UNSET,	/* a boolean, or "" = unset (int: 1, 0, -1) */
	CONF_SECTION,		/* a section: the rows of sub fill the struct at off */
	CONF_TYPE_COUNT
};

/* Row flags. */
#define CONF_LIST	(1u << 0)	/* a list: an array of at most max values at off, its size_t count at count_off */
/*
 * A titled, repeatable section (NAME "TITLE" { ... }): an array of at most
 * max elements of elem_size bytes at off, its size_t count at count_off.
 * Each element starts with its title (char *, 1..title_max bytes); the
 * rows of sub fill the rest; a row of sub without a default must be set.
 * Its options are not in the flat list of options (conf_option_name).
 */
#define CONF_TITLED	(1u << 1)
/*
 * A section whose options have no defaults (CONF_SECTION): a key not set
 * is told apart (libconfuse CFGF_NODEFAULT) and left untouched in its
 * struct; the class policy { } inherits those from the top level.
 */
#define CONF_INHERIT	(1u << 2)

struct conf_section;

/* One option. */
struct conf_row {
	const char *name;		/* as in the file, without the section */
	enum conf_type type;
	unsigned flags;			/* CONF_LIST */
	const char *dflt;		/* as a file writes the value: text, or {list}; NULL = none */
	size_t	off;			/* of the field in the struct of the section */
	size_t	count_off;		/* CONF_LIST: of its size_t count in that struct */
	long	min;			/* CONF_COUNT: the smallest value */
	long	max;			/* CONF_COUNT: the largest; CONF_LIST: values; CONF_MESSAGE: length */
	unsigned allowed;		/* CONF_ACTION*: POLICY_MASK() bits of the actions allowed */
	const char *meaning;		/* CONF_COUNT: what the number is; CONF_LIST: what the values are */
	const struct conf_section *sub;	/* CONF_SECTION: its rows */
	size_t	elem_size;		/* CONF_TITLED: bytes of one element */
	size_t	title_max;		/* CONF_TITLED: longest title */
};

/* The rows of the top level or of a section. */
struct conf_section {
	const struct conf_row *rows;
	size_t	nrows;
};

/* conf_table_root - the top level: its rows, sections last */
const struct conf_section *conf_table_root(void);
/* conf_table_section - the section of this name ("root" or NULL = the top level); NULL if none */
const struct conf_section *conf_table_section(const char *name);
/* conf_table_find - the row of this name in sec; NULL if none */
const struct conf_row *conf_table_find(const struct conf_section *sec, const char *name);
/* conf_table_index - index of a full option name in conf_option_name() order; -1 if none */
int	conf_table_index(const char *full);
/* conf_full_name - "section.option" (sec NULL or "root": "option"); cut with "..." */
void	conf_full_name(const char *sec, const char *name, char *buf, size_t len);
/* conf_deprecated_reason - why a full name is deprecated; NULL if it is not */
const char *conf_deprecated_reason(const char *full);

/*
 * conf_type_parse - check one value of row r. dst NULL: only check; else
 * also store it in dst (a field, or one element of a list). 0 ok; -1 with
 * the reason in err (without the option name), dst untouched.
 */
int	conf_type_parse(const struct conf_row *r, const char *value, void *dst, char *err,
			size_t errlen);
/* conf_type_size - bytes of the field one value of type t fills */
size_t	conf_type_size(enum conf_type t);
/* conf_type_free - free what one stored value of row r owns */
void	conf_type_free(const struct conf_row *r, void *field);
/* conf_digits - leading decimal digits of s as an unsigned number; NULL on overflow or none (conf_units.c) */
const char *conf_digits(const char *s, uint64_t *n);
/* conf_mta_from_name - the reverse of conf_mta_name; -1 if unknown */
int	conf_mta_from_name(const char *name);
/* conf_scanner_from_name - the reverse of conf_scanner_name; -1 if unknown */
int	conf_scanner_from_name(const char *name);
/* conf_log_addresses_from_name - the reverse of conf_log_addresses_name; -1 if unknown */
int	conf_log_addresses_from_name(const char *name);

/* One problem of a load, kept to be reported sorted by line. */
struct conf_problem {
	enum conf_severity sev;
	int	line;
	char	text[CONF_TEXT_MAX];
};

/* One load in progress. */
struct conf_load {
	const char *file;		/* as reported; NULL for built-in defaults */
	int	mode;			/* CONF_TOLERANT or CONF_STRICT */
	unsigned errors;
	unsigned warnings;
	struct conf_problem *problems;
	size_t	nproblems;
	size_t	dropped;		/* over the limit of problems kept */
	int    *lines;			/* by conf_table_index: line of the last setting, 0 = default */
	unsigned *given;		/* by conf_table_index: values a list was given */
	int    *titled_lines;		/* line of each titled section, in file order */
	const struct conf_row **titled_rows;	/* the row of each */
	int	titled_line;		/* line of the titled section being converted, else 0 */
	size_t	ntitled;
};

/* conf_line_of - line where a full option name was last set, 0 = default (conf.c) */
int	conf_line_of(const struct conf_load *lc, const char *full);
/* conf_titled_line - line of the i-th section of titled row r in the file, 0 if not known (conf.c) */
int	conf_titled_line(const struct conf_load *lc, const struct conf_row *r, unsigned i);
/* conf_problem - note one problem of the load at line (0 = none) */
void	conf_problem(struct conf_load *lc, enum conf_severity sev, int line, const char *fmt, ...)
	LOG_PRINTF(4, 5);

#endif
