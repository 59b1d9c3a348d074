/*
 * NAME
 *	daemon_root 3 - what the daemon does at start while it may be root
 * SUMMARY
 *	daemon_unix_path(), daemon_runtime_dir(), daemon_give_dirs(), daemon_hold_dir(),
 *	daemon_open_socket(), daemon_take_socket(), daemon_check_pid(),
 *	daemon_write_pid(), daemon_remove_pid(), daemon_drop_privileges()
 *	(daemon.h)
 * DESCRIPTION
 *	The steps of the start that touch the file system or the process's
 *	identity, each as a function that daemon.c calls in order. Nothing
 *	made as root follows a link or is written by a name the user could
 *	have replaced (the file work itself is runfile(3)):
 *
 *	The missing directory of a runtime file (socket, pid file, status
 *	file) is made as systemd's RuntimeDirectory= would: one level, mode
 *	0755. It stays root's until daemon_give_dirs(), after root has made
 *	the socket and the pid file in it; existing ones are untouched.
 *
 *	A unix socket is born with socket_mode (umask) and its group
 *	(effective gid: socket_group, else user's), and, when root is to
 *	become user and the socket's directory is not root's alone, it is
 *	bound as user (effective uid): root never chmods or chowns by a name
 *	that the user can replace with a link. Only in a directory no one
 *	but root can change does root give the socket its owner afterwards.
 *	The binding itself is the caller's (milter_open in the daemon).
 *
 *	A socket systemd passed (socket activation) is taken instead:
 *	systemd made it with the unit's mode, owner and group, and the
 *	caller binds only a placeholder in whose place it goes (sockact(3)).
 *
 *	The ledger of held messages (hold.dir, hold(3h)) is made when
 *	on_unavailable is hold and it is missing: mode 0700 (its parent
 *	0755 when missing too), given to user through a descriptor opened
 *	without following links; an existing one is left as it is.
 *
 *	The pid file is checked before going to the background (so that a
 *	refusal is seen on the terminal), made new and owned by user, and
 *	removed at exit only if it is still the file this process made.
 *
 *	The privilege drop verifies that it stuck: root cannot be regained.
 *	Started as another user, clamshim stays that user and changes
 *	nothing.
 * DIAGNOSTICS
 *	"cannot start: ..." at error level when the pid file would be
 *	refused; the socket's errors go to the caller's buffer. Running as
 *	root without "user" is a warning.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "hold.h"
#include "log.h"
#include "runfile.h"
#include "sockact.h"

/* daemon_unix_path - the path of a unix socket spec, or NULL */
const char *
daemon_unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0)
		return strchr(spec, ':') + 1;
	return spec[0] == '/' ? spec : NULL;
}

/* daemon_user_ids - uid and gid of user when root will become it; 0 found, -1 not (ids -1) */
static int
daemon_user_ids(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	*uid = (uid_t) -1;
	*gid = (gid_t) -1;
	if (geteuid() != 0 || user == NULL || *user == 0 || (pw = getpwnam(user)) == NULL)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* daemon_runtime_dir - make the missing directory of a runtime file; 1 = made */
int
daemon_runtime_dir(const char *file)
{
	char	err[512];
	int	rc = runfile_dir_make(file, err, sizeof(err));

	if (rc < 0)
		log_warning("%s", err);
	else if (rc > 0)
		log_info("created the directory of %s", file);
	return rc > 0;
}

/* daemon_give_dirs - the runtime directories made at start go to user, as the drop comes */
void
daemon_give_dirs(const char *user, const char *const *files, const int *made, size_t n)
{
	char	err[512];
	uid_t	uid;
	gid_t	gid;
	size_t	i;

	if (daemon_user_ids(user, &uid, &gid) < 0)
		return;
	for (i = 0; i < n; i++)
		if (made[i] && runfile_dir_give(files[i], uid, gid, err, sizeof(err)) < 0)
			log_warning("cannot give the directory of %s to %s: %s", files[i], user, err);
}

/* daemon_hold_dir - the missing ledger directory of held messages, user's, when hold is used */
void
daemon_hold_dir(const struct conf *conf)
{
	char	err[512];
	uid_t	uid;
	gid_t	gid;
	int	rc;

	if (conf->policy.on_unavailable != POLICY_HOLD)
		return;
	(void) daemon_user_ids(conf->user, &uid, &gid);
	rc = hold_dir_make(conf->hold.dir, uid, gid, err, sizeof(err));
	if (rc < 0)
		log_warning("held messages: %s (a message to hold gets tempfail)", err);
	else if (rc > 0)
		log_info("created %s for the ledger of held messages", conf->hold.dir);
}

/* daemon_socket_ids - a unix socket's owner (user, as root) and group (socket_group or user's) */
static int
daemon_socket_ids(const struct conf *conf, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct group *gr;

	(void) daemon_user_ids(conf->user, uid, gid);
	if (conf->socket_group && *conf->socket_group) {
		if ((gr = getgrnam(conf->socket_group)) == NULL) {
			snprintf(err, errlen, "socket_group \"%s\" does not exist", conf->socket_group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

/* daemon_open_socket - bind the milter socket with the mode, group and owner it must have */
int
daemon_open_socket(const char *spec, const struct conf *conf, daemon_bind_fn *bind_fn,
		   void *arg, char *err, size_t errlen)
{
	const char *path = daemon_unix_path(spec);
	uid_t	uid;
	gid_t	gid, egid = getegid();
	mode_t	mask = 0;
	int	root = geteuid() == 0, as_user, set_gid, rc;

	if (path == NULL)
		return bind_fn(arg, spec, err, errlen);
	if (daemon_socket_ids(conf, &uid, &gid, err, errlen) < 0)
		return -1;
	as_user = root && uid != (uid_t) -1 && !runfile_dir_root_only(path);
	set_gid = root && gid != (gid_t) -1;
	mask = umask(~(mode_t) conf->socket_mode & 0777);
	if ((set_gid && setegid(gid) != 0) || (as_user && seteuid(uid) != 0)) {
		snprintf(err, errlen, "cannot take uid %ld gid %ld to bind %s: %s", (long) uid,
			 (long) gid, path, strerror(errno));
		rc = -1;
	} else {
		rc = bind_fn(arg, spec, err, errlen);
		if (rc < 0 && as_user) {
			size_t	n = strlen(err);

			snprintf(err + n, errlen - n, "; bound as user %s, since the directory of %s "
				 "is not root's alone", conf->user, path);
		}
		if (rc == 0)
			rc = runfile_socket_finish(path, conf->socket_mode, uid, gid,
						   !root || as_user || runfile_dir_root_only(path),
						   err, errlen);
	}
	if ((as_user && geteuid() != 0 && seteuid(0) != 0) ||
	    (set_gid && getegid() != egid && setegid(egid) != 0)) {
		snprintf(err, errlen, "cannot become root again after binding: %s", strerror(errno));
		rc = -1;
	}
	umask(mask);
	return rc;
}

/* daemon_take_socket - the socket systemd passed, put where libmilter keeps its own (sockact(3)) */
int
daemon_take_socket(int fd, daemon_bind_fn *bind_fn, void *arg, char *err, size_t errlen)
{
	int	before[SOCKACT_LISTENERS_MAX];
	size_t	nbefore = sockact_listeners(before, SOCKACT_LISTENERS_MAX);
	char	spec[512], dir[512];
	int	rc;

	if (sockact_placeholder(fd, spec, sizeof(spec), dir, sizeof(dir), err, errlen) < 0)
		return -1;
	rc = bind_fn(arg, spec, err, errlen);
	if (rc == 0)
		rc = sockact_adopt(fd, before, nbefore, err, errlen);
	sockact_unplace(dir);
	return rc;
}

/* daemon_pid_file - the pid file to make and its owner's ids (-1: unchanged); NULL when none */
static const char *
daemon_pid_file(const struct conf *conf, uid_t *uid, gid_t *gid)
{
	if (conf->pid_file == NULL || *conf->pid_file == 0)
		return NULL;
	(void) daemon_user_ids(conf->user, uid, gid);
	return conf->pid_file;
}

/* daemon_check_pid - before going to the background: would the pid file be refused? */
int
daemon_check_pid(const struct conf *conf)
{
	char	err[512];
	uid_t	uid;
	gid_t	gid;
	const char *path = daemon_pid_file(conf, &uid, &gid);

	if (path != NULL && runfile_pid_usable(path, uid, err, sizeof(err)) < 0) {
		log_error("cannot start: %s", err);
		return -1;
	}
	return 0;
}

/* daemon_write_pid - the pid file, new, owned by user (see runfile(3)) */
int
daemon_write_pid(const struct conf *conf, struct runfile_pid *pf)
{
	char	err[512];
	uid_t	uid;
	gid_t	gid;
	const char *path = daemon_pid_file(conf, &uid, &gid);

	if (path != NULL && runfile_pid_write(path, uid, gid, pf, err, sizeof(err)) < 0) {
		log_error("cannot start: %s", err);
		return -1;
	}
	return 0;
}

/* daemon_remove_pid - at exit: the pid file, if it is still the one we wrote */
void
daemon_remove_pid(const struct conf *conf, const struct runfile_pid *pf)
{
	char	err[512];
	int	rc;

	if (conf->pid_file == NULL || *conf->pid_file == 0)
		return;
	rc = runfile_pid_remove(conf->pid_file, pf, err, sizeof(err));
	if (rc > 0)
		log_warning("%s", err);
	else if (rc < 0)
		log_info("%s", err);	/* e.g. a directory the user may not write: known, harmless */
}

/* daemon_drop_privileges - become user (after binding); verify it stuck */
int
daemon_drop_privileges(const char *user)
{
	struct passwd *pw;

	if ((user == NULL || *user == 0) && geteuid() == 0)
		log_warning("running as root: set \"user\" (e.g. clamav) so that a flaw in "
			    "a parser does not hand root to a hostile message");
	if (user == NULL || *user == 0 || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_error("user \"%s\" does not exist", user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		log_error_errno("cannot become user %s", user);
		return -1;
	}
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		log_error("privileges could be regained after dropping them: refusing to run");
		return -1;
	}
	log_info("running as user %s (uid %ld)", user, (long) pw->pw_uid);
	return 0;
}
