/*
 * NAME
 *	mtsend - send messages through a milter and print what it decided (test tool)
 * SUMMARY
 *	mtsend [-t MS] [-n COUNT] [-q QID] [-a AUTH] [-f FROM] [-r RCPT]...
 *	       [-C CLIENT_NAME] [-A CLIENT_ADDR] SOCKET FILE|-
 * DESCRIPTION
 *	The system tests' MTA: reads one RFC 5322 message, sends it COUNT
 *	times over one connection with mtclient(3) (envelope sender FROM,
 *	recipients RCPT, up to MTSEND_RCPTS, each as given, e.g. "<a@b>";
 *	the client's name and address) and prints one line per message:
 *
 *	decision=reject stage=eom time=0.012 reply="550 5.7.1 Virus found: X"
 *
 *	then "header: NAME: VALUE" for each header added or inserted,
 *	"delete: NAME[INDEX]" for each header deleted ("change: NAME[INDEX]:
 *	VALUE" for one changed), "changes: more than N, ..." when the client
 *	kept only the first N changes, and "quarantine: REASON" when the
 *	message was quarantined.
 * DIAGNOSTICS
 *	Exit 0 when every message got a decision, 1 on a connection or
 *	protocol error (the reason on stderr), 2 on usage errors.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mtclient.h"

#define MTSEND_MAX	(64 * 1024 * 1024)
#define MTSEND_RCPTS	64
#define MTSEND_USAGE	"usage: mtsend [-t MS] [-n COUNT] [-q QID] [-a AUTH] [-f FROM] [-r RCPT]... " \
			"[-C CLIENT_NAME] [-A CLIENT_ADDR] SOCKET FILE|-\n"

/* mtsend_now - monotonic seconds */
static double
mtsend_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* main - send the file COUNT times and print each decision */
int
main(int argc, char **argv)
{
	struct mt_envelope env = {0};
	const char *rcpts[MTSEND_RCPTS];
	struct mt_conn *c;
	struct mt_result r;
	char	err[512];
	char   *msg;
	size_t	len, i;
	int	opt, timeout = 30000, count = 1, k;
	double	t0;

	while ((opt = getopt(argc, argv, "t:n:q:a:f:r:C:A:")) != -1) {
		switch (opt) {
		case 't':
			timeout = atoi(optarg);
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'q':
			env.queue_id = optarg;
			break;
		case 'a':
			env.auth_authen = optarg;
			break;
		case 'f':
			env.from = optarg;
			break;
		case 'r':
			if (env.nrcpt == MTSEND_RCPTS) {
				fprintf(stderr, "mtsend: more than %d recipients\n", MTSEND_RCPTS);
				return 2;
			}
			rcpts[env.nrcpt++] = optarg;
			env.rcpt = rcpts;
			break;
		case 'C':
			env.client_name = optarg;
			break;
		case 'A':
			env.client_addr = optarg;
			break;
		default:
			fprintf(stderr, MTSEND_USAGE);
			return 2;
		}
	}
	if (argc - optind != 2 || count < 1) {
		fprintf(stderr, MTSEND_USAGE);
		return 2;
	}
	if ((msg = mt_read_message(argv[optind + 1], MTSEND_MAX, &len)) == NULL) {
		perror(argv[optind + 1]);
		return 1;
	}
	if (mt_open(argv[optind], timeout, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "mtsend: %s\n", err);
		free(msg);
		return 1;
	}
	for (k = 0; k < count; k++) {
		t0 = mtsend_now();
		if (mt_message(c, &env, msg, len, &r, err, sizeof(err)) < 0) {
			fprintf(stderr, "mtsend: %s\n", err);
			mt_close(c);
			free(msg);
			return 1;
		}
		printf("decision=%s stage=%s time=%.3f reply=\"%s\"\n", mt_decision_name(r.decision),
		       r.stage, mtsend_now() - t0, r.reply);
		for (i = 0; i < r.nchanges; i++) {
			if (r.changes[i].op != 'm')
				printf("header: %s: %s\n", r.changes[i].name, r.changes[i].value);
			else if (r.changes[i].value[0] == 0)
				printf("delete: %s[%u]\n", r.changes[i].name, r.changes[i].index);
			else
				printf("change: %s[%u]: %s\n", r.changes[i].name, r.changes[i].index,
				       r.changes[i].value);
		}
		if (r.changes_dropped)
			printf("changes: more than %d, the rest not shown\n", MT_CHANGES_MAX);
		if (r.quarantined)
			printf("quarantine: %s\n", r.quarantine_reason);
		fflush(stdout);
	}
	mt_close(c);
	free(msg);
	return 0;
}
