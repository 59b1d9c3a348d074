/*
 * NAME
 *	daemon 3h - the daemon's life cycle, and what root does at its start
 * SUMMARY
 *	daemon_main(), daemon_report();
 *	daemon_unix_path(), daemon_runtime_dir(), daemon_give_dirs(), daemon_hold_dir(),
 *	daemon_open_socket(), daemon_take_socket(), daemon_check_pid(),
 *	daemon_write_pid(), daemon_remove_pid(), daemon_drop_privileges()
 * DESCRIPTION
 *	daemon.c runs the milter daemon from start to stop: the order of
 *	the start, the signals, the reload, the stop. daemon_root.c holds
 *	the steps of the start that may run as root (runtime directories,
 *	the socket, the pid file, the privilege drop); daemon.c calls them
 *	in order, and they take what they need as arguments (no state), so
 *	that they can be tested on their own.
 */
#ifndef CLAMSHIM_DAEMON_H
#define CLAMSHIM_DAEMON_H

#include <stddef.h>
#include <sys/types.h>

#include "conf.h"
#include "runfile.h"

#define DAEMON_LOAD_WAIT_MS	(10 * 60 * 1000)	/* longest wait for a first signature load */

/* daemon.c */
/* daemon_main - the daemon: signals, log, configuration, then run until stopped; the exit status */
int	daemon_main(const char *conf_path, const char *socket_override, int foreground);
/* daemon_report - a conf_report_fn: problems at start, reload or --scan go to the log */
void	daemon_report(void *ctx, enum conf_severity sev, const char *file, int line,
		      const char *text);

/* daemon_root.c */
/* Binds the milter socket spec (milter_open in the daemon); 0 ok, -1 err filled. */
typedef int daemon_bind_fn(void *arg, const char *spec, char *err, size_t errlen);

/* daemon_unix_path - the path of a unix socket spec ("unix:", "local:" or "/..."), or NULL */
const char *daemon_unix_path(const char *spec);
/* daemon_runtime_dir - make the missing directory of a runtime file (may be NULL); 1 made, 0 not */
int	daemon_runtime_dir(const char *file);
/* daemon_give_dirs - the directories daemon_runtime_dir made (made[i]) go to user, as root */
void	daemon_give_dirs(const char *user, const char *const *files, const int *made, size_t n);
/* daemon_hold_dir - on_unavailable hold: make the missing hold.dir, 0700, user's (logged) */
void	daemon_hold_dir(const struct conf *conf);
/* daemon_open_socket - bind spec with bind_fn as the right user, umask and group; 0 ok, -1 err filled */
int	daemon_open_socket(const char *spec, const struct conf *conf, daemon_bind_fn *bind_fn,
			   void *arg, char *err, size_t errlen);
/* daemon_take_socket - the socket fd systemd passed, via a placeholder bind_fn binds; 0 ok */
int	daemon_take_socket(int fd, daemon_bind_fn *bind_fn, void *arg, char *err, size_t errlen);
/* daemon_check_pid - before going to the background: would the pid file be refused? 0 no, -1 yes (logged) */
int	daemon_check_pid(const struct conf *conf);
/* daemon_write_pid - the pid file, new, owned by user (runfile(3)); 0 ok, -1 err (logged) */
int	daemon_write_pid(const struct conf *conf, struct runfile_pid *pf);
/* daemon_remove_pid - at exit: the pid file, if it is still the one pf says we wrote */
void	daemon_remove_pid(const struct conf *conf, const struct runfile_pid *pf);
/* daemon_drop_privileges - become user (after binding), verify it stuck; 0 ok, -1 err (logged) */
int	daemon_drop_privileges(const char *user);

#endif
