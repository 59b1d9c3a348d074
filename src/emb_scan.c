/*
 * NAME
 *	emb_scan 3 - one message through one compiled libclamav engine
 * SUMMARY
 *	#include "emb_scan.h"
#include "emb_tmp.h"
 * DESCRIPTION
 *	Messages held in RAM are scanned in place through an fmap
 *	(cl_fmap_open_memory). A spilled one is mapped read-only (mmap) and
 *	scanned the same way; only when the mapping fails is it scanned by
 *	descriptor. Neither is copied. The scan options are the engine's
 *	(built from the detection options by emb_engine(3)), always with
 *	CL_SCAN_HEURISTIC_EXCEEDS_MAX, so that
 *	a hit limit comes back as a "Heuristics.Limits.Exceeded.*" detection,
 *	which is turned into a limit verdict whose kind scan_limit_kind_of()
 *	gives from the name (and whose reason is the name): a hit limit is
 *	never clean. A limit libclamav returns as an error code instead is
 *	limit(time), (size), (nesting) or (files) with libclamav's text for
 *	the code. An error libclamav reported during a scan it calls clean
 *	makes the verdict error: a part was not scanned.
 *
 *	libclamav 1.4 ignores failed writes of its temporary files (the part
 *	is lost and the message comes back clean). Room for a scan is
 *	reserved before it by the caller (scan_embedded(3)); emb_scan_spool()
 *	trusts a scan only when the temporary directory still had
 *	EMB_TMP_FLOOR free after each file (emb_engine(3)'s post-scan
 *	callback) and after the whole scan.
 *
 *	The cache. emb_scan_spool() says whether the scan poisons libclamav's
 *	clean-result cache: any return other than CL_CLEAN or CL_VIRUS, any
 *	error-level message from libclamav during the scan, and a temporary
 *	directory found short during or after it (a part may have been lost
 *	and cached as clean). With nocache the scan neither reads nor adds
 *	to the cache: libclamav 1.4 skips its cache for a scan with
 *	CL_SCAN_GENERAL_COLLECT_METADATA (the only per-scan switch it has).
 * DIAGNOSTICS
 *	Everything comes back as the verdict; nothing is logged here
 *	(libclamav's own messages are logged by emb_engine(3)).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <clamav.h>

#include "emb_engine.h"
#include "emb_scan.h"
#include "emb_tmp.h"
#include "spool.h"

#define EMB_LIMIT_PREFIX	"Heuristics.Limits.Exceeded"

/* libclamav's error codes for a hit limit, and the kind of each. */
static const struct {
	cl_error_t rc;
	enum scan_limit_kind kind;
} emb_limit_codes[] = {
	{CL_ETIMEOUT, SCAN_LIMIT_TIME},
	{CL_EMAXSIZE, SCAN_LIMIT_SIZE},
	{CL_EMAXREC, SCAN_LIMIT_NESTING},
	{CL_EMAXFILES, SCAN_LIMIT_FILES},
};

/* emb_verdict_from_rc - turn a libclamav result into a verdict; 1 when it poisons the cache */
static int
emb_verdict_from_rc(struct scan_verdict *v, cl_error_t rc, const char *virname,
		    const struct emb_scan_ctx *ctx)
{
	size_t	i;

	if (ctx->tmp_short) {	/* a file ended with the temp dir (nearly) full */
		scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "temporary directory %s filled up "
				 "during the scan", ctx->tmpdir);
		return 1;
	}
	if (rc == CL_CLEAN) {
		if (ctx->error[0] != '\0') {	/* not clean: not all of it was scanned */
			scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "engine error: %s", ctx->error);
			return 1;
		}
		scan_verdict_set(v, SCAN_CLEAN, EMB_SCANNER, NULL);
		return 0;
	}
	if (rc == CL_VIRUS) {
		if (virname == NULL || *virname == '\0')
			virname = ctx->virname[0] != '\0' ? ctx->virname : "Unknown";
		if (strncmp(virname, EMB_LIMIT_PREFIX, sizeof(EMB_LIMIT_PREFIX) - 1) == 0)
			scan_verdict_limit(v, scan_limit_kind_of(virname), EMB_SCANNER, "%s", virname);
		else
			scan_verdict_set(v, SCAN_INFECTED, EMB_SCANNER, "%s", virname);
		return ctx->error[0] != '\0';
	}
	for (i = 0; i < sizeof(emb_limit_codes) / sizeof(emb_limit_codes[0]); i++)
		if (emb_limit_codes[i].rc == rc) {
			scan_verdict_limit(v, emb_limit_codes[i].kind, EMB_SCANNER, "%s",
					   cl_strerror(rc));
			return 1;
		}
	scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "%s", cl_strerror(rc));
	return 1;
}

/* emb_scan_options - the engine's scan options; limits always reported as detections */
static void
emb_scan_options(struct cl_scan_options *opts, const struct cl_scan_options *base,
		 struct emb_scan_ctx *ctx, const char *tmpdir, int nocache)
{
	*opts = *base;
	ctx->virname[0] = '\0';
	ctx->error[0] = '\0';
	ctx->tmpdir = tmpdir;
	ctx->tmp_short = 0;
	opts->heuristic |= CL_SCAN_HEURISTIC_EXCEEDS_MAX;
	if (nocache)
		opts->general |= CL_SCAN_GENERAL_COLLECT_METADATA;
}

/* emb_scan_map - the verdict for len bytes at mem; 1 when the scan poisons the cache */
static int
emb_scan_map(struct cl_engine *cl, const struct cl_scan_options *base, const void *mem,
	     size_t len, const char *tmpdir, int nocache, struct scan_verdict *v)
{
	struct cl_scan_options opts;
	struct emb_scan_ctx ctx;
	const char *virname = NULL;
	unsigned long scanned = 0;
	cl_fmap_t *map;
	cl_error_t rc;
	int	poison;

	if (mem == NULL || len == 0) {
		scan_verdict_set(v, SCAN_CLEAN, EMB_SCANNER, NULL);
		return 0;
	}
	if ((map = cl_fmap_open_memory(mem, len)) == NULL) {
		scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "cannot map the message");
		return 0;
	}
	emb_scan_options(&opts, base, &ctx, tmpdir, nocache);
	rc = cl_scanmap_callback(map, NULL, &virname, &scanned, cl, &opts, &ctx);
	poison = emb_verdict_from_rc(v, rc, virname, &ctx);
	cl_fmap_close(map);
	return poison;
}

/* emb_scan_mem - the verdict for len bytes at mem */
void
emb_scan_mem(struct cl_engine *cl, const struct cl_scan_options *base, const void *mem, size_t len,
	     struct scan_verdict *v)
{
	(void) emb_scan_map(cl, base, mem, len, NULL, 0, v);
}

/*
 * emb_scan_fd - the verdict for a spilled message of size bytes; 1 when
 * the scan poisons the cache. It is mapped and scanned like one in RAM:
 * libclamav's own map of a descriptor reads it page by page into memory
 * of its own, which cost about 1.8 ms per message on the benchmark corpus
 * (bench/run, memory_limit 1M against 16M). A failed mmap falls back to
 * the descriptor.
 */
static int
emb_scan_fd(struct cl_engine *cl, const struct cl_scan_options *base, int fd, uint64_t size,
	    const char *tmpdir, int nocache, struct scan_verdict *v)
{
	struct cl_scan_options opts;
	struct emb_scan_ctx ctx;
	const char *virname = NULL;
	unsigned long scanned = 0;
	void   *mapped = MAP_FAILED;
	cl_error_t rc;
	int	poison;

	if (size > 0 && size <= SIZE_MAX)
		mapped = mmap(NULL, (size_t) size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (mapped != MAP_FAILED) {
		poison = emb_scan_map(cl, base, mapped, (size_t) size, tmpdir, nocache, v);
		munmap(mapped, (size_t) size);
		return poison;
	}
	emb_scan_options(&opts, base, &ctx, tmpdir, nocache);
	rc = cl_scandesc_callback(fd, NULL, &virname, &scanned, cl, &opts, &ctx);
	return emb_verdict_from_rc(v, rc, virname, &ctx);
}

/* emb_scan_spool - the verdict for a finished spool; 1 when the scan poisons the cache */
int
emb_scan_spool(struct cl_engine *cl, const struct cl_scan_options *base,
	       const struct spool *msg, const char *tmpdir, int nocache,
	       struct scan_verdict *v)
{
	uint64_t avail;
	size_t	len = 0;
	const void *mem;
	int	fd, poison;

	if ((fd = spool_fd(msg)) >= 0) {
		poison = emb_scan_fd(cl, base, fd, spool_size(msg), tmpdir, nocache, v);
	} else {
		mem = spool_mem(msg, &len);
		poison = emb_scan_map(cl, base, mem, len, tmpdir, nocache, v);
	}
	if (tmpdir != NULL && (emb_tmp_avail(tmpdir, &avail) < 0 || avail < EMB_TMP_FLOOR)) {
		if (v->result == SCAN_CLEAN)
			scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "temporary directory %s filled "
					 "up during the scan (%llu bytes free)", tmpdir,
					 (unsigned long long) avail);
		poison = 1;
	}
	return poison;
}
