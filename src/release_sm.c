/*
 * NAME
 *	release_sm 3 - Sendmail's commands and quarantined files, for clamshim-release
 * SUMMARY
 *	release_sm_init(), release_sm_list(), release_sm_read(),
 *	release_sm_inject(), release_sm_quarantine(), release_sm_delete()
 * DESCRIPTION
 *	Sendmail's supported interfaces where there is one: sendmail -bp
 *	-qQ (mailq) lists the quarantine, sendmail -bp the queue; sendmail
 *	-Am -G -i submits the corrected copy straight into the MTA's queue
 *	(as a local submission: no milter); sendmail -qQ -qI -Q puts a
 *	quarantined message under a new reason; qtool.pl -Q -d, Sendmail's
 *	queue tool, removes a quarantined message. No command prints a
 *	queued message, so its control file (hf, qf) and data file (df)
 *	are read, read only, under a shared flock(2) (Sendmail locks the
 *	control file with flock: one it is working on is left for the next
 *	run), each opened without following a link and bounded.
 *
 *	The commands: CLAMSHIM_SENDMAIL (default /usr/lib/sm.bin/sendmail,
 *	Debian's, else /usr/sbin/sendmail), CLAMSHIM_QTOOL (default
 *	/usr/share/sendmail/qtool.pl, /usr/sbin/qtool.pl,
 *	/usr/local/sbin/qtool.pl; run with /usr/bin/perl) and MAIL_CONFIG
 *	(another sendmail.cf, passed with -C to both). They run without a
 *	shell with PATH=/usr/sbin:/usr/bin:/sbin:/bin and nothing else of
 *	our environment.
 * DIAGNOSTICS
 *	-1 with err filled when a command fails or a file cannot be read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "release.h"
#include "util.h"

#define SM_LIST_MAX	((size_t) 256 << 20)	/* mailq's output */
#define SM_PERL		"/usr/bin/perl"

static char sm_path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

/* sm_pick - the first of the environment's NAME and the candidates that is executable */
static void
sm_pick(char *out, size_t outlen, const char *env, const char *const *cand, int need_x)
{
	const char *v = getenv(env);

	out[0] = '\0';
	if (v != NULL && *v != '\0') {
		snprintf(out, outlen, "%s", v);
		return;
	}
	for (; *cand != NULL; cand++)
		if (access(*cand, need_x ? X_OK : R_OK) == 0) {
			snprintf(out, outlen, "%s", *cand);
			return;
		}
}

/* release_sm_init - find Sendmail's commands */
int
release_sm_init(struct release_sm *sm, char *err, size_t errlen)
{
	static const char *const sendmails[] = {"/usr/lib/sm.bin/sendmail", "/usr/sbin/sendmail", NULL};
	static const char *const qtools[] = {"/usr/share/sendmail/qtool.pl", "/usr/sbin/qtool.pl",
		"/usr/local/sbin/qtool.pl", NULL};
	const char *mc = getenv("MAIL_CONFIG");

	memset(sm, 0, sizeof(*sm));
	sm->timeout_s = 300;
	sm->env[0] = sm_path_env;
	sm_pick(sm->sendmail, sizeof(sm->sendmail), "CLAMSHIM_SENDMAIL", sendmails, 1);
	sm_pick(sm->qtool, sizeof(sm->qtool), "CLAMSHIM_QTOOL", qtools, 0);
	if (sm->sendmail[0] != '/')
		return snprintf(err, errlen, "Sendmail's sendmail not found (CLAMSHIM_SENDMAIL, "
				"/usr/lib/sm.bin/sendmail, /usr/sbin/sendmail)"), -1;
	if (sm->qtool[0] != '\0' && (sm->qtool[0] != '/' || access(sm->qtool, R_OK) != 0 ||
				      access(SM_PERL, X_OK) != 0)) {
		log_warning("qtool.pl (%s) or %s not found: a released message stays quarantined "
			    "under the reason \"clamshim released TOKEN\"", sm->qtool, SM_PERL);
		sm->qtool[0] = '\0';
	} else if (sm->qtool[0] == '\0')
		log_warning("qtool.pl not found (CLAMSHIM_QTOOL, /usr/share/sendmail, /usr/sbin, "
			    "/usr/local/sbin): a released message stays quarantined under the reason "
			    "\"clamshim released TOKEN\"");
	if (mc != NULL && *mc != '\0') {
		if (mc[0] != '/' || strlen(mc) >= sizeof(sm->cf))
			return snprintf(err, errlen, "MAIL_CONFIG must be an absolute path"), -1;
		snprintf(sm->cf, sizeof(sm->cf), "%s", mc);
	}
	return 0;
}

/* sm_base - argv[0] and -C CF; the count */
static size_t
sm_base(const struct release_sm *sm, const char **argv)
{
	size_t	n = 0;

	argv[n++] = sm->sendmail;
	if (sm->cf[0] != '\0') {
		argv[n++] = "-C";
		argv[n++] = sm->cf;
	}
	return n;
}

/* sm_list_one - one listing (extra = "-qQclamshim hold" or NULL) appended to *out */
static int
sm_list_one(const struct release_sm *sm, const char *extra, const char *queue,
	    struct release_qent **out, size_t *n, char *err, size_t errlen)
{
	const char *argv[8];
	size_t	k = sm_base(sm, argv), m, len;
	struct release_qent *v;
	char   *text = NULL;

	argv[k++] = "-bp";
	if (extra != NULL)
		argv[k++] = extra;
	argv[k] = NULL;
	if (release_run(argv, sm->env, NULL, 0, &text, &len, SM_LIST_MAX, sm->timeout_s,
			err, errlen) != 0) {
		free(text);
		return -1;
	}
	if (release_mailq_parse(text, queue, &v, &m, err, errlen) < 0) {
		free(text);
		return -1;
	}
	free(text);
	*out = util_realloc(*out, (*n + m + 1) * sizeof(**out));
	if (m > 0)
		memcpy(*out + *n, v, m * sizeof(*v));
	*n += m;
	free(v);
	return 0;
}

/* release_sm_list - the quarantined ones (clamshim's reason only), then the queued ones */
int
release_sm_list(const struct release_sm *sm, struct release_qent **out, size_t *n,
		char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	if (sm_list_one(sm, "-qQclamshim", "hold", out, n, err, errlen) == 0 &&
	    sm_list_one(sm, NULL, "active", out, n, err, errlen) == 0)
		return 0;
	while (*n > 0)
		release_qent_free(&(*out)[--*n]);
	free(*out);
	*out = NULL;
	return -1;
}

/* sm_open - DIR/sub/name, else DIR/name, read only, never a link; fd or -1 err filled */
static int
sm_open(int dfd, const char *sub, const char *name, struct stat *st, char *err, size_t errlen)
{
	char	path[RELEASE_QID_MAX + 8];
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", sub, name);
	fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", name);
		close(fd);
		return -1;
	}
	return fd;
}

/* sm_slurp - at most max bytes of fd appended to *buf (at *len); 0 ok, -1 err filled */
static int
sm_slurp(int fd, const struct stat *st, size_t max, char **buf, size_t *len, char *err,
	 size_t errlen)
{
	size_t	want;
	ssize_t	r;

	if ((uint64_t) st->st_size > max || *len + (size_t) st->st_size > max)
		return snprintf(err, errlen, "larger than %zu bytes", max), -1;
	want = (size_t) st->st_size;
	*buf = util_realloc(*buf, *len + want + 1);
	while (want > 0) {
		r = read(fd, *buf + *len, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return snprintf(err, errlen, "read: %s", r < 0 ? strerror(errno) : "cut short"), -1;
		*len += (size_t) r;
		want -= (size_t) r;
	}
	(*buf)[*len] = '\0';
	return 0;
}

/* sm_take - the parsed envelope into q */
static void
sm_take(struct release_qent *q, struct release_hf *hf)
{
	size_t	i;

	for (i = 0; i < q->nrcpt; i++)
		free(q->rcpt[i]);
	free(q->rcpt);
	free(q->sender);
	free(q->reason);
	q->sender = hf->sender;
	q->rcpt = hf->rcpt;
	q->nrcpt = hf->nrcpt;
	q->reason = hf->reason ? hf->reason : util_strdup("");
	q->dsn = hf->dsn;
	hf->sender = hf->reason = NULL;
	hf->rcpt = NULL;
	hf->nrcpt = 0;
}

/* release_sm_read - control file and data file, read only under a shared lock */
int
release_sm_read(const struct release_sm *sm, struct release_qent *q, size_t max, char **msg,
		size_t *len, char *err, size_t errlen)
{
	char	name[RELEASE_QID_MAX + 2], e2[RELEASE_ERR_MAX];
	struct release_hf hf;
	struct stat st;
	char   *text = NULL;
	size_t	tlen = 0;
	int	dfd, cfd = -1, datafd = -1, rc = -1;

	(void) sm;
	*msg = NULL;
	*len = 0;
	if (q->dir == NULL || q->dir[0] != '/')
		return snprintf(err, errlen, "no queue directory"), -1;
	if ((dfd = open(q->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return snprintf(err, errlen, "%s: %s", q->dir, strerror(errno)), -1;
	snprintf(name, sizeof(name), "%s%s", strcmp(q->queue, "hold") == 0 ? "hf" : "qf", q->qid);
	if ((cfd = sm_open(dfd, "qf", name, &st, e2, sizeof(e2))) < 0)
		snprintf(err, errlen, "%s", e2);
	else if (flock(cfd, LOCK_SH | LOCK_NB) != 0)
		snprintf(err, errlen, "%s: %s", name, errno == EWOULDBLOCK ?
			 "locked: Sendmail is working on it" : strerror(errno));
	else if (sm_slurp(cfd, &st, max, &text, &tlen, e2, sizeof(e2)) < 0)
		snprintf(err, errlen, "%s: %s", name, e2);
	else if (release_hf_parse(text, tlen, &hf, e2, sizeof(e2)) < 0)
		snprintf(err, errlen, "%s: %s", name, e2);
	else {
		name[0] = 'd', name[1] = 'f';
		*msg = hf.headers;
		*len = hf.hlen;
		hf.headers = NULL;
		*msg = util_realloc(*msg, *len + 2);
		(*msg)[(*len)++] = '\n';	/* the blank line */
		if ((datafd = sm_open(dfd, "df", name, &st, e2, sizeof(e2))) < 0 ||
		    sm_slurp(datafd, &st, max, msg, len, e2, sizeof(e2)) < 0) {
			snprintf(err, errlen, "%s: %s", name, e2);
			free(*msg);
			*msg = NULL;
		} else {
			sm_take(q, &hf);
			rc = 0;
		}
		release_hf_free(&hf);
	}
	free(text);
	if (datafd >= 0)
		close(datafd);
	if (cfd >= 0)
		close(cfd);			/* the lock goes with it */
	close(dfd);
	return rc;
}

/* release_sm_inject - sendmail [-C CF] -Am -G -i [-N] [-R] [-V] -f SENDER -- RCPTS */
int
release_sm_inject(const struct release_sm *sm, const struct release_qent *q,
		  const struct release_dsn *d, const char *msg, size_t len, char *err, size_t errlen)
{
	const char *head[4];
	size_t	n = sm_base(sm, head);

	head[n++] = "-Am";
	return release_submit(head, n, q, d, sm->env, sm->timeout_s, msg, len, err, errlen);
}

/* release_sm_quarantine - sendmail -qQ -qIQID -QREASON */
int
release_sm_quarantine(const struct release_sm *sm, const char *qid, const char *reason,
		      char *err, size_t errlen)
{
	char	sel[RELEASE_QID_MAX + 4], why[RELEASE_REASON_MAX + 4];
	const char *argv[10];
	size_t	n = sm_base(sm, argv);

	snprintf(sel, sizeof(sel), "-qI%s", qid);
	snprintf(why, sizeof(why), "-Q%s", reason);
	argv[n++] = "-qQ";
	argv[n++] = sel;
	argv[n++] = why;
	argv[n] = NULL;
	return release_run(argv, sm->env, NULL, 0, NULL, NULL, 0, sm->timeout_s, err, errlen) == 0 ?
		0 : -1;
}

/* sm_gone - 1 when q's control file is no longer there */
static int
sm_gone(const struct release_qent *q)
{
	char	path[RELEASE_PATH_MAX + RELEASE_QID_MAX + 8];
	struct stat st;

	snprintf(path, sizeof(path), "%s/qf/hf%s", q->dir, q->qid);
	if (lstat(path, &st) == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/hf%s", q->dir, q->qid);
	return lstat(path, &st) != 0 && errno == ENOENT;
}

/* release_sm_delete - qtool.pl -Q -d DIR/hfQID; without qtool.pl: "clamshim WHAT TOKEN" */
int
release_sm_delete(const struct release_sm *sm, const struct release_qent *q, const char *token,
		  const char *what, char *err, size_t errlen)
{
	char	path[RELEASE_PATH_MAX + RELEASE_QID_MAX + 8], why[RELEASE_TOKEN_LEN + 32], *out = NULL;
	const char *argv[10];
	size_t	n = 0, len;
	int	rc;

	if (sm->qtool[0] == '\0') {
		snprintf(why, sizeof(why), "clamshim %.12s %s", what, token);
		return release_sm_quarantine(sm, q->qid, why, err, errlen);
	}
	snprintf(path, sizeof(path), "%s/hf%s", q->dir, q->qid);
	argv[n++] = SM_PERL;
	argv[n++] = sm->qtool;
	if (sm->cf[0] != '\0') {
		argv[n++] = "-C";
		argv[n++] = sm->cf;
	}
	argv[n++] = "-Q";
	argv[n++] = "-d";
	argv[n++] = path;
	argv[n] = NULL;
	rc = release_run(argv, sm->env, NULL, 0, &out, &len, 65536, sm->timeout_s, err, errlen);
	if (rc == 0 && !sm_gone(q)) {	/* qtool.pl says what went wrong on stdout, exit 0 */
		if (out != NULL)
			out[strcspn(out, "\n")] = '\0';
		snprintf(err, errlen, "qtool.pl -Q -d %s: still there: %.200s", path, out ? out : "");
		rc = -1;
	}
	free(out);
	return rc == 0 ? 0 : -1;
}
