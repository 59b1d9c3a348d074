/*
 * NAME
 *	emb_scan 3 - one message through one compiled libclamav engine
 * SUMMARY
 *	#include "emb_scan.h"
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
 *	is lost and the message comes back clean), so emb_scan_spool() only
 *	trusts a scan with room to spare in the temporary directory, before
 *	and after it: 2 x the message size plus 16 MB.
 * DIAGNOSTICS
 *	Everything comes back as the verdict; nothing is logged here
 *	(libclamav's own messages are logged by emb_engine(3)).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>

#include <clamav.h>

#include "emb_engine.h"
#include "emb_scan.h"
#include "spool.h"

#define EMB_LIMIT_PREFIX	"Heuristics.Limits.Exceeded"
#define EMB_TMP_RESERVE		(16 * 1024 * 1024)	/* free space wanted in the temp dir beyond 2x the message */

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

/* emb_verdict_from_rc - turn a libclamav result into a verdict */
static void
emb_verdict_from_rc(struct scan_verdict *v, cl_error_t rc, const char *virname,
		    const struct emb_scan_ctx *ctx)
{
	size_t	i;

	if (rc == CL_CLEAN) {
		if (ctx->error[0] != '\0')	/* not clean: not all of it was scanned */
			scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "engine error: %s", ctx->error);
		else
			scan_verdict_set(v, SCAN_CLEAN, EMB_SCANNER, NULL);
		return;
	}
	if (rc == CL_VIRUS) {
		if (virname == NULL || *virname == '\0')
			virname = ctx->virname[0] != '\0' ? ctx->virname : "Unknown";
		if (strncmp(virname, EMB_LIMIT_PREFIX, sizeof(EMB_LIMIT_PREFIX) - 1) == 0)
			scan_verdict_limit(v, scan_limit_kind_of(virname), EMB_SCANNER, "%s", virname);
		else
			scan_verdict_set(v, SCAN_INFECTED, EMB_SCANNER, "%s", virname);
		return;
	}
	for (i = 0; i < sizeof(emb_limit_codes) / sizeof(emb_limit_codes[0]); i++)
		if (emb_limit_codes[i].rc == rc) {
			scan_verdict_limit(v, emb_limit_codes[i].kind, EMB_SCANNER, "%s",
					   cl_strerror(rc));
			return;
		}
	scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "%s", cl_strerror(rc));
}

/*
 * emb_tmp_short - 1 when the temp dir has less free space than a scan of a
 * message of this size may need, with the free bytes in *avail. libclamav
 * 1.4 ignores failed writes of its temp files (a part is lost and the
 * message comes back clean), so a scan is only trusted with room to spare
 * before and after it. A temp dir that cannot be examined is not judged.
 */
static int
emb_tmp_short(const char *dir, uint64_t size, uint64_t *avail)
{
	struct statvfs sv;

	*avail = 0;
	if (dir == NULL || *dir == '\0' || statvfs(dir, &sv) != 0)
		return 0;
	*avail = (uint64_t) sv.f_bavail * (uint64_t) sv.f_frsize;
	return *avail < 2 * size + EMB_TMP_RESERVE;
}

/* emb_scan_options - the engine's scan options; limits always reported as detections */
static void
emb_scan_options(struct cl_scan_options *opts, const struct cl_scan_options *base,
		 struct emb_scan_ctx *ctx)
{
	*opts = *base;
	ctx->virname[0] = '\0';
	ctx->error[0] = '\0';
	opts->heuristic |= CL_SCAN_HEURISTIC_EXCEEDS_MAX;
}

/* emb_scan_mem - the verdict for len bytes at mem */
void
emb_scan_mem(struct cl_engine *cl, const struct cl_scan_options *base, const void *mem, size_t len,
	     struct scan_verdict *v)
{
	struct cl_scan_options opts;
	struct emb_scan_ctx ctx;
	const char *virname = NULL;
	unsigned long scanned = 0;
	cl_fmap_t *map;
	cl_error_t rc;

	if (mem == NULL || len == 0) {
		scan_verdict_set(v, SCAN_CLEAN, EMB_SCANNER, NULL);
		return;
	}
	if ((map = cl_fmap_open_memory(mem, len)) == NULL) {
		scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "cannot map the message");
		return;
	}
	emb_scan_options(&opts, base, &ctx);
	rc = cl_scanmap_callback(map, NULL, &virname, &scanned, cl, &opts, &ctx);
	emb_verdict_from_rc(v, rc, virname, &ctx);
	cl_fmap_close(map);
}

/*
 * emb_scan_fd - the verdict for a spilled message of size bytes. It is
 * mapped and scanned like one in RAM: libclamav's own map of a descriptor
 * reads it page by page into memory of its own, which cost about 1.8 ms
 * per message on the benchmark corpus (bench/run, memory_limit 1M against
 * 16M). A failed mmap falls back to the descriptor.
 */
static void
emb_scan_fd(struct cl_engine *cl, const struct cl_scan_options *base, int fd, uint64_t size,
	    struct scan_verdict *v)
{
	struct cl_scan_options opts;
	struct emb_scan_ctx ctx;
	const char *virname = NULL;
	unsigned long scanned = 0;
	void   *mapped = MAP_FAILED;
	cl_error_t rc;

	if (size > 0 && size <= SIZE_MAX)
		mapped = mmap(NULL, (size_t) size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (mapped != MAP_FAILED) {
		emb_scan_mem(cl, base, mapped, (size_t) size, v);
		munmap(mapped, (size_t) size);
		return;
	}
	emb_scan_options(&opts, base, &ctx);
	rc = cl_scandesc_callback(fd, NULL, &virname, &scanned, cl, &opts, &ctx);
	emb_verdict_from_rc(v, rc, virname, &ctx);
}

/* emb_scan_spool - the verdict for a finished spool, checking the temp dir's room */
void
emb_scan_spool(struct cl_engine *cl, const struct cl_scan_options *base,
	       const struct spool *msg, const char *tmpdir,
	       struct scan_verdict *v)
{
	uint64_t avail;
	size_t	len = 0;
	const void *mem;
	int	fd;

	if (emb_tmp_short(tmpdir, spool_size(msg), &avail)) {
		scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "temporary directory %s nearly full "
				 "(%llu bytes free)", tmpdir, (unsigned long long) avail);
		return;
	}
	if ((fd = spool_fd(msg)) >= 0) {
		emb_scan_fd(cl, base, fd, spool_size(msg), v);
	} else {
		mem = spool_mem(msg, &len);
		emb_scan_mem(cl, base, mem, len, v);
	}
	if (v->result == SCAN_CLEAN && emb_tmp_short(tmpdir, spool_size(msg), &avail))
		scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "temporary directory %s filled up "
				 "during the scan (%llu bytes free)", tmpdir, (unsigned long long) avail);
}
