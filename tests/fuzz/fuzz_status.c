/*
 * NAME
 *	fuzz_status - libFuzzer target for status_parse(), check_clamshim's reader
 * DESCRIPTION
 *	The input is a status file as check_clamshim and the tests read it
 *	(a garbled or hostile file must never crash the monitoring plugin).
 *	Besides the sanitizers, the target checks what status.h promises:
 *	the error text is NUL-terminated and set on failure; units are at
 *	most STATUS_UNITS_MAX, their names NUL-terminated; a text that
 *	status_render() wrote parses back with the counts it was given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_nul - abort unless s has a NUL inside len */
static void
fuzz_nul(const char *s, size_t len)
{
	if (memchr(s, 0, len) == NULL)
		abort();
}

/* fuzz_roundtrip - render counters made from the input and parse them back */
static void
fuzz_roundtrip(const uint8_t *data, size_t size)
{
	struct status *st = status_new();
	struct status_gauges g;
	struct status_report *r = malloc(sizeof(*r));
	char	err[256], *text;
	size_t	i, n = size < 64 ? size : 64;
	double	sent = 0;

	if (r == NULL)
		abort();
	memset(&g, 0, sizeof(g));
	/* hostile text in the labels: it must come back escaped and parseable */
	memcpy(g.version, data, n < sizeof(g.version) - 1 ? n : sizeof(g.version) - 1);
	g.nunits = size % 4;
	for (i = 0; i < g.nunits; i++) {
		memcpy(g.units[i].server, data, n);
		memcpy(g.units[i].scanner, "clamd", 6);
		g.units[i].up = (int) (i & 1);
	}
	status_set_gauges(st, &g);
	for (i = 0; i < n; i++) {
		status_count_message(st, (enum scan_result) (data[i] % SCAN_RESULT_COUNT),
				     (enum policy_action) (data[i] % POLICY_ACTION_COUNT),
				     data[i] & 1, (double) data[i] / 10.0);
		sent++;
	}
	text = status_render(st, 1700000000);
	if (status_parse(text, strlen(text), r, err, sizeof(err)) != 0)
		abort();		/* what we write we can read */
	if (r->scans != sent || r->nunits != g.nunits || r->heartbeat != 1700000000)
		abort();
	free(text);
	free(r);
	status_free(st);
}

/* LLVMFuzzerTestOneInput - parse the input; render and reparse counters made from it */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct status_report *r;
	char	err[128], *copy;
	size_t	i;

	if (size > STATUS_FILE_MAX)
		return 0;
	if ((r = malloc(sizeof(*r))) == NULL || (copy = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	memset(err, 'Z', sizeof(err));
	if (status_parse(copy, size, r, err, sizeof(err)) != 0) {
		fuzz_nul(err, sizeof(err));
		if (err[0] == 0 || err[0] == 'Z')
			abort();	/* garbled says where */
	} else {
		if (r->nunits > STATUS_UNITS_MAX)
			abort();
		for (i = 0; i < r->nunits; i++) {
			fuzz_nul(r->units[i].scanner, sizeof(r->units[i].scanner));
			fuzz_nul(r->units[i].server, sizeof(r->units[i].server));
		}
		fuzz_nul(r->version, sizeof(r->version));
		fuzz_nul(r->engine, sizeof(r->engine));
		fuzz_nul(r->signatures, sizeof(r->signatures));
	}
	free(copy);
	free(r);
	fuzz_roundtrip(data, size);
	return 0;
}
