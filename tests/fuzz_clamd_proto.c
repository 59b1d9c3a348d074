/*
 * NAME
 *	fuzz_clamd_proto - libFuzzer target for the pure parsers of clamd_proto.h
 * SUMMARY
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -I BUILDDIR -I src \
 *		-o fuzz_clamd_proto tests/fuzz_clamd_proto.c
 *	./fuzz_clamd_proto -max_total_time=60 -max_len=2048 CORPUSDIR
 * DESCRIPTION
 *	Feeds arbitrary bytes to clamd_parse_reply(), clamd_parse_pong(),
 *	clamd_parse_version() and clamd_parse_spec() and aborts when a result
 *	breaks a promise: "clean" for anything but the exact "stream: OK",
 *	an infected name that is empty, starts with a space or holds a byte
 *	that is not printable ASCII, an unterminated output, a parsed spec
 *	with a relative path, an empty host or a port out of range.
 *	Not built by make; run by hand (BUILDDIR holds config.h).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clamd_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* LLVMFuzzerTestOneInput - one input through every parser */
int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char	out[SCAN_NAME_MAX], eng[SCAN_ENGINE_MAX], sig[32], spec[CLAMD_SPEC_MAX + 8];
	struct clamd_spec cs;
	enum clamd_reply r;
	size_t	i;

	r = clamd_parse_reply((const char *) d, n, out, sizeof(out));
	if (memchr(out, 0, sizeof(out)) == NULL)
		abort();
	if (r == CLAMD_REPLY_CLEAN && !(n == 11 && memcmp(d, "stream: OK", 11) == 0))
		abort();
	if (r == CLAMD_REPLY_INFECTED) {
		if (out[0] == 0 || out[0] == ' ')
			abort();
		for (i = 0; out[i]; i++)
			if ((unsigned char) out[i] < 0x20 || (unsigned char) out[i] > 0x7e)
				abort();
	}
	(void) clamd_parse_pong((const char *) d, n, out, sizeof(out));
	if (clamd_parse_version((const char *) d, n, eng, sizeof(eng), sig, sizeof(sig)) == 0
	    && eng[0] == 0)
		abort();
	if (n < sizeof(spec)) {
		memcpy(spec, d, n);
		spec[n] = 0;
		if (clamd_parse_spec(spec, &cs, out, sizeof(out)) == 0) {
			if (cs.kind == CLAMD_SPEC_UNIX && cs.path[0] != '/')
				abort();
			if (cs.kind == CLAMD_SPEC_TCP
			    && (cs.host[0] == 0 || atoi(cs.port) < 1 || atoi(cs.port) > 65535))
				abort();
		}
	}
	return 0;
}
