/*
 * NAME
 *	emb_tmp 3 - the private temporary directory of one embedded engine
 * SUMMARY
 *	#include "emb_tmp.h"
 * DESCRIPTION
 *	emb_tmp_make() makes PARENT/clamshim-emb.XXXXXX with mkdtemp(3):
 *	mode 0700, owned by the calling (already unprivileged) user, a name
 *	that did not exist before, so no link can be waiting there; the
 *	parent must be a real directory (a symbolic link as spool_dir is
 *	refused). emb_tmp_remove() empties and removes such a directory
 *	through descriptors (openat with O_NOFOLLOW, unlinkat), so a link
 *	inside is removed as a link and never followed; it goes at most
 *	EMB_TMP_DEPTH levels down (libclamav makes one directory per scan).
 *	emb_tmp_avail() is statvfs(3)'s f_bavail in bytes.
 * DIAGNOSTICS
 *	emb_tmp_make() fills the caller's buffer; emb_tmp_remove() logs what
 *	it could not remove at warning level.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "emb_tmp.h"
#include "log.h"

#define EMB_TMP_DEPTH	8	/* directory levels emb_tmp_remove() goes down */

/* emb_tmp_make - a new private directory under parent into out; 0 ok, -1 with err */
int
emb_tmp_make(const char *parent, char *out, size_t outlen, char *err, size_t errlen)
{
	struct stat st;
	int	n;

	if (parent == NULL || *parent == '\0')
		parent = "/tmp";
	if (lstat(parent, &st) != 0) {
		snprintf(err, errlen, "temporary directory parent %.200s: %s", parent, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "temporary directory parent %.200s: not a directory", parent);
		return -1;
	}
	n = snprintf(out, outlen, "%s/clamshim-emb.XXXXXX", parent);
	if (n < 0 || (size_t) n >= outlen) {
		snprintf(err, errlen, "temporary directory parent %.200s: path too long", parent);
		return -1;
	}
	if (mkdtemp(out) == NULL) {
		snprintf(err, errlen, "cannot make a temporary directory under %.200s: %s", parent,
			 strerror(errno));
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* emb_tmp_empty - remove what is in the directory open at dfd, depth levels at most */
static void
emb_tmp_empty(int dfd, int depth)
{
	DIR    *d;
	struct dirent *de;
	int	sub, fd2;

	if ((fd2 = dup(dfd)) < 0)
		return;
	if ((d = fdopendir(fd2)) == NULL) {
		close(fd2);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dfd, de->d_name, 0) == 0 || errno != EISDIR)
			continue;
		if (depth > 0 && (sub = openat(dfd, de->d_name,
					       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
			emb_tmp_empty(sub, depth - 1);
			close(sub);
		}
		(void) unlinkat(dfd, de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

/* emb_tmp_remove - remove a private directory and what is in it, following no link */
void
emb_tmp_remove(const char *dir)
{
	int	dfd;

	if (dir == NULL || *dir == '\0')
		return;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		emb_tmp_empty(dfd, EMB_TMP_DEPTH);
		close(dfd);
	}
	if (rmdir(dir) != 0 && errno != ENOENT)
		log_warning("embedded: cannot remove the temporary directory %s: %s", dir,
			    strerror(errno));
}

/* emb_tmp_avail - free bytes for an unprivileged writer in dir; 0 ok, -1 cannot tell */
int
emb_tmp_avail(const char *dir, uint64_t *avail)
{
	struct statvfs sv;

	*avail = 0;
	if (dir == NULL || *dir == '\0' || statvfs(dir, &sv) != 0)
		return -1;
	*avail = (uint64_t) sv.f_bavail * (uint64_t) sv.f_frsize;
	return 0;
}
