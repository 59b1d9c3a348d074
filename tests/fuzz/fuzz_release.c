/*
 * NAME
 *	fuzz_release - libFuzzer target for clamshim-release's readers
 * DESCRIPTION
 *	The input, split at the first 0xff byte: a postqueue -j line for
 *	release_json_qent(), then a message for release_msg_header_has()
 *	and release_msg_rewrite(), with header changes taken from the
 *	message's own first bytes. The target checks release(3h)'s
 *	promises: a line accepted has an id, a queue and a sender, and no
 *	address with a control character; the rewritten copy has the
 *	X-Clamshim-Released mark and no X-Clamshim-Hold.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "release.h"

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TOKEN	"0123456789abcdef0123456789abcdef"

/* fuzz_no_control - abort when s has a byte below 0x20 or DEL (UTF-8 may pass) */
static void
fuzz_no_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			abort();
}

/* fuzz_json - one postqueue -j line */
static void
fuzz_json(const char *line, size_t len)
{
	struct release_qent q;
	char	err[RELEASE_ERR_MAX];
	size_t	i;

	if (release_json_qent(line, len, &q, err, sizeof(err)) < 0) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (q.qid[0] == '\0' || q.queue[0] == '\0' || q.sender == NULL)
		abort();
	fuzz_no_control(q.sender);
	for (i = 0; i < q.nrcpt; i++)
		fuzz_no_control(q.rcpt[i]);
	release_qent_free(&q);
}

/* fuzz_msg - the mark and the rewritten copy */
static void
fuzz_msg(const char *msg, size_t len)
{
	static const char *const names[] = {"X-Virus-Status", "X-Clamshim-Hold", "Subject", "X"};
	struct mt_result *r = calloc(1, sizeof(*r));
	char	err[RELEASE_ERR_MAX], *out;
	size_t	i, outlen;

	if (r == NULL)
		abort();
	(void) release_msg_header_has(msg, len, "X-Clamshim-Hold", FUZZ_TOKEN);
	for (i = 0; i + 1 < len && i < 16 && r->nchanges < MT_CHANGES_MAX; i += 2) {
		struct mt_change *c = &r->changes[r->nchanges++];

		c->op = "hmi"[(unsigned char) msg[i] % 3];
		c->index = (unsigned char) msg[i + 1] % 5;
		snprintf(c->name, sizeof(c->name), "%s", names[(unsigned char) msg[i] / 3 % 4]);
		snprintf(c->value, sizeof(c->value), "%s", msg[i + 1] & 1 ? "" : "v\nw");
	}
	if (release_msg_rewrite(msg, len, r, FUZZ_TOKEN, &out, &outlen, err, sizeof(err)) == 0) {
		if (!release_msg_header_has(out, outlen, "X-Clamshim-Released", FUZZ_TOKEN) ||
		    release_msg_header_has(out, outlen, "X-Clamshim-Hold", FUZZ_TOKEN))
			abort();
		free(out);
	}
	free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, 0xff, size);
	size_t	n = sep ? (size_t) (sep - data) : size;
	char   *a = malloc(n + 1), *b = malloc(size - n + 1);

	if (a == NULL || b == NULL)
		abort();
	memcpy(a, data, n);
	a[n] = '\0';
	fuzz_json(a, n);
	if (sep != NULL) {
		memcpy(b, sep + 1, size - n - 1);
		b[size - n - 1] = '\0';
		fuzz_msg(b, size - n - 1);
	}
	free(a);
	free(b);
	return 0;
}
