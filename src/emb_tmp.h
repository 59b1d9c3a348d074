/*
 * NAME
 *	emb_tmp 3h - the private temporary directory of one embedded engine
 * SUMMARY
 *	EMB_TMP_PATH_MAX, emb_tmp_make(), emb_tmp_remove(), emb_tmp_avail()
 * DESCRIPTION
 *	Every engine the embedded scanner builds writes libclamav's temporary
 *	files into a directory of its own, made under spool_dir when the
 *	engine is built (mode 0700, owned by the daemon's user, a fresh name
 *	that no one else can have planted) and removed, with whatever
 *	libclamav left in it, when the engine is freed. The free space there
 *	is what the scanner reserves scans against (scan_embedded(3)).
 */
#ifndef CLAMSHIM_EMB_TMP_H
#define CLAMSHIM_EMB_TMP_H

#include <stddef.h>
#include <stdint.h>

#define EMB_TMP_PATH_MAX	512	/* the private directory's path, NUL included */

/* emb_tmp_make - a new private directory under parent into out; 0 ok, -1 with err */
int	emb_tmp_make(const char *parent, char *out, size_t outlen, char *err, size_t errlen);
/* emb_tmp_remove - remove a private directory and what is in it, following no link */
void	emb_tmp_remove(const char *dir);
/* emb_tmp_avail - free bytes for an unprivileged writer in dir; 0 ok, -1 cannot tell */
int	emb_tmp_avail(const char *dir, uint64_t *avail);

#endif
