/*
 * NAME
 *	preload - LD_PRELOAD library for tests: a pause after bind(), libmilter stopped without a signal,
 *	a wedged accept loop
 * SUMMARY
 *	LD_PRELOAD=tests/preload.so PRELOAD_BIND_PAUSE=FILE clamshim ...
 *	LD_PRELOAD=tests/preload.so PRELOAD_STOP_ON_USR2=1 clamshim ...
 *	LD_PRELOAD=tests/preload.so PRELOAD_ACCEPT_HOLD=FILE clamshim ...
 * DESCRIPTION
 *	Moments a system test cannot reach from outside the daemon, made
 *	reachable here so that clamshim itself carries no test hook:
 *
 *	PRELOAD_BIND_PAUSE=FILE: after the first successful bind() of a unix
 *	socket (libmilter binding the milter socket), create FILE and wait
 *	until the test removes it (at most 60 s). Between binding the socket
 *	and what follows is where a local attacker races a daemon started as
 *	root; the test plays the attacker in that window, without timing.
 *
 *	PRELOAD_STOP_ON_USR2=1: SIGUSR2 (blocked in every thread from the
 *	start) makes a thread of this library call libmilter's smfi_stop(),
 *	which is what libmilter's own signal thread does for a signal it
 *	handles itself (SIGHUP, in libmilter 8.x): the milter loop ends
 *	without SIGTERM or SIGINT, as it would if a libmilter update took a
 *	signal clamshim does not expect.
 *
 *	PRELOAD_ACCEPT_HOLD=FILE: while FILE exists, accept() (libmilter's
 *	accept loop is the daemon's only caller) waits before it accepts: the
 *	listener is wedged as a deadlocked or stopped accept loop would be,
 *	while every other thread runs on. Connections wait in the socket's
 *	backlog; removing FILE lets the loop go on.
 *
 *	In a sanitizer build, list the ASan runtime first in LD_PRELOAD.
 * DIAGNOSTICS
 *	One line on stderr for each thing done ("preload: ...").
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef int preload_bind_fn(int, const struct sockaddr *, socklen_t);
typedef int preload_stop_fn(void);
typedef int preload_accept_fn(int, struct sockaddr *, socklen_t *);

/* preload_pause - create file, then wait until it is gone (at most 60 s) */
static void
preload_pause(const char *file)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	int	fd, i;

	if ((fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0666)) < 0) {
		fprintf(stderr, "preload: cannot create %s: %s\n", file, strerror(errno));
		return;
	}
	close(fd);
	fprintf(stderr, "preload: bound a unix socket, paused until %s is removed\n", file);
	for (i = 0; i < 6000 && access(file, F_OK) == 0; i++)
		nanosleep(&ts, NULL);
	fprintf(stderr, "preload: going on after the bind\n");
}

/* bind - the real bind(), then the pause once for a unix socket when asked */
int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	static atomic_int paused;
	preload_bind_fn *real;
	const char *pause = getenv("PRELOAD_BIND_PAUSE");
	void   *p = dlsym(RTLD_NEXT, "bind");
	int	rc, saved;

	if (p == NULL) {
		errno = ENOSYS;
		return -1;
	}
	memcpy(&real, &p, sizeof(real));
	rc = real(fd, sa, len);
	saved = errno;
	if (rc == 0 && pause && *pause && sa->sa_family == AF_UNIX && !atomic_exchange(&paused, 1))
		preload_pause(pause);
	errno = saved;
	return rc;
}

/* accept - the real accept(), after waiting while PRELOAD_ACCEPT_HOLD names a file that exists */
int
accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	static atomic_int said;
	preload_accept_fn *real;
	const char *hold = getenv("PRELOAD_ACCEPT_HOLD");
	struct timespec ts = {0, 10 * 1000 * 1000};
	void   *p = dlsym(RTLD_NEXT, "accept");

	if (p == NULL) {
		errno = ENOSYS;
		return -1;
	}
	memcpy(&real, &p, sizeof(real));
	if (hold && *hold && access(hold, F_OK) == 0) {
		if (!atomic_exchange(&said, 1))
			fprintf(stderr, "preload: accept() held while %s exists\n", hold);
		while (access(hold, F_OK) == 0)
			nanosleep(&ts, NULL);
		fprintf(stderr, "preload: accept() goes on\n");
		atomic_store(&said, 0);
	}
	return real(fd, sa, len);
}

/* preload_stopper - on SIGUSR2, smfi_stop() */
static void *
preload_stopper(void *arg)
{
	sigset_t set;
	preload_stop_fn *stop;
	void   *p;

	(void) arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	while (sigwaitinfo(&set, NULL) != SIGUSR2)
		;
	if ((p = dlsym(RTLD_DEFAULT, "smfi_stop")) == NULL) {
		fprintf(stderr, "preload: SIGUSR2 but no smfi_stop in this process\n");
		return NULL;
	}
	memcpy(&stop, &p, sizeof(stop));
	fprintf(stderr, "preload: SIGUSR2: calling smfi_stop()\n");
	(void) stop();
	return NULL;
}

/* preload_init - PRELOAD_STOP_ON_USR2: block SIGUSR2 for every thread to come, start the stopper */
__attribute__((constructor)) static void
preload_init(void)
{
	sigset_t set;
	pthread_t t;
	const char *on = getenv("PRELOAD_STOP_ON_USR2");

	if (on == NULL || strcmp(on, "1") != 0)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&t, NULL, preload_stopper, NULL) != 0) {
		fprintf(stderr, "preload: cannot start the SIGUSR2 thread\n");
		return;
	}
	pthread_detach(t);
}
