/*
 * NAME
 *	release 3h - what the parts of clamshim-release(8) share
 * SUMMARY
 *	release_ledger_*(), release_journal_*(), release_pf_*(), release_sm_*(),
 *	release_hf_*(), release_mailq_parse(), release_mta_*(), release_run(),
 *	release_msg_*()
 * DESCRIPTION
 *	clamshim-release is split by job: release.c (options, lock, the
 *	pass over the held messages, exit status), release_ledger.c (the
 *	daemon's ledger of held messages: hostile, read with bounds),
 *	release_journal.c (the root-owned journal that makes a release
 *	happen once even when a run is killed), release_mta.c (the MTA
 *	named by hold.mta: Postfix or Sendmail), release_pf.c (Postfix's
 *	commands), release_sm.c (Sendmail's commands and its quarantined
 *	files, read only), release_hf.c (Sendmail's hf/qf files and mailq's
 *	listing: hostile, read with bounds), release_run.c (running a
 *	command with bounded output), release_json.c (postqueue -j lines)
 *	and release_msg.c (the mark of
 *	a held message; the rescan's header changes applied to the copy
 *	that is delivered). Nothing outside src/release*.c includes this.
 */
#ifndef CLAMSHIM_RELEASE_H
#define CLAMSHIM_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "mtclient.h"

#define RELEASE_TOKEN_LEN	32		/* lowercase hex */
#define RELEASE_QID_MAX		64		/* a queue id, NUL included */
#define RELEASE_ADDR_MAX	1024		/* an address, NUL included */
#define RELEASE_RCPT_MAX	10000		/* recipients of one message */
#define RELEASE_ERR_MAX		512
#define RELEASE_REASON_MAX	1024		/* a Sendmail quarantine reason, NUL included */
#define RELEASE_PATH_MAX	4096

/* One entry of the daemon's ledger. */
struct release_entry {
	char	token[RELEASE_TOKEN_LEN + 1];
	char	qid[RELEASE_QID_MAX];
	int64_t	time;			/* when it was held (UNIX seconds) */
	char	mta[16];
};

/* DSN options of a queued message (Postfix's envelope records, Sendmail's hf file). */
struct release_dsn {
	char	envid[128];		/* "" = none */
	int	ret;			/* 0 none, 1 FULL, 2 HDRS */
	int	notify;			/* 0 none or mixed; else Postfix's bits (never 1, success 2, failure 4, delay 8), the same for all */
};

/* One message of the MTA's queue, as postqueue -j or mailq lists it. */
struct release_qent {
	char	queue[16];		/* "hold" (Postfix's hold queue, Sendmail's quarantine), "active", ... */
	char	qid[RELEASE_QID_MAX];
	char   *sender;			/* "" = the null sender; Sendmail: NULL until read */
	char  **rcpt;
	size_t	nrcpt;
	char   *dir;			/* Sendmail: the queue directory mailq names */
	char   *reason;			/* Sendmail: the quarantine reason (mailq's, then the hf file's) */
	struct release_dsn dsn;		/* Sendmail: from the hf file, once read */
};

/* Postfix's commands, found through postconf. */
struct release_pf {
	char	postqueue[512];
	char	postcat[512];
	char	postsuper[512];
	char	sendmail[512];
	char   *env[4];			/* PATH, MAIL_CONFIG, NULL */
	int	timeout_s;
};

/* Sendmail's commands: its sendmail (CLAMSHIM_SENDMAIL), qtool.pl (CLAMSHIM_QTOOL), MAIL_CONFIG. */
struct release_sm {
	char	sendmail[512];
	char	qtool[512];		/* "" = not found */
	char	cf[512];		/* "" = Sendmail's own default */
	char   *env[2];			/* PATH, NULL */
	int	timeout_s;
};

/* What a Sendmail queue control file (hf or qf) says. */
struct release_hf {
	char   *reason;			/* q: the quarantine reason; NULL none */
	char   *sender;			/* S, without <> */
	char  **rcpt;			/* R, without <> */
	size_t	nrcpt;
	struct release_dsn dsn;		/* Z, F (RET), R flags (NOTIFY) */
	char   *headers;		/* H: the header block as the message has it (LF ends, NUL after) */
	size_t	hlen;
	size_t	dropped;		/* H left out: Sendmail's conditional defaults, unexpanded macros */
};

/* The MTA named by hold.mta. */
struct release_mta {
	enum conf_mta kind;
	struct release_pf pf;
	struct release_sm sm;
};

/* ledger: the daemon's directory, opened without following links */
int	release_ledger_open(const char *dir, char *err, size_t errlen);
/* release_ledger_list - valid entries, oldest first (malloc'd); 0 ok, -1 err */
int	release_ledger_list(int dfd, struct release_entry **out, size_t *n,
			    char *err, size_t errlen);
/* release_ledger_done - rename TOKEN to TOKEN.done-RESULT; 0 ok, -1 err */
int	release_ledger_done(int dfd, const char *token, const char *result,
			    char *err, size_t errlen);

/* journal: "inject T QID", "injected T QID", "done T" lines in a root-owned file */
struct release_journal;
/* release_journal_open - open (create) DIR/journal and read what is pending; NULL + err */
struct release_journal *release_journal_open(int dirfd, char *err, size_t errlen);
/* release_journal_add - append one record and fsync; 0 ok, -1 err */
int	release_journal_add(struct release_journal *j, const char *what, const char *token,
			    const char *qid, char *err, size_t errlen);
/* release_journal_pending - the i-th unfinished token: its state ("inject"|"injected") and qid */
int	release_journal_pending(const struct release_journal *j, size_t i, const char **token,
				const char **state, const char **qid);
/* release_journal_close - empty the file when nothing is pending, close */
void	release_journal_close(struct release_journal *j);

/* release_run - run argv (no shell, env given), in = stdin, *out = stdout (at most
   max bytes, NUL-terminated, malloc'd; out NULL = discard); exit status, -1 err */
int	release_run(const char *const argv[], char *const env[], const char *in, size_t inlen,
		    char **out, size_t *outlen, size_t max, int timeout_s,
		    char *err, size_t errlen);

/* release_submit - HEAD... -G -i [-N] [-R] [-V] -f SENDER -- RCPTS, msg on stdin: a new
   message with q's envelope and d's DSN options (either MTA's sendmail); 0 ok, -1 err */
#define RELEASE_ARGS_MAX ((size_t) 1 << 20)	/* bytes of recipients on one command line */
int	release_submit(const char *const *head, size_t nhead, const struct release_qent *q,
		       const struct release_dsn *d, char *const env[], int timeout_s,
		       const char *msg, size_t len, char *err, size_t errlen);

/* release_json_qent - one postqueue -j line into q; 0 ok, -1 err (q freed) */
int	release_json_qent(const char *line, size_t len, struct release_qent *q,
			  char *err, size_t errlen);
/* release_qent_free - what q holds */
void	release_qent_free(struct release_qent *q);

/* release_pf_init - find Postfix's commands (postconf -xh); 0 ok, -1 err */
int	release_pf_init(struct release_pf *pf, char *err, size_t errlen);
/* release_pf_list - every queued message (postqueue -j); 0 ok, -1 err */
int	release_pf_list(const struct release_pf *pf, struct release_qent **out, size_t *n,
			char *err, size_t errlen);
/* release_pf_read - a queued message, headers and body (postcat -bh -q); 0 ok, -1 err */
int	release_pf_read(const struct release_pf *pf, const char *qid, size_t max,
			char **msg, size_t *len, char *err, size_t errlen);
/* release_pf_dsn - the message's DSN options (postcat -e -q); 0 ok, -1 err */
int	release_pf_dsn(const struct release_pf *pf, const char *qid, struct release_dsn *d,
		       char *err, size_t errlen);
/* release_pf_inject - a new message with this envelope (sendmail -G -i); 0 ok, -1 err */
int	release_pf_inject(const struct release_pf *pf, const struct release_qent *q,
			  const struct release_dsn *d, const char *msg, size_t len,
			  char *err, size_t errlen);
/* release_pf_delete - delete QID from the hold queue (postsuper -d QID hold); 0 ok, -1 err */
int	release_pf_delete(const struct release_pf *pf, const char *qid, char *err, size_t errlen);

/* release_hf_parse - an hf/qf file's text into hf (malloc'd); 0 ok, -1 err (hf empty) */
int	release_hf_parse(const char *text, size_t len, struct release_hf *hf, char *err, size_t errlen);
/* release_hf_free - what hf holds */
void	release_hf_free(struct release_hf *hf);
/* release_mailq_parse - mailq's listing into entries of queue QUEUE (qid, dir, reason); 0 ok, -1 err */
int	release_mailq_parse(const char *text, const char *queue, struct release_qent **out,
			    size_t *n, char *err, size_t errlen);

/* release_sm_init - find Sendmail's commands; 0 ok, -1 err */
int	release_sm_init(struct release_sm *sm, char *err, size_t errlen);
/* release_sm_list - the quarantine ("hold", mailq -qQ) and the queue ("active", mailq); 0 ok */
int	release_sm_list(const struct release_sm *sm, struct release_qent **out, size_t *n,
			char *err, size_t errlen);
/* release_sm_read - the message from its hf/qf and df files (read only, shared lock); fills
   q's sender, recipients, reason and dsn from the control file; 0 ok, -1 err */
int	release_sm_read(const struct release_sm *sm, struct release_qent *q, size_t max,
			char **msg, size_t *len, char *err, size_t errlen);
/* release_sm_inject - a new message with this envelope (sendmail -Am -G -i); 0 ok, -1 err */
int	release_sm_inject(const struct release_sm *sm, const struct release_qent *q,
			  const struct release_dsn *d, const char *msg, size_t len,
			  char *err, size_t errlen);
/* release_sm_quarantine - put QID (quarantined) under a new reason (sendmail -qQ -qI -Q); 0 ok */
int	release_sm_quarantine(const struct release_sm *sm, const char *qid, const char *reason,
			      char *err, size_t errlen);
/* release_sm_delete - remove a quarantined message (qtool.pl -Q -d; without qtool.pl: kept
   under "clamshim WHAT TOKEN", WHAT "released" or "discarded"); 0 ok, -1 err */
int	release_sm_delete(const struct release_sm *sm, const struct release_qent *q,
			  const char *token, const char *what, char *err, size_t errlen);

/* release_mta_init - the commands of hold.mta; 0 ok, -1 err */
int	release_mta_init(struct release_mta *m, enum conf_mta kind, char *err, size_t errlen);
/* release_mta_list - every queued message; 0 ok, -1 err */
int	release_mta_list(const struct release_mta *m, struct release_qent **out, size_t *n,
			 char *err, size_t errlen);
/* release_mta_is_held - 1 when q is held in a way that may be clamshim's hold of token */
int	release_mta_is_held(const struct release_mta *m, const struct release_qent *q,
			    const char *token);
/* release_mta_read - the held message, headers and body; 0 ok, -1 err */
int	release_mta_read(const struct release_mta *m, struct release_qent *q, size_t max,
			 char **msg, size_t *len, char *err, size_t errlen);
/* release_mta_dsn - its DSN options; 0 ok, -1 err */
int	release_mta_dsn(const struct release_mta *m, const struct release_qent *q,
			struct release_dsn *d, char *err, size_t errlen);
/* release_mta_inject - the corrected copy, submitted; 0 ok, -1 err */
int	release_mta_inject(const struct release_mta *m, const struct release_qent *q,
			   const struct release_dsn *d, const char *msg, size_t len,
			   char *err, size_t errlen);
/* release_mta_delete - the held message removed (WHAT: "released", "discarded"); 0 ok, -1 err */
int	release_mta_delete(const struct release_mta *m, const struct release_qent *q,
			   const char *token, const char *what, char *err, size_t errlen);
/* release_mta_keep - an infected one stays held, marked so (Sendmail: new reason); 0 ok */
int	release_mta_keep(const struct release_mta *m, const struct release_qent *q,
			 const char *name, char *err, size_t errlen);
/* release_mta_hint - how the administrator deletes q, for the alert */
void	release_mta_hint(const struct release_mta *m, const struct release_qent *q, char *buf,
			 size_t len);

/* release_msg_header_has - 1 when the header block has NAME: VALUE (value trimmed) */
int	release_msg_header_has(const char *msg, size_t len, const char *name, const char *value);
/* release_msg_rewrite - the copy to deliver: r's header changes applied, every
   X-Clamshim-Hold gone, "X-Clamshim-Released: TOKEN" added; 0 ok, -1 err */
int	release_msg_rewrite(const char *msg, size_t len, const struct mt_result *r,
			    const char *token, char **out, size_t *outlen, char *err, size_t errlen);

#endif
