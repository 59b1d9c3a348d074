/*
 * NAME
 *	runfile 3 - the daemon's runtime files, made safely as root
 * SUMMARY
 *	#include "runfile.h"
 * DESCRIPTION
 *	Started as root, clamshim makes its socket and pid file before it
 *	becomes the daemon user, often in a directory that user owns
 *	(systemd's RuntimeDirectory=, or the one clamshim made on an earlier
 *	start). Whoever runs as that user (clamshim itself after a flaw, or
 *	clamd when it shares the user) can put a symbolic link or a hard link
 *	to any file at those names. Root must then never open, chmod or
 *	chown by such a name:
 *
 *	The pid file is created new (O_CREAT|O_EXCL|O_NOFOLLOW), written and
 *	given to the user through its descriptor (fchown). What is found at
 *	its name first is removed only when it looks like our own stale pid
 *	file: a regular file with one link, owned by root or the user.
 *	Unlinking never touches what a link points to, but anything else
 *	there is a sign of tampering and stops the start, for a person to
 *	look at.
 *
 *	A runtime directory clamshim creates stays root's while root works
 *	in it and is given to the user only before the privilege drop,
 *	through a descriptor opened with O_NOFOLLOW.
 *
 *	The socket (libmilter binds it) is checked with lstat(); its owner
 *	is changed with AT_SYMLINK_NOFOLLOW, and only where the caller says
 *	it is safe (the caller binds in a directory the user can change only
 *	as the user, with umask and group set so that nothing is left to
 *	change; see daemon_root.c).
 *
 *	At exit (as the user) the pid file is removed only if it is still the
 *	file this process made (device and inode), not one put there since.
 * DIAGNOSTICS
 *	Each function returns -1 with a text in the caller's buffer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runfile.h"

/* runfile_dirname - the directory part of file ("." for a bare name); 0 ok, -1 too long */
static int
runfile_dirname(const char *file, char *dir, size_t len)
{
	char   *slash;

	if (strlen(file) >= len)
		return -1;
	snprintf(dir, len, "%s", file);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, len, ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	return 0;
}

/* runfile_dir_make - create the missing directory of absolute path file, root's for now */
int
runfile_dir_make(const char *file, char *err, size_t errlen)
{
	char	dir[4096];
	struct stat st;

	if (file == NULL || *file != '/' || runfile_dirname(file, dir, sizeof(dir)) < 0 ||
	    strcmp(dir, "/") == 0)
		return 0;
	if (stat(dir, &st) == 0 || errno != ENOENT)
		return 0;
	if (mkdir(dir, 0755) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	return 1;
}

/* runfile_dir_give - hand the directory we made to uid:gid, never through a link */
int
runfile_dir_give(const char *file, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	char	dir[4096];
	struct stat st;
	int	fd, rc = -1;

	if (runfile_dirname(file, dir, sizeof(dir)) < 0) {
		snprintf(err, errlen, "path too long: %s", file);
		return -1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0)
		snprintf(err, errlen, "cannot stat %s: %s", dir, strerror(errno));
	else if (st.st_uid != 0)	/* not the one we made: someone replaced it */
		snprintf(err, errlen, "%s is no longer the directory clamshim made (owner uid %ld)",
			 dir, (long) st.st_uid);
	else if (fchown(fd, uid, gid) != 0)
		snprintf(err, errlen, "cannot give %s away: %s", dir, strerror(errno));
	else
		rc = 0;
	close(fd);
	return rc;
}

/* runfile_dir_root_only - 1 when only root can change the names in file's directory */
int
runfile_dir_root_only(const char *file)
{
	char	dir[4096];
	struct stat st;

	if (runfile_dirname(file, dir, sizeof(dir)) < 0 || stat(dir, &st) != 0)
		return 0;
	return S_ISDIR(st.st_mode) && st.st_uid == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* runfile_stale_ok - may st (found at the pid file's name) be removed as our stale pid file? */
static int
runfile_stale_ok(const struct stat *st, uid_t mine, char *why, size_t len)
{
	if (S_ISLNK(st->st_mode))
		snprintf(why, len, "a symbolic link");
	else if (!S_ISREG(st->st_mode))
		snprintf(why, len, "not a regular file");
	else if (st->st_nlink != 1)
		snprintf(why, len, "a file with %lu names (hard links)", (unsigned long) st->st_nlink);
	else if (st->st_uid != 0 && st->st_uid != mine)
		snprintf(why, len, "owned by uid %ld, neither root nor the daemon's user",
			 (long) st->st_uid);
	else
		return 1;
	return 0;
}

/* runfile_write_all - write len bytes to fd; 0 ok, -1 errno set */
static int
runfile_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t) n;
	}
	return 0;
}

/* runfile_pid_check - what is at the pid file's name, if anything, may be replaced */
static int
runfile_pid_check(const char *path, uid_t owner, int remove, char *err, size_t errlen)
{
	struct stat st;
	char	why[96];
	uid_t	mine = owner != (uid_t) -1 ? owner : geteuid();

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot check pid file %s: %s", path, strerror(errno));
		return -1;
	}
	if (!runfile_stale_ok(&st, mine, why, sizeof(why))) {
		snprintf(err, errlen, "pid file %s is %s: left untouched; clamshim does not "
			 "start until a person has looked at it and removed it", path, why);
		return -1;
	}
	if (remove && unlink(path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove the old pid file %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* runfile_pid_usable - the check of runfile_pid_write alone, changing nothing */
int
runfile_pid_usable(const char *path, uid_t owner, char *err, size_t errlen)
{
	return runfile_pid_check(path, owner, 0, err, errlen);
}

/* runfile_pid_write - a new pid file, never through a planted name */
int
runfile_pid_write(const char *path, uid_t owner, gid_t group, struct runfile_pid *pf,
		  char *err, size_t errlen)
{
	struct stat st;
	char	buf[32], why[96];
	int	fd, n;

	memset(pf, 0, sizeof(*pf));
	if (runfile_pid_check(path, owner, 1, err, errlen) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create pid file %s: %s%s", path, strerror(errno),
			 errno == EEXIST ? " (something was put there while clamshim was writing it)"
			 : "");
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot stat pid file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	pf->dev = st.st_dev;
	pf->ino = st.st_ino;
	pf->written = 1;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long) getpid());
	if (fchmod(fd, 0644) != 0 || ((owner != (uid_t) -1 || group != (gid_t) -1) &&
				       geteuid() == 0 && fchown(fd, owner, group) != 0) ||
	    runfile_write_all(fd, buf, (size_t) n) != 0) {
		snprintf(err, errlen, "cannot write pid file %s: %s", path, strerror(errno));
		close(fd);
		(void) runfile_pid_remove(path, pf, why, sizeof(why));
		return -1;
	}
	if (close(fd) != 0) {
		snprintf(err, errlen, "cannot write pid file %s: %s", path, strerror(errno));
		(void) runfile_pid_remove(path, pf, why, sizeof(why));
		return -1;
	}
	return 0;
}

/* runfile_pid_remove - unlink the pid file if it is still ours */
int
runfile_pid_remove(const char *path, const struct runfile_pid *pf, char *err, size_t errlen)
{
	struct stat st;

	if (!pf->written)
		return 0;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot check pid file %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_dev != pf->dev || st.st_ino != pf->ino) {
		snprintf(err, errlen, "pid file %s was replaced since clamshim wrote it: left in place",
			 path);
		return 1;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove pid file %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* runfile_socket_finish - the bound socket's mode and owner, changed only where safe */
int
runfile_socket_finish(const char *path, unsigned mode, uid_t uid, gid_t gid, int may_fix,
		      char *err, size_t errlen)
{
	struct stat st;
	int	mode_ok, owner_ok;

	if (lstat(path, &st) != 0) {
		snprintf(err, errlen, "socket %s is gone after binding: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s is no longer the socket clamshim bound (replaced)", path);
		return -1;
	}
	mode_ok = (st.st_mode & 07777) == (mode & 07777);
	owner_ok = (uid == (uid_t) -1 || st.st_uid == uid) && (gid == (gid_t) -1 || st.st_gid == gid);
	if (mode_ok && owner_ok)
		return 0;
	if (!may_fix) {
		snprintf(err, errlen, "socket %s came out as %04o uid %ld gid %ld, not as configured, "
			 "and its directory is not root's alone: not changed", path,
			 (unsigned) (st.st_mode & 07777), (long) st.st_uid, (long) st.st_gid);
		return -1;
	}
	if (st.st_nlink != 1) {
		snprintf(err, errlen, "socket %s has %lu names (hard links): not changed", path,
			 (unsigned long) st.st_nlink);
		return -1;
	}
	if (!owner_ok && fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(err, errlen, "cannot give socket %s to uid %ld gid %ld: %s", path,
			 (long) uid, (long) gid, strerror(errno));
		return -1;
	}
	/* still the socket of the lstat above: the caller acts as the user, or
	 * as root in a directory no one else can change */
	if (!mode_ok && fchmodat(AT_FDCWD, path, mode & 07777, 0) != 0) {
		snprintf(err, errlen, "cannot chmod socket %s to %04o: %s", path, mode & 07777,
			 strerror(errno));
		return -1;
	}
	return 0;
}
