/*
 * NAME
 *	release 3h - what the parts of clamshim-release(8) share
 * SUMMARY
 *	release_ledger_*(), release_journal_*(), release_pf_*(),
 *	release_run(), release_msg_*()
 * DESCRIPTION
 *	clamshim-release is split by job: release.c (options, lock, the
 *	pass over the held messages, exit status), release_ledger.c (the
 *	daemon's ledger of held messages: hostile, read with bounds),
 *	release_journal.c (the root-owned journal that makes a release
 *	happen once even when a run is killed), release_pf.c (Postfix's
 *	commands), release_run.c (running a command with bounded output),
 *	release_json.c (postqueue -j lines) and release_msg.c (the mark of
 *	a held message; the rescan's header changes applied to the copy
 *	that is delivered). Nothing outside src/release*.c includes this.
 */
#ifndef CLAMSHIM_RELEASE_H
#define CLAMSHIM_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include "mtclient.h"

#define RELEASE_TOKEN_LEN	32		/* lowercase hex */
#define RELEASE_QID_MAX		64		/* a queue id, NUL included */
#define RELEASE_ADDR_MAX	1024		/* an address, NUL included */
#define RELEASE_RCPT_MAX	10000		/* recipients of one message */
#define RELEASE_ERR_MAX		512

/* One entry of the daemon's ledger. */
struct release_entry {
	char	token[RELEASE_TOKEN_LEN + 1];
	char	qid[RELEASE_QID_MAX];
	int64_t	time;			/* when it was held (UNIX seconds) */
	char	mta[16];
};

/* One message of the MTA's queue, as postqueue -j lists it. */
struct release_qent {
	char	queue[16];		/* "hold", "active", ... */
	char	qid[RELEASE_QID_MAX];
	char   *sender;			/* "" = the null sender */
	char  **rcpt;
	size_t	nrcpt;
};

/* DSN options of a queued message (Postfix's envelope records). */
struct release_dsn {
	char	envid[128];		/* "" = none */
	int	ret;			/* 0 none, 1 FULL, 2 HDRS */
	int	notify;			/* 0 none or mixed; else Postfix's bits, the same for all */
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

/* release_msg_header_has - 1 when the header block has NAME: VALUE (value trimmed) */
int	release_msg_header_has(const char *msg, size_t len, const char *name, const char *value);
/* release_msg_rewrite - the copy to deliver: r's header changes applied, every
   X-Clamshim-Hold gone, "X-Clamshim-Released: TOKEN" added; 0 ok, -1 err */
int	release_msg_rewrite(const char *msg, size_t len, const struct mt_result *r,
			    const char *token, char **out, size_t *outlen, char *err, size_t errlen);

#endif
