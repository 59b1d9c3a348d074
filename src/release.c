/*
 * NAME
 *	clamshim-release 8 - rescan mail held during an outage, then release or deal with it
 * SUMMARY
 *	clamshim-release [-c CONF] [-s STATEDIR] [--list] [--dry-run]
 * DESCRIPTION
 *	Run as root (by a timer, and when clamshim raises "recovered"). A
 *	held message is clamshim's only when the daemon's ledger (hold.dir)
 *	has its token, the message sits in Postfix's hold queue (Sendmail's
 *	quarantine, under the reason "clamshim hold TOKEN") under the
 *	ledger's queue id, and it carries X-Clamshim-Hold: TOKEN; anything
 *	else held is never touched (release_mta.c speaks to the MTA). Each of clamshim's is rescanned through
 *	the running daemon (its socket, the milter client, macro
 *	{daemon_name} = clamshim-release) and then:
 *	accepted: the rescan's header changes applied, a copy submitted
 *	with the MTA's sendmail with the same envelope, the held one
 *	deleted (journalled, so that a killed run is finished by the next);
 *	rejected or quarantined (infected): kept held, an alert logged;
 *	discarded: deleted; tempfail (no scanner could decide): kept held.
 *	Two runs never work at once: the second finds the lock taken and
 *	leaves (the first deals with every held message).
 * DIAGNOSTICS
 *	One log line per message (syslog and stderr). Exit 0 done or nothing
 *	to do, 1 an error, 2 some still held because no scanner could decide.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "release.h"
#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define REL_DEFAULT_CONF	SYSCONFDIR "/clamshim.conf"
#define REL_DEFAULT_STATE	"/var/lib/clamshim-release"
#define REL_SCAN_TIMEOUT_MS	120000
#define REL_STALE_S		600	/* a ledger entry whose message is not held, this old: gone */
#define REL_HOLD_HEADER		"X-Clamshim-Hold"
#define REL_RELEASED_HEADER	"X-Clamshim-Released"

/* One run. */
struct rel {
	struct conf *conf;
	struct release_mta mta;
	int	ldfd;			/* the ledger directory */
	struct release_journal *journal;
	struct release_qent *q;		/* the queue, as last listed */
	size_t	nq;
	struct mt_conn *mt;
	int	list, dry;
	int	errors, still_held;
	size_t	max_msg;
};

/* rel_usage - the options */
static void
rel_usage(FILE *fp)
{
	fprintf(fp,
		"usage: clamshim-release [-c CONF] [-s STATEDIR] [--list] [--dry-run]\n"
		"  -c, --config FILE     clamshim's configuration (default %s)\n"
		"  -s, --state-dir DIR   lock and journal, root's own (default %s)\n"
		"  -l, --list            list clamshim's held messages, change nothing\n"
		"  -n, --dry-run         rescan and say what would be done, change nothing\n"
		"  -V, --version         print the version\n"
		"Exit 0 done or nothing to do, 1 error, 2 some still held (no scanner could decide).\n",
		REL_DEFAULT_CONF, REL_DEFAULT_STATE);
}

/* rel_report - problems of the configuration go to the log */
static void
rel_report(void *ctx, enum conf_severity sev, const char *file, int line, const char *text)
{
	(void) ctx;
	if (sev == CONF_ERROR)
		log_error("%s:%d: %s", file ? file : "(defaults)", line, text);
	else
		log_warning("%s:%d: %s", file ? file : "(defaults)", line, text);
}

/* rel_find - the queue entry with this id, NULL when none */
static struct release_qent *
rel_find(const struct rel *r, const char *qid)
{
	size_t	i;

	for (i = 0; i < r->nq; i++)
		if (strcmp(r->q[i].qid, qid) == 0)
			return &r->q[i];
	return NULL;
}

/* rel_relist - list the queue again; 0 ok, -1 err (logged) */
static int
rel_relist(struct rel *r)
{
	char	err[RELEASE_ERR_MAX];

	while (r->nq > 0)
		release_qent_free(&r->q[--r->nq]);
	free(r->q);
	r->q = NULL;
	if (release_mta_list(&r->mta, &r->q, &r->nq, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return -1;
	}
	return 0;
}

/* rel_held_marked - 1 when qid is held (as clamshim holds) with our mark for token; -1 err */
static int
rel_held_marked(struct rel *r, const char *qid, const char *token, char **msg, size_t *len)
{
	struct release_qent *q = rel_find(r, qid);
	char	err[RELEASE_ERR_MAX];
	int	has;

	*msg = NULL;
	if (q == NULL || !release_mta_is_held(&r->mta, q, token))
		return 0;
	if (release_mta_read(&r->mta, q, r->max_msg, msg, len, err, sizeof(err)) < 0) {
		log_error("%s: %s", qid, err);
		return -1;
	}
	has = release_mta_is_held(&r->mta, q, token) &&	/* Sendmail: the hf file's reason too */
		release_msg_header_has(*msg, *len, REL_HOLD_HEADER, token);
	if (!has) {
		free(*msg);
		*msg = NULL;
	}
	return has;
}

/* rel_ledger_done - the ledger says the message is dealt with */
static void
rel_ledger_done(struct rel *r, const char *qid, const char *token, const char *result)
{
	char	err[RELEASE_ERR_MAX];

	if (release_ledger_done(r->ldfd, token, result, err, sizeof(err)) < 0) {
		log_error("%s: %s", qid, err);
		r->errors++;
	}
}

/* rel_finish - the copy is submitted: delete the held one, close the books; 0 ok */
static int
rel_finish(struct rel *r, const char *qid, const char *token, const char *result)
{
	char	err[RELEASE_ERR_MAX], *msg;
	size_t	len;
	int	held = rel_held_marked(r, qid, token, &msg, &len);

	free(msg);
	if (held < 0)
		return -1;
	if (held && release_mta_delete(&r->mta, rel_find(r, qid), token, "released", err,
					 sizeof(err)) < 0) {
		log_error("%s: the released copy is submitted but the held one could not be "
			  "deleted: %s", qid, err);
		return -1;
	}
	rel_ledger_done(r, qid, token, result);
	if (release_journal_add(r->journal, "done", token, NULL, err, sizeof(err)) < 0) {
		log_error("%s: %s", qid, err);
		return -1;
	}
	return 0;
}

/* rel_copy_queued - 1 when a message outside the hold queue carries X-Clamshim-Released: token */
static int
rel_copy_queued(struct rel *r, const char *token)
{
	char	err[RELEASE_ERR_MAX], *msg;
	size_t	i, len;
	int	has;

	for (i = 0; i < r->nq; i++) {
		if (strcmp(r->q[i].queue, "hold") == 0)
			continue;
		if (release_mta_read(&r->mta, &r->q[i], r->max_msg, &msg, &len, err,
				     sizeof(err)) < 0)
			continue;	/* delivered meanwhile */
		has = release_msg_header_has(msg, len, REL_RELEASED_HEADER, token);
		free(msg);
		if (has)
			return 1;
	}
	return 0;
}

/* rel_recover - finish what a stopped run began (journal records not "done") */
static void
rel_recover(struct rel *r)
{
	const char *t, *s, *q;
	char	token[RELEASE_TOKEN_LEN + 1], qid[RELEASE_QID_MAX], err[RELEASE_ERR_MAX];
	int	injected;

	while (release_journal_pending(r->journal, 0, &t, &s, &q) == 0) {
		snprintf(token, sizeof(token), "%s", t);
		snprintf(qid, sizeof(qid), "%s", q);
		injected = strcmp(s, "injected") == 0 || rel_copy_queued(r, token);
		if (!injected) {
			log_warning("%s: token=%s: a run stopped while submitting its released copy, "
				    "and no such copy is queued: it is rescanned and released again "
				    "(if the stopped run's copy was delivered already, it arrives twice)",
				    qid, token);
			if (release_journal_add(r->journal, "done", token, NULL, err, sizeof(err)) < 0)
				break;
			continue;
		}
		log_decision("%s: token=%s result=clean action=released (finishing a stopped run)",
			     qid, token);
		if (rel_finish(r, qid, token, "clean") < 0)
			break;
	}
	if (release_journal_pending(r->journal, 0, &t, &s, &q) == 0) {
		log_error("%s: token=%s: a stopped run's release is not finished; this run "
			  "releases nothing else", q, t);
		r->errors++;
	}
}

/* rel_deliver - submit the corrected copy, then delete the held one; 0 ok */
static int
rel_deliver(struct rel *r, const struct release_entry *e, const struct release_qent *q,
	    const char *msg, size_t len, const struct mt_result *res, const char *result)
{
	char	err[RELEASE_ERR_MAX], *copy;
	size_t	clen;
	struct release_dsn dsn;
	int	rc = -1;

	if (release_msg_rewrite(msg, len, res, e->token, &copy, &clen, err, sizeof(err)) < 0) {
		log_error("%s: token=%s: %s; left held", e->qid, e->token, err);
		return -1;
	}
	if (release_mta_dsn(&r->mta, q, &dsn, err, sizeof(err)) < 0) {
		log_warning("%s: DSN options not read (%s): the defaults apply", e->qid, err);
		memset(&dsn, 0, sizeof(dsn));
	}
	if (release_journal_add(r->journal, "inject", e->token, e->qid, err, sizeof(err)) < 0)
		log_error("%s: %s; left held", e->qid, err);
	else if (release_mta_inject(&r->mta, q, &dsn, copy, clen, err, sizeof(err)) < 0) {
		log_error("%s: token=%s: submitting the released copy failed: %s; left held",
			  e->qid, e->token, err);
		if (release_journal_add(r->journal, "done", e->token, NULL, err, sizeof(err)) < 0)
			log_error("%s: %s", e->qid, err);
	} else if (release_journal_add(r->journal, "injected", e->token, e->qid, err,
				       sizeof(err)) < 0)
		log_error("%s: %s", e->qid, err);
	else if (rel_finish(r, e->qid, e->token, result) == 0) {
		log_decision("%s: token=%s result=%s action=released recipients=%zu", e->qid,
			     e->token, result, q->nrcpt);
		rc = 0;
	}
	free(copy);
	return rc;
}

/* rel_rescan - the message through the daemon; 0 with res filled, -1 err (logged) */
static int
rel_rescan(struct rel *r, const struct release_entry *e, const struct release_qent *q,
	   const char *msg, size_t len, struct mt_result *res)
{
	char	err[RELEASE_ERR_MAX], from[RELEASE_ADDR_MAX + 2];
	char  **rcpt = util_calloc(q->nrcpt + 1, sizeof(*rcpt));
	struct mt_envelope env = {.client_name = "localhost", .client_addr = "127.0.0.1",
		.helo = "localhost", .queue_id = e->qid, .from = from,
		.rcpt = (const char *const *) rcpt, .nrcpt = q->nrcpt,
		.daemon_name = "clamshim-release"};
	size_t	i;
	int	rc = -1;

	snprintf(from, sizeof(from), "<%s>", q->sender);
	for (i = 0; i < q->nrcpt; i++) {
		rcpt[i] = util_malloc(strlen(q->rcpt[i]) + 3);
		sprintf(rcpt[i], "<%s>", q->rcpt[i]);
	}
	if (r->mt == NULL && mt_open(r->conf->socket, REL_SCAN_TIMEOUT_MS, &r->mt, err,
				     sizeof(err)) < 0)
		log_error("%s: token=%s: the daemon at %s: %s; left held", e->qid, e->token,
			  r->conf->socket, err);
	else if (mt_message(r->mt, &env, msg, len, res, err, sizeof(err)) < 0) {
		log_error("%s: token=%s: rescan: %s; left held", e->qid, e->token, err);
		mt_close(r->mt);
		r->mt = NULL;
	} else
		rc = 0;
	for (i = 0; i < q->nrcpt; i++)
		free(rcpt[i]);
	free(rcpt);
	return rc;
}

/* rel_status - the X-Virus-Status the rescan added, or "" */
static const char *
rel_status(const struct mt_result *res)
{
	const char *v = mt_result_header(res, "X-Virus-Status");

	return v ? v : "";
}

/* rel_decide - act on the rescan's answer */
static void
rel_decide(struct rel *r, const struct release_entry *e, const struct release_qent *q,
	   const char *msg, size_t len, const struct mt_result *res)
{
	char	err[RELEASE_ERR_MAX], hint[RELEASE_PATH_MAX + 100];
	int	infected = strncmp(rel_status(res), "Infected", 8) == 0;

	if (res->decision == MT_TEMPFAIL) {
		log_decision("%s: token=%s result=unavailable action=kept-held reply=\"%s\"",
			     e->qid, e->token, res->reply);
		r->still_held++;
	} else if (res->decision == MT_ACCEPT && !res->quarantined) {
		if (r->dry)
			log_decision("%s: token=%s result=%s action=would-release status=\"%s\"",
				     e->qid, e->token, infected ? "infected" : "clean",
				     rel_status(res));
		else if (rel_deliver(r, e, q, msg, len, res, infected ? "infected" : "clean") < 0)
			r->errors++;
	} else if (res->decision == MT_DISCARD) {
		if (r->dry)
			log_decision("%s: token=%s result=infected action=would-delete", e->qid,
				     e->token);
		else if (release_mta_delete(&r->mta, q, e->token, "discarded", err, sizeof(err)) < 0) {
			log_error("%s: token=%s: %s", e->qid, e->token, err);
			r->errors++;
		} else {
			rel_ledger_done(r, e->qid, e->token, "deleted");
			log_decision("%s: token=%s result=infected action=deleted", e->qid, e->token);
		}
	} else {
		const char *why = res->quarantined ? res->quarantine_reason : res->reply;

		release_mta_hint(&r->mta, q, hint, sizeof(hint));
		log_alert("%s: token=%s result=infected action=%skept-held: %s%s; the administrator "
			  "decides (%s)", e->qid, e->token, r->dry ? "would-be-" : "",
			  res->quarantined ? "quarantined: " : "", why, hint);
		if (!r->dry && release_mta_keep(&r->mta, q, why, err, sizeof(err)) < 0)
			log_error("%s: token=%s: %s", e->qid, e->token, err);
		if (!r->dry)
			rel_ledger_done(r, e->qid, e->token, "infected");
	}
}

/* rel_one - one ledger entry */
static void
rel_one(struct rel *r, const struct release_entry *e)
{
	const struct release_qent *q = rel_find(r, e->qid);
	int64_t	age = (int64_t) time(NULL) - e->time;
	struct mt_result *res;
	char   *msg;
	size_t	len;
	int	held = rel_held_marked(r, e->qid, e->token, &msg, &len);

	if (held < 0) {
		r->errors++;
		return;
	}
	if (!held) {
		if (age < REL_STALE_S)
			return;			/* not committed to the queue yet, perhaps */
		log_decision("%s: token=%s result=gone action=none: no message with this queue id "
			     "and mark is held (released or deleted by someone else)", e->qid, e->token);
		if (!r->dry && !r->list)
			rel_ledger_done(r, e->qid, e->token, "deleted");
		return;
	}
	if (r->list) {
		printf("%s %s %lld %s %zu\n", e->token, e->qid, (long long) age,
		       q->sender[0] ? q->sender : "<>", q->nrcpt);
		free(msg);
		return;
	}
	res = util_calloc(1, sizeof(*res));
	if (rel_rescan(r, e, q, msg, len, res) < 0)
		r->errors++;
	else
		rel_decide(r, e, q, msg, len, res);
	free(res);
	free(msg);
}

/* rel_state_dir - open (create) the root-owned state directory; fd or -1 */
static int
rel_state_dir(const char *dir)
{
	struct stat st;
	int	fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_error_errno("state directory %s", dir);
		return -1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		log_error_errno("state directory %s", dir);
		return -1;
	}
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
		log_error("state directory %s: must be owned by root and writable by root only", dir);
		close(fd);
		return -1;
	}
	return fd;
}

/* rel_lock - the run's lock in the state directory; fd, -1 err, -2 taken */
static int
rel_lock(int sfd)
{
	int	fd = openat(sfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		log_error_errno("lock");
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	close(fd);
	if (errno == EWOULDBLOCK)
		return -2;
	log_error_errno("lock");
	return -1;
}

/* rel_pass - every ledger entry, oldest first */
static void
rel_pass(struct rel *r)
{
	struct release_entry *e;
	char	err[RELEASE_ERR_MAX];
	size_t	i, n;

	if (release_ledger_list(r->ldfd, &e, &n, err, sizeof(err)) < 0) {
		log_error("%s", err);
		r->errors++;
		return;
	}
	if (r->list)
		printf("# token queue_id held_seconds sender recipients\n");
	for (i = 0; i < n; i++)
		if (strcmp(e[i].mta, conf_mta_name(r->conf->hold.mta)) == 0)
			rel_one(r, &e[i]);
	free(e);
}

/* rel_idle - 1 when the ledger is empty and the journal has nothing pending */
static int
rel_idle(struct rel *r)
{
	struct release_entry *e;
	const char *t, *s, *q;
	char	err[RELEASE_ERR_MAX];
	size_t	n;

	if (r->journal != NULL && release_journal_pending(r->journal, 0, &t, &s, &q) == 0)
		return 0;
	if (release_ledger_list(r->ldfd, &e, &n, err, sizeof(err)) < 0)
		return 0;		/* rel_pass reports it */
	free(e);
	return n == 0;
}

/* rel_work - recovery, then every held message (with the lock, unless listing) */
static void
rel_work(struct rel *r)
{
	char	err[RELEASE_ERR_MAX];

	if (rel_idle(r)) {
		log_debug("nothing held");
		return;
	}
	if (release_mta_init(&r->mta, r->conf->hold.mta, err, sizeof(err)) < 0) {
		log_error("%s", err);
		r->errors++;
		return;
	}
	if (rel_relist(r) < 0) {
		r->errors++;
		return;
	}
	if (r->journal != NULL) {
		rel_recover(r);
		if (r->errors > 0 || rel_relist(r) < 0) {
			r->errors++;
			return;
		}
	}
	rel_pass(r);
}

/* rel_run - the run after the options: 0, 1 or 2 */
static int
rel_run(struct rel *r, const char *state_dir)
{
	char	err[RELEASE_ERR_MAX];
	int	sfd = -1, lfd = -1;

	if ((r->ldfd = release_ledger_open(r->conf->hold.dir, err, sizeof(err))) < 0) {
		if (errno == ENOENT) {
			log_debug("no ledger %s: nothing held", r->conf->hold.dir);
			return 0;
		}
		log_error("%s", err);
		return 1;
	}
	if (!r->list && !r->dry) {
		if ((sfd = rel_state_dir(state_dir)) < 0 || (lfd = rel_lock(sfd)) == -1)
			r->errors++;
		else if (lfd == -2) {
			log_info("another clamshim-release is running: it deals with the held mail");
			close(sfd);
			close(r->ldfd);
			return 0;
		} else if ((r->journal = release_journal_open(sfd, err, sizeof(err))) == NULL) {
			log_error("%s", err);
			r->errors++;
		}
	}
	if (r->errors == 0)
		rel_work(r);
	release_journal_close(r->journal);
	mt_close(r->mt);
	if (lfd >= 0)
		close(lfd);
	if (sfd >= 0)
		close(sfd);
	close(r->ldfd);
	return r->errors ? 1 : r->still_held ? 2 : 0;
}

/* main - options, configuration, one run */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'}, {"state-dir", required_argument, NULL, 's'},
		{"list", no_argument, NULL, 'l'}, {"dry-run", no_argument, NULL, 'n'},
		{"version", no_argument, NULL, 'V'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *conf_path = REL_DEFAULT_CONF, *state_dir = REL_DEFAULT_STATE;
	struct rel r;
	int	c, rc;

	memset(&r, 0, sizeof(r));
	while ((c = getopt_long(argc, argv, "c:s:lnVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': conf_path = optarg; break;
		case 's': state_dir = optarg; break;
		case 'l': r.list = 1; break;
		case 'n': r.dry = 1; break;
		case 'V': printf("clamshim-release %s\n", PACKAGE_VERSION); return 0;
		case 'h': rel_usage(stdout); return 0;
		default: rel_usage(stderr); return 1;
		}
	}
	if (optind != argc) {
		rel_usage(stderr);
		return 1;
	}
	log_open("clamshim-release", 1);
	if (geteuid() != 0) {
		log_error("must be run as root (it runs the MTA's queue commands)");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (conf_load(conf_path, CONF_TOLERANT, rel_report, NULL, &r.conf) < 0)
		return 1;
	log_set(r.conf->log_level, r.conf->syslog_facility);
	r.max_msg = r.conf->policy.max_size == 0 || r.conf->policy.max_size > ((uint64_t) 1 << 29) ?
		(size_t) 1 << 30 : (size_t) r.conf->policy.max_size * 2 + ((size_t) 1 << 20);
	rc = rel_run(&r, state_dir);
	while (r.nq > 0)
		release_qent_free(&r.q[--r.nq]);
	free(r.q);
	conf_unref(r.conf);
	log_close();
	return rc;
}
