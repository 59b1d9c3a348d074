/*
 * NAME
 *	sockact 3 - the listening socket systemd hands over (socket activation)
 * SUMMARY
 *	sockact_inherited(), sockact_spec(), sockact_placeholder(),
 *	sockact_listeners(), sockact_adopt(), sockact_unplace() (sockact.h)
 * DESCRIPTION
 *	sockact_inherited() reads LISTEN_PID and LISTEN_FDS as
 *	sd_listen_fds(3) does (without libsystemd, so that a build without it
 *	takes the socket too), removes them from the environment (the alert
 *	commands must not think a socket is theirs), and accepts exactly one
 *	descriptor, 3, which must be a listening stream socket: what a
 *	.socket unit with one ListenStream= and Accept=no passes. It gets
 *	FD_CLOEXEC, as every descriptor of the daemon has.
 *
 *	The rest puts that socket where libmilter looks for its own, as
 *	sockact.h explains: a placeholder of the same family for
 *	smfi_opensocket() to bind, then dup2() over the descriptor that
 *	appeared. The placeholder of a unix socket is "s" in a new mode-0700
 *	directory under $TMPDIR (or /tmp), removed at once after; of an inet
 *	socket, port 0 (any free port) on the loopback address, closed by the
 *	dup2().
 * DIAGNOSTICS
 *	Errors go to the caller's buffer: more or fewer sockets than one,
 *	descriptor 3 not a listening stream socket, an address family
 *	libmilter cannot listen on, no single new listener after binding.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockact.h"

#define SOCKACT_SCAN_MAX	1024	/* descriptors looked at when /proc/self/fd cannot be read */

/* sockact_listening - 1 when fd is a listening stream socket */
static int
sockact_listening(int fd)
{
	int	type = 0, acc = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
		return 0;
	len = sizeof(acc);
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) == 0 && acc == 1;
}

/* sockact_number - a whole decimal number, or -1 */
static long long
sockact_number(const char *s)
{
	char   *end;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	return *end != 0 || errno != 0 ? -1 : v;
}

/* sockact_inherited - descriptor 3 when systemd passed exactly that one listening socket */
int
sockact_inherited(int *fd, char *err, size_t errlen)
{
	long long pid = sockact_number(getenv("LISTEN_PID"));
	long long n = sockact_number(getenv("LISTEN_FDS"));

	*fd = -1;
	if (pid < 0 || n < 0 || pid != (long long) getpid())
		return 0;		/* none, or meant for another process */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (n == 0)
		return 0;
	if (n != 1) {
		snprintf(err, errlen, "systemd passed %lld sockets (LISTEN_FDS); clamshim takes "
			 "exactly one: one ListenStream= in clamshim.socket", n);
		return -1;
	}
	if (!sockact_listening(SOCKACT_FD)) {
		snprintf(err, errlen, "descriptor %d from systemd is not a listening stream socket "
			 "(clamshim.socket needs ListenStream= and Accept=no)", SOCKACT_FD);
		return -1;
	}
	if (fcntl(SOCKACT_FD, F_SETFD, FD_CLOEXEC) != 0) {
		snprintf(err, errlen, "descriptor %d from systemd: %s", SOCKACT_FD, strerror(errno));
		return -1;
	}
	*fd = SOCKACT_FD;
	return 1;
}

/* sockact_spec - "unix:PATH", "inet:PORT@ADDR" or "inet6:PORT@[ADDR]" of fd's address */
int
sockact_spec(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char	addr[INET6_ADDRSTRLEN];
	int	n = -1;

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *) &ss, &sl) != 0 || sl > sizeof(ss))
		return -1;
	if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *su = (const struct sockaddr_un *) &ss;
		size_t	plen = sl > offsetof(struct sockaddr_un, sun_path) ?
		    sl - offsetof(struct sockaddr_un, sun_path) : 0;

		if (plen == 0 || su->sun_path[0] == 0)	/* unnamed or abstract: no path */
			return -1;
		n = snprintf(buf, len, "unix:%.*s", (int) strnlen(su->sun_path, plen), su->sun_path);
	} else if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *si = (const struct sockaddr_in *) &ss;

		if (inet_ntop(AF_INET, &si->sin_addr, addr, sizeof(addr)) == NULL)
			return -1;
		n = snprintf(buf, len, "inet:%u@%s", (unsigned) ntohs(si->sin_port), addr);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *si = (const struct sockaddr_in6 *) &ss;

		if (inet_ntop(AF_INET6, &si->sin6_addr, addr, sizeof(addr)) == NULL)
			return -1;
		n = snprintf(buf, len, "inet6:%u@[%s]", (unsigned) ntohs(si->sin6_port), addr);
	}
	return n < 0 || (size_t) n >= len ? -1 : 0;
}

/* sockact_placeholder - what libmilter binds before the inherited socket takes its place */
int
sockact_placeholder(int fd, char *spec, size_t speclen, char *dir, size_t dirlen,
		    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const char *tmp = getenv("TMPDIR");
	int	n;

	dir[0] = 0;
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *) &ss, &sl) != 0) {
		snprintf(err, errlen, "the socket from systemd: %s", strerror(errno));
		return -1;
	}
	if (ss.ss_family == AF_INET)
		n = snprintf(spec, speclen, "inet:0@127.0.0.1");
	else if (ss.ss_family == AF_INET6)
		n = snprintf(spec, speclen, "inet6:0@[::1]");
	else if (ss.ss_family == AF_UNIX) {
		n = snprintf(dir, dirlen, "%s/clamshim-socket.XXXXXX",
			     tmp && tmp[0] == '/' ? tmp : "/tmp");
		if (n < 0 || (size_t) n >= dirlen || mkdtemp(dir) == NULL) {
			snprintf(err, errlen, "cannot make a temporary directory for the socket "
				 "placeholder (%s): %s", dir, n < 0 || (size_t) n >= dirlen ?
				 "name too long" : strerror(errno));
			dir[0] = 0;
			return -1;
		}
		n = snprintf(spec, speclen, "unix:%s/s", dir);
	} else {
		snprintf(err, errlen, "the socket from systemd is of address family %d: libmilter "
			 "listens on unix, inet and inet6 sockets only", (int) ss.ss_family);
		return -1;
	}
	if (n < 0 || (size_t) n >= speclen) {
		snprintf(err, errlen, "socket placeholder name too long");
		sockact_unplace(dir);
		dir[0] = 0;
		return -1;
	}
	return 0;
}

/* sockact_listeners - the listening stream sockets this process holds */
size_t
sockact_listeners(int *fds, size_t max)
{
	DIR    *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t	n = 0;
	int	fd;

	if (d == NULL) {
		for (fd = 0; fd < SOCKACT_SCAN_MAX && n < max; fd++)
			if (sockact_listening(fd))
				fds[n++] = fd;
		return n;
	}
	while ((e = readdir(d)) != NULL && n < max) {
		long long v = sockact_number(e->d_name);

		if (v < 0 || v > 0x7fffffff || (int) v == dirfd(d))
			continue;
		if (sockact_listening((int) v))
			fds[n++] = (int) v;
	}
	closedir(d);
	return n;
}

/* sockact_adopt - dup2 the inherited socket over the one listener not in before[] */
int
sockact_adopt(int inherited, const int *before, size_t nbefore, char *err, size_t errlen)
{
	int	after[SOCKACT_LISTENERS_MAX];
	size_t	nafter = sockact_listeners(after, SOCKACT_LISTENERS_MAX), i, j;
	int	found = -1, nnew = 0;

	for (i = 0; i < nafter; i++) {
		for (j = 0; j < nbefore && before[j] != after[i]; j++)
			;
		if (j == nbefore && after[i] != inherited) {
			found = after[i];
			nnew++;
		}
	}
	if (nnew != 1) {
		snprintf(err, errlen, "found %d new listening sockets after libmilter bound the "
			 "placeholder, wanted 1: cannot hand it the socket from systemd", nnew);
		return -1;
	}
	if (dup2(inherited, found) != found || fcntl(found, F_SETFD, FD_CLOEXEC) != 0) {
		snprintf(err, errlen, "cannot put the socket from systemd in place of descriptor "
			 "%d: %s", found, strerror(errno));
		return -1;
	}
	close(inherited);
	return 0;
}

/* sockact_unplace - the placeholder's path and directory, gone */
void
sockact_unplace(const char *dir)
{
	char	path[4096];
	int	n;

	if (dir == NULL || dir[0] == 0)
		return;
	n = snprintf(path, sizeof(path), "%s/s", dir);
	if (n > 0 && (size_t) n < sizeof(path))
		(void) unlink(path);
	(void) rmdir(dir);
}
