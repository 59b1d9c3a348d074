/*
 * NAME
 *	conf 3h - the configuration: one option table, one typed snapshot
 * SUMMARY
 *	conf_load(), conf_ref(), conf_unref(), conf_parse_duration(),
 *	conf_parse_size(), conf_scanner_name(), conf_mta_name(), conf_option_count(),
 *	conf_option_name(), conf_option_default(), conf_policy_option(),
 *	conf_policy_allowed()
 * DESCRIPTION
 *	clamshim.conf is read with libconfuse into an immutable struct conf,
 *	shared by reference count: a connection holds the snapshot it started
 *	with, so a reload never changes a message mid-flight. Every option is
 *	one row of the option table (conf_options.c): its name, type,
 *	default, bounds or allowed values and the field below that it fills.
 *	Each section fills a struct of its own (struct conf_embedded ...;
 *	the policy section struct policy_conf), so a section's rows can fill
 *	that struct wherever it sits.
 *
 *	Tolerant mode (the daemon): an unknown option is a warning with file
 *	and line and the daemon runs on; a deprecated option (one table in
 *	conf_options.c, with the reason) warns and is ignored. Strict mode
 *	(-t): unknown options are errors. Syntax errors and invalid values
 *	are errors in both modes.
 */
#ifndef CLAMSHIM_CONF_H
#define CLAMSHIM_CONF_H

#include <stddef.h>
#include <stdint.h>
#include "policy.h"
#include "policy_class.h"

enum conf_scanner {
	CONF_SCANNER_EMBEDDED = 0,
	CONF_SCANNER_CLAMD,
	CONF_SCANNER_COUNT
};

/* hold.mta: whose hold queue (Postfix) or quarantine (Sendmail) a held message is in */
enum conf_mta {
	CONF_MTA_POSTFIX = 0,
	CONF_MTA_SENDMAIL,
	CONF_MTA_COUNT
};

#define CONF_MAX_SCANNERS	4
#define CONF_MAX_SERVERS	32
#define CONF_MAX_PUA_CATS	64		/* exclude_pua, include_pua */
#define CONF_HOSTNAME_MAX	253		/* headers.hostname: a DNS name's length */

/* log_addresses: whose sender and recipients the message's log line shows. */
enum conf_log_addresses {
	CONF_LOG_ADDRESSES_NONE = 0,
	CONF_LOG_ADDRESSES_INFECTED,
	CONF_LOG_ADDRESSES_ALL,
	CONF_LOG_ADDRESSES_COUNT
};

struct conf {
	char	*file;			/* path it was read from; NULL for built-in defaults */
	char	*socket;
	char	*socket_group;		/* "" = the group of user */
	unsigned socket_mode;		/* permissions of a unix socket, e.g. 0660 */
	char	*user;
	char	*pid_file;
	int	log_level;		/* enum log_level */
	int	syslog_facility;	/* LOG_MAIL ... */
	enum conf_scanner scanners[CONF_MAX_SCANNERS];
	size_t	nscanners;
	unsigned max_scans;		/* 0 in the file = number of CPUs, resolved here */
	uint64_t memory_limit;		/* bytes; at most SIZE_MAX */
	char	*spool_dir;
	int	log_addresses;		/* enum conf_log_addresses */

	struct conf_embedded {
		char	*database;
		int64_t	reload_check_ms;	/* 0 = only on SIGHUP */
		int64_t	max_db_age_ms;
		int64_t	max_scan_time_ms;
		uint64_t max_file_size;
		uint64_t max_scan_size;
		unsigned max_recursion;
		unsigned max_files;
		int	cache;			/* libclamav's clean-result cache, made safe */
		char	*reload_mode;		/* "concurrent" | "sequential" */
		/* detection options, as clamd.conf's (emb_engine(3) applies them) */
		char	*exclude_pua[CONF_MAX_PUA_CATS];	/* PUA categories */
		size_t	nexclude_pua;
		char	*include_pua[CONF_MAX_PUA_CATS];
		size_t	ninclude_pua;
		char	*bytecode_security;	/* "TrustSigned" | "Paranoid" */
		int64_t	bytecode_timeout_ms;
		uint64_t max_embedded_pe;
		uint64_t max_html_normalize;
		uint64_t max_html_no_tags;
		uint64_t max_script_normalize;
		uint64_t max_zip_type_rcg;
		uint64_t pcre_max_file_size;
		unsigned max_partitions;
		unsigned max_icons_pe;
		unsigned max_rec_hwp3;
		unsigned pcre_match_limit;
		unsigned pcre_rec_match_limit;
		unsigned structured_min_credit_card_count;
		unsigned structured_min_ssn_count;
		int	detect_pua, heuristic_alerts, heuristic_scan_precedence;
		int	alert_broken_executables, alert_broken_media, alert_encrypted;
		int	alert_encrypted_archive, alert_encrypted_doc, alert_ole2_macros;
		int	alert_phishing_ssl_mismatch, alert_phishing_cloak;
		int	alert_partition_intersection, phishing_signatures, phishing_scan_urls;
		int	scan_pe, scan_elf, scan_ole2, scan_pdf, scan_swf, scan_xmldocs;
		int	scan_hwp3, scan_onenote, scan_html, scan_archive, scan_image;
		int	scan_image_fuzzy_hash, bytecode, bytecode_unsigned, official_database_only;
		int	structured_data_detection, structured_ssn_format_normal;
		int	structured_ssn_format_stripped, structured_cc_only;
	} embedded;

	struct conf_clamd {
		char	*servers[CONF_MAX_SERVERS];	/* "unix:PATH", "tcp:HOST:PORT" */
		size_t	nservers;
		int64_t	connect_timeout_ms;
		int64_t	scan_timeout_ms;
		int64_t	retry_after_ms;
		uint64_t stream_max;
		char	*limits_unreported_ok[CONF_MAX_SERVERS];	/* specs whose OK is trusted anyway */
		size_t	nlimits_unreported_ok;
	} clamd;

	struct policy_conf policy;	/* its sigrules point to those below */

	/* signature "GLOB" { action = ... }: in file order, first match wins */
	struct policy_sigrule sigrules[POLICY_SIGRULES_MAX];
	size_t	nsigrules;

	/* class "NAME" { ... }: in file order, first match wins (policy_class(3)) */
	struct policy_class classes[POLICY_CLASSES_MAX];
	size_t	nclasses;

	struct conf_headers {
		int	add;
		int	strip_incoming;
		char	*hostname;		/* HOST of X-Virus-Scanned; "" = this host */
	} headers;

	struct conf_alert {
		char	*command;		/* "" = none */
		int64_t	min_interval_ms;
		char	*virus_command;		/* per infected message; "" = none */
		unsigned virus_max_running;	/* its commands at once; more are dropped */
	} alert;

	struct conf_status {
		char	*file;			/* "" = none */
		int64_t	interval_ms;
	} status;

	struct conf_hold {			/* an action "hold" (hold(3)) */
		enum conf_mta mta;
		unsigned max_messages;		/* held at once; beyond: tempfail */
		int64_t	max_age_ms;		/* held longer: held-too-long */
		char	*dir;			/* the ledger: a file per held message */
	} hold;

	unsigned warnings;		/* unknown + deprecated options met while loading */
	int	refcount;		/* private: use conf_ref()/conf_unref() */
};

enum conf_severity { CONF_ERROR, CONF_WARNING };

/* Called for every problem found while loading: "FILE:LINE: error|warning: text". */
typedef void conf_report_fn(void *ctx, enum conf_severity sev, const char *file,
			    int line, const char *text);

#define CONF_TOLERANT	0
#define CONF_STRICT	1

/*
 * conf_load - read path. Returns 0 with *out set (refcount 1), or -1 when the
 * configuration cannot be used (every error was reported). Warnings are
 * reported and counted in (*out)->warnings. report may be NULL (then
 * problems go to the log). path NULL = built-in defaults only.
 */
int	conf_load(const char *path, int mode, conf_report_fn *report, void *ctx,
		  struct conf **out);
/* conf_ref - take a reference; returns c */
struct conf *conf_ref(struct conf *c);
/* conf_unref - drop a reference, freeing at zero; NULL is fine */
void	conf_unref(struct conf *c);

/* conf_parse_duration - "500ms" "30s" "5m" "2h" "1d" (or "0") to ms; 0 ok, -1 bad */
int	conf_parse_duration(const char *s, int64_t *ms);
/* conf_parse_size - "1234" "512K" "25M" "1G" to bytes; 0 ok, -1 bad */
int	conf_parse_size(const char *s, uint64_t *bytes);
/* conf_scanner_name - "embedded", "clamd" */
const char *conf_scanner_name(enum conf_scanner s);
/* conf_mta_name - "postfix", "sendmail" */
const char *conf_mta_name(enum conf_mta m);
/* conf_log_addresses_name - "none", "infected", "all" */
const char *conf_log_addresses_name(enum conf_log_addresses v);

/* The option table, for documentation checks: "socket", "embedded.database", ... */
size_t	conf_option_count(void);
/* conf_option_name - the i-th option as "section.option"; NULL past the end */
const char *conf_option_name(size_t i);
/* conf_option_default - its built-in default as a file writes the value: text or {list}; NULL past the end or none */
const char *conf_option_default(size_t i);

/*
 * The policy section's rows, for policy(3): conf_policy_option is the
 * option that fills the field at offset off of struct policy_conf
 * ("on_infected" ...), NULL if none; conf_policy_allowed is the set of
 * actions an option of that name allows, as POLICY_MASK() bits (0 when
 * no policy option has the name).
 */
const char *conf_policy_option(size_t off);
unsigned conf_policy_allowed(const char *name);

#endif
