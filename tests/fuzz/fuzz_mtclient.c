/*
 * NAME
 *	fuzz_mtclient - libFuzzer target for the milter client's reply handling
 * DESCRIPTION
 *	The input is everything a hostile filter says on one connection:
 *	a thread accepts the client's connection on a private unix socket,
 *	writes the input, closes its side and drains what the client sends.
 *	The client (src/mtclient.c, used by check_clamshim --probe and the
 *	tests) negotiates, sends one message and a second one, and reads the
 *	replies: option negotiation, progress, header changes, quarantine,
 *	reply codes, skip, and whatever else the bytes say. Besides the
 *	sanitizers, the target checks the promises of mtclient.h: a result
 *	has a known decision and a stage, at most MT_CHANGES_MAX changes,
 *	and NUL-terminated texts; an error says why.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mtclient.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[64];
static char fuzz_sock[128];
static char fuzz_spec[140];
static int fuzz_lfd = -1;

/* What the filter thread says. */
struct fuzz_filter {
	const uint8_t *data;
	size_t	size;
};

/* fuzz_cleanup - remove the socket and the dir at exit */
static void
fuzz_cleanup(void)
{
	unlink(fuzz_sock);
	rmdir(fuzz_dir);
}

/* LLVMFuzzerInitialize - the listening socket of the fake filter */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_un sun;

	snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/fuzzmt.XXXXXX");
	if (mkdtemp(fuzz_dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(fuzz_sock, sizeof(fuzz_sock), "%s/f.sock", fuzz_dir);
	snprintf(fuzz_spec, sizeof(fuzz_spec), "unix:%s", fuzz_sock);
	atexit(fuzz_cleanup);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", fuzz_sock);
	if ((fuzz_lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0
	    || bind(fuzz_lfd, (struct sockaddr *) &sun, sizeof(sun)) < 0
	    || listen(fuzz_lfd, 4) < 0) {
		perror("fake filter socket");
		exit(1);
	}
	return 0;
}

/* fuzz_filter_run - accept one client, say the input, drain until the client closes */
static void *
fuzz_filter_run(void *arg)
{
	const struct fuzz_filter *f = arg;
	char	buf[4096];
	size_t	off = 0;
	ssize_t	n;
	int	fd;

	if ((fd = accept(fuzz_lfd, NULL, NULL)) < 0)
		return NULL;
	while (off < f->size) {
		n = send(fd, f->data + off, f->size - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t) n;
	}
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
	close(fd);
	return NULL;
}

/* fuzz_result - the promises of a result */
static void
fuzz_result(const struct mt_result *r)
{
	size_t	i;

	if (r->decision >= MT_DECISION_COUNT || r->stage == NULL || *r->stage == 0)
		abort();
	if (r->nchanges > MT_CHANGES_MAX)
		abort();
	if (!memchr(r->reply, 0, sizeof(r->reply))
	    || !memchr(r->quarantine_reason, 0, sizeof(r->quarantine_reason)))
		abort();
	for (i = 0; i < r->nchanges; i++) {
		const struct mt_change *ch = &r->changes[i];

		if ((ch->op != 'h' && ch->op != 'i' && ch->op != 'm')
		    || !memchr(ch->name, 0, sizeof(ch->name))
		    || !memchr(ch->value, 0, sizeof(ch->value)))
			abort();
	}
	(void) mt_result_header(r, "X-Virus-Status");
	(void) mt_decision_name(r->decision);
}

/* LLVMFuzzerTestOneInput - one connection to a filter that says the input */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char msg[] = "From: a@example.com\r\nSubject: x\r\n\tfolded\r\n\r\nbody\nline\r\n";
	struct fuzz_filter f = {data, size};
	struct mt_envelope env;
	struct mt_conn *c = NULL;
	struct mt_result *r = malloc(sizeof(*r));
	pthread_t th;
	char	err[256];
	int	i;

	if (r == NULL || pthread_create(&th, NULL, fuzz_filter_run, &f) != 0)
		abort();
	memset(&env, 0, sizeof(env));
	env.queue_id = "FUZZQID";
	env.auth_authen = size & 1 ? "user" : NULL;
	memset(err, 'Z', sizeof(err));
	if (mt_open(fuzz_spec, 2000, &c, err, sizeof(err)) == 0) {
		for (i = 0; i < 2; i++) {
			memset(err, 'Z', sizeof(err));
			if (mt_message(c, &env, msg, sizeof(msg) - 1, r, err, sizeof(err)) == 0)
				fuzz_result(r);
			else if (!memchr(err, 0, sizeof(err)) || err[0] == 0 || err[0] == 'Z')
				abort();
		}
		mt_close(c);
	} else if (c != NULL || !memchr(err, 0, sizeof(err)) || err[0] == 0 || err[0] == 'Z') {
		abort();
	}
	pthread_join(th, NULL);
	free(r);
	return 0;
}
