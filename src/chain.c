/*
 * NAME
 *	chain 3 - the ordered scanner chain
 * DESCRIPTION
 *	The backends of each kind and the clock come from chain_new()'s
 *	caller (chain_real_backends for the daemon and --scan, in
 *	chain_real.c so that this file links without libclamav). One backend
 *	instance per kind, created when a configuration first names it and
 *	kept across reloads.
 *
 *	chain_scan() is the one place where max_size is checked: a message
 *	over it (spool_over_limit) is limit(size) from scanner "none", with
 *	the reason "N bytes over max_size", and no backend is asked; it
 *	neither starts nor ends the "unavailable since" clock. Otherwise a
 *	scan walks the kinds in the order of the message's configuration
 *	snapshot; an unavailable scanner passes the message to the next; the
 *	first definitive verdict wins. When every scanner is unavailable the
 *	verdict is unavailable with each reason.
 *
 *	A clean message is then checked for MIME that mail clients read
 *	other ways than libclamav (mime_check(3h)); each other reading is
 *	scanned by the same walk over the same scanners, and the first that
 *	is not clean gives the verdict (infected in any reading: infected).
 *	When some ambiguity has no reading that can be scanned, the verdict
 *	is ambiguous(REASON), decided by on_ambiguous. An unambiguous
 *	message costs one pass of the check and no other scan. The check
 *	can be switched off for the benchmark only, by the environment
 *	variable CLAMSHIM_MIME_CHECK=off, read once by chain_new()
 *	(bench/run measures the check's CPU cost with it; not an option).
 *
 *	The chain also remembers since when no scanner has worked, which is
 *	what the policy's fail_open_after measures: the clock starts at the
 *	first unavailable scan, or when the monitor reports every scanner
 *	down (chain_note_down) so that time without mail counts too, and
 *	stops at the first verdict or when the monitor sees a scanner come
 *	back. The clock is the caller's (monotonic: util_now_ms by default).
 * DIAGNOSTICS
 *	chain_configure() fails only when a backend cannot be created at all,
 *	or the caller gave no backend for a kind the configuration names.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "chain.h"
#include "log.h"
#include "mime_check.h"
#include "spool.h"
#include "util.h"

struct chain {
	pthread_mutex_t lock;
	struct chain_backends be;			/* the caller's, never changed */
	struct scanner *inst[CONF_SCANNER_COUNT];	/* created once, kept */
	int64_t	unavail_since_ms;			/* monotonic; 0 = scanning works */
	int	health_down;				/* the monitor saw all scanners down */
	int	mime_off;				/* CLAMSHIM_MIME_CHECK=off (bench only) */
};

/* chain_new - an empty chain with the caller's backends and clock */
struct chain *
chain_new(const struct chain_backends *b)
{
	struct chain *ch = util_calloc(1, sizeof(*ch));
	const char *mime;

	if (b != NULL)
		ch->be = *b;
	if (ch->be.now_ms == NULL)
		ch->be.now_ms = util_now_ms;
	pthread_mutex_init(&ch->lock, NULL);
	mime = getenv("CLAMSHIM_MIME_CHECK");	/* read once: the benchmark's switch */
	ch->mime_off = mime != NULL && strcmp(mime, "off") == 0;
	if (ch->mime_off)
		log_warning("CLAMSHIM_MIME_CHECK=off: the MIME check is off (a benchmark's switch; "
			    "MIME that clients read another way can be delivered Clean)");
	return ch;
}

/* chain_instance - the instance of kind k, or NULL */
static struct scanner *
chain_instance(struct chain *ch, enum conf_scanner k)
{
	struct scanner *s;

	pthread_mutex_lock(&ch->lock);
	s = ch->inst[k];
	pthread_mutex_unlock(&ch->lock);
	return s;
}

/* chain_configure - create missing backends and reconfigure all */
int
chain_configure(struct chain *ch, const struct conf *conf, char *err, size_t errlen)
{
	size_t	i;
	int	k;

	for (i = 0; i < conf->nscanners; i++) {
		k = conf->scanners[i];
		if (k < 0 || k >= CONF_SCANNER_COUNT)
			continue;
		if (chain_instance(ch, k) == NULL) {
			struct scanner *s;

			if (ch->be.ops[k] == NULL) {
				snprintf(err, errlen, "scanner %s: no backend for it", conf_scanner_name(k));
				return -1;
			}
			if ((s = ch->be.ops[k]->create(conf, err, errlen)) == NULL)
				return -1;
			pthread_mutex_lock(&ch->lock);
			ch->inst[k] = s;
			pthread_mutex_unlock(&ch->lock);
			continue;
		}
	}
	/* instances created earlier follow the new settings too */
	for (k = 0; k < CONF_SCANNER_COUNT; k++) {
		struct scanner *s = chain_instance(ch, k);
		int	named = 0;

		for (i = 0; i < conf->nscanners; i++)
			named |= (int) conf->scanners[i] == k;
		if (s && named && ch->be.ops[k]->configure)
			ch->be.ops[k]->configure(s, conf);
	}
	return 0;
}

/* chain_note - record whether this scan got a verdict */
static void
chain_note(struct chain *ch, int unavailable)
{
	pthread_mutex_lock(&ch->lock);
	if (!unavailable)
		ch->unavail_since_ms = 0;
	else if (ch->unavail_since_ms == 0)
		ch->unavail_since_ms = ch->be.now_ms();
	pthread_mutex_unlock(&ch->lock);
}

/* chain_note_down - the monitor's view: every scanner down, or not */
void
chain_note_down(struct chain *ch, int all_down)
{
	pthread_mutex_lock(&ch->lock);
	if (all_down && ch->unavail_since_ms == 0)
		ch->unavail_since_ms = ch->be.now_ms();
	else if (!all_down && ch->health_down)
		ch->unavail_since_ms = 0;	/* recovered: the configured policy again */
	ch->health_down = all_down;
	pthread_mutex_unlock(&ch->lock);
}

/* chain_scan_once - ask the scanners in order; the first definitive verdict wins */
static void
chain_scan_once(struct chain *ch, const struct conf *conf, const struct spool *msg,
		struct scan_verdict *v)
{
	char	reasons[SCAN_NAME_MAX] = "";
	size_t	used = 0, i;
	struct scan_verdict one;

	for (i = 0; i < conf->nscanners; i++) {
		enum conf_scanner k = conf->scanners[i];
		struct scanner *s = (unsigned) k < CONF_SCANNER_COUNT ? chain_instance(ch, k) : NULL;

		memset(&one, 0, sizeof(one));
		if (s == NULL)
			scan_verdict_set(&one, SCAN_UNAVAILABLE, conf_scanner_name(k),
					 "not configured");
		else
			ch->be.ops[k]->scan(s, msg, &one);
		if (one.result != SCAN_UNAVAILABLE) {
			*v = one;
			chain_note(ch, 0);
			return;
		}
		log_debug("chain: %s unavailable (%s), trying the next scanner",
			  conf_scanner_name(k), one.name);
		if (used < sizeof(reasons) - 1) {
			int n = snprintf(reasons + used, sizeof(reasons) - used, "%s%s: %s",
					 used ? "; " : "", conf_scanner_name(k), one.name);

			used = n < 0 ? used : used + (size_t) n;
			if (used >= sizeof(reasons))
				used = sizeof(reasons) - 1;
		}
	}
	memset(v, 0, sizeof(*v));
	scan_verdict_set(v, SCAN_UNAVAILABLE, conf->nscanners ? conf_scanner_name(conf->scanners[conf->nscanners - 1]) : "none",
			 "%s", used ? reasons : "no scanner configured");
	chain_note(ch, 1);
}

/* chain_reading - scan one reading of a message as the message was; 0 clean */
static int
chain_reading(struct chain *ch, const struct conf *conf, const char *buf, size_t len,
	      struct scan_verdict *v)
{
	struct spool *sp = spool_new(conf->spool_dir, conf->memory_limit, 0);
	char	err[256];
	int	rc = 0;

	if (spool_write(sp, buf, len, err, sizeof(err)) < 0 || spool_finish(sp, err, sizeof(err)) < 0) {
		memset(v, 0, sizeof(*v));
		scan_verdict_set(v, SCAN_ERROR, "none", "spool of a MIME reading: %s", err);
		rc = -1;
	} else {
		chain_scan_once(ch, conf, sp, v);
		rc = v->result == SCAN_CLEAN ? 0 : -1;
	}
	spool_free(sp);
	return rc;
}

/* chain_mime - a clean message read every other way its MIME allows (mime_check(3h)) */
static void
chain_mime(struct chain *ch, const struct conf *conf, const struct spool *msg,
	   struct scan_verdict *v)
{
	struct mime_readings rd;
	struct scan_verdict one;
	size_t	len = 0, i;
	const void *mem = spool_mem(msg, &len);
	void   *map = NULL;

	if (mem == NULL) {		/* spilled: read it through a private map */
		len = (size_t) spool_size(msg);
		if (len == 0 || spool_fd(msg) < 0
		    || (map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, spool_fd(msg), 0)) == MAP_FAILED) {
			if (len == 0)
				return;
			scan_verdict_set(v, SCAN_AMBIGUOUS, v->scanner, "MIME not checked: cannot map");
			return;
		}
		mem = map;
	}
	mime_readings_make(mem, len, &rd);
	if (map != NULL)
		munmap(map, len);
	for (i = 0; i < rd.n; i++) {
		if (chain_reading(ch, conf, rd.buf[i], rd.len[i], &one) == 0)
			continue;
		log_info("chain: MIME reading %zu of %zu (%s): %s %s", i + 1, rd.n,
			 mime_class_name(rd.found), scan_result_name(one.result), one.name);
		*v = one;
		mime_readings_free(&rd);
		return;
	}
	if (rd.reason[0])
		scan_verdict_set(v, SCAN_AMBIGUOUS, v->scanner, "%s", rd.reason);
	else if (rd.n)
		log_debug("chain: %zu MIME readings (%s) clean too", rd.n, mime_class_name(rd.found));
	mime_readings_free(&rd);
}

/* chain_scan - max_size, the scanners in order, then the message's other MIME readings */
void
chain_scan(struct chain *ch, const struct conf *conf, const struct spool *msg,
	   struct scan_verdict *v)
{
	if (spool_over_limit(msg)) {	/* the one max_size check: no scanner is asked */
		memset(v, 0, sizeof(*v));
		scan_verdict_limit(v, SCAN_LIMIT_SIZE, "none", "%llu bytes over max_size",
				   (unsigned long long) spool_offered(msg));
		return;
	}
	chain_scan_once(ch, conf, msg, v);
	if (v->result == SCAN_CLEAN && !ch->mime_off)
		chain_mime(ch, conf, msg, v);
}

/* chain_reload - ask every backend for a signature reload */
void
chain_reload(struct chain *ch)
{
	int	k;

	for (k = 0; k < CONF_SCANNER_COUNT; k++) {
		struct scanner *s = chain_instance(ch, k);

		if (s && ch->be.ops[k]->reload)
			ch->be.ops[k]->reload(s);
	}
}

/* chain_wait_ready - wait for the first loads of the named scanners */
int
chain_wait_ready(struct chain *ch, const struct conf *conf, int timeout_ms)
{
	int64_t	deadline = ch->be.now_ms() + timeout_ms;
	int	ok = 0;
	size_t	i;

	for (i = 0; i < conf->nscanners; i++) {
		enum conf_scanner k = conf->scanners[i];
		struct scanner *s = (unsigned) k < CONF_SCANNER_COUNT ? chain_instance(ch, k) : NULL;
		int64_t	left = deadline - ch->be.now_ms();

		if (s == NULL || ch->be.ops[k]->wait_ready == NULL)
			continue;
		if (ch->be.ops[k]->wait_ready(s, left > 0 ? (int) left : 0) == 0)
			ok = 1;
	}
	return ok ? 0 : -1;
}

/* chain_unavailable_ms - how long all scans have been unavailable */
int64_t
chain_unavailable_ms(struct chain *ch)
{
	int64_t	since;

	pthread_mutex_lock(&ch->lock);
	since = ch->unavail_since_ms;
	pthread_mutex_unlock(&ch->lock);
	return since ? ch->be.now_ms() - since : 0;
}

/* chain_status - status of backend kind k */
int
chain_status(struct chain *ch, enum conf_scanner k, struct scan_status *st)
{
	struct scanner *s = (unsigned) k < CONF_SCANNER_COUNT ? chain_instance(ch, k) : NULL;

	memset(st, 0, sizeof(*st));
	if (s == NULL || ch->be.ops[k]->status == NULL)
		return -1;
	ch->be.ops[k]->status(s, st);
	return 0;
}

/* chain_scanner - the instance of kind k when ops made it */
struct scanner *
chain_scanner(struct chain *ch, enum conf_scanner k, const struct scan_ops *ops)
{
	if ((unsigned) k >= CONF_SCANNER_COUNT || ch->be.ops[k] != ops)
		return NULL;
	return chain_instance(ch, k);
}

/* chain_free - destroy every backend */
void
chain_free(struct chain *ch)
{
	int	k;

	if (ch == NULL)
		return;
	for (k = 0; k < CONF_SCANNER_COUNT; k++)
		if (ch->inst[k])
			ch->be.ops[k]->destroy(ch->inst[k]);
	pthread_mutex_destroy(&ch->lock);
	free(ch);
}
