/*
 * NAME
 *	clamd_pool 3h - the clamd pool's state, between the scans and the probe thread
 * SUMMARY
 *	struct scanner, struct clamd_server, struct clamd_limits,
 *	struct clamd_watch; clamd_pool_mark_down(), clamd_pool_mark_alive(),
 *	clamd_pool_unref(), clamd_pool_gave_up() (scan_clamd.c);
 *	clamd_probe_main(), clamd_probe_interval(), clamd_probe_cycle(),
 *	clamd_probe_spool(), clamd_probe_trust() (clamd_probe.c)
 * DESCRIPTION
 *	Private to the clamd backend: scan_clamd.c owns the pool (servers,
 *	the pick by scans in flight, retry_after, the limits-check state) and the scans,
 *	clamd_probe.c the probe thread (PING, VERSION, the limits probe).
 *	Every field of a server or the scanner is read and written under
 *	the scanner's mutex, except where a comment says otherwise.
 */
#ifndef CLAMSHIM_CLAMD_POOL_H
#define CLAMSHIM_CLAMD_POOL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "clamd_io.h"
#include "clamd_proto.h"
#include "conf.h"
#include "scan.h"
#include "spool.h"

/* One server of the pool; shared by reference between scans, probe and config. */
struct clamd_server {
	int	refs;			/* under scanner lock */
	char	spec[CLAMD_SPEC_MAX];
	int	valid;			/* spec parsed */
	struct clamd_spec cs;
	int	resolved;		/* addr usable */
	struct sockaddr_storage addr;
	socklen_t addrlen;

	int	up;
	time_t	since;			/* wall clock of the last state change, 0 = never */
	char	last_error[CLAMD_ERR_MAX];
	int64_t	down_until;		/* monotonic ms: one message may try it after this */
	int	trial;			/* a message is trying it while down */
	int	down_by_scan;		/* down because a scan failed (not a connect or PING) */
	int	ping_failed;		/* a PING failed since it went down */
	int64_t	unreachable_at;		/* monotonic ms a PING or connect last failed, 0 = since up */
	unsigned abort_gen;		/* bumped when a scan timed out: waiters give up */
	int	inflight;		/* scans using it now */
	int64_t	progress_at;		/* monotonic ms a scan of it ended or it got busy */
	int64_t	scan_ewma8;		/* 8 x moving average (weight 1/8) of its scans' ms */
	int64_t	last_alive;		/* monotonic ms of the last reply from it */
	int64_t	next_probe;		/* monotonic ms */
	int64_t	last_probe;		/* monotonic ms the last probe started */
	int64_t	next_version;		/* monotonic ms */
	char	engine[SCAN_ENGINE_MAX];
	char	sig[32];
	enum scan_limits limits;	/* what the limits probe said since it came up */
	enum scan_limits limits_logged;	/* the last answer logged (logs changes only) */
	unsigned limits_gen;		/* bumped when it goes down or up: older answers are dropped */
	int	limits_ok;		/* clamd.limits_unreported_ok names it */
	int64_t	next_limits;		/* monotonic ms: the probe thread sends the limits probe */
};

/* Timeouts and limits as one scan uses them. */
struct clamd_limits {
	int64_t	connect_ms;
	int64_t	scan_ms;
	int64_t	retry_ms;
	uint64_t stream_max;
};

struct scanner {
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* probe thread sleeps and stops on it; wait_ready too */
	struct clamd_server **srv;
	size_t	nsrv;
	size_t	rr;			/* where the next pick starts (ties go in turn) */
	int	round_robin;		/* CLAMSHIM_CLAMD_PICK=round-robin: ignore inflight (bench) */
	struct clamd_limits lim;
	char	engine[SCAN_ENGINE_MAX];
	char	sig[32];
	time_t	sig_time;		/* from the VERSION reply, 0 = unknown */
	int	probed;			/* a first probe round finished */
	int	stop;
	pthread_t probe;
	struct spool *limits_probe;	/* clamd_limits_probe(), in memory, read-only */
};

/* What makes a connection give up early: stop, or srv hung for another message since gen. */
struct clamd_watch {
	struct scanner *s;
	struct clamd_server *srv;	/* NULL: give up only at stop (probes) */
	unsigned gen;
};

/* clamd_pool_mark_down - record a failure of srv (scanner lock held) */
void	clamd_pool_mark_down(struct scanner *s, struct clamd_server *srv, const char *why,
			     int by_scan, int hung);
/* clamd_pool_mark_alive - srv answered properly (scanner lock held) */
void	clamd_pool_mark_alive(struct clamd_server *srv);
/* clamd_pool_unref - drop a reference (scanner lock held), freeing at zero */
void	clamd_pool_unref(struct clamd_server *srv);
/* clamd_pool_gave_up - the give-up test of a connection (arg: a struct clamd_watch) */
int	clamd_pool_gave_up(void *arg);

/* clamd_probe_main - the probe thread (arg: the scanner) */
void   *clamd_probe_main(void *arg);
/* clamd_probe_interval - how often down servers are pinged */
int64_t	clamd_probe_interval(const struct clamd_limits *lim);
/* clamd_probe_cycle - longest time between two PINGs of a down server finishing */
int64_t	clamd_probe_cycle(const struct clamd_limits *lim);
/* clamd_probe_spool - the limits probe as an in-memory spool; NULL with err */
struct spool *clamd_probe_spool(char *err, size_t errlen);
/* clamd_probe_trust - keep a clean verdict of srv only if srv reports its limits (asks it if unknown) */
void	clamd_probe_trust(struct scanner *s, struct clamd_server *srv,
			  const struct clamd_limits *lim, struct scan_verdict *v);

#endif
