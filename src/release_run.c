/*
 * NAME
 *	release_run 3 - run one of the MTA's commands for clamshim-release
 * SUMMARY
 *	release_run(), release_submit()
 * DESCRIPTION
 *	Runs a command with execve (no shell, the environment given, file
 *	descriptors other than 0-2 closed on exec), feeds it standard input
 *	and collects its standard output up to a bound; standard error
 *	stays the caller's, so that the MTA's complaints reach the operator.
 *	The whole run is bounded by a timeout, after which the command is
 *	killed (its process only: it is our child). release_submit() runs
 *	the MTA's sendmail with a held message's envelope and DSN options
 *	(Postfix's and Sendmail's take the same flags).
 * DIAGNOSTICS
 *	-1 with err filled when the command cannot be started, its output
 *	is longer than the bound, or it overran the timeout; else its exit
 *	status (128 + N when killed by signal N).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "release.h"
#include "util.h"

/* release_child - in the child: plumb the pipes and exec; never returns */
static void
release_child(const char *const argv[], char *const env[], int in, int out)
{
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0)
		_exit(127);
	if (in > 2)
		close(in);
	if (out > 2)
		close(out);
	signal(SIGPIPE, SIG_DFL);
	execve(argv[0], (char *const *) argv, env);
	_exit(127);
}

/* release_reap - wait for the child (killing it first when asked); its status */
static int
release_reap(pid_t pid, int kill_it)
{
	int	st;

	if (kill_it)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* release_fail - close w (when open), fill err, -1 */
static int __attribute__((format(printf, 4, 5)))
release_fail(int w, char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (w >= 0)
		close(w);
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* release_pump - write in to fd w, read r into *buf until EOF; 0 ok, -1 err; w closed */
static int
release_pump(int w, int r, const char *in, size_t inlen, char **buf, size_t *n, size_t max,
	     int64_t deadline, char *err, size_t errlen)
{
	size_t	off = 0, cap = 0;
	char	tmp[16384];

	if (inlen == 0) {
		close(w);
		w = -1;
	}
	while (r >= 0) {
		struct pollfd p[2] = {{.fd = r, .events = POLLIN}, {.fd = w, .events = POLLOUT}};
		int64_t left = deadline - util_now_ms();
		ssize_t k;

		if (left <= 0)
			return release_fail(w, err, errlen, "timed out");
		if (poll(p, w >= 0 ? 2 : 1, (int) (left > 1000 ? 1000 : left)) < 0) {
			if (errno == EINTR)
				continue;
			return release_fail(w, err, errlen, "poll: %s", strerror(errno));
		}
		if (w >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			k = write(w, in + off, inlen - off > 65536 ? 65536 : inlen - off);
			if (k < 0 && errno != EINTR && errno != EAGAIN)
				return release_fail(w, err, errlen, "writing to it: %s", strerror(errno));
			if (k > 0 && (off += (size_t) k) == inlen) {
				close(w);
				w = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			k = read(r, tmp, sizeof(tmp));
			if (k < 0 && errno != EINTR && errno != EAGAIN)
				return release_fail(w, err, errlen, "reading it: %s", strerror(errno));
			if (k == 0)
				break;
			if (k > 0 && buf != NULL) {
				if (*n + (size_t) k > max)
					return release_fail(w, err, errlen, "output longer than %zu bytes",
							    max);
				if (*n + (size_t) k + 1 > cap) {
					cap = (*n + (size_t) k + 1) * 2;
					*buf = util_realloc(*buf, cap);
				}
				memcpy(*buf + *n, tmp, (size_t) k);
				*n += (size_t) k;
				(*buf)[*n] = '\0';
			}
		}
	}
	if (w >= 0)
		close(w);
	return 0;
}

/* release_run - run argv, feed in, collect stdout; exit status, -1 err */
int
release_run(const char *const argv[], char *const env[], const char *in, size_t inlen,
	    char **out, size_t *outlen, size_t max, int timeout_s, char *err, size_t errlen)
{
	int	pin[2], pout[2], rc, st;
	pid_t	pid;
	size_t	n = 0;
	char   *buf = NULL;

	if (pipe2(pin, O_CLOEXEC) < 0)
		return snprintf(err, errlen, "%s: pipe: %s", argv[0], strerror(errno)), -1;
	if (pipe2(pout, O_CLOEXEC) < 0) {
		close(pin[0]);
		close(pin[1]);
		return snprintf(err, errlen, "%s: pipe: %s", argv[0], strerror(errno)), -1;
	}
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "%s: fork: %s", argv[0], strerror(errno));
		close(pin[0]), close(pin[1]), close(pout[0]), close(pout[1]);
		return -1;
	}
	if (pid == 0)
		release_child(argv, env, pin[0], pout[1]);
	close(pin[0]);
	close(pout[1]);
	if (out != NULL)
		buf = util_malloc(1), buf[0] = '\0';
	rc = release_pump(pin[1], pout[0], in, inlen, out ? &buf : NULL, &n, max,
			  util_now_ms() + (int64_t) timeout_s * 1000, err, errlen);
	close(pout[0]);
	st = release_reap(pid, rc < 0);
	if (rc < 0) {
		char	e[RELEASE_ERR_MAX];

		snprintf(e, sizeof(e), "%s", err);
		snprintf(err, errlen, "%s: %s", argv[0], e);
		free(buf);
		return -1;
	}
	if (out != NULL) {
		*out = buf;
		*outlen = n;
	}
	if (st < 0)
		snprintf(err, errlen, "%s: waitpid: %s", argv[0], strerror(errno));
	else if (st == 127)
		snprintf(err, errlen, "%s: could not be run", argv[0]);
	else
		snprintf(err, errlen, "%s: exit status %d", argv[0], st);
	return st;
}

/* release_notify - the DSN notify bits (never 1, success 2, failure 4, delay 8) as -N takes them */
static void
release_notify(int bits, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s%s%s%s", bits & 1 ? "never," : "", bits & 2 ? "success," : "",
		 bits & 4 ? "failure," : "", bits & 8 ? "delay," : "");
	if (out[0] != '\0')
		out[strlen(out) - 1] = '\0';
}

/*
 * release_submit - HEAD... -G -i [-N NOTIFY] [-R RET] [-V ENVID] -f SENDER -- RCPTS
 * with msg on stdin: a new message with q's envelope and d's DSN options, by
 * Postfix's or Sendmail's sendmail (both take these flags); 0 ok, -1 err
 */
int
release_submit(const char *const *head, size_t nhead, const struct release_qent *q,
	       const struct release_dsn *d, char *const env[], int timeout_s,
	       const char *msg, size_t len, char *err, size_t errlen)
{
	const char **argv = util_calloc(nhead + q->nrcpt + 16, sizeof(*argv));
	char	notify[64];
	size_t	i, n = 0, bytes = 0;
	int	rc;

	for (i = 0; i < nhead; i++)
		argv[n++] = head[i];
	argv[n++] = "-G";
	argv[n++] = "-i";
	if (d->notify > 0) {
		release_notify(d->notify, notify, sizeof(notify));
		argv[n++] = "-N";
		argv[n++] = notify;
	}
	if (d->ret > 0) {
		argv[n++] = "-R";
		argv[n++] = d->ret == 1 ? "full" : "hdrs";
	}
	if (d->envid[0] != '\0') {
		argv[n++] = "-V";
		argv[n++] = d->envid;
	}
	argv[n++] = "-f";
	argv[n++] = q->sender != NULL && q->sender[0] != '\0' ? q->sender : "<>";
	argv[n++] = "--";
	for (i = 0; i < q->nrcpt; i++) {
		bytes += strlen(q->rcpt[i]) + 1;
		argv[n++] = q->rcpt[i];
	}
	argv[n] = NULL;
	if (q->nrcpt == 0 || bytes > RELEASE_ARGS_MAX) {
		free(argv);
		if (q->nrcpt == 0)
			return snprintf(err, errlen, "no recipients"), -1;
		return snprintf(err, errlen, "recipients longer than %zu bytes", RELEASE_ARGS_MAX), -1;
	}
	rc = release_run(argv, env, msg, len, NULL, NULL, 0, timeout_s, err, errlen);
	free(argv);
	return rc == 0 ? 0 : -1;
}
