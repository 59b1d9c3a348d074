/*
 * NAME
 *	sockhold - hold a listening socket across restarts of a daemon, as systemd's socket units do (tests)
 * SUMMARY
 *	sockhold SOCKET PIDFILE COMMAND [ARG...]
 * DESCRIPTION
 *	Binds the unix stream socket SOCKET (mode 0666) and listens, then
 *	runs COMMAND with that socket as descriptor 3 and LISTEN_FDS=1,
 *	LISTEN_PID set to the command's own pid (what sd_listen_fds(3)
 *	reads), and writes the command's pid to PIDFILE (atomically). When
 *	the command exits it is started again at once, as Restart=always
 *	would; the socket stays open all along, so connections made while
 *	no command runs wait in its queue. SIGTERM or SIGINT: pass it on
 *	to the command, wait for it, exit. At most 100 starts.
 * DIAGNOSTICS
 *	Exit 0 after SIGTERM, 1 when the socket cannot be made or the
 *	command cannot be started, 2 on usage errors. A line on stderr for
 *	each start and end of the command.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define SOCKHOLD_STARTS_MAX	100

static volatile sig_atomic_t sockhold_stop;
static volatile pid_t sockhold_child;

/* sockhold_signal - stop: pass the signal on to the command */
static void
sockhold_signal(int sig)
{
	sockhold_stop = 1;
	if (sockhold_child > 0)
		kill(sockhold_child, sig);
}

/* sockhold_pidfile - write pid to path by rename; 0 ok */
static int
sockhold_pidfile(const char *path, pid_t pid)
{
	char	tmp[4096];
	FILE   *fp;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int) sizeof(tmp) ||
	    (fp = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(fp, "%ld\n", (long) pid);
	if (fclose(fp) != 0)
		return -1;
	return rename(tmp, path);
}

/* sockhold_run - start the command with the socket as descriptor 3; its pid, -1 on error */
static pid_t
sockhold_run(int fd, char **argv)
{
	char	num[32];
	sigset_t none;
	pid_t	pid = fork();

	if (pid != 0)
		return pid;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (fd != 3 && (dup2(fd, 3) != 3 || close(fd) != 0))
		_exit(127);
	snprintf(num, sizeof(num), "%ld", (long) getpid());
	setenv("LISTEN_PID", num, 1);
	setenv("LISTEN_FDS", "1", 1);
	unsetenv("LISTEN_FDNAMES");
	execvp(argv[0], argv);
	fprintf(stderr, "sockhold: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	struct sigaction act;
	int	fd, status, starts = 0;
	pid_t	pid;

	if (argc < 4 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: sockhold SOCKET PIDFILE COMMAND [ARG...]\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	(void) unlink(argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0 || chmod(argv[1], 0666) != 0 ||
	    listen(fd, 1024) != 0) {
		perror(argv[1]);
		return 1;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = sockhold_signal;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	while (!sockhold_stop && starts++ < SOCKHOLD_STARTS_MAX) {
		if ((pid = sockhold_run(fd, argv + 3)) < 0) {
			perror("fork");
			return 1;
		}
		sockhold_child = pid;
		if (sockhold_pidfile(argv[2], pid) != 0)
			perror(argv[2]);
		fprintf(stderr, "sockhold: started %s, pid %ld\n", argv[3], (long) pid);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		sockhold_child = 0;
		fprintf(stderr, "sockhold: pid %ld ended (status %d)\n", (long) pid, status);
	}
	close(fd);
	(void) unlink(argv[1]);
	return 0;
}
