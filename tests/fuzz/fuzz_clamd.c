/*
 * NAME
 *	fuzz_clamd - libFuzzer target for clamd's reply, PONG, VERSION and spec parsers
 * DESCRIPTION
 *	The input is what a hostile clamd sends (clamd_parse_reply(),
 *	clamd_parse_pong(), clamd_parse_version()) and, cut at its first
 *	NUL, a server spec from the configuration (clamd_parse_spec()).
 *	Besides the sanitizers, the target checks what clamd_proto(3h)
 *	promises: outputs are NUL-terminated inside their buffers; a virus
 *	name is non-empty printable ASCII shorter than SCAN_NAME_MAX; a
 *	reason that is safe to log has no control bytes; only a reply that
 *	ends with its one NUL is a reply; a parsed spec is absolute (unix)
 *	or has a host and a port 1..65535 (tcp).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clamd_proto.h"

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_framed - 1 when buf is a well-framed reply: one NUL, at its end */
static int
fuzz_framed(const uint8_t *buf, size_t len)
{
	return len > 0 && len <= CLAMD_REPLY_MAX && memchr(buf, 0, len) == buf + len - 1;
}

/* fuzz_spec - clamd_parse_spec() on the input cut at its first NUL */
static void
fuzz_spec(const uint8_t *data, size_t size)
{
	struct clamd_spec sp;
	char   *s = malloc(size + 1), err[256];
	unsigned long port;

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	memset(err, 'Z', sizeof(err));
	err[sizeof(err) - 1] = 0;
	if (clamd_parse_spec(s, &sp, err, sizeof(err)) == 0) {
		if (strlen(s) >= CLAMD_SPEC_MAX)
			abort();
		if (sp.kind == CLAMD_SPEC_UNIX) {
			if (sp.path[0] != '/' || !memchr(sp.path, 0, sizeof(sp.path)))
				abort();
		} else {
			if (sp.host[0] == 0 || !memchr(sp.host, 0, sizeof(sp.host)))
				abort();
			fuzz_printable(sp.host, sizeof(sp.host));
			port = strtoul(sp.port, NULL, 10);
			if (fuzz_printable(sp.port, sizeof(sp.port)) == 0 || port == 0 || port > 65535)
				abort();
		}
	} else if (!memchr(err, 0, sizeof(err)) || err[0] == 0) {
		abort();
	}
	free(s);
}

/* LLVMFuzzerTestOneInput - the input as a reply of each kind and as a spec */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	out[SCAN_NAME_MAX + 64], small[8], engine[SCAN_ENGINE_MAX], sig[32];
	const char *buf;
	enum clamd_reply r;
	uint8_t *copy;
	size_t	n;

	if (size > 4 * CLAMD_REPLY_MAX)
		return 0;
	/* an exact-size heap copy: ASan sees any read past the end */
	if ((copy = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	buf = (const char *) copy;

	r = clamd_parse_reply(buf, size, out, sizeof(out));
	n = fuzz_printable(out, sizeof(out));
	if (r != CLAMD_REPLY_BAD && !fuzz_framed(copy, size))
		abort();		/* only a framed reply is a reply */
	if (r == CLAMD_REPLY_INFECTED || r == CLAMD_REPLY_LIMIT) {
		if (n == 0 || n >= SCAN_NAME_MAX)
			abort();
	}
	if (r == CLAMD_REPLY_INFECTED && memcmp(buf, "stream: ", 8) != 0)
		abort();
	if (r == CLAMD_REPLY_CLEAN && (size != 11 || memcmp(buf, "stream: OK", 11) != 0))
		abort();
	if (r == CLAMD_REPLY_BAD && n == 0)
		abort();		/* a failure says why */
	r = clamd_parse_reply(buf, size, small, sizeof(small));
	fuzz_printable(small, sizeof(small));
	(void) clamd_parse_reply(buf, size, small, 0);

	if (clamd_parse_pong(buf, size, out, sizeof(out)) == 0) {
		if (size != 5 || memcmp(buf, "PONG", 5) != 0)
			abort();
	} else {
		fuzz_printable(out, sizeof(out));
	}

	if (clamd_parse_version(buf, size, engine, sizeof(engine), sig, sizeof(sig)) == 0) {
		if (!fuzz_framed(copy, size) || fuzz_printable(engine, sizeof(engine)) == 0)
			abort();
		fuzz_printable(sig, sizeof(sig));
		if (sig[0] && strstr(engine, sig) == NULL)
			abort();
	} else {
		fuzz_printable(engine, sizeof(engine));
	}
	(void) clamd_parse_version(buf, size, small, sizeof(small), sig, 2);

	fuzz_spec(copy, size);
	free(copy);
	return 0;
}
