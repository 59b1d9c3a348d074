/*
 * NAME
 *	hold 3 - the ledger of messages held in the MTA during an outage
 * SUMMARY
 *	hold_new(), hold_free(), hold_token(), hold_reserve(), hold_unreserve(),
 *	hold_record(), hold_forget(), hold_census(), hold_dir_make(),
 *	hold_result_name(), hold_is_token() (hold.h)
 * DESCRIPTION
 *	The files of hold.dir, as hold(3h) describes them. Every name is
 *	opened relative to the directory's descriptor, opened with
 *	O_NOFOLLOW, and every file with O_NOFOLLOW: a link planted in the
 *	directory is never followed. A ledger file is written whole to
 *	TOKEN.tmp (O_EXCL), synced, then linked to TOKEN, which fails
 *	rather than replace a file, so that a reader sees a whole file or
 *	none.
 *
 *	A census reads at most HOLD_LEDGER_MAX bytes of each TOKEN file for
 *	its time= line; a file without one counts with its modification
 *	time. Names that are neither TOKEN nor TOKEN.done-RESULT (a
 *	TOKEN.tmp left by a crash, anything else) are left alone.
 * DIAGNOSTICS
 *	Errors go to the caller's buffer with errno's text.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hold.h"
#include "util.h"

#define HOLD_DONE		".done-"
#define HOLD_TMP		".tmp"

struct hold {
	pthread_mutex_t mu;
	unsigned long held;		/* the last census's count, one more per hold since */
	unsigned long released[HOLD_RESULT_COUNT];
};

static const char *const hold_results[HOLD_RESULT_COUNT] = {
	[HOLD_RESULT_CLEAN] = "clean",
	[HOLD_RESULT_INFECTED] = "infected",
	[HOLD_RESULT_DELETED] = "deleted",
};

/* hold_new - counters at zero */
struct hold *
hold_new(void)
{
	struct hold *h = util_calloc(1, sizeof(*h));

	pthread_mutex_init(&h->mu, NULL);
	return h;
}

/* hold_free - free */
void
hold_free(struct hold *h)
{
	if (h == NULL)
		return;
	pthread_mutex_destroy(&h->mu);
	free(h);
}

/* hold_result_name - the suffix after ".done-" */
const char *
hold_result_name(enum hold_result r)
{
	return (unsigned) r < HOLD_RESULT_COUNT ? hold_results[r] : "unknown";
}

/* hold_is_token - exactly HOLD_TOKEN_LEN lowercase hex characters */
int
hold_is_token(const char *s)
{
	size_t	i;

	for (i = 0; i < HOLD_TOKEN_LEN; i++)
		if (s[i] == 0 || strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	return s[HOLD_TOKEN_LEN] == 0;
}

/* hold_token - 16 random bytes as 32 lowercase hex characters */
int
hold_token(char *tok, size_t len, char *err, size_t errlen)
{
	unsigned char raw[HOLD_TOKEN_LEN / 2];
	size_t	got = 0, i;

	if (len < HOLD_TOKEN_LEN + 1) {
		snprintf(err, errlen, "token buffer too small");
		return -1;
	}
	while (got < sizeof(raw)) {
		ssize_t	n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "getrandom: %s", strerror(n < 0 ? errno : EIO));
			return -1;
		}
		got += (size_t) n;
	}
	for (i = 0; i < sizeof(raw); i++)
		snprintf(tok + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/* hold_reserve - one more held message, unless max are held */
int
hold_reserve(struct hold *h, unsigned max)
{
	int	ok;

	pthread_mutex_lock(&h->mu);
	ok = h->held < max;
	if (ok)
		h->held++;
	pthread_mutex_unlock(&h->mu);
	return ok ? 0 : -1;
}

/* hold_unreserve - a counted hold did not happen */
void
hold_unreserve(struct hold *h)
{
	pthread_mutex_lock(&h->mu);
	if (h->held > 0)
		h->held--;
	pthread_mutex_unlock(&h->mu);
}

/* hold_opendir - the directory's descriptor, never through a link; -1 err filled */
static int
hold_opendir(const char *dir, char *err, size_t errlen)
{
	int	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		snprintf(err, errlen, "cannot open %s: %s", dir, strerror(errno));
	return fd;
}

/* hold_write_all - write len bytes; 0 ok, -1 errno set */
static int
hold_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t	n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t) n;
	}
	return 0;
}

/* hold_ledger_text - the three lines of a ledger file; its length, or 0 too long */
static size_t
hold_ledger_text(char *buf, size_t len, const char *qid, time_t when, enum conf_mta mta)
{
	char	q[128];
	size_t	i;
	int	n;

	for (i = 0; qid != NULL && qid[i] && i < sizeof(q) - 1; i++)
		q[i] = qid[i] > ' ' && qid[i] <= '~' ? qid[i] : '?';
	q[i] = 0;
	n = snprintf(buf, len, "queue_id=%s\ntime=%lld\nmta=%s\n", q[0] ? q : "NOQUEUE",
		     (long long) when, conf_mta_name(mta));
	return n > 0 && (size_t) n < len ? (size_t) n : 0;
}

/* hold_record - TOKEN.tmp written whole and synced, then linked to TOKEN */
int
hold_record(const char *dir, const char *token, const char *qid, time_t when,
	    enum conf_mta mta, char *err, size_t errlen)
{
	char	tmp[HOLD_TOKEN_LEN + sizeof(HOLD_TMP)], text[256];
	size_t	len = hold_ledger_text(text, sizeof(text), qid, when, mta);
	int	dfd, fd, rc = -1;

	if (!hold_is_token(token) || len == 0) {
		snprintf(err, errlen, "bad token or ledger line");
		return -1;
	}
	if ((dfd = hold_opendir(dir, err, errlen)) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s%s", token, HOLD_TMP);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s/%s: %s", dir, tmp, strerror(errno));
		close(dfd);
		return -1;
	}
	if (hold_write_all(fd, text, len) < 0 || fsync(fd) != 0)
		snprintf(err, errlen, "cannot write %s/%s: %s", dir, tmp, strerror(errno));
	else if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "cannot write %s/%s: %s", dir, tmp, strerror(errno));
	} else if ((fd = -1, linkat(dfd, tmp, dfd, token, 0)) != 0)
		snprintf(err, errlen, "cannot link %s/%s: %s", dir, token, strerror(errno));
	else if (fsync(dfd) != 0) {
		snprintf(err, errlen, "cannot sync %s: %s", dir, strerror(errno));
		(void) unlinkat(dfd, token, 0);		/* ours: the link made it */
	} else
		rc = 0;
	if (fd >= 0)
		close(fd);
	(void) unlinkat(dfd, tmp, 0);
	close(dfd);
	return rc;
}

/* hold_forget - remove TOKEN: the hold it records did not happen */
int
hold_forget(const char *dir, const char *token, char *err, size_t errlen)
{
	int	dfd, rc = 0;

	if (!hold_is_token(token)) {
		snprintf(err, errlen, "bad token");
		return -1;
	}
	if ((dfd = hold_opendir(dir, err, errlen)) < 0)
		return -1;
	if (unlinkat(dfd, token, 0) != 0) {
		snprintf(err, errlen, "cannot remove %s/%s: %s", dir, token, strerror(errno));
		rc = -1;
	}
	close(dfd);
	return rc;
}

/* hold_done_result - the result of a TOKEN.done-RESULT name; -1 when it is not one */
static int
hold_done_result(const char *name)
{
	char	tok[HOLD_TOKEN_LEN + 1];
	int	r;

	if (strlen(name) <= HOLD_TOKEN_LEN + sizeof(HOLD_DONE) - 1
	    || strncmp(name + HOLD_TOKEN_LEN, HOLD_DONE, sizeof(HOLD_DONE) - 1) != 0)
		return -1;
	memcpy(tok, name, HOLD_TOKEN_LEN);
	tok[HOLD_TOKEN_LEN] = 0;
	if (!hold_is_token(tok))
		return -1;
	for (r = 0; r < HOLD_RESULT_COUNT; r++)
		if (strcmp(name + HOLD_TOKEN_LEN + sizeof(HOLD_DONE) - 1, hold_results[r]) == 0)
			return r;
	return -1;
}

/* hold_file_time - the time= of a ledger file, else its modification time; 0 unreadable */
static time_t
hold_file_time(int dfd, const char *name)
{
	char	buf[HOLD_LEDGER_MAX + 1];
	struct stat st;
	ssize_t	n;
	long long t;
	const char *p;
	int	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	do
		n = read(fd, buf, HOLD_LEDGER_MAX);
	while (n < 0 && errno == EINTR);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (p = buf; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, "time=", 5) == 0 && sscanf(p + 5, "%lld", &t) == 1 && t > 0)
			return (time_t) t;
	return st.st_mtime > 0 ? st.st_mtime : 1;
}

/* hold_scan - count d's TOKEN files, find the oldest, remove and count its done files */
static void
hold_scan(DIR *d, struct hold_census *out, unsigned long *released)
{
	struct dirent *de;
	time_t	t;
	int	r;

	while ((de = readdir(d)) != NULL) {
		if (hold_is_token(de->d_name)) {
			out->held++;
			t = hold_file_time(dirfd(d), de->d_name);
			if (t > 0 && (out->oldest == 0 || t < out->oldest))
				out->oldest = t;
		} else if ((r = hold_done_result(de->d_name)) >= 0
			   && unlinkat(dirfd(d), de->d_name, 0) == 0) {
			released[r]++;
		}
	}
}

/* hold_census - count the held, take in the released */
int
hold_census(struct hold *h, const char *dir, struct hold_census *out, char *err, size_t errlen)
{
	unsigned long released[HOLD_RESULT_COUNT] = {0};
	DIR    *d = NULL;
	int	dfd, r, rc = 0;

	memset(out, 0, sizeof(*out));
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno != ENOENT) {		/* none: nothing held */
			snprintf(err, errlen, "cannot open %s: %s", dir, strerror(errno));
			rc = -1;
		}
	} else if ((d = fdopendir(dfd)) == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
		close(dfd);
		rc = -1;
	} else {
		hold_scan(d, out, released);
		closedir(d);
	}
	pthread_mutex_lock(&h->mu);
	if (rc == 0)
		h->held = out->held;
	for (r = 0; r < HOLD_RESULT_COUNT; r++)
		out->released[r] = h->released[r] += released[r];
	pthread_mutex_unlock(&h->mu);
	return rc;
}

/* hold_mkdir - mkdir one level; 1 made, 0 there, -1 err filled */
static int
hold_mkdir(const char *dir, mode_t mode, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, errlen, "%s is not a directory", dir);
		return -1;
	}
	if (errno != ENOENT || mkdir(dir, mode) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	return 1;
}

/* hold_dir_make - the ledger directory and, if missing, its parent; given to uid:gid */
int
hold_dir_make(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	char	parent[4096];
	char   *slash;
	int	made, fd, rc;

	if (dir == NULL || dir[0] != '/' || strlen(dir) >= sizeof(parent)) {
		snprintf(err, errlen, "hold.dir must be an absolute path: %s", dir ? dir : "");
		return -1;
	}
	snprintf(parent, sizeof(parent), "%s", dir);
	if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
		*slash = 0;
		if (hold_mkdir(parent, 0755, err, errlen) < 0)
			return -1;
	}
	if ((made = hold_mkdir(dir, 0700, err, errlen)) <= 0)
		return made;
	if (uid == (uid_t) -1 && gid == (gid_t) -1)
		return 1;
	if ((fd = hold_opendir(dir, err, errlen)) < 0)
		return -1;
	rc = fchown(fd, uid, gid) == 0 ? 1 : -1;
	if (rc < 0)
		snprintf(err, errlen, "cannot give %s away: %s", dir, strerror(errno));
	close(fd);
	return rc;
}
