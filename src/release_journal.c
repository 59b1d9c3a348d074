/*
 * NAME
 *	release_journal 3 - what a release run was doing when it stopped
 * SUMMARY
 *	release_journal_open(), release_journal_add(),
 *	release_journal_pending(), release_journal_close()
 * DESCRIPTION
 *	A text file "journal" in clamshim-release's root-owned state
 *	directory, one record a line, each written and fsync'd before the
 *	step it announces or after the step it confirms:
 *	    inject TOKEN QID     the corrected copy is about to be submitted
 *	    injected TOKEN QID   it was submitted (sendmail exited 0)
 *	    done TOKEN           the held copy is deleted, the ledger says so
 *	A token whose last record is not "done" is pending: the next run
 *	finishes it first (release.c). The file is emptied when a run ends
 *	with nothing pending. Only the run holding the lock writes it.
 * DIAGNOSTICS
 *	NULL or -1 with err filled when the file cannot be opened, read or
 *	written; a line that is no record is ignored.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "release.h"
#include "util.h"

#define JOURNAL_MAX	((size_t) 16 << 20)

/* One token's last state. */
struct journal_rec {
	char	token[RELEASE_TOKEN_LEN + 1];
	char	state[12];		/* "inject", "injected", "done" */
	char	qid[RELEASE_QID_MAX];
};

struct release_journal {
	int	fd;
	struct journal_rec *r;
	size_t	n;
};

/* journal_set - record the state of token in memory */
static void
journal_set(struct release_journal *j, const char *state, const char *token, const char *qid)
{
	size_t	i;

	for (i = 0; i < j->n; i++)
		if (strcmp(j->r[i].token, token) == 0)
			break;
	if (i == j->n) {
		j->r = util_realloc(j->r, (j->n + 1) * sizeof(*j->r));
		memset(&j->r[j->n++], 0, sizeof(*j->r));
		snprintf(j->r[i].token, sizeof(j->r[i].token), "%s", token);
	}
	snprintf(j->r[i].state, sizeof(j->r[i].state), "%s", state);
	if (qid != NULL)
		snprintf(j->r[i].qid, sizeof(j->r[i].qid), "%s", qid);
}

/* journal_line - one record line (NUL-terminated) */
static void
journal_line(struct release_journal *j, char *line)
{
	char	what[12], token[RELEASE_TOKEN_LEN + 2], qid[RELEASE_QID_MAX];
	int	k = sscanf(line, "%11s %33s %63s", what, token, qid);

	if (k < 2 || strlen(token) != RELEASE_TOKEN_LEN)
		return;
	if (strcmp(what, "done") == 0)
		journal_set(j, what, token, NULL);
	else if (k == 3 && (strcmp(what, "inject") == 0 || strcmp(what, "injected") == 0))
		journal_set(j, what, token, qid);
}

/* release_journal_open - open (create) DIR/journal and read what is pending */
struct release_journal *
release_journal_open(int dirfd, char *err, size_t errlen)
{
	struct release_journal *j;
	struct stat st;
	char   *text, *p, *nl;
	ssize_t	k;
	size_t	n = 0;
	int	fd = openat(dirfd, "journal", O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
			    0600);

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t) st.st_size > JOURNAL_MAX) {
		snprintf(err, errlen, "journal: %s", fd < 0 ? strerror(errno) :
			 "not a regular file, or too large");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	text = util_malloc((size_t) st.st_size + 1);
	while (n < (size_t) st.st_size && (k = pread(fd, text + n, (size_t) st.st_size - n,
						     (off_t) n)) > 0)
		n += (size_t) k;
	text[n] = '\0';
	j = util_calloc(1, sizeof(*j));
	j->fd = fd;
	for (p = text; p < text + n; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t) (text + n - p))) == NULL)
			break;			/* a cut last line: never confirmed */
		*nl = '\0';
		journal_line(j, p);
	}
	free(text);
	return j;
}

/* release_journal_add - append one record and fsync; 0 ok, -1 err */
int
release_journal_add(struct release_journal *j, const char *what, const char *token,
		    const char *qid, char *err, size_t errlen)
{
	char	line[RELEASE_TOKEN_LEN + RELEASE_QID_MAX + 32];
	int	n = snprintf(line, sizeof(line), "%s %s%s%s\n", what, token, qid ? " " : "",
			     qid ? qid : "");

	if (n < 0 || (size_t) n >= sizeof(line) || write(j->fd, line, (size_t) n) != n ||
	    fsync(j->fd) < 0)
		return snprintf(err, errlen, "journal: write: %s", strerror(errno)), -1;
	journal_set(j, what, token, qid);
	return 0;
}

/* release_journal_pending - the i-th unfinished token; 0 ok, -1 no more */
int
release_journal_pending(const struct release_journal *j, size_t i, const char **token,
			const char **state, const char **qid)
{
	size_t	k;

	for (k = 0; k < j->n; k++) {
		if (strcmp(j->r[k].state, "done") == 0)
			continue;
		if (i-- == 0) {
			*token = j->r[k].token;
			*state = j->r[k].state;
			*qid = j->r[k].qid;
			return 0;
		}
	}
	return -1;
}

/* release_journal_close - empty the file when nothing is pending, close */
void
release_journal_close(struct release_journal *j)
{
	const char *t, *s, *q;

	if (j == NULL)
		return;
	if (release_journal_pending(j, 0, &t, &s, &q) < 0 && ftruncate(j->fd, 0) == 0)
		(void) fsync(j->fd);
	close(j->fd);
	free(j->r);
	free(j);
}
