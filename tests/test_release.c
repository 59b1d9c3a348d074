/*
 * NAME
 *	test_release - unit tests for clamshim-release's readers of hostile text
 * DESCRIPTION
 *	Table-driven: postqueue -j lines (good ones, escapes, and lines
 *	that must be refused: controls, cut strings, deep nesting, too long
 *	addresses); the mark in a header block (only in the headers, whole
 *	value); the copy to deliver (the rescan's adds, inserts, changes and
 *	deletes applied as an MTA applies them, every X-Clamshim-Hold gone,
 *	X-Clamshim-Released added, the body unchanged); the ledger (a
 *	symbolic link, a directory, a bad queue id, a file too long, a
 *	missing line: skipped; a good entry read; done renames); the journal
 *	(what is pending after each record, a cut last line ignored, emptied
 *	at close when nothing is pending); Sendmail's queue control files
 *	(a real hf file: the envelope, the DSN options, the header block
 *	without Sendmail's conditional defaults and late macros; refused: no
 *	V first, no "." at the end, a NUL, a program or file recipient, a
 *	control in an address, a header that is not one) and mailq's
 *	listing (directories, ids, reasons; an entry before any directory
 *	refused).
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "release.h"

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define TOKEN_A		"0123456789abcdef0123456789abcdef"
#define TOKEN_B		"fedcba9876543210fedcba9876543210"

/* test_json - postqueue -j lines */
static void
test_json(void **state)
{
	static const struct {
		const char *line;
		int	ok;
		const char *queue, *qid, *sender, *rcpt0;
		size_t	nrcpt;
	} cases[] = {
		{"{\"queue_name\": \"hold\", \"queue_id\": \"4AB12\", \"arrival_time\": 1, "
		 "\"forced_expire\": false, \"sender\": \"s@a.test\", \"recipients\": "
		 "[{\"address\": \"r1@b.test\"}, {\"address\": \"r2@b.test\", \"delay_reason\": "
		 "\"x\"}]}", 1, "hold", "4AB12", "s@a.test", "r1@b.test", 2},
		{"{\"queue_name\":\"active\",\"queue_id\":\"Q1\",\"sender\":\"\",\"recipients\":[]}",
		 1, "active", "Q1", "", NULL, 0},
		{"{\"queue_name\": \"hold\", \"queue_id\": \"Q2\", \"sender\": \"a\\\"b\\u00e9@x\", "
		 "\"recipients\": [{\"address\": \"r\\/1@b\"}], \"extra\": {\"a\": [1, 2.5e3, null]}}",
		 1, "hold", "Q2", "a\"b\xc3\xa9@x", "r/1@b", 1},
		{"{\"queue_name\": \"hold\", \"queue_id\": \"Q3\", \"sender\": \"a\\nb\", "
		 "\"recipients\": []}", 0, NULL, NULL, NULL, NULL, 0},
		{"{\"queue_name\": \"hold\", \"queue_id\": \"Q4\", \"sender\": \"a\\u0000b\", "
		 "\"recipients\": []}", 0, NULL, NULL, NULL, NULL, 0},
		{"{\"queue_name\": \"hold\", \"queue_id\": \"Q5\", \"sender\": \"ab", 0,
		 NULL, NULL, NULL, NULL, 0},
		{"{\"queue_name\": \"hold\", \"sender\": \"a\", \"recipients\": []}", 0,
		 NULL, NULL, NULL, NULL, 0},
		{"{\"queue_name\": \"hold\", \"queue_id\": \"Q6\", \"sender\": \"a\", \"x\": "
		 "[[[[[[[[[[[[1]]]]]]]]]]]], \"recipients\": []}", 0, NULL, NULL, NULL, NULL, 0},
		{"{\"queue_name\": \"hold\", \"queue_id\": \"Q8\", \"sender\": \"a\x7f" "b\", "
		 "\"recipients\": []}", 0, NULL, NULL, NULL, NULL, 0},
		{"[1, 2]", 0, NULL, NULL, NULL, NULL, 0},
		{"", 0, NULL, NULL, NULL, NULL, 0},
	};
	char	err[RELEASE_ERR_MAX], *longaddr;
	struct release_qent q;
	size_t	i;
	int	rc;

	(void) state;
	for (i = 0; i < NROWS(cases); i++) {
		rc = release_json_qent(cases[i].line, strlen(cases[i].line), &q, err, sizeof(err));
		if (rc != (cases[i].ok ? 0 : -1))
			fail_msg("case %zu: rc %d (%s)", i, rc, err);
		if (!cases[i].ok) {
			assert_true(err[0] != '\0');
			continue;
		}
		assert_string_equal(q.queue, cases[i].queue);
		assert_string_equal(q.qid, cases[i].qid);
		assert_string_equal(q.sender, cases[i].sender);
		assert_int_equal(q.nrcpt, cases[i].nrcpt);
		if (cases[i].rcpt0)
			assert_string_equal(q.rcpt[0], cases[i].rcpt0);
		release_qent_free(&q);
	}
	/* an address longer than RELEASE_ADDR_MAX */
	longaddr = malloc(RELEASE_ADDR_MAX * 2 + 200);
	assert_non_null(longaddr);
	i = (size_t) sprintf(longaddr, "{\"queue_name\": \"hold\", \"queue_id\": \"Q7\", "
			     "\"sender\": \"");
	memset(longaddr + i, 'a', RELEASE_ADDR_MAX + 10);
	strcpy(longaddr + i + RELEASE_ADDR_MAX + 10, "\", \"recipients\": []}");
	assert_int_equal(release_json_qent(longaddr, strlen(longaddr), &q, err, sizeof(err)), -1);
	free(longaddr);
}

/* test_mark - X-Clamshim-Hold: TOKEN, in the headers only, the whole value */
static void
test_mark(void **state)
{
	static const struct {
		const char *msg;
		int	has;
	} cases[] = {
		{"From: a\nX-Clamshim-Hold: " TOKEN_A "\n\nbody\n", 1},
		{"From: a\nx-clamshim-hold:   " TOKEN_A "  \r\n\r\nbody\n", 1},
		{"From: a\nX-Clamshim-Hold: " TOKEN_A "x\n\nbody\n", 0},
		{"From: a\nX-Clamshim-Hold: " TOKEN_B "\n\nbody\n", 0},
		{"From: a\n\nX-Clamshim-Hold: " TOKEN_A "\n", 0},
		{"X-Clamshim-Holder: " TOKEN_A "\n\n", 0},
		{"", 0},
	};
	size_t	i;

	(void) state;
	for (i = 0; i < NROWS(cases); i++)
		if (release_msg_header_has(cases[i].msg, strlen(cases[i].msg), "X-Clamshim-Hold",
					   TOKEN_A) != cases[i].has)
			fail_msg("case %zu", i);
}

/* change - one header change */
static struct mt_change
change(char op, unsigned index, const char *name, const char *value)
{
	struct mt_change c;

	memset(&c, 0, sizeof(c));
	c.op = op;
	c.index = index;
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.value, sizeof(c.value), "%s", value);
	return c;
}

/* test_rewrite - the copy to deliver */
static void
test_rewrite(void **state)
{
	static const char held[] =
		"Received: from x\n\tby y\n"
		"X-Virus-Status: Unscanned (old)\n"
		"Subject: hi\n"
		"X-Clamshim-Hold: " TOKEN_A "\n"
		"X-Virus-Status: Second\n"
		"\n"
		"X-Clamshim-Hold: in the body stays\n";
	static const char want[] =
		"X-Top: 1\n"
		"Received: from x\n\tby y\n"
		"Subject: hi\n"
		"X-Virus-Status: Changed\n"
		"X-Virus-Scanned: clamshim\n"
		"X-Virus-Status: Clean\n"
		"X-Folded: a\n\tb\n"
		"X-Clamshim-Released: " TOKEN_A "\n"
		"\n"
		"X-Clamshim-Hold: in the body stays\n";
	struct mt_result *r = calloc(1, sizeof(*r));
	char	err[RELEASE_ERR_MAX], *out;
	size_t	len;

	(void) state;
	assert_non_null(r);
	r->changes[r->nchanges++] = change('m', 1, "X-Virus-Status", "");	/* first one goes */
	r->changes[r->nchanges++] = change('m', 1, "X-Virus-Status", "Changed");	/* now the second */
	r->changes[r->nchanges++] = change('m', 1, "X-Clamshim-Hold", "");
	r->changes[r->nchanges++] = change('m', 3, "X-Nothing", "");		/* not there: nothing */
	r->changes[r->nchanges++] = change('h', 0, "X-Virus-Scanned", "clamshim");
	r->changes[r->nchanges++] = change('h', 0, "X-Virus-Status", "Clean");
	r->changes[r->nchanges++] = change('i', 0, "X-Top", "1");
	r->changes[r->nchanges++] = change('h', 0, "X-Folded", "a\nb");
	assert_int_equal(release_msg_rewrite(held, sizeof(held) - 1, r, TOKEN_A, &out, &len,
					     err, sizeof(err)), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	free(out);

	/* without the rescan deleting it, the mark goes all the same */
	r->nchanges = 0;
	assert_int_equal(release_msg_rewrite(held, sizeof(held) - 1, r, TOKEN_A, &out, &len,
					     err, sizeof(err)), 0);
	assert_false(release_msg_header_has(out, len, "X-Clamshim-Hold", TOKEN_A));
	assert_true(release_msg_header_has(out, len, "X-Clamshim-Released", TOKEN_A));
	free(out);

	/* a bad header name from the rescan, or changes the client cut: refused */
	r->changes[r->nchanges++] = change('h', 0, "Bad Name", "x");
	assert_int_equal(release_msg_rewrite(held, sizeof(held) - 1, r, TOKEN_A, &out, &len,
					     err, sizeof(err)), -1);
	r->nchanges = 0;
	r->changes_cut = 1;
	assert_int_equal(release_msg_rewrite(held, sizeof(held) - 1, r, TOKEN_A, &out, &len,
					     err, sizeof(err)), -1);
	free(r);
}

/* write_file - dir/name with text */
static void
write_file(const char *dir, const char *name, const char *text)
{
	char	path[PATH_MAX];
	FILE   *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* test_ledger - hostile entries skipped, good ones read oldest first, done renames */
static void
test_ledger(void **state)
{
	char	dir[] = "/tmp/test_release.XXXXXX", path[PATH_MAX], err[RELEASE_ERR_MAX];
	char	big[2048];
	struct release_entry *e;
	size_t	n;
	int	fd;

	(void) state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, TOKEN_A, "queue_id=4AB12\ntime=200\nmta=postfix\n");
	write_file(dir, TOKEN_B, "time=100\nmta=postfix\nqueue_id=ZZ9\n");
	write_file(dir, "00000000000000000000000000000001", "queue_id=../x\ntime=1\nmta=postfix\n");
	write_file(dir, "00000000000000000000000000000002", "queue_id=Q\nmta=postfix\n");
	write_file(dir, "00000000000000000000000000000003", "queue_id=Q\ntime=-1\nmta=postfix\n");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "queue_id=Q\ntime=1\nmta=postfix\n#", 31);
	write_file(dir, "00000000000000000000000000000004", big);
	snprintf(path, sizeof(path), "%s/00000000000000000000000000000005", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/00000000000000000000000000000006", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file(dir, "0123456789ABCDEF0123456789ABCDEF", "queue_id=Q\ntime=1\nmta=postfix\n");
	write_file(dir, TOKEN_A ".done-clean", "queue_id=Q\ntime=1\nmta=postfix\n");

	fd = release_ledger_open(dir, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(release_ledger_list(fd, &e, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].token, TOKEN_B);	/* oldest first */
	assert_string_equal(e[0].qid, "ZZ9");
	assert_int_equal(e[0].time, 100);
	assert_string_equal(e[1].token, TOKEN_A);
	assert_string_equal(e[1].qid, "4AB12");
	assert_string_equal(e[1].mta, "postfix");
	free(e);
	assert_int_equal(release_ledger_done(fd, TOKEN_B, "infected", err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/" TOKEN_B ".done-infected", dir);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(release_ledger_done(fd, TOKEN_B, "infected", err, sizeof(err)), 0);
	close(fd);

	/* the directory itself a symbolic link: refused */
	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(symlink(dir, path), 0);
	assert_int_equal(release_ledger_open(path, err, sizeof(err)), -1);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* test_journal - pending after each record; a cut line; emptied at close */
static void
test_journal(void **state)
{
	char	dir[] = "/tmp/test_release.XXXXXX", path[PATH_MAX], err[RELEASE_ERR_MAX];
	const char *t, *s, *q;
	struct release_journal *j;
	struct stat st;
	int	dfd;

	(void) state;
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	j = release_journal_open(dfd, err, sizeof(err));
	assert_non_null(j);
	assert_int_equal(release_journal_pending(j, 0, &t, &s, &q), -1);
	assert_int_equal(release_journal_add(j, "inject", TOKEN_A, "Q1", err, sizeof(err)), 0);
	assert_int_equal(release_journal_add(j, "inject", TOKEN_B, "Q2", err, sizeof(err)), 0);
	assert_int_equal(release_journal_add(j, "injected", TOKEN_B, "Q2", err, sizeof(err)), 0);
	assert_int_equal(release_journal_add(j, "done", TOKEN_A, NULL, err, sizeof(err)), 0);
	release_journal_close(j);		/* TOKEN_B pending: kept */

	snprintf(path, sizeof(path), "%s/journal", dir);
	{
		FILE   *fp = fopen(path, "a");

		assert_non_null(fp);
		fputs("garbage line\ninject " TOKEN_A " Q9", fp);	/* cut: never confirmed */
		assert_int_equal(fclose(fp), 0);
	}
	j = release_journal_open(dfd, err, sizeof(err));
	assert_non_null(j);
	assert_int_equal(release_journal_pending(j, 0, &t, &s, &q), 0);
	assert_string_equal(t, TOKEN_B);
	assert_string_equal(s, "injected");
	assert_string_equal(q, "Q2");
	assert_int_equal(release_journal_pending(j, 1, &t, &s, &q), -1);
	assert_int_equal(release_journal_add(j, "done", TOKEN_B, NULL, err, sizeof(err)), 0);
	release_journal_close(j);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	close(dfd);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* test_run - a command's output, its exit status, the bound */
static void
test_run(void **state)
{
	const char *cat[] = {"/bin/cat", NULL};
	const char *fail[] = {"/bin/sh", "-c", "exit 3", NULL};
	const char *none[] = {"/nonexistent/cmd", NULL};
	char   *env[] = {NULL}, err[RELEASE_ERR_MAX], *out = NULL;
	size_t	len = 0;

	(void) state;
	assert_int_equal(release_run(cat, env, "hello\n", 6, &out, &len, 100, 30, err,
				     sizeof(err)), 0);
	assert_int_equal(len, 6);
	assert_string_equal(out, "hello\n");
	free(out);
	assert_int_equal(release_run(cat, env, "hello\n", 6, &out, &len, 3, 30, err,
				     sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than"));
	assert_int_equal(release_run(fail, env, NULL, 0, NULL, NULL, 0, 30, err, sizeof(err)), 3);
	assert_int_equal(release_run(none, env, NULL, 0, NULL, NULL, 0, 30, err, sizeof(err)), 127);
}

/* A quarantined message as Sendmail 8.17 wrote it (tests/hold-sendmail.sh). */
static const char hf_real[] =
	"V8\nT1796209960\nK1796209960\nN0\nP90251\n"
	"qclamshim hold 3adaa58cf863e8bad50038dd951ce12d\nFbs\n"
	"$_mx.clamshim.test [127.0.0.1]\n$rESMTP\n${daemon_flags}\n"
	"S<s1@clamshim.test>\n"
	"rRFC822; r1-a@example.test\nRPFD:<r1-a@example.test>\n"
	"rRFC822; r1-b@example.test\nRPFD:<r1-b@example.test>\n"
	"H?P?Return-Path: <\201g>\n"
	"H??Received: from client.clamshim.test (mx.clamshim.test [127.0.0.1])\n"
	"\tby mx.clamshim.test (8.17.1.9/8.17.1.9) with ESMTP id 6B2BCehe005903;\n"
	"\tWed, 2 Dec 2026 11:12:40 GMT\n"
	"H??Subject: clean \201\3511\n"
	"H??X-Late: \201j\n"
	"H??X-Clamshim-Hold: 3adaa58cf863e8bad50038dd951ce12d\n"
	".\n";

/* test_hf - a real hf file, and hostile ones */
static void
test_hf(void **state)
{
	static const char *const bad[] = {
		"S<a@b>\n.\n",					/* no V first */
		"V8\nS<a@b>\n",					/* no "." */
		"V8\nS<a@b>\nRPFD:<a@b>",			/* no line end */
		"V8x\nS<a@b>\n.\n",				/* a version not a number */
		"V8\nRPFD:<a@b>\n.\n",				/* no sender */
		"V8\nS<a@b>\nRPFD:<|/bin/sh -c x>\n.\n",	/* a program */
		"V8\nS<a@b>\nRPFD:/etc/passwd\n.\n",		/* a file */
		"V8\nS<a@b>\nRPFD:<-oQ/tmp@x>\n.\n",		/* an option */
		"V8\nS<a@b>\nRPFD:<a@b>\n\tc@d\n.\n",		/* a control in an address */
		"V8\nS<a@b>\nRPFD<a@b>\n.\n",			/* no ':' */
		"V8\nS<a@b>\nRPFD:<>\n.\n",			/* an empty recipient */
		"V8\nS<a@b>\nH??Not a header\n.\n",
		"V8\nS<a@b>\nH?P\n.\n",
		"V8\nS<a@b>\nqa\001b\n.\n",
	};
	static const char dsn1[] = "V8\nFdn\nZenv+2Bid\nS<>\nRPNS:<a@b>\nRPNSF:c@d\n.\n";
	static const char dsn2[] = "V8\nFd\nS<a@b>\nRPN:<a@b>\nRN:<c@d>\n.\n";
	struct release_hf hf;
	char	err[RELEASE_ERR_MAX], *big;
	size_t	i;

	(void) state;
	assert_int_equal(release_hf_parse(hf_real, sizeof(hf_real) - 1, &hf, err, sizeof(err)), 0);
	assert_string_equal(hf.reason, "clamshim hold 3adaa58cf863e8bad50038dd951ce12d");
	assert_string_equal(hf.sender, "s1@clamshim.test");
	assert_int_equal(hf.nrcpt, 2);
	assert_string_equal(hf.rcpt[0], "r1-a@example.test");
	assert_string_equal(hf.rcpt[1], "r1-b@example.test");
	assert_int_equal(hf.dsn.ret, 0);
	assert_int_equal(hf.dsn.notify, 0);
	assert_int_equal(hf.dropped, 2);		/* Return-Path (?P?), X-Late (a macro) */
	assert_int_equal(hf.hlen, strlen(hf.headers));
	assert_string_equal(hf.headers,
		"Received: from client.clamshim.test (mx.clamshim.test [127.0.0.1])\n"
		"\tby mx.clamshim.test (8.17.1.9/8.17.1.9) with ESMTP id 6B2BCehe005903;\n"
		"\tWed, 2 Dec 2026 11:12:40 GMT\n"
		"Subject: clean \3511\n"
		"X-Clamshim-Hold: 3adaa58cf863e8bad50038dd951ce12d\n");
	release_hf_free(&hf);

	/* DSN: RET=HDRS, ENVID, NOTIFY the same for all; mixed NOTIFY is left out */
	assert_int_equal(release_hf_parse(dsn1, sizeof(dsn1) - 1, &hf, err, sizeof(err)), 0);
	assert_string_equal(hf.sender, "");
	assert_int_equal(hf.dsn.ret, 2);
	assert_string_equal(hf.dsn.envid, "env+2Bid");
	assert_int_equal(hf.dsn.notify, 0);
	release_hf_free(&hf);
	assert_int_equal(release_hf_parse(dsn2, sizeof(dsn2) - 1, &hf, err, sizeof(err)), 0);
	assert_int_equal(hf.dsn.ret, 1);
	assert_int_equal(hf.dsn.notify, 1);		/* NEVER */
	release_hf_free(&hf);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (release_hf_parse(bad[i], strlen(bad[i]), &hf, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err[0] != '\0');
		assert_null(hf.sender);
	}
	assert_int_equal(release_hf_parse("V8\nS<a@b>\0\n.\n", 12, &hf, err, sizeof(err)), -1);

	/* an address of RELEASE_ADDR_MAX bytes is refused */
	big = malloc(RELEASE_ADDR_MAX + 32);
	assert_non_null(big);
	memcpy(big, "V8\nS<", 5);
	memset(big + 5, 'a', RELEASE_ADDR_MAX);
	memcpy(big + 5 + RELEASE_ADDR_MAX, ">\n.\n", 4);
	assert_int_equal(release_hf_parse(big, RELEASE_ADDR_MAX + 9, &hf, err, sizeof(err)), -1);
	free(big);
}

/* test_mailq - mailq's listing */
static void
test_mailq(void **state)
{
	static const char listing[] =
		"\t\t/var/spool/mqueue (3 requests)\n"
		"-----Q-ID----- --Size-- -----Q-Time----- ------------Sender/Recipient-----------\n"
		"6B2BCdoa005687       25 Wed Dec  2 11:12 admin@clamshim.test\n"
		"     QUARANTINE: held by the administrator\n"
		"\t\t\t\t\t postmaster@example.test\n"
		"6B2BClw0006712*     299 Wed Dec  2 11:12 <s21@clamshim.test>\n"
		"     QUARANTINE: clamshim hold db3faba8409df1f9cd06f7f0a4c8bd57\n"
		"\t\t\t\t\t <r21-a@example.test>\n"
		"\t\t/var/spool/mq (x) 2 (1 request)\n"
		"6B2BClw0006713      299 Wed Dec  2 11:12 <QUARANTINE: forged@x>\n"
		"\t\tTotal requests: 3\n";
	struct release_qent *q;
	char	err[RELEASE_ERR_MAX];
	size_t	n;

	(void) state;
	assert_int_equal(release_mailq_parse(listing, "hold", &q, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_string_equal(q[0].qid, "6B2BCdoa005687");
	assert_string_equal(q[0].dir, "/var/spool/mqueue");
	assert_string_equal(q[0].reason, "held by the administrator");
	assert_string_equal(q[0].queue, "hold");
	assert_null(q[0].sender);
	assert_string_equal(q[1].qid, "6B2BClw0006712");
	assert_string_equal(q[1].reason, "clamshim hold db3faba8409df1f9cd06f7f0a4c8bd57");
	assert_string_equal(q[2].dir, "/var/spool/mq (x) 2");
	assert_null(q[2].reason);
	for (; n > 0; n--)
		release_qent_free(&q[n - 1]);
	free(q);
	assert_int_equal(release_mailq_parse("/var/spool/mqueue is empty\n", "hold", &q, &n, err,
					     sizeof(err)), 0);
	assert_int_equal(n, 0);
	free(q);
	assert_int_equal(release_mailq_parse("6B2BCdoa005687 25 x\n", "hold", &q, &n, err,
					     sizeof(err)), -1);
	assert_null(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_mark),
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_ledger),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_hf),
		cmocka_unit_test(test_mailq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
