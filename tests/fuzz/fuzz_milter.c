/*
 * NAME
 *	fuzz_milter - libFuzzer target for the libmilter callbacks of src/milter.c
 * DESCRIPTION
 *	src/milter.c is linked against tests/fuzz/fake_milter.c (every
 *	smfi_* function of libmilter) and the real chain, spool, policy,
 *	header and configuration code; the two scanner backends are a test
 *	backend here whose verdict, virus name and engine string come from
 *	the input. The callbacks are taken from the struct smfiDesc that
 *	milter_open() registers and called directly.
 *
 *	The input is a script for up to three connections at once: each
 *	step is one byte (the callback in the low nibble, the connection in
 *	the high one) and its arguments: negotiate with any offered actions
 *	and protocol flags, connect, MAIL FROM, header, end of headers, body
 *	chunk, end of message (with the scanners' verdicts and calls of the
 *	MTA that fail), abort, close, and a configuration reload between
 *	four snapshots (policy actions, skip_authenticated, headers.add and
 *	strip_incoming, tiny memory_limit and max_size), in any order and
 *	repeated. Every connection is closed at the end, as libmilter does.
 *
 *	Besides the sanitizers (contexts and spools freed exactly once, no
 *	leak), the fake libmilter aborts on a call no filter may make
 *	(fake_milter.h), and this target checks what the milter promises:
 *	- a step answers NOREPLY only when the negotiation asked for no
 *	  reply to it; negotiation never asks for more than was offered;
 *	- a context left after close is a leak;
 *	- at end of message: reject comes with a 5xx reply, tempfail with a
 *	  4xx one; a message that goes on carries exactly one X-Virus-Status
 *	  (and one X-Virus-Scanned) unless it is clean with headers.add off:
 *	  "Clean" for clean, "Infected (...)" or "Unscanned (...)" for every
 *	  other verdict; a quarantined one was quarantined with a reason;
 *	- for a message that came in order (MAIL FROM, headers, end of
 *	  headers, body, end of message): the scanner saw exactly the bytes
 *	  received, and every incoming X-Virus-Status was deleted, however
 *	  many other X-Virus-* names came first;
 *	- a message whose tag cannot be added (the MTA did not grant adding
 *	  headers) goes on only when it is clean;
 *	other checks that depend on the MTA are made only when it granted
 *	the action and no call was made to fail.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "chain.h"
#include "conf.h"
#include "milter.h"
#include "policy.h"
#include "scan.h"
#include "spool.h"

#include "fake_milter.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CONNS		3
#define FUZZ_CONFS		4
#define FUZZ_CHUNK_MAX		4096	/* one body chunk */
#define FUZZ_EXPECT_MAX		(256 * 1024)	/* bytes of one message modelled */
#define FUZZ_STRIP_GUARD	16	/* MILTER_STRIP_MAX of src/milter_int.h: one name more goes past it */
#define FUZZ_NAMES_MAX		(FUZZ_STRIP_GUARD + 1)

/* The steps of the script (low nibble of a step byte, modulo FUZZ_OPS). */
enum fuzz_op {
	FUZZ_NEGOTIATE, FUZZ_CONNECT, FUZZ_ENVFROM, FUZZ_HEADER, FUZZ_HEADER2,
	FUZZ_EOH, FUZZ_BODY, FUZZ_BODY2, FUZZ_EOM, FUZZ_ABORT, FUZZ_CLOSE,
	FUZZ_SETCONF, FUZZ_OPS
};

/* Where the model of one connection's message stands. */
enum fuzz_msg { FUZZ_MSG_NONE, FUZZ_MSG_OPEN, FUZZ_MSG_BROKEN };

/* One connection as the target models it. */
struct fuzz_conn {
	SMFICTX	ctx;
	int	active;			/* a callback ran since the last close */
	int	negotiated;
	unsigned long pf1;		/* protocol flags the filter asked for */
	int	conf;			/* snapshot taken at connect, -1 before */
	enum fuzz_msg msg;
	unsigned char expect[FUZZ_EXPECT_MAX];	/* the bytes the scanner must see */
	size_t	explen;
	int	exp_over;		/* more than FUZZ_EXPECT_MAX: not compared */
	unsigned xvs;			/* incoming X-Virus-Status headers */
	char	names[FUZZ_NAMES_MAX][64];	/* distinct X-Virus-* names (lower case) */
	size_t	nnames;
	int	name_long;		/* an X-Virus-* name of 64 bytes or more */
};

/* The script being read. */
struct fuzz_in {
	const uint8_t *p;
	size_t	n;
};

/* A scanner instance of the test backend. */
struct scanner {
	enum conf_scanner kind;
};

/* What the test backend is told to answer, and what it saw. */
static struct {
	enum scan_result next[CONF_SCANNER_COUNT];
	char	name[SCAN_NAME_MAX];
	char	engine[SCAN_ENGINE_MAX];
	unsigned called;
	unsigned char *seen;
	size_t	seenlen;
} fuzz_scan;

static struct scanner fuzz_instances[CONF_SCANNER_COUNT];
static struct conf *fuzz_confs[FUZZ_CONFS];
static int fuzz_conf_now;
static struct chain *fuzz_chain;
static const struct smfiDesc *fuzz_desc;
static struct fuzz_conn fuzz_conns[FUZZ_CONNS];
static struct milter_outcome fuzz_outcome;
static int fuzz_observed;
static int fuzz_in_eom;
static char fuzz_dir[64];

/* fuzz_fail - a broken promise: say which, abort */
static void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_milter: %s\n", what);
	abort();
}

/* ---- the test backend (scan_embedded_ops and scan_clamd_ops of this build) ---- */

/* fuzz_create - the one instance of a kind */
static struct scanner *
fuzz_create(enum conf_scanner kind)
{
	fuzz_instances[kind].kind = kind;
	return &fuzz_instances[kind];
}

/* fuzz_create_embedded - ops->create for "embedded" */
static struct scanner *
fuzz_create_embedded(const struct conf *conf, char *err, size_t errlen)
{
	(void) conf, (void) err, (void) errlen;
	return fuzz_create(CONF_SCANNER_EMBEDDED);
}

/* fuzz_create_clamd - ops->create for "clamd" */
static struct scanner *
fuzz_create_clamd(const struct conf *conf, char *err, size_t errlen)
{
	(void) conf, (void) err, (void) errlen;
	return fuzz_create(CONF_SCANNER_CLAMD);
}

/* fuzz_configure - nothing to apply */
static void
fuzz_configure(struct scanner *s, const struct conf *conf)
{
	(void) s, (void) conf;
}

/*
 * fuzz_read_spool - the whole spool, checked against spool_mem; the first
 * scan of a message (the message as received) is kept in fuzz_scan.seen,
 * later ones (the MIME check's other readings, mime_check(3)) are only read
 */
static void
fuzz_read_spool(const struct spool *msg)
{
	uint64_t size = spool_size(msg);
	size_t	len, got = 0;
	const void *mem;
	unsigned char *buf;
	ssize_t	n;

	if (spool_over_limit(msg))
		fuzz_fail("a spool over max_size was handed to a scanner");
	if (size > 64 * 1024 * 1024)
		fuzz_fail("spool size out of range");
	buf = malloc((size_t) size + 1);
	if (buf == NULL)
		abort();
	while (got < size && (n = spool_pread(msg, buf + got, (size_t) size - got, got)) > 0)
		got += (size_t) n;
	if (got != size)
		fuzz_fail("spool_pread did not give spool_size bytes");
	mem = spool_mem(msg, &len);
	if (mem != NULL && (len != got || memcmp(mem, buf, len) != 0))
		fuzz_fail("spool_mem and spool_pread disagree");
	if (fuzz_scan.called == 0) {
		free(fuzz_scan.seen);
		fuzz_scan.seen = buf;
		fuzz_scan.seenlen = got;
	} else
		free(buf);
	if (mem == NULL && spool_fd(msg) < 0)
		fuzz_fail("a spool neither in RAM nor in a file");
}

/* fuzz_scan_msg - ops->scan: the verdict the script chose */
static void
fuzz_scan_msg(struct scanner *s, const struct spool *msg, struct scan_verdict *v)
{
	const char *who = conf_scanner_name(s->kind);

	fuzz_read_spool(msg);
	fuzz_scan.called++;
	switch (fuzz_scan.next[s->kind]) {
	case SCAN_CLEAN:
		scan_verdict_set(v, SCAN_CLEAN, who, NULL);
		break;
	case SCAN_INFECTED:
		scan_verdict_set(v, SCAN_INFECTED, who, "%s", fuzz_scan.name);
		break;
	case SCAN_LIMIT:
		scan_verdict_set(v, SCAN_LIMIT, who, "limit: %s", fuzz_scan.name);
		break;
	case SCAN_ERROR:
		scan_verdict_set(v, SCAN_ERROR, who, "%s", fuzz_scan.name);
		break;
	default:
		scan_verdict_set(v, SCAN_UNAVAILABLE, who, "%s", fuzz_scan.name);
		return;
	}
	snprintf(v->engine, sizeof(v->engine), "%s", fuzz_scan.engine);
}

/* fuzz_wait_ready - always loaded */
static int
fuzz_wait_ready(struct scanner *s, int timeout_ms)
{
	(void) s, (void) timeout_ms;
	return 0;
}

/* fuzz_status - always up */
static void
fuzz_status(struct scanner *s, struct scan_status *st)
{
	memset(st, 0, sizeof(*st));
	st->up = 1;
	snprintf(st->engine, sizeof(st->engine), "%s", conf_scanner_name(s->kind));
}

/* fuzz_destroy - nothing allocated */
static void
fuzz_destroy(struct scanner *s)
{
	(void) s;
}

const struct scan_ops scan_embedded_ops = {
	.create = fuzz_create_embedded, .configure = fuzz_configure,
	.scan = fuzz_scan_msg, .reload = NULL, .wait_ready = fuzz_wait_ready,
	.status = fuzz_status, .destroy = fuzz_destroy,
};
const struct scan_ops scan_clamd_ops = {
	.create = fuzz_create_clamd, .configure = fuzz_configure,
	.scan = fuzz_scan_msg, .reload = NULL, .wait_ready = fuzz_wait_ready,
	.status = fuzz_status, .destroy = fuzz_destroy,
};

/* ---- set-up ---- */

/* fuzz_observe - the milter's outcome of a message (at end of message; others ignored) */
static void
fuzz_observe(const struct milter_outcome *o)
{
	if (!fuzz_in_eom)
		return;
	if (fuzz_observed)
		fuzz_fail("two outcomes for one end of message");
	fuzz_outcome = *o;
	fuzz_observed = 1;
}

/* fuzz_load_conf - one snapshot from text (%1$s is the private dir) */
static struct conf *
fuzz_load_conf(int i, const char *text)
{
	char	path[128];
	struct conf *c = NULL;
	FILE   *fp;

	snprintf(path, sizeof(path), "%s/c%d.conf", fuzz_dir, i);
	if ((fp = fopen(path, "w")) == NULL)
		fuzz_fail("cannot write a configuration");
	fprintf(fp, "socket = \"unix:%s/fuzz.sock\"\nuser = \"\"\npid_file = \"\"\n"
		"spool_dir = \"%s\"\nstatus {\n  file = \"\"\n}\n"
		"embedded {\n  database = \"%s\"\n}\n%s", fuzz_dir, fuzz_dir, fuzz_dir, text);
	fclose(fp);
	if (conf_load(path, CONF_TOLERANT, NULL, NULL, &c) != 0 || c == NULL)
		fuzz_fail("a configuration of the target does not load (options renamed?)");
	unlink(path);
	return c;
}

/* fuzz_cleanup - remove the private dir at exit */
static void
fuzz_cleanup(void)
{
	rmdir(fuzz_dir);
}

/* LLVMFuzzerInitialize - four snapshots, the chain, milter_open() */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const texts[FUZZ_CONFS] = {
		/* defaults, spilling past 4K, both scanners */
		"memory_limit = \"4K\"\nscanners = {\"embedded\", \"clamd\"}\nmax_scans = 1\n"
		"policy {\n  max_size = \"64K\"\n}\n",
		/* quarantine, a reject for limits, accept unscanned, skip authenticated, no headers */
		"memory_limit = \"1K\"\nscanners = {\"clamd\"}\nmax_scans = 2\n"
		"policy {\n  on_infected = \"quarantine\"\n  on_limit = \"reject\"\n"
		"  on_unavailable = \"accept\"\n  on_error = \"reject\"\n  skip_authenticated = true\n"
		"  max_size = \"2K\"\n  reject_message = \"Found %v, 100%% sure\"\n}\n"
		"headers {\n  add = false\n}\n",
		/* discard, quarantine when unavailable, no stripping, always spilled */
		"memory_limit = \"64\"\nscanners = {\"embedded\"}\n"
		"policy {\n  on_infected = \"discard\"\n  on_unavailable = \"quarantine\"\n"
		"  on_error = \"accept\"\n  on_limit = \"tempfail\"\n  max_size = \"8K\"\n"
		"  tempfail_message = \"%v % later\"\n}\nheaders {\n  strip_incoming = false\n}\n",
		/* tag everything, clamd first */
		"scanners = {\"clamd\", \"embedded\"}\n"
		"policy {\n  on_infected = \"tag\"\n  on_unavailable = \"tempfail\"\n"
		"  on_limit = \"accept\"\n  on_error = \"tempfail\"\n}\n",
	};
	const char *tmp = getenv("TMPDIR");
	char	err[256];
	int	i;

	(void) argc, (void) argv;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzzmilter.XXXXXX",
		 tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL)
		fuzz_fail("mkdtemp");
	atexit(fuzz_cleanup);
	for (i = 0; i < FUZZ_CONFS; i++)
		fuzz_confs[i] = fuzz_load_conf(i, texts[i]);
	fuzz_chain = chain_new(&chain_real_backends);
	for (i = 0; i < FUZZ_CONFS; i++)
		if (chain_configure(fuzz_chain, fuzz_confs[i], err, sizeof(err)) != 0)
			fuzz_fail(err);
	if (milter_open(fuzz_confs[0]->socket, fuzz_confs[0], fuzz_chain, err, sizeof(err)) != 0)
		fuzz_fail(err);
	milter_set_observer(fuzz_observe);
	fuzz_desc = fake_milter_desc();
	if (fuzz_desc == NULL || fuzz_desc->xxfi_eom == NULL)
		fuzz_fail("milter_open registered no callbacks");
	return 0;
}

/* ---- reading the script ---- */

/* fuzz_byte - the next byte, 0 past the end */
static uint8_t
fuzz_byte(struct fuzz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

/* fuzz_str - a string: a length byte, then that many bytes (a NUL ends it early) */
static void
fuzz_str(struct fuzz_in *in, char *dst, size_t dstlen)
{
	size_t	len = fuzz_byte(in);

	if (len > in->n)
		len = in->n;
	if (len > dstlen - 1)
		len = dstlen - 1;
	memcpy(dst, in->p, len);
	dst[len] = 0;
	in->p += len;
	in->n -= len;
}

/* fuzz_chunk - a body chunk: two length bytes, then the bytes; its length */
static size_t
fuzz_chunk(struct fuzz_in *in, unsigned char *dst)
{
	size_t	len = fuzz_byte(in);

	len |= (size_t) fuzz_byte(in) << 8;
	len %= FUZZ_CHUNK_MAX + 1;
	if (len > in->n)
		len = in->n;
	memcpy(dst, in->p, len);
	in->p += len;
	in->n -= len;
	return len;
}

/* ---- the model ---- */

/* fuzz_expect - append to the bytes the scanner must see */
static void
fuzz_expect(struct fuzz_conn *fc, const void *buf, size_t len)
{
	if (fc->exp_over || fc->explen + len > FUZZ_EXPECT_MAX) {
		fc->exp_over = 1;
		return;
	}
	memcpy(fc->expect + fc->explen, buf, len);
	fc->explen += len;
}

/* fuzz_msg_start - a new message in the model */
static void
fuzz_msg_start(struct fuzz_conn *fc, enum fuzz_msg state)
{
	fc->msg = state;
	fc->explen = 0;
	fc->exp_over = 0;
	fc->xvs = 0;
	fc->nnames = 0;
	fc->name_long = 0;
}

/* fuzz_note_name - count an incoming X-Virus-* header */
static void
fuzz_note_name(struct fuzz_conn *fc, const char *name)
{
	char	low[64];
	size_t	i, n = strlen(name);

	if (strncasecmp(name, "X-Virus-", 8) != 0)
		return;
	if (strcasecmp(name, "X-Virus-Status") == 0)
		fc->xvs++;
	if (n >= sizeof(low)) {
		fc->name_long = 1;
		return;
	}
	for (i = 0; i <= n; i++)
		low[i] = (char) (name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	for (i = 0; i < fc->nnames; i++)
		if (strcmp(fc->names[i], low) == 0)
			return;
	if (fc->nnames < FUZZ_NAMES_MAX)
		memcpy(fc->names[fc->nnames++], low, n + 1);
}

/* fuzz_check_reply - a step's answer is one libmilter can send; NOREPLY only if negotiated */
static void
fuzz_check_reply(const struct fuzz_conn *fc, sfsistat rc, unsigned long nr_flag)
{
	switch (rc) {
	case SMFIS_CONTINUE:
	case SMFIS_REJECT:
	case SMFIS_DISCARD:
	case SMFIS_ACCEPT:
	case SMFIS_TEMPFAIL:
		return;
	case SMFIS_NOREPLY:
		if (nr_flag == 0 || !fc->negotiated || (fc->pf1 & nr_flag) == 0)
			fuzz_fail("NOREPLY to a step not negotiated as no-reply");
		return;
	case SMFIS_SKIP:
		if (nr_flag != SMFIP_NR_BODY)
			fuzz_fail("SKIP outside the body");
		return;
	default:
		fuzz_fail("a reply libmilter does not know");
	}
}

/* fuzz_count_added - headers named name the filter added; *value the last one's value */
static unsigned
fuzz_count_added(const SMFICTX *ctx, const char *name, const char **value)
{
	unsigned n = 0;
	size_t	i;

	for (i = 0; i < ctx->nchanges; i++) {
		if ((ctx->changes[i].op == 'a' || ctx->changes[i].op == 'i') &&
		    strcasecmp(ctx->changes[i].name, name) == 0) {
			n++;
			if (value)
				*value = ctx->changes[i].value;
		}
	}
	return n;
}

/* fuzz_check_strip - every incoming X-Virus-Status deleted, indexes 1..xvs once each */
static void
fuzz_check_strip(const struct fuzz_conn *fc)
{
	const SMFICTX *ctx = &fc->ctx;
	unsigned char seen[FAKE_CHANGES_MAX + 1];
	unsigned deleted = 0;
	size_t	i;
	int	idx;

	if (fc->xvs > FAKE_CHANGES_MAX / 2 || ctx->changes_dropped)
		return;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < ctx->nchanges; i++) {
		if (ctx->changes[i].op != 'd' || strcasecmp(ctx->changes[i].name, "X-Virus-Status"))
			continue;
		idx = ctx->changes[i].index;
		if (idx < 1 || (unsigned) idx > fc->xvs || seen[idx])
			fuzz_fail("an X-Virus-Status deletion with a wrong or repeated index");
		seen[idx] = 1;
		deleted++;
	}
	if (deleted != fc->xvs)
		fuzz_fail("an incoming X-Virus-Status was not deleted");
}

/* fuzz_check_eom - what the end of a message must have done */
static void
fuzz_check_eom(struct fuzz_conn *fc, sfsistat rc)
{
	const SMFICTX *ctx = &fc->ctx;
	const struct conf *conf = fc->conf >= 0 ? fuzz_confs[fc->conf] : NULL;
	const char *status = NULL;
	unsigned nstatus, nscanned;
	int	goes_on = rc == SMFIS_CONTINUE || rc == SMFIS_ACCEPT;

	if (rc == SMFIS_NOREPLY || rc == SMFIS_SKIP)
		fuzz_fail("end of message must decide");
	fuzz_check_reply(fc, rc, 0);
	nstatus = fuzz_count_added(ctx, "X-Virus-Status", &status);
	nscanned = fuzz_count_added(ctx, "X-Virus-Scanned", NULL);
	if (!fuzz_observed) {
		if (rc != SMFIS_TEMPFAIL)
			fuzz_fail("a message decided without an outcome");
		return;
	}
	if (conf == NULL) {		/* callbacks before CONNECT: counted, logged, tempfail */
		if (rc != SMFIS_TEMPFAIL || fuzz_outcome.action != POLICY_TEMPFAIL)
			fuzz_fail("a message on a connection without a configuration went on");
		return;
	}
	if (rc == SMFIS_REJECT && !(ctx->failed & FAKE_FAIL_SETREPLY) &&
	    (!ctx->replied || ctx->rcode[0] != '5'))
		fuzz_fail("reject without a 5xx reply");
	if (rc == SMFIS_TEMPFAIL && !(ctx->failed & FAKE_FAIL_SETREPLY) &&
	    (!ctx->replied || ctx->rcode[0] != '4'))
		fuzz_fail("tempfail without a 4xx reply");
	if (!goes_on && nstatus)
		fuzz_fail("X-Virus-Status added to a message that does not go on");
	if (!goes_on || ctx->failed || ctx->changes_dropped)
		return;
	if (fuzz_outcome.action == POLICY_QUARANTINE && (ctx->aflags & SMFIF_QUARANTINE) &&
	    !ctx->quarantined)
		fuzz_fail("quarantine decided, the message not quarantined");
	if (fc->msg == FUZZ_MSG_OPEN && conf->headers.strip_incoming &&
	    (ctx->aflags & SMFIF_CHGHDRS))
		fuzz_check_strip(fc);
	if ((ctx->aflags & SMFIF_ADDHDRS) == 0) {	/* the MTA refuses headers */
		if (fuzz_outcome.verdict != SCAN_CLEAN)
			fuzz_fail("a message that needs its tag went on although no header "
				  "could be added");
		return;
	}
	if (fuzz_outcome.verdict == SCAN_CLEAN && !conf->headers.add) {
		if (nstatus)
			fuzz_fail("X-Virus-Status added to a clean message with headers.add off");
		return;
	}
	if (nstatus != 1 || nscanned != 1)
		fuzz_fail("a message went on without exactly one X-Virus-Status and X-Virus-Scanned");
	if (fuzz_outcome.verdict == SCAN_CLEAN ? strcmp(status, "Clean") != 0 :
	    fuzz_outcome.verdict == SCAN_INFECTED ? strncmp(status, "Infected (", 10) != 0 :
	    strncmp(status, "Unscanned (", 11) != 0)
		fuzz_fail("X-Virus-Status does not say what the verdict was");
}

/* ---- the steps ---- */

/* fuzz_macros - set or remove the queue id and authentication macros */
static void
fuzz_macros(struct fuzz_in *in, SMFICTX *ctx)
{
	uint8_t	m = fuzz_byte(in);
	char	v[FAKE_MACRO_MAX];

	if (m & 1) {
		fuzz_str(in, v, sizeof(v));
		fake_milter_set_macro(ctx, (m & 4) ? "{i}" : "i", v);
	} else if (m & 4) {
		fake_milter_set_macro(ctx, "i", NULL);
		fake_milter_set_macro(ctx, "{i}", NULL);
	}
	if (m & 2) {
		fuzz_str(in, v, sizeof(v));
		fake_milter_set_macro(ctx, "{auth_authen}", v);
	} else if (m & 8) {
		fake_milter_set_macro(ctx, "{auth_authen}", NULL);
	}
}

/* fuzz_header_name - a header name: mostly ones that matter, else from the input */
static void
fuzz_header_name(struct fuzz_in *in, char *name, size_t len)
{
	static const char *const names[] = {
		"X-Virus-Status", "X-Virus-Scanned", "x-virus-status", "X-VIRUS-STATUS",
		"Subject", "Content-Type", "From", "Received",
	};
	uint8_t	b = fuzz_byte(in);

	if (b < 8 * sizeof(names) / sizeof(names[0]))
		snprintf(name, len, "%s", names[b / 8]);
	else if (b < 0xc0)
		snprintf(name, len, "X-Virus-Pad%u", (unsigned) (b & 0x1f));
	else
		fuzz_str(in, name, len);
}

/* fuzz_close - close one connection as libmilter does; its context must be gone */
static void
fuzz_close(struct fuzz_conn *fc)
{
	if (fc->active) {
		fuzz_check_reply(fc, fuzz_desc->xxfi_close(&fc->ctx), 0);
		if (fc->ctx.priv != NULL)
			fuzz_fail("a context left after close");
	}
	memset(&fc->ctx, 0, sizeof(fc->ctx));
	fc->ctx.aflags = (unsigned long) fuzz_desc->xxfi_flags;
	fc->active = 0;
	fc->negotiated = 0;
	fc->pf1 = 0;
	fc->conf = -1;
	fuzz_msg_start(fc, FUZZ_MSG_NONE);
}

/* fuzz_negotiate - offer actions and protocol steps */
static void
fuzz_negotiate(struct fuzz_in *in, struct fuzz_conn *fc)
{
	unsigned long f0, f1, pf0 = 0, pf1 = 0, pf2 = 0, pf3 = 0;
	uint8_t	b = fuzz_byte(in);
	sfsistat rc;
	int	i;

	f0 = (b & 0x80) ? (unsigned long) (b & 0x7f) | SMFIF_ADDRCPT_PAR : 0x1ffUL;
	for (f1 = 0, i = 0; i < 4; i++)
		f1 = f1 << 8 | fuzz_byte(in);
	f1 ^= 0x1fffffUL;		/* all zero: a Postfix-like full offer */
	rc = fuzz_desc->xxfi_negotiate(&fc->ctx, f0, f1, 0, 0, &pf0, &pf1, &pf2, &pf3);
	if (rc != SMFIS_CONTINUE && rc != SMFIS_ALL_OPTS && rc != SMFIS_REJECT)
		fuzz_fail("negotiate answered what libmilter does not take");
	if (rc == SMFIS_CONTINUE && ((pf0 & ~f0) || (pf1 & ~f1)))
		fuzz_fail("negotiate asked for more than the MTA offered");
	fc->negotiated = rc == SMFIS_CONTINUE;
	fc->pf1 = rc == SMFIS_CONTINUE ? pf1 : 0;
	fc->ctx.aflags = rc == SMFIS_CONTINUE ? pf0 : f0;
}

/* fuzz_connect - a new SMTP client on this connection */
static void
fuzz_connect(struct fuzz_in *in, struct fuzz_conn *fc)
{
	struct sockaddr_in sin;
	char	host[128];
	uint8_t	b = fuzz_byte(in);
	sfsistat rc;

	fuzz_str(in, host, sizeof(host));
	fuzz_macros(in, &fc->ctx);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = fuzz_desc->xxfi_connect(&fc->ctx, (b & 1) ? NULL : host,
				     (b & 2) ? NULL : (struct sockaddr *) &sin);
	fuzz_check_reply(fc, rc, SMFIP_NR_CONN);
	fc->conf = rc == SMFIS_TEMPFAIL ? fc->conf : fuzz_conf_now;
	fuzz_msg_start(fc, FUZZ_MSG_NONE);
}

/* fuzz_envfrom - MAIL FROM: a new message */
static void
fuzz_envfrom(struct fuzz_in *in, struct fuzz_conn *fc)
{
	char	from[128];
	char   *argv[2] = {from, NULL};
	sfsistat rc;

	fuzz_str(in, from, sizeof(from));
	fuzz_macros(in, &fc->ctx);
	rc = fuzz_desc->xxfi_envfrom(&fc->ctx, argv);
	fuzz_check_reply(fc, rc, SMFIP_NR_MAIL);
	fuzz_msg_start(fc, rc == SMFIS_TEMPFAIL ? FUZZ_MSG_NONE : FUZZ_MSG_OPEN);
}

/* fuzz_header - one header */
static void
fuzz_header(struct fuzz_in *in, struct fuzz_conn *fc)
{
	char	name[256], value[256];

	fuzz_header_name(in, name, sizeof(name));
	fuzz_str(in, value, sizeof(value));
	fuzz_check_reply(fc, fuzz_desc->xxfi_header(&fc->ctx, name, value), SMFIP_NR_HDR);
	if (fc->msg != FUZZ_MSG_OPEN) {
		fc->msg = FUZZ_MSG_BROKEN;
		return;
	}
	fuzz_note_name(fc, name);
	fuzz_expect(fc, name, strlen(name));
	fuzz_expect(fc, ": ", 2);
	fuzz_expect(fc, value, strlen(value));
	fuzz_expect(fc, "\r\n", 2);
}

/* fuzz_eoh - end of headers */
static void
fuzz_eoh(struct fuzz_conn *fc)
{
	fuzz_check_reply(fc, fuzz_desc->xxfi_eoh(&fc->ctx), SMFIP_NR_EOH);
	if (fc->msg != FUZZ_MSG_OPEN)
		fc->msg = FUZZ_MSG_BROKEN;
	else
		fuzz_expect(fc, "\r\n", 2);
}

/* fuzz_body - one body chunk */
static void
fuzz_body(struct fuzz_in *in, struct fuzz_conn *fc)
{
	static unsigned char chunk[FUZZ_CHUNK_MAX + 1];
	size_t	len = fuzz_chunk(in, chunk);

	fuzz_check_reply(fc, fuzz_desc->xxfi_body(&fc->ctx, chunk, len), SMFIP_NR_BODY);
	if (fc->msg != FUZZ_MSG_OPEN)
		fc->msg = FUZZ_MSG_BROKEN;
	else
		fuzz_expect(fc, chunk, len);
}

/* fuzz_eom - end of message: the scanners' answers, failing MTA calls, the checks */
static void
fuzz_eom(struct fuzz_in *in, struct fuzz_conn *fc)
{
	uint8_t	v = fuzz_byte(in), f = fuzz_byte(in);
	sfsistat rc;

	fuzz_scan.next[CONF_SCANNER_EMBEDDED] = (enum scan_result) (v % 5);
	fuzz_scan.next[CONF_SCANNER_CLAMD] = (enum scan_result) (v / 5 % 5);
	fuzz_str(in, fuzz_scan.name, sizeof(fuzz_scan.name));
	fuzz_str(in, fuzz_scan.engine, sizeof(fuzz_scan.engine));
	fuzz_scan.called = 0;
	fuzz_observed = 0;
	fake_milter_new_message(&fc->ctx);
	fc->ctx.fail = (f & 0xf0) == 0xf0 ? (f & 0x0f) : 0;
	fc->ctx.in_eom = fuzz_in_eom = 1;
	rc = fuzz_desc->xxfi_eom(&fc->ctx);
	fc->ctx.in_eom = fuzz_in_eom = 0;
	fc->ctx.fail = 0;
	if (fuzz_scan.called && fc->msg == FUZZ_MSG_OPEN && !fc->exp_over &&
	    (fuzz_scan.seenlen != fc->explen ||
	     (fc->explen && memcmp(fuzz_scan.seen, fc->expect, fc->explen) != 0)))
		fuzz_fail("the scanner did not see the message as received");
	fuzz_check_eom(fc, rc);
	fuzz_msg_start(fc, FUZZ_MSG_NONE);
}

/* fuzz_step - one step of the script */
static void
fuzz_step(struct fuzz_in *in)
{
	uint8_t	b = fuzz_byte(in);
	struct fuzz_conn *fc = &fuzz_conns[(b >> 4) % FUZZ_CONNS];
	enum fuzz_op op = (enum fuzz_op) ((b & 0x0f) % FUZZ_OPS);

	if (op == FUZZ_SETCONF) {
		fuzz_conf_now = fuzz_byte(in) % FUZZ_CONFS;
		milter_set_conf(fuzz_confs[fuzz_conf_now]);
		return;
	}
	if (op == FUZZ_CLOSE) {
		fuzz_close(fc);
		return;
	}
	fc->active = 1;
	fc->ctx.fail = (op == FUZZ_NEGOTIATE || op == FUZZ_CONNECT) && (b & 0x80) &&
	    fuzz_byte(in) == 0xff ? FAKE_FAIL_SETPRIV : 0;
	switch (op) {
	case FUZZ_NEGOTIATE:
		fuzz_negotiate(in, fc);
		break;
	case FUZZ_CONNECT:
		fuzz_connect(in, fc);
		break;
	case FUZZ_ENVFROM:
		fuzz_envfrom(in, fc);
		break;
	case FUZZ_HEADER:
	case FUZZ_HEADER2:
		fuzz_header(in, fc);
		break;
	case FUZZ_EOH:
		fuzz_eoh(fc);
		break;
	case FUZZ_BODY:
	case FUZZ_BODY2:
		fuzz_body(in, fc);
		break;
	case FUZZ_EOM:
		fuzz_eom(in, fc);
		break;
	case FUZZ_ABORT:
		fuzz_check_reply(fc, fuzz_desc->xxfi_abort(&fc->ctx), 0);
		fuzz_msg_start(fc, FUZZ_MSG_NONE);
		break;
	default:
		break;
	}
	fc->ctx.fail = 0;
}

/* LLVMFuzzerTestOneInput - run one script, then close every connection */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	int	i;

	for (i = 0; i < FUZZ_CONNS; i++)
		fuzz_close(&fuzz_conns[i]);
	fuzz_conf_now = 0;
	milter_set_conf(fuzz_confs[0]);
	while (in.n > 0)
		fuzz_step(&in);
	for (i = 0; i < FUZZ_CONNS; i++)
		fuzz_close(&fuzz_conns[i]);
	return 0;
}
