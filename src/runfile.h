/*
 * NAME
 *	runfile 3h - the daemon's runtime files, made safely as root
 * SUMMARY
 *	runfile_dir_make(), runfile_dir_give(), runfile_dir_root_only(),
 *	runfile_pid_usable(), runfile_pid_write(), runfile_pid_remove(),
 *	runfile_socket_finish()
 * DESCRIPTION
 *	What clamshim creates or changes while it may still be root: the
 *	directory of a runtime file, the pid file and the milter socket's
 *	mode and owner. None of it follows a symbolic link or writes through
 *	a name someone else may have planted: the pid file is made new with
 *	O_EXCL|O_NOFOLLOW and given away with fchown() on its descriptor, a
 *	directory is given away through a descriptor opened with O_NOFOLLOW,
 *	and the socket's owner is changed without following a link, and only
 *	when no one but root can change the directory it is in.
 */
#ifndef CLAMSHIM_RUNFILE_H
#define CLAMSHIM_RUNFILE_H

#include <stddef.h>
#include <sys/types.h>

/* The pid file this process made: removed at exit only if it is still that file. */
struct runfile_pid {
	dev_t	dev;
	ino_t	ino;
	int	written;
};

/* runfile_dir_make - create the missing directory of absolute path file (one level, 0755); 1 made, 0 not needed, -1 err */
int	runfile_dir_make(const char *file, char *err, size_t errlen);
/* runfile_dir_give - give the directory of file, which runfile_dir_make made, to uid:gid; 0 ok, -1 err */
int	runfile_dir_give(const char *file, uid_t uid, gid_t gid, char *err, size_t errlen);
/* runfile_dir_root_only - 1 when no one but root can add, remove or rename names in the directory of file */
int	runfile_dir_root_only(const char *file);
/*
 * runfile_pid_write - write our pid into a new file path, mode 0644, owned by
 * owner:group ((uid_t) -1: unchanged). A stale regular file with one link,
 * owned by root or by owner (or by us when owner is -1), is removed first;
 * anything else at path (a link, a file with other names, someone else's
 * file) is left alone and is an error. 0 ok (*pf filled), -1 err.
 */
int	runfile_pid_write(const char *path, uid_t owner, gid_t group, struct runfile_pid *pf,
			  char *err, size_t errlen);
/* runfile_pid_usable - would runfile_pid_write accept what is at path now? 0 yes, -1 no (err); changes nothing */
int	runfile_pid_usable(const char *path, uid_t owner, char *err, size_t errlen);
/* runfile_pid_remove - unlink path if it is still the file pf made; 0 removed or gone, 1 replaced (left), -1 err */
int	runfile_pid_remove(const char *path, const struct runfile_pid *pf, char *err, size_t errlen);
/*
 * runfile_socket_finish - after binding: path must be a socket; give it mode
 * and uid:gid ((uid_t)/(gid_t) -1: any) where it has not got them already.
 * may_fix 0: a change is needed but not safe here (an error).
 * 0 ok, -1 err.
 */
int	runfile_socket_finish(const char *path, unsigned mode, uid_t uid, gid_t gid, int may_fix,
			      char *err, size_t errlen);

#endif
