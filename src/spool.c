/*
 * NAME
 *	spool 3 - one message held for scanning, in memory or in a temp file
 * SUMMARY
 *	#include "spool.h"
 * DESCRIPTION
 *	A spool collects the bytes of one message. Up to memory_limit bytes
 *	stay in one heap buffer; the write that would pass that limit moves
 *	everything to a temporary file made with mkostemp() in spool_dir
 *	(mode 0600) and unlinked at once, and frees the buffer: there is never
 *	a copy of a spilled message in RAM, and nothing is left on disk when
 *	the process dies.
 *
 *	Past max_size (0 = no limit) the spool stores nothing more but keeps
 *	counting the bytes offered, so that the caller can log the real size;
 *	spool_over_limit() then says 1 and the message is not scanned.
 *
 *	Readers use spool_mem() (RAM), spool_fd() (file) or spool_pread()
 *	(either). The file is only ever read with pread(), so several readers
 *	may share a finished spool.
 * DIAGNOSTICS
 *	spool_write() and spool_finish() return -1 with errno set and a text
 *	in the caller's buffer on a failed mkstemp or write (ENOSPC, EIO);
 *	the spool then refuses further writes until spool_reset(). Running
 *	out of memory is logged and aborts.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
#include "spool.h"
#include "util.h"

#define SPOOL_FIRST_ALLOC	(64 * 1024)	/* first buffer, grown by doubling */
#define SPOOL_KEEP_ALLOC	(256 * 1024)	/* spool_reset keeps a buffer this small */
#define SPOOL_READ_CHUNK	(64 * 1024)	/* spool_from_file read size */
#define SPOOL_DEFAULT_DIR	"/tmp"

struct spool {
	char	*dir;			/* where a spill file is made */
	size_t	memory_limit;		/* bytes kept in RAM at most */
	uint64_t max_size;		/* 0 = no limit */
	unsigned char *buf;		/* RAM copy, only while fd < 0 */
	size_t	len;			/* bytes in buf */
	size_t	cap;			/* bytes allocated in buf */
	int	fd;			/* unlinked temp file, or -1 */
	uint64_t stored;		/* bytes stored (RAM or file) */
	uint64_t offered;		/* bytes offered, saturating */
	int	over;			/* more than max_size offered */
	int	failed;			/* a write failed: refuse more */
	int	finished;		/* spool_finish() called */
};

/* spool_seterr - fill the caller's error buffer (may be NULL) */
static void
spool_seterr(char *err, size_t errlen, const char *what, int errnum)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", what, strerror(errnum));
}

/* spool_new - an empty spool */
struct spool *
spool_new(const char *spool_dir, size_t memory_limit, uint64_t max_size)
{
	struct spool *sp = util_calloc(1, sizeof(*sp));
	const char *dir = spool_dir;

	if (dir == NULL || *dir == '\0')
		dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = SPOOL_DEFAULT_DIR;
	sp->dir = util_strdup(dir);
	sp->memory_limit = memory_limit;
	sp->max_size = max_size;
	sp->fd = -1;
	return sp;
}

/* spool_write_all - write len bytes to fd, riding out EINTR and short writes */
static int
spool_write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t) n;
	}
	return 0;
}

/* spool_spill - move the RAM contents to a new unlinked temp file */
static int
spool_spill(struct spool *sp, char *err, size_t errlen)
{
	size_t	dlen = strlen(sp->dir);
	char   *path = util_malloc(dlen + sizeof("/clamshim-spool.XXXXXX"));
	int	fd;
	int	saved;

	memcpy(path, sp->dir, dlen);
	memcpy(path + dlen, "/clamshim-spool.XXXXXX", sizeof("/clamshim-spool.XXXXXX"));
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		spool_seterr(err, errlen, "spool: cannot create temp file", saved);
		log_error("spool: cannot create temp file in %s: %s", sp->dir, strerror(saved));
		free(path);
		errno = saved;
		return -1;
	}
	if (unlink(path) < 0 || fchmod(fd, S_IRUSR | S_IWUSR) < 0) {
		saved = errno;
		spool_seterr(err, errlen, "spool: cannot prepare temp file", saved);
		log_error("spool: cannot unlink or chmod %s: %s", path, strerror(saved));
		(void) unlink(path);
		(void) close(fd);
		free(path);
		errno = saved;
		return -1;
	}
	free(path);
	if (spool_write_all(fd, sp->buf, sp->len) < 0) {
		saved = errno;
		spool_seterr(err, errlen, "spool: write to temp file", saved);
		(void) close(fd);
		errno = saved;
		return -1;
	}
	free(sp->buf);
	sp->buf = NULL;
	sp->len = sp->cap = 0;
	sp->fd = fd;
	return 0;
}

/* spool_grow - make room for need bytes in the RAM buffer (need <= memory_limit) */
static void
spool_grow(struct spool *sp, size_t need)
{
	size_t	ncap = sp->cap ? sp->cap : SPOOL_FIRST_ALLOC;

	while (ncap < need && ncap <= SIZE_MAX / 2)
		ncap *= 2;
	if (ncap < need)
		ncap = need;
	if (ncap > sp->memory_limit)
		ncap = sp->memory_limit;
	sp->buf = util_realloc(sp->buf, ncap);
	sp->cap = ncap;
}

/* spool_write - append bytes */
int
spool_write(struct spool *sp, const void *buf, size_t len, char *err, size_t errlen)
{
	uint64_t room;

	if (sp->failed || sp->finished) {
		spool_seterr(err, errlen, "spool: write refused",
			     sp->failed ? EIO : EINVAL);
		errno = sp->failed ? EIO : EINVAL;
		return -1;
	}
	sp->offered = (UINT64_MAX - sp->offered < len) ? UINT64_MAX : sp->offered + len;
	if (sp->over || len == 0)
		return 0;
	room = UINT64_MAX - sp->stored;
	if (sp->max_size > 0) {
		room = sp->max_size - sp->stored;
		if (sp->offered > sp->max_size)
			sp->over = 1;
	}
	if (len > room)
		len = (size_t) room;
	if (len == 0)
		return 0;
	if (sp->fd < 0 && (len > sp->memory_limit - sp->len)) {
		if (spool_spill(sp, err, errlen) < 0) {
			sp->failed = 1;
			return -1;
		}
	}
	if (sp->fd >= 0) {
		if (spool_write_all(sp->fd, buf, len) < 0) {
			int	saved = errno;

			spool_seterr(err, errlen, "spool: write to temp file", saved);
			sp->failed = 1;
			errno = saved;
			return -1;
		}
	} else {
		if (sp->len + len > sp->cap)
			spool_grow(sp, sp->len + len);
		memcpy(sp->buf + sp->len, buf, len);
		sp->len += len;
	}
	sp->stored += len;
	return 0;
}

/* spool_finish - no more writes */
int
spool_finish(struct spool *sp, char *err, size_t errlen)
{
	if (sp->failed) {
		spool_seterr(err, errlen, "spool: an earlier write failed", EIO);
		errno = EIO;
		return -1;
	}
	sp->finished = 1;
	return 0;
}

/* spool_reset - empty it for the next message */
void
spool_reset(struct spool *sp)
{
	if (sp->fd >= 0) {
		(void) close(sp->fd);
		sp->fd = -1;
	}
	if (sp->cap > SPOOL_KEEP_ALLOC) {
		free(sp->buf);
		sp->buf = NULL;
		sp->cap = 0;
	}
	sp->len = 0;
	sp->stored = sp->offered = 0;
	sp->over = sp->failed = sp->finished = 0;
}

/* spool_free - release memory and close the temp file */
void
spool_free(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->fd >= 0)
		(void) close(sp->fd);
	free(sp->buf);
	free(sp->dir);
	free(sp);
}

/* spool_size - bytes stored */
uint64_t
spool_size(const struct spool *sp)
{
	return sp->stored;
}

/* spool_offered - bytes offered in all */
uint64_t
spool_offered(const struct spool *sp)
{
	return sp->offered;
}

/* spool_over_limit - 1 when more than max_size was offered */
int
spool_over_limit(const struct spool *sp)
{
	return sp->over;
}

/* spool_set_max_size - max_size for the message to come (a class's); -1 once bytes were offered */
int
spool_set_max_size(struct spool *sp, uint64_t max_size)
{
	if (sp->offered > 0)
		return -1;
	sp->max_size = max_size;
	return 0;
}

/* spool_mem - the message when held in RAM, else NULL */
const void *
spool_mem(const struct spool *sp, size_t *len)
{
	static const unsigned char empty[1];

	if (sp->fd >= 0)
		return NULL;
	if (len != NULL)
		*len = sp->len;
	return sp->buf != NULL ? (const void *) sp->buf : (const void *) empty;
}

/* spool_fd - the temp file's descriptor when spilled, else -1 */
int
spool_fd(const struct spool *sp)
{
	return sp->fd;
}

/* spool_pread - copy up to len bytes at off */
ssize_t
spool_pread(const struct spool *sp, void *buf, size_t len, uint64_t off)
{
	uint64_t left;
	ssize_t	n;

	if (off >= sp->stored || len == 0)
		return 0;
	left = sp->stored - off;
	if (len > left)
		len = (size_t) left;
	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	if (sp->fd < 0) {
		memcpy(buf, sp->buf + off, len);
		return (ssize_t) len;
	}
	if (off > (uint64_t) INT64_MAX) {
		errno = EINVAL;
		return -1;
	}
	do {
		n = pread(sp->fd, buf, len, (off_t) off);
	} while (n < 0 && errno == EINTR);
	return n;
}

/* spool_from_file - a finished spool holding a file's contents */
struct spool *
spool_from_file(const char *path, const char *spool_dir, size_t memory_limit,
		uint64_t max_size, char *err, size_t errlen)
{
	struct spool *sp;
	unsigned char *chunk;
	int	fd;
	ssize_t	n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		spool_seterr(err, errlen, path, errno);
		return NULL;
	}
	chunk = util_malloc(SPOOL_READ_CHUNK);
	sp = spool_new(spool_dir, memory_limit, max_size);
	for (;;) {
		n = read(fd, chunk, SPOOL_READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			spool_seterr(err, errlen, path, errno);
			goto fail;
		}
		if (n == 0)
			break;
		if (spool_write(sp, chunk, (size_t) n, err, errlen) < 0)
			goto fail;
	}
	if (spool_finish(sp, err, errlen) < 0)
		goto fail;
	free(chunk);
	(void) close(fd);
	return sp;

fail:
	free(chunk);
	(void) close(fd);
	spool_free(sp);
	return NULL;
}
