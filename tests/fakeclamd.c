/*
 * NAME
 *	fakeclamd - a small fake clamd for the faults a real clamd will not produce
 * SUMMARY
 *	fakeclamd -m MODE (-u PATH | -t PORT [-6]) [-r READYFILE] [-d MS]
 * DESCRIPTION
 *	Listens on a unix socket PATH or on 127.0.0.1:PORT ([::1]:PORT with
 *	-6; PORT 0 = any free port) and answers clamd's z-commands (zINSTREAM, zPING,
 *	zVERSION) one thread per connection. When listening, it writes
 *	"READY PORT PID\n" to READYFILE (atomically, by rename) or, without
 *	-r, to stdout. It never contacts anything; it exits on SIGTERM/SIGKILL.
 *
 *	Modes (the reply to zINSTREAM, read whole first):
 *	ok	"stream: OK"
 *	found	"stream: Eicar-Test-Signature FOUND"
 *	eicar	FOUND when the stream holds the EICAR marker, else OK
 *	limit	"INSTREAM size limit exceeded. ERROR"
 *	error	"stream: Can't allocate memory ERROR"
 *	garbage	"hello, I am not clamd\0"
 *	endless	'A' bytes for ever, no terminator
 *	cut	"stream: Eic", then close
 *	drip	"stream: OK\0" one byte every -d MS (default 400)
 *	reset	close with SO_LINGER 0 (RST) instead of a reply
 *	hang	accept every connection (PING too), read, never answer
 *	refuse	bind but never listen: every connect is refused
 *	In every mode but hang and refuse, zPING gets "PONG" and zVERSION
 *	"ClamAV 9.9.9/4242/fake".
 * DIAGNOSTICS
 *	Exit 2 on bad usage, 1 when it cannot listen.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum fake_mode {
	FAKE_OK, FAKE_FOUND, FAKE_EICAR, FAKE_LIMIT, FAKE_ERROR, FAKE_GARBAGE, FAKE_ENDLESS,
	FAKE_CUT, FAKE_DRIP, FAKE_RESET, FAKE_HANG, FAKE_REFUSE
};

static const char *const fake_mode_names[] = {
	"ok", "found", "eicar", "limit", "error", "garbage", "endless", "cut", "drip", "reset",
	"hang", "refuse", NULL
};

static enum fake_mode fake_mode;
static int fake_drip_ms = 400;

/* fake_write_all - write len bytes; 0 ok, -1 peer gone */
static int
fake_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t	n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t) n;
	}
	return 0;
}

/* fake_read_full - read exactly len bytes; 0 ok, -1 EOF or error */
static int
fake_read_full(int fd, void *buf, size_t len)
{
	char   *p = buf;
	ssize_t	n;

	while (len > 0) {
		n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t) n;
	}
	return 0;
}

/* fake_read_command - the command up to its NUL (at most cap-1 bytes); 0 ok, -1 not */
static int
fake_read_command(int fd, char *cmd, size_t cap)
{
	size_t	n = 0;

	while (n + 1 < cap) {
		if (fake_read_full(fd, cmd + n, 1) < 0)
			return -1;
		if (cmd[n] == 0)
			return 0;
		n++;
	}
	return -1;
}

/* fake_read_stream - read INSTREAM chunks to the zero chunk; 1 EICAR seen, 0 not, -1 error */
static int
fake_read_stream(int fd)
{
	static const char marker[] = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE";
	const size_t mlen = sizeof(marker) - 1;
	unsigned char h[4];
	char	buf[8192];
	size_t	len, want, keep = 0, have;
	int	found = 0;

	for (;;) {
		if (fake_read_full(fd, h, 4) < 0)
			return -1;
		len = ((size_t) h[0] << 24) | ((size_t) h[1] << 16) | ((size_t) h[2] << 8) | h[3];
		if (len == 0)
			return found;
		while (len > 0) {
			/* buf holds the last bytes of the previous read, for a marker split in two */
			want = len < sizeof(buf) - keep ? len : sizeof(buf) - keep;
			if (fake_read_full(fd, buf + keep, want) < 0)
				return -1;
			have = keep + want;
			if (memmem(buf, have, marker, mlen) != NULL)
				found = 1;
			keep = have < mlen - 1 ? have : mlen - 1;
			memmove(buf, buf + have - keep, keep);
			len -= want;
		}
	}
}

/* fake_reply - send a reply with its terminating NUL */
static void
fake_reply(int fd, const char *text)
{
	(void) fake_write_all(fd, text, strlen(text) + 1);
}

/* fake_instream - answer one zINSTREAM as the mode says */
static void
fake_instream(int fd)
{
	struct linger lg = { 1, 0 };
	const char *ok = "stream: OK";
	char	a[4096];
	size_t	i;
	int	found;

	if ((found = fake_read_stream(fd)) < 0)
		return;
	switch (fake_mode) {
	case FAKE_OK:
		fake_reply(fd, ok);
		break;
	case FAKE_FOUND:
		fake_reply(fd, "stream: Eicar-Test-Signature FOUND");
		break;
	case FAKE_EICAR:
		fake_reply(fd, found ? "stream: Eicar-Test-Signature FOUND" : ok);
		break;
	case FAKE_LIMIT:
		fake_reply(fd, "INSTREAM size limit exceeded. ERROR");
		break;
	case FAKE_ERROR:
		fake_reply(fd, "stream: Can't allocate memory ERROR");
		break;
	case FAKE_GARBAGE:
		fake_reply(fd, "hello, I am not clamd");
		break;
	case FAKE_ENDLESS:
		memset(a, 'A', sizeof(a));
		while (fake_write_all(fd, a, sizeof(a)) == 0)
			;
		break;
	case FAKE_CUT:
		(void) fake_write_all(fd, "stream: Eic", 11);
		break;
	case FAKE_DRIP:
		for (i = 0; i <= strlen(ok); i++) {
			if (fake_write_all(fd, ok + i, 1) < 0)
				break;
			usleep((useconds_t) fake_drip_ms * 1000);
		}
		break;
	case FAKE_RESET:
		(void) setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		break;
	case FAKE_HANG:
	case FAKE_REFUSE:
		break;
	}
}

/* fake_conn - one connection: one command, one answer */
static void *
fake_conn(void *arg)
{
	int	fd = (int) (intptr_t) arg;
	char	cmd[64];

	if (fake_mode == FAKE_HANG) {
		for (;;)
			pause();
	}
	if (fake_read_command(fd, cmd, sizeof(cmd)) == 0) {
		if (strcmp(cmd, "zPING") == 0)
			fake_reply(fd, "PONG");
		else if (strcmp(cmd, "zVERSION") == 0)
			fake_reply(fd, "ClamAV 9.9.9/4242/fake");
		else if (strcmp(cmd, "zINSTREAM") == 0)
			fake_instream(fd);
		else
			fake_reply(fd, "UNKNOWN COMMAND");
	}
	close(fd);
	return NULL;
}

/* fake_ready - tell the test where we listen */
static int
fake_ready(const char *file, int port)
{
	char	tmp[4096];
	FILE   *fp;

	if (file == NULL) {
		printf("READY %d %ld\n", port, (long) getpid());
		fflush(stdout);
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	if ((fp = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(fp, "READY %d %ld\n", port, (long) getpid());
	if (fclose(fp) != 0 || rename(tmp, file) != 0)
		return -1;
	return 0;
}

/* fake_usage - how to call it */
static void
fake_usage(void)
{
	fprintf(stderr, "usage: fakeclamd -m MODE (-u PATH | -t PORT [-6]) [-r READYFILE] [-d MS]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct sockaddr_un *sun = (struct sockaddr_un *) &ss;
	struct sockaddr_in *sin = (struct sockaddr_in *) &ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;
	const char *path = NULL, *ready = NULL, *mode = "ok";
	socklen_t len;
	pthread_t th;
	int	c, i, fd, cfd, port = -1, one = 1, v6 = 0;

	while ((c = getopt(argc, argv, "m:u:t:r:d:6")) != -1) {
		switch (c) {
		case 'm': mode = optarg; break;
		case 'u': path = optarg; break;
		case 't': port = atoi(optarg); break;
		case 'r': ready = optarg; break;
		case 'd': fake_drip_ms = atoi(optarg); break;
		case '6': v6 = 1; break;
		default: fake_usage();
		}
	}
	for (i = 0; fake_mode_names[i] && strcmp(fake_mode_names[i], mode) != 0; i++)
		;
	if (fake_mode_names[i] == NULL || (path == NULL) == (port < 0) || port > 65535
	    || (path && strlen(path) >= sizeof(sun->sun_path)))
		fake_usage();
	fake_mode = (enum fake_mode) i;
	signal(SIGPIPE, SIG_IGN);
	memset(&ss, 0, sizeof(ss));
	if (path) {
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, path, strlen(path) + 1);
		len = sizeof(*sun);
		unlink(path);
	} else if (v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short) port);
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short) port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0
	    || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0
	    || bind(fd, (struct sockaddr *) &ss, len) < 0
	    || (fake_mode != FAKE_REFUSE && listen(fd, 64) < 0)) {
		perror("fakeclamd: listen");
		return 1;
	}
	if (!path) {
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0) {
			perror("fakeclamd: getsockname");
			return 1;
		}
		port = ntohs(v6 ? sin6->sin6_port : sin->sin_port);
	}
	if (fake_ready(ready, path ? 0 : port) < 0) {
		perror("fakeclamd: ready file");
		return 1;
	}
	if (fake_mode == FAKE_REFUSE) {
		for (;;)
			pause();
	}
	for (;;) {
		if ((cfd = accept(fd, NULL, NULL)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			perror("fakeclamd: accept");
			return 1;
		}
		if (pthread_create(&th, NULL, fake_conn, (void *) (intptr_t) cfd) != 0) {
			close(cfd);
			continue;
		}
		pthread_detach(th);
	}
}
