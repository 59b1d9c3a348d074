/*
 * NAME
 *	spool 3h - one message held for scanning, in memory or in a temp file
 * SUMMARY
 *	spool_new(), spool_write(), spool_finish(), spool_reset(), spool_free(),
 *	spool_size(), spool_mem(), spool_fd(), spool_pread(), spool_over_limit(),
 *	spool_set_max_size()
 * DESCRIPTION
 *	The message is kept in RAM up to memory_limit bytes, then moved to an
 *	unlinked temporary file (mode 0600) in spool_dir. Past max_size the
 *	spool stops storing but keeps counting: the verdict for such a
 *	message is limit(size) and it is never scanned. A spool is used by one
 *	thread at a time; readers after spool_finish() may share it.
 */
#ifndef CLAMSHIM_SPOOL_H
#define CLAMSHIM_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct spool;

/* spool_new - an empty spool; max_size 0 = no limit. Never NULL (aborts on OOM). */
struct spool *spool_new(const char *spool_dir, size_t memory_limit, uint64_t max_size);
/* spool_write - append bytes; 0 ok, -1 error (errno set; err filled) */
int	spool_write(struct spool *sp, const void *buf, size_t len, char *err, size_t errlen);
/* spool_finish - no more writes; 0 ok, -1 error (err filled) */
int	spool_finish(struct spool *sp, char *err, size_t errlen);
/* spool_reset - empty it for the next message, keeping the allocation where sensible */
void	spool_reset(struct spool *sp);
/* spool_free - release memory and close the temp file */
void	spool_free(struct spool *sp);

/* spool_size - bytes stored (equals bytes offered unless over the limit) */
uint64_t spool_size(const struct spool *sp);
/* spool_offered - bytes offered to spool_write in all */
uint64_t spool_offered(const struct spool *sp);
/* spool_over_limit - 1 when more than max_size was offered */
int	spool_over_limit(const struct spool *sp);
/* spool_set_max_size - max_size for the message to come (0 = no limit); -1 once bytes were offered */
int	spool_set_max_size(struct spool *sp, uint64_t max_size);
/* spool_mem - the message when held in RAM, else NULL */
const void *spool_mem(const struct spool *sp, size_t *len);
/* spool_fd - the temp file's descriptor when spilled, else -1 */
int	spool_fd(const struct spool *sp);
/* spool_pread - copy up to len bytes at off; bytes read, 0 at end, -1 on error */
ssize_t	spool_pread(const struct spool *sp, void *buf, size_t len, uint64_t off);
/* spool_from_file - a finished spool holding a file's contents (for --scan) */
struct spool *spool_from_file(const char *path, const char *spool_dir, size_t memory_limit,
			      uint64_t max_size, char *err, size_t errlen);

#endif
