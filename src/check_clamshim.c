/*
 * NAME
 *	check_clamshim 8 - Monitoring Plugins check for clamshim
 * SUMMARY
 *	check_clamshim [-s STATUSFILE] [-b AGE] [-w AGE] [-c AGE] [-t SECONDS] [-v]
 *	check_clamshim -M SOCKET --probe [-e ACTION] [-s STATUSFILE ...]
 * DESCRIPTION
 *	Reads the status file clamshim writes (Prometheus text) and judges
 *	it with the rules of check(3) (the heartbeat bound: -b, else three of
 *	the status intervals the file states, else 60 s); with --probe it also speaks the milter
 *	protocol to the live daemon (mtclient(3)), sends a clean message and
 *	one with the EICAR test file in a base64 attachment, and checks both
 *	decisions: proof that mail is really scanned. Prints one line,
 *	"CLAMSHIM STATE - text | perfdata", and exits with the state.
 *
 *	The EICAR string is kept reversed in the program and put together at
 *	run time, so that a virus scanner does not take the plugin itself
 *	for the test virus.
 * DIAGNOSTICS
 *	Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad usage, unreadable or
 *	garbled status file, plugin timeout).
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "log.h"
#include "mtclient.h"
#include "status.h"

#define CHECK_DEFAULT_STATUS	"/run/clamshim/metrics.prom"
#define CHECK_DEFAULT_TIMEOUT	10
#define CHECK_OUT_MAX		(CHECK_TEXT_MAX * 4 + 64)

static int check_timeout_s = CHECK_DEFAULT_TIMEOUT;

/* check_usage - the options */
static void
check_usage(FILE *fp)
{
	fprintf(fp,
		"usage: check_clamshim [-s STATUSFILE] [-b AGE] [-w AGE] [-c AGE] [-H AGE] [-t SECONDS] [-v]\n"
		"       check_clamshim -M SOCKET -P [-e ACTION] [-s STATUSFILE] ...\n"
		"  -s, --status-file FILE   clamshim's status file (default %s)\n"
		"  -b, --heartbeat AGE      CRITICAL when the heartbeat is older (default: 3 times\n"
		"                           the status interval the file states, else 60s)\n"
		"  -w, --warning AGE        WARNING when the signatures are older (default 2d; 0 = off)\n"
		"  -c, --critical AGE       CRITICAL when the signatures are older (default 7d; 0 = off)\n"
		"  -H, --held-age AGE       WARNING when a message held during an outage is older\n"
		"                           (default 1h; 0 = off)\n"
		"  -M, --milter SOCKET      clamshim's milter socket: unix:PATH or inet:PORT@HOST\n"
		"  -P, --probe              send a clean and an EICAR message through the daemon\n"
		"  -e, --expect-infected A  what the daemon does with EICAR: reject (default),\n"
		"                           discard, quarantine or tag\n"
		"  -t, --timeout SECONDS    give up after this long: UNKNOWN (default %d)\n"
		"  -v, --verbose            more detail after the status line\n"
		"  -h, --help               this text\n"
		"  -V, --version            the version\n"
		"AGE is a number of seconds or a duration with a unit: 500ms, 30s, 5m, 2h, 1d.\n"
		"Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n",
		CHECK_DEFAULT_STATUS, CHECK_DEFAULT_TIMEOUT);
}

/* check_age - seconds, or a duration with a unit; 0 ok */
static int
check_age(const char *s, int64_t *ms)
{
	char   *end;
	long long v;

	if (s == NULL || *s == 0)
		return -1;
	v = strtoll(s, &end, 10);
	if (*end == 0 && v >= 0 && v < INT64_MAX / 1000) {
		*ms = (int64_t) v * 1000;
		return 0;
	}
	return conf_parse_duration(s, ms);
}

/* check_alarm - the plugin's own time limit (async-signal-safe) */
static void
check_alarm(int sig)
{
	static const char msg[] = "CLAMSHIM UNKNOWN - plugin timed out\n";

	(void) sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(CHECK_UNKNOWN);
	_exit(CHECK_UNKNOWN);
}

/* check_b64 - base64 of len bytes, lines of 76 */
static void
check_b64(const unsigned char *in, size_t len, char *out, size_t outlen)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t	i, j = 0, col = 0;

	for (i = 0; i < len && j + 8 < outlen; i += 3) {
		unsigned v = (unsigned) in[i] << 16 | (i + 1 < len ? (unsigned) in[i + 1] << 8 : 0) |
		    (i + 2 < len ? in[i + 2] : 0);

		out[j++] = tab[v >> 18 & 63];
		out[j++] = tab[v >> 12 & 63];
		out[j++] = i + 1 < len ? tab[v >> 6 & 63] : '=';
		out[j++] = i + 2 < len ? tab[v & 63] : '=';
		if ((col += 4) >= 76) {
			out[j++] = '\n';
			col = 0;
		}
	}
	out[j] = 0;
}

/* check_eicar - the EICAR test file, put together from its reverse */
static size_t
check_eicar(unsigned char *buf, size_t len)
{
	static const char rev[] =
	    "*H+H$!ELIF-TSET-SURIVITNA-DRADNATS-RACIE$}7)CC7)^P(45XZP\\4[PA@%P!O5X";
	size_t	n = sizeof(rev) - 1, i;

	for (i = 0; i < n && i < len; i++)
		buf[i] = (unsigned char) rev[n - 1 - i];
	return i;
}

/* check_messages - the clean and the EICAR probe messages */
static void
check_messages(char *clean, size_t cleanlen, char *eicar, size_t eicarlen)
{
	unsigned char file[128];
	char	b64[256], date[64], host[128] = "localhost";
	time_t	now = time(NULL);
	struct tm tm;
	long	pid = (long) getpid();

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "localhost");
	check_b64(file, check_eicar(file, sizeof(file)), b64, sizeof(b64));
	snprintf(clean, cleanlen,
		 "From: check_clamshim <probe@%s>\nTo: <postmaster@%s>\n"
		 "Subject: check_clamshim probe (clean)\nDate: %s\n"
		 "Message-ID: <check_clamshim.%ld.%lld.clean@%s>\nMIME-Version: 1.0\n"
		 "Content-Type: text/plain; charset=us-ascii\n\n"
		 "A clean test message from check_clamshim. It should be accepted.\n",
		 host, host, date, pid, (long long) now, host);
	snprintf(eicar, eicarlen,
		 "From: check_clamshim <probe@%s>\nTo: <postmaster@%s>\n"
		 "Subject: check_clamshim probe (EICAR test file)\nDate: %s\n"
		 "Message-ID: <check_clamshim.%ld.%lld.eicar@%s>\nMIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed; boundary=\"check-clamshim-b\"\n\n"
		 "--check-clamshim-b\nContent-Type: text/plain; charset=us-ascii\n\n"
		 "The attachment is the EICAR anti-virus test file, not a virus.\n\n"
		 "--check-clamshim-b\nContent-Type: application/octet-stream; name=\"eicar.com\"\n"
		 "Content-Transfer-Encoding: base64\n"
		 "Content-Disposition: attachment; filename=\"eicar.com\"\n\n%s\n"
		 "--check-clamshim-b--\n",
		 host, host, date, pid, (long long) now, host, b64);
}

/* check_probe - both probe messages through the daemon at spec */
static void
check_probe(struct check_result *cr, const char *spec, enum check_expect expect)
{
	static char clean[2048], eicar[4096];
	struct mt_envelope env = {0};
	struct mt_result r;
	struct mt_conn *c = NULL;
	char	err[512];
	int	op_ms = check_timeout_s * 1000 / 3;
	struct {
		const char *text;
		const char *qid;
		int	infected;
	} msgs[2] = {{clean, "CHECKCLAMSHIMCLEAN", 0}, {eicar, "CHECKCLAMSHIMEICAR", 1}};
	int	i;

	check_messages(clean, sizeof(clean), eicar, sizeof(eicar));
	env.from = "<probe@localhost>";
	env.helo = "check-clamshim";
	env.client_name = "localhost";
	env.client_addr = "127.0.0.1";
	for (i = 0; i < 2; i++) {
		env.queue_id = msgs[i].qid;
		if (mt_open(spec, op_ms > 500 ? op_ms : 500, &c, err, sizeof(err)) < 0) {
			check_add(cr, CHECK_CRITICAL, "probe: %s", err);
			return;
		}
		if (mt_message(c, &env, msgs[i].text, strlen(msgs[i].text), &r, err, sizeof(err)) < 0) {
			check_add(cr, CHECK_CRITICAL, "probe (%s message): %s",
				  msgs[i].infected ? "EICAR" : "clean", err);
			mt_close(c);
			return;
		}
		mt_close(c);
		check_probe_verdict(cr, msgs[i].infected, expect, &r);
	}
}

/* main - options, the status file, the probe; exit with the state */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"status-file", required_argument, NULL, 's'},
		{"heartbeat", required_argument, NULL, 'b'},
		{"warning", required_argument, NULL, 'w'},
		{"critical", required_argument, NULL, 'c'},
		{"held-age", required_argument, NULL, 'H'},
		{"milter", required_argument, NULL, 'M'},
		{"probe", no_argument, NULL, 'P'},
		{"expect-infected", required_argument, NULL, 'e'},
		{"timeout", required_argument, NULL, 't'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct check_limits lim = {
		.heartbeat_max_ms = CHECK_HEARTBEAT_MS,
		.sig_warn_ms = 2 * 86400 * 1000LL,
		.sig_crit_ms = 7 * 86400 * 1000LL,
		.held_warn_ms = 3600 * 1000LL,
	};
	struct timespec now;
	const char *status_file = NULL, *milter = NULL;
	enum check_expect expect = CHECK_EXPECT_REJECT;
	struct check_result cr;
	struct status_report rep;
	char	err[512], out[CHECK_OUT_MAX];
	int	opt, probe = 0, verbose = 0, e;
	char   *end;

	log_set_stderr_only(1);
	log_set(LOG_LEVEL_ERROR, -1);
	while ((opt = getopt_long(argc, argv, "s:b:w:c:H:M:Pe:t:vhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			status_file = optarg;
			break;
		case 'b':
		case 'w':
		case 'c':
		case 'H':
			if (check_age(optarg, opt == 'b' ? &lim.heartbeat_max_ms : opt == 'w' ?
				      &lim.sig_warn_ms : opt == 'c' ? &lim.sig_crit_ms :
				      &lim.held_warn_ms) < 0) {
				printf("CLAMSHIM UNKNOWN - bad age \"%s\" for -%c (try 90s, 2h, 3d)\n",
				       optarg, opt);
				return CHECK_UNKNOWN;
			}
			if (opt == 'b')
				lim.heartbeat_set = 1;
			break;
		case 'M':
			milter = optarg;
			break;
		case 'P':
			probe = 1;
			break;
		case 'e':
			if ((e = check_expect_from_name(optarg)) < 0) {
				printf("CLAMSHIM UNKNOWN - bad action \"%s\" for -e "
				       "(reject, discard, quarantine, tag)\n", optarg);
				return CHECK_UNKNOWN;
			}
			expect = (enum check_expect) e;
			break;
		case 't':
			check_timeout_s = (int) strtol(optarg, &end, 10);
			if (*end != 0 || check_timeout_s <= 0 || check_timeout_s > 3600) {
				printf("CLAMSHIM UNKNOWN - bad timeout \"%s\"\n", optarg);
				return CHECK_UNKNOWN;
			}
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			check_usage(stdout);
			return CHECK_OK;
		case 'V':
			printf("check_clamshim (clamshim) %s\n", PACKAGE_VERSION);
			return CHECK_OK;
		default:
			check_usage(stdout);
			return CHECK_UNKNOWN;
		}
	}
	if (optind < argc) {
		printf("CLAMSHIM UNKNOWN - unexpected argument \"%s\" (see -h)\n", argv[optind]);
		return CHECK_UNKNOWN;
	}
	if (probe && milter == NULL) {
		printf("CLAMSHIM UNKNOWN - --probe needs -M SOCKET\n");
		return CHECK_UNKNOWN;
	}
	if (lim.sig_warn_ms > 0 && lim.sig_crit_ms > 0 && lim.sig_warn_ms > lim.sig_crit_ms) {
		printf("CLAMSHIM UNKNOWN - the warning age is over the critical age\n");
		return CHECK_UNKNOWN;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, check_alarm);
	alarm((unsigned) check_timeout_s);

	check_init(&cr);
	if (status_file != NULL || !probe) {
		if (status_file == NULL)
			status_file = CHECK_DEFAULT_STATUS;
		if (status_read_file(status_file, &rep, err, sizeof(err)) < 0)
			check_add(&cr, CHECK_UNKNOWN, "status file: %s", err);
		else {
			clock_gettime(CLOCK_REALTIME, &now);	/* fractions: a bound of a few seconds is exact */
			check_status(&cr, &rep, &lim, (double) now.tv_sec + (double) now.tv_nsec / 1e9);
		}
	}
	if (probe) {
		check_probe(&cr, milter, expect);
		if (cr.state == CHECK_OK || cr.state == CHECK_WARNING)
			snprintf(cr.summary + strlen(cr.summary), sizeof(cr.summary) - strlen(cr.summary),
				 "%sprobe: clean accepted, EICAR %s", cr.summary[0] ? ", " : "",
				 expect == CHECK_EXPECT_REJECT ? "rejected" :
				 expect == CHECK_EXPECT_DISCARD ? "discarded" :
				 expect == CHECK_EXPECT_QUARANTINE ? "quarantined" : "tagged");
	}
	alarm(0);
	check_format(&cr, verbose, out, sizeof(out));
	printf("%s\n", out);
	return (int) cr.state;
}
