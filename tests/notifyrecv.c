/*
 * NAME
 *	notifyrecv - a stand-in for systemd's notification socket (tests)
 * SUMMARY
 *	notifyrecv SOCKET
 * DESCRIPTION
 *	Binds the AF_UNIX datagram socket SOCKET (what NOTIFY_SOCKET names),
 *	prints "ready" once bound, then prints every datagram it receives
 *	(sd_notify() messages such as READY=1, STATUS=..., WATCHDOG=1), one
 *	assignment per line, each datagram followed by a line "--", and
 *	flushes after each. The socket is mode 0666, as systemd's is, so a
 *	daemon that dropped privileges can still notify. Runs until killed. The tests start clamshim with
 *	NOTIFY_SOCKET pointing here and read what it told "systemd".
 * DIAGNOSTICS
 *	Exit 1 when the socket cannot be made.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	char	buf[4097];
	int	fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: notifyrecv SOCKET (path shorter than %zu)\n",
			sizeof(sa.sun_path));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	(void) unlink(argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
		perror(argv[1]);
		return 1;
	}
	if (chmod(argv[1], 0666) != 0) {	/* like systemd's: any service user may send */
		perror(argv[1]);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		ssize_t	n = recv(fd, buf, sizeof(buf) - 1, 0);

		if (n < 0)
			continue;
		buf[n] = '\0';
		printf("%s%s--\n", buf, n > 0 && buf[n - 1] == '\n' ? "" : "\n");
		fflush(stdout);
	}
}
