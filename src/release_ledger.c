/*
 * NAME
 *	release_ledger 3 - the daemon's ledger of held messages, read by root
 * SUMMARY
 *	release_ledger_open(), release_ledger_list(), release_ledger_done()
 * DESCRIPTION
 *	The daemon writes one file per held message into hold.dir, named
 *	by its token (32 lowercase hex), with lines "queue_id=QID",
 *	"time=UNIXSECONDS" and "mta=postfix|sendmail". The directory
 *	belongs to the daemon's user and clamshim-release runs as root, so
 *	the directory and every file are hostile: the directory is opened
 *	without following a link, each file with openat(O_NOFOLLOW) and
 *	read only when it is a regular file, at most LEDGER_FILE_MAX bytes;
 *	a queue id must be letters and digits. Files that are not valid
 *	entries are skipped (and logged by the caller's count). When a
 *	message is dealt with, TOKEN becomes TOKEN.done-RESULT (renameat in
 *	the same directory), which the daemon counts and removes.
 * DIAGNOSTICS
 *	-1 with err filled when the directory cannot be opened or read.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "release.h"
#include "util.h"

#define LEDGER_FILE_MAX		1024
#define LEDGER_ENTRIES_MAX	1000000

/* release_ledger_open - the directory, opened without following links; fd or -1 */
int
release_ledger_open(const char *dir, char *err, size_t errlen)
{
	int	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		snprintf(err, errlen, "ledger %s: %s", dir, strerror(errno));
	return fd;
}

/* ledger_token - 1 when name is 32 lowercase hex digits */
static int
ledger_token(const char *name)
{
	size_t	i;

	for (i = 0; i < RELEASE_TOKEN_LEN; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	return name[i] == '\0';
}

/* ledger_qid - 1 when s is a plausible queue id: 1..63 letters and digits */
static int
ledger_qid(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z')) || i + 1 >= RELEASE_QID_MAX)
			return 0;
	return i > 0;
}

/* ledger_parse - the lines of one file into e; 0 ok, -1 not an entry */
static int
ledger_parse(char *text, struct release_entry *e)
{
	char   *line, *save = NULL;
	int	have_time = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "queue_id=", 9) == 0 && ledger_qid(line + 9))
			snprintf(e->qid, sizeof(e->qid), "%s", line + 9);
		else if (strncmp(line, "time=", 5) == 0) {
			char   *end;
			long long t = strtoll(line + 5, &end, 10);

			if (end == line + 5 || *end != '\0' || t < 0)
				return -1;
			e->time = t;
			have_time = 1;
		} else if (strcmp(line, "mta=postfix") == 0 || strcmp(line, "mta=sendmail") == 0)
			snprintf(e->mta, sizeof(e->mta), "%s", line + 4);
	}
	return e->qid[0] != '\0' && have_time && e->mta[0] != '\0' ? 0 : -1;
}

/* ledger_read - the entry in file name; 0 ok, -1 not an entry */
static int
ledger_read(int dfd, const char *name, struct release_entry *e)
{
	char	buf[LEDGER_FILE_MAX + 2];
	struct stat st;
	ssize_t	n;
	int	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > LEDGER_FILE_MAX || (n = read(fd, buf, LEDGER_FILE_MAX + 1)) <= 0 ||
	    n > LEDGER_FILE_MAX || memchr(buf, '\0', (size_t) n) != NULL) {
		close(fd);
		return -1;
	}
	close(fd);
	buf[n] = '\0';
	memset(e, 0, sizeof(*e));
	memcpy(e->token, name, RELEASE_TOKEN_LEN);	/* ledger_token() checked it */
	e->token[RELEASE_TOKEN_LEN] = '\0';
	return ledger_parse(buf, e);
}

/* ledger_older - qsort: oldest first */
static int
ledger_older(const void *a, const void *b)
{
	const struct release_entry *x = a, *y = b;

	return x->time < y->time ? -1 : x->time > y->time;
}

/* release_ledger_list - valid entries, oldest first (malloc'd); 0 ok, -1 err */
int
release_ledger_list(int dfd, struct release_entry **out, size_t *n, char *err, size_t errlen)
{
	int	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR    *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	struct release_entry *v = NULL, e;
	size_t	bad = 0;

	*out = NULL;
	*n = 0;
	if (d == NULL) {
		snprintf(err, errlen, "ledger: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL && *n < LEDGER_ENTRIES_MAX) {
		if (!ledger_token(de->d_name))
			continue;		/* ".", "..", TOKEN.done-*, the daemon's temporaries */
		if (ledger_read(dfd, de->d_name, &e) < 0) {
			bad++;
			continue;
		}
		v = util_realloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = e;
	}
	closedir(d);
	if (bad > 0)
		log_warning("ledger: %zu files named like a token are not valid entries; left alone",
			    bad);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), ledger_older);
	*out = v;
	return 0;
}

/* release_ledger_done - rename TOKEN to TOKEN.done-RESULT; 0 ok, -1 err */
int
release_ledger_done(int dfd, const char *token, const char *result, char *err, size_t errlen)
{
	char	to[RELEASE_TOKEN_LEN + 32];

	snprintf(to, sizeof(to), "%s.done-%s", token, result);
	if (renameat(dfd, token, dfd, to) == 0 || errno == ENOENT)
		return 0;
	snprintf(err, errlen, "ledger: rename %s to %s: %s", token, to, strerror(errno));
	return -1;
}
