/*
 * NAME
 *	sockact 3h - the listening socket systemd hands over (socket activation)
 * SUMMARY
 *	sockact_inherited(), sockact_spec(), sockact_placeholder(),
 *	sockact_listeners(), sockact_adopt(), sockact_unplace()
 * DESCRIPTION
 *	With a clamshim.socket unit, systemd binds the milter socket itself,
 *	keeps it open across restarts of the daemon and passes it as
 *	descriptor 3 (LISTEN_PID, LISTEN_FDS: sd_listen_fds(3)). Connections
 *	that come while no daemon runs wait in the socket's backlog instead
 *	of being refused.
 *
 *	libmilter has no call that takes a descriptor: smfi_setconn() takes
 *	a spec and smfi_opensocket() binds it. So the daemon lets libmilter
 *	bind a placeholder of the same address family (a unix socket in a
 *	private temp directory, or an inet socket on a free loopback port),
 *	finds the listening descriptor that appeared (sockact_listeners()
 *	before and after), and puts the inherited socket in its place with
 *	dup2() (sockact_adopt()). libmilter polls and accepts on that
 *	descriptor number from then on; it checks each accepted peer's
 *	address family against the placeholder's, hence the same family.
 *	At its stop libmilter closes the descriptor and would remove the
 *	placeholder's path, which is gone already (sockact_unplace()):
 *	systemd's socket and its path stay.
 */
#ifndef CLAMSHIM_SOCKACT_H
#define CLAMSHIM_SOCKACT_H

#include <stddef.h>

#define SOCKACT_FD		3	/* SD_LISTEN_FDS_START */
#define SOCKACT_LISTENERS_MAX	16

/* sockact_inherited - the socket systemd passed; 1 with *fd, 0 none, -1 unusable (err filled) */
int	sockact_inherited(int *fd, char *err, size_t errlen);
/* sockact_spec - the libmilter spec of fd's own address: "unix:PATH", "inet:PORT@ADDR"; 0 ok */
int	sockact_spec(int fd, char *buf, size_t len);
/* sockact_placeholder - a spec libmilter may bind, of fd's family; dir gets a temp dir or ""; 0 ok */
int	sockact_placeholder(int fd, char *spec, size_t speclen, char *dir, size_t dirlen,
			    char *err, size_t errlen);
/* sockact_listeners - the listening stream sockets among this process's descriptors; how many */
size_t	sockact_listeners(int *fds, size_t max);
/* sockact_adopt - inherited in place of the listener not in before[]; 0 ok, -1 err filled */
int	sockact_adopt(int inherited, const int *before, size_t nbefore, char *err, size_t errlen);
/* sockact_unplace - remove the placeholder's temp dir (dir from sockact_placeholder; "" none) */
void	sockact_unplace(const char *dir);

#endif
