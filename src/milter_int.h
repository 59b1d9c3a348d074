/*
 * NAME
 *	milter_int 3h - what the milter module's files share
 * SUMMARY
 *	struct milter_conn, struct milter_msg, struct milter_strip,
 *	milter_strip_note(), milter_own_names[],
 *	milter_gate_init(), milter_gate_enter(), milter_gate_leave(),
 *	milter_busy_enter(), milter_busy_leave(), milter_stop_decision(),
 *	milter_undecided(), milter_decided(), milter_wake_arm(),
 *	milter_wake_disarm(), milter_apply_init(), milter_apply()
 * DESCRIPTION
 *	Internal to the milter module: only src/milter*.c and its unit
 *	test (tests/test_milter.c) include it. The module's files, one job
 *	each:
 *
 *	milter.c: the libmilter callbacks and the two levels of context.
 *	milter_apply.c: carrying out a decision (reply, discard,
 *	quarantine, hold, the X-Virus-* headers).
 *	milter_strip.c: which incoming X-Virus-* headers a message brought.
 *	milter_gate.c: the configuration snapshot, the max_scans slots, the
 *	decisions in flight and the stop.
 *	milter_log.c: the one line per message and the observer.
 *	milter_wake.c: a stop signal wakes libmilter's accept loop at once.
 *
 *	This header does not include libmilter's mfapi.h: its context is
 *	named by its struct tag (struct smfi_str is libmilter's SMFICTX),
 *	so that milter_strip.c, milter_gate.c and milter_log.c, and their
 *	unit tests, build without libmilter.
 */
#ifndef CLAMSHIM_MILTER_INT_H
#define CLAMSHIM_MILTER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "policy.h"
#include "policy_class.h"
#include "scan.h"

struct conf;
struct hold;
struct spool;
struct smfi_str;			/* libmilter's SMFICTX */

#define MILTER_QID_MAX		64
#define MILTER_OWN_COUNT	3	/* the names clamshim writes: milter_own_names[] */
#define MILTER_STRIP_MAX	16	/* other distinct X-Virus-* names deleted per message */
#define MILTER_STRIP_NAME_MAX	64	/* one such name, NUL included */
#define MILTER_STRIP_COUNT_MAX	100000	/* copies of one name deleted at most */
#define MILTER_HERR_MAX		160	/* why a header change failed, for the log line */

/* X-Virus-Status, X-Virus-Scanned, X-Clamshim-Hold: incoming copies are always deleted. */
extern const char *const milter_own_names[MILTER_OWN_COUNT];

/* The last protocol step of an open message; NONE: no message open, no line owed. */
enum milter_step {
	MILTER_STEP_NONE = 0,
	MILTER_STEP_MAIL,
	MILTER_STEP_HEADER,
	MILTER_STEP_EOH,
	MILTER_STEP_BODY,
};

/* An incoming header name to delete, with how many times it occurred. */
struct milter_strip_name {
	char	name[MILTER_STRIP_NAME_MAX];
	unsigned count;			/* stops at MILTER_STRIP_COUNT_MAX + 1 */
};

/* The incoming X-Virus-* headers of one message (all zero: none seen). */
struct milter_strip {
	unsigned own[MILTER_OWN_COUNT];	/* copies of milter_own_names[i], same bound */
	struct milter_strip_name other[MILTER_STRIP_MAX];
	size_t	nother;
	int	overflow;		/* a name not noted: too many, or too long */
};

/* Per message. */
struct milter_msg {
	struct spool *spool;
	char	qid[MILTER_QID_MAX];
	enum milter_step step;		/* MAIL FROM seen, no line written yet */
	int	aborted;		/* the MTA aborted it: line at next message or close */
	int	spool_failed;		/* writing the spool failed: on_error */
	char	spool_error[128];
	struct milter_strip strip;
	int	chosen;			/* the class below was picked (milter_choose) */
	struct policy_choice choice;	/* its class, policy, scan or not */
	char	why[POLICY_CLASS_WHY_MAX];	/* "class NAME" when not scanned */
	const struct policy_conf *policy;	/* the policy to decide with; NULL: top level */
};

/* Per connection. */
struct milter_conn {
	unsigned long nr;		/* SMFIP_NR_* steps negotiated: no reply to them */
	unsigned long actions;		/* SMFIF_* actions the MTA granted */
	struct conf *conf;		/* snapshot held for the whole connection */
	struct hold *hold;		/* the ledger of held messages (milter_set_hold), or NULL */
	char	client[128];
	struct envelope env;		/* client, daemon; the message's sender, recipients */
	struct milter_msg msg;
};

/* milter_strip.c */
/* milter_strip_note - note header name if it is ours or X-Virus-*; 1 noted or counted, 0 not */
int	milter_strip_note(struct milter_strip *s, const char *name);

/* milter_gate.c */
/* milter_gate_init - the stop's condition variable; 0 ok */
int	milter_gate_init(void);
/* milter_gate_enter - wait for one of conf's max_scans slots; -1 once stopping (no slot) */
int	milter_gate_enter(const struct conf *conf);
/* milter_gate_leave - give the slot back */
void	milter_gate_leave(void);
/*
 * A decision in flight, on its thread's stack between milter_busy_enter and
 * milter_busy_leave: the drain writes the line of one it gave up on.
 */
struct milter_busy {
	struct milter_busy *prev, *next;
	const char *qid;		/* the message's queue id, for that line */
	int	lined;			/* its line is written (by the drain, or claimed) */
};

/* milter_busy_enter - count b (qid) as a decision in flight; 0 (not counted) once the stop began */
int	milter_busy_enter(struct milter_busy *b, const char *qid);
/* milter_busy_leave - a counted decision ended */
void	milter_busy_leave(struct milter_busy *b);
/* milter_busy_claim - 1: the caller writes b's line; 0: the drain wrote it already */
int	milter_busy_claim(struct milter_busy *b);
/* milter_stop_decision - not scanned because clamshim is stopping: tempfail */
void	milter_stop_decision(struct scan_verdict *v, struct policy_decision *d);

/* milter_log.c */
/* milter_undecided - the line of an open message that ends without a decision, once */
void	milter_undecided(struct milter_msg *m, const char *why);
/*
 * milter_decided - the line of a decided message; the observer when busy is
 * set (a counted decision: no line when the drain wrote it already). c (NULL: not known) gives the sender and recipients that
 * log_addresses asks for and the envelope for the observer; d's class_name
 * goes to the observer.
 */
void	milter_decided(const char *qid, const struct scan_verdict *v,
		       const struct policy_decision *d, uint64_t size, double seconds,
		       const char *herr, struct milter_busy *busy,
		       const struct milter_conn *c);

/* milter_wake.c */
/* milter_wake_arm - before smfi_main(), in its thread: SIGURG's no-op handler and the waker */
void	milter_wake_arm(void);
/* milter_wake_disarm - smfi_main() returned: end the waker */
void	milter_wake_disarm(void);

/* milter_apply.c */
/* milter_apply_init - what the headers name (this host); once, before the callbacks */
void	milter_apply_init(void);
/*
 * milter_apply - carry out decision d at end of message: the SMTP reply,
 * quarantine, hold, the headers. d is changed to what was done (tempfail
 * when the quarantine or the hold failed or may not be, policy_untagged()
 * when the message cannot go on honestly); herr says why a header change
 * failed.
 */
void	milter_apply(struct smfi_str *ctx, struct milter_conn *c, const struct scan_verdict *v,
		     struct policy_decision *d, char *herr, size_t herrlen);

#endif
