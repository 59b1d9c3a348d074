/*
 * NAME
 *	fuzz_conf - libFuzzer target for conf_load(), the configuration reader
 * DESCRIPTION
 *	The input is written to a file in a private temp dir and loaded in
 *	tolerant and in strict mode, as the daemon and clamshim -t do (the
 *	tokenizer of conf.c, then libconfuse, then the conversion). Besides
 *	the sanitizers, the target checks what conf.h promises: every
 *	problem is reported as non-empty printable text with a line inside
 *	the file; a load that succeeds has at least one scanner, at most
 *	CONF_MAX_SERVERS servers, no NULL strings and counts its warnings;
 *	strict mode never accepts what tolerant mode rejects.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[64];
static char fuzz_path[96];

/* Counts of what one load reported. */
struct fuzz_seen {
	unsigned errors;
	unsigned warnings;
	int	lines;			/* lines in the input, for the range check */
};

/* fuzz_cleanup - remove the temp file and dir at exit */
static void
fuzz_cleanup(void)
{
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

/* LLVMFuzzerInitialize - the private temp dir; quiet logging */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzzconf.XXXXXX",
		 tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(fuzz_path, sizeof(fuzz_path), "%s/clamshim.conf", fuzz_dir);
	atexit(fuzz_cleanup);
	log_set_stderr_only(1);
	log_set(LOG_LEVEL_ERROR, 0);
	return 0;
}

/* fuzz_report - check one reported problem */
static void
fuzz_report(void *ctx, enum conf_severity sev, const char *file, int line, const char *text)
{
	struct fuzz_seen *seen = ctx;
	const char *p;

	if (text == NULL || *text == 0 || strlen(text) > 4096)
		abort();
	for (p = text; *p; p++)
		if ((unsigned char) *p < 0x20 && *p != '\t')
			abort();	/* a problem text is one line */
	if (line < 0 || line > seen->lines + 1)
		abort();
	if (sev == CONF_ERROR)
		seen->errors++;
	else if (sev == CONF_WARNING)
		seen->warnings++;
	else
		abort();
}

/* fuzz_check - the promises of a successful load */
static void
fuzz_check(const struct conf *c, const struct fuzz_seen *seen)
{
	size_t	i;

	/* past the report limit problems are summed up in one line */
	if (seen->errors != 0 || seen->warnings > c->warnings
	    || (c->warnings > 0) != (seen->warnings > 0))
		abort();
	if (c->nscanners == 0 || c->nscanners > CONF_MAX_SCANNERS)
		abort();
	for (i = 0; i < c->nscanners; i++)
		if (c->scanners[i] >= CONF_SCANNER_COUNT)
			abort();
	if (c->clamd.nservers > CONF_MAX_SERVERS)
		abort();
	for (i = 0; i < c->clamd.nservers; i++)
		if (c->clamd.servers[i] == NULL)
			abort();
	if (!c->socket || !c->user || !c->pid_file || !c->spool_dir || !c->embedded.database
	    || !c->policy.reject_message || !c->policy.tempfail_message || !c->alert.command
	    || !c->status.file)
		abort();
	if (c->max_scans == 0)
		abort();
	if (c->policy.on_infected >= POLICY_ACTION_COUNT
	    || c->policy.on_unavailable >= POLICY_ACTION_COUNT
	    || c->policy.on_limit >= POLICY_ACTION_COUNT
	    || c->policy.on_limit_kind[SCAN_LIMIT_SIZE].action >= POLICY_ACTION_COUNT
	    || c->policy.on_limit_kind[SCAN_LIMIT_FILES].action >= POLICY_ACTION_COUNT
	    || c->policy.on_limit_kind[SCAN_LIMIT_TIME].action >= POLICY_ACTION_COUNT
	    || c->policy.on_limit_kind[SCAN_LIMIT_NESTING].action >= POLICY_ACTION_COUNT
	    || c->policy.on_limit_kind[SCAN_LIMIT_UNKNOWN].set
	    || c->policy.on_error >= POLICY_ACTION_COUNT)
		abort();
}

/* LLVMFuzzerTestOneInput - load the input in both modes */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_seen tol, strict;
	struct conf *c = NULL, *cs = NULL;
	FILE   *fp;
	int	rt, rs;
	size_t	i;

	if (size > 64 * 1024)
		return 0;
	if ((fp = fopen(fuzz_path, "w")) == NULL || fwrite(data, 1, size, fp) != size
	    || fclose(fp) != 0)
		abort();
	memset(&tol, 0, sizeof(tol));
	for (i = 0; i < size; i++)
		tol.lines += data[i] == '\n';
	strict = tol;
	rt = conf_load(fuzz_path, CONF_TOLERANT, fuzz_report, &tol, &c);
	if (rt == 0) {
		if (c == NULL)
			abort();
		fuzz_check(c, &tol);
	} else if (c != NULL || tol.errors == 0) {
		abort();		/* a failed load returns nothing and says why */
	}
	/* strict differs in unknown options only, which are warnings in tolerant mode */
	if (rt != 0 && tol.warnings == 0) {
		conf_unref(c);
		return 0;
	}
	rs = conf_load(fuzz_path, CONF_STRICT, fuzz_report, &strict, &cs);
	if (rs == 0 && rt != 0)
		abort();
	if (rs == 0) {
		if (strict.warnings != 0 && strict.warnings > tol.warnings)
			abort();
		conf_unref(cs);
	}
	conf_unref(c);
	return 0;
}
