/*
 * NAME
 *	scan 3h - the scanner backend interface and the verdict
 * SUMMARY
 *	struct scan_verdict, struct scan_ops, scan_embedded_ops, scan_clamd_ops
 * DESCRIPTION
 *	A backend is a struct of function pointers. The chain module owns one
 *	instance of each backend kind named in the configuration and asks
 *	them in order; the first definitive verdict wins. A backend never
 *	sees libmilter: it scans a spooled message and fills in a verdict.
 *	scan_null_ops (scan_null(3h)) is the test double: no I/O, a scripted
 *	verdict.
 *
 *	Verdicts: clean, infected(name), limit(kind, reason), error(reason),
 *	unavailable(reason), ambiguous(reason) (the chain's, from
 *	mime_check(3h): never a backend's). A backend that cannot give a verdict for reasons
 *	that have nothing to do with this message (no engine loaded, no
 *	server answers) says unavailable so the chain tries the next one.
 *
 *	The kind of a limit says which budget ran out, so that the policy
 *	can treat a cheap nesting trick apart from a big attachment: size
 *	(bytes: max_size, stream_max, MaxFileSize, MaxScanSize), files (a
 *	count of objects: MaxFiles, MIME parts), time (MaxScanTime) or
 *	nesting (MaxRecursion). unknown is a limit whose kind cannot be
 *	known; a verdict filled by scan_verdict_set() has it.
 */
#ifndef CLAMSHIM_SCAN_H
#define CLAMSHIM_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct conf;
struct spool;

enum scan_result {
	SCAN_CLEAN = 0,
	SCAN_INFECTED,
	SCAN_LIMIT,
	SCAN_ERROR,
	SCAN_UNAVAILABLE,
	SCAN_SKIPPED,		/* not scanned on purpose (a class with scan = false, skip_authenticated) */
	SCAN_AMBIGUOUS,		/* MIME read more than one way, not every reading scanned */
	SCAN_RESULT_COUNT
};

/* The kind of a limit verdict; unknown is 0 so that a zeroed verdict has it. */
enum scan_limit_kind {
	SCAN_LIMIT_UNKNOWN = 0,	/* cannot be known: decided by on_limit */
	SCAN_LIMIT_SIZE,
	SCAN_LIMIT_FILES,
	SCAN_LIMIT_TIME,
	SCAN_LIMIT_NESTING,
	SCAN_LIMIT_KIND_COUNT
};

#define SCAN_NAME_MAX	256	/* virus name or reason, NUL included */
#define SCAN_ENGINE_MAX	96	/* "1.4.6/27432" */

struct scan_verdict {
	enum scan_result result;
	char	name[SCAN_NAME_MAX];	/* virus name (infected) or reason */
	char	scanner[16];		/* "embedded", "clamd" */
	char	engine[SCAN_ENGINE_MAX]; /* "ENGINE/SIGVERSION" of the deciding scanner */
	enum scan_limit_kind limit;	/* which limit, when result is SCAN_LIMIT */
};

/* Whether a unit reports the scan limits it hits (clamd: AlertExceedsMax). */
enum scan_limits {
	SCAN_LIMITS_UNKNOWN = 0,	/* not checked yet, or not a clamd server */
	SCAN_LIMITS_REPORTED,		/* limit or EICAR for the limits probe */
	SCAN_LIMITS_UNREPORTED		/* OK for it: its OK may hide a limit */
};

/* Per-server or per-engine health, for logs, alerts and the status file. */
#define SCAN_MAX_UNITS	32
struct scan_unit_status {
	char	name[128];		/* server spec, or the database directory */
	int	up;			/* 1 available, 0 not */
	time_t	since;			/* when it entered this state (0 = never changed) */
	char	last_error[SCAN_NAME_MAX];
	enum scan_limits limits;	/* clamd only */
	int	limits_ok;		/* clamd.limits_unreported_ok names it: its OK is trusted */
};

struct scan_status {
	int	up;			/* at least one unit can scan */
	int	loading;		/* first load still in progress */
	char	engine[SCAN_ENGINE_MAX];	/* "1.4.6/27432" when known */
	char	sig_version[32];	/* signature (daily) version, "" if unknown */
	time_t	sig_time;		/* signature build time, 0 if unknown */
	size_t	nunits;
	struct scan_unit_status units[SCAN_MAX_UNITS];
	/* reload counters (embedded) */
	unsigned long reloads_ok;
	unsigned long reloads_failed;
};

struct scanner;				/* a backend instance, opaque */

struct scan_ops {
	/* create - a new instance for this configuration; NULL with err filled on failure */
	struct scanner *(*create)(const struct conf *conf, char *err, size_t errlen);
	/* configure - apply a reloaded configuration; the instance keeps serving meanwhile */
	void	(*configure)(struct scanner *s, const struct conf *conf);
	/* scan - the verdict for one message; thread safe; never blocks past the configured timeouts */
	void	(*scan)(struct scanner *s, const struct spool *msg, struct scan_verdict *v);
	/* reload - ask for a signature reload now (SIGHUP); may be NULL */
	void	(*reload)(struct scanner *s);
	/* wait_ready - wait up to timeout_ms for the first load; 0 ready, -1 not */
	int	(*wait_ready)(struct scanner *s, int timeout_ms);
	/* status - a snapshot of health for monitoring */
	void	(*status)(struct scanner *s, struct scan_status *st);
	/* destroy - stop background work and free */
	void	(*destroy)(struct scanner *s);
};

extern const struct scan_ops scan_embedded_ops;
extern const struct scan_ops scan_clamd_ops;

/* scan_result_name - "clean", "infected", "limit", "error", "unavailable", "skipped", "ambiguous" */
const char *scan_result_name(enum scan_result r);
/* scan_verdict_set - fill a verdict; fmt gives the name/reason (may be NULL) */
void	scan_verdict_set(struct scan_verdict *v, enum scan_result r, const char *scanner,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* scan_verdict_limit - fill a limit verdict of kind k; fmt gives the reason (may be NULL) */
void	scan_verdict_limit(struct scan_verdict *v, enum scan_limit_kind k, const char *scanner,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* scan_limit_kind_name - "unknown", "size", "files", "time", "nesting" */
const char *scan_limit_kind_name(enum scan_limit_kind k);
/* scan_limit_kind_of - the kind of a libclamav Heuristics.Limits.Exceeded.* name; unknown otherwise */
enum scan_limit_kind scan_limit_kind_of(const char *name);

#endif
