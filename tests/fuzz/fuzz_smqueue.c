/*
 * NAME
 *	fuzz_smqueue - libFuzzer target for Sendmail's queue files as clamshim-release reads them
 * DESCRIPTION
 *	The input, split at the first 0xff byte: a queue control file (hf
 *	or qf) for release_hf_parse(), then mailq's listing for
 *	release_mailq_parse(). The target checks release_hf(3)'s promises:
 *	a file accepted has a sender; no address is empty (but the
 *	sender), has a control character or a space or starts with '|',
 *	'/', ':' or '-'; the header block ends with a line end; an entry of
 *	the listing has a queue id of letters and digits and an absolute
 *	directory; a reason has no control character.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "release.h"

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_addr - abort when a is not an address release_hf(3) may give */
static void
fuzz_addr(const char *a, int empty_ok)
{
	if (a == NULL || (a[0] == '\0' && !empty_ok) || (a[0] != '\0' && strchr("|/:-", a[0]) != NULL))
		abort();
	for (; *a; a++)
		if ((unsigned char) *a <= 0x20 || *a == 0x7f)
			abort();
}

/* fuzz_reason - abort on a control character */
static void
fuzz_reason(const char *s)
{
	for (; s != NULL && *s; s++)
		if ((unsigned char) *s < 0x20)
			abort();
}

/* fuzz_hf - one control file */
static void
fuzz_hf(const char *text, size_t len)
{
	struct release_hf hf;
	char	err[RELEASE_ERR_MAX];
	size_t	i;

	if (release_hf_parse(text, len, &hf, err, sizeof(err)) < 0) {
		if (err[0] == '\0' || hf.sender != NULL || hf.rcpt != NULL || hf.headers != NULL)
			abort();
		return;
	}
	fuzz_addr(hf.sender, 1);
	for (i = 0; i < hf.nrcpt; i++)
		fuzz_addr(hf.rcpt[i], 0);
	fuzz_reason(hf.reason);
	if (hf.hlen > len || (hf.hlen > 0 && hf.headers[hf.hlen - 1] != '\n'))
		abort();
	if (hf.dsn.ret < 0 || hf.dsn.ret > 2 || hf.dsn.notify < 0 || hf.dsn.notify > 15)
		abort();
	release_hf_free(&hf);
}

/* fuzz_mailq - one listing */
static void
fuzz_mailq(const char *text)
{
	struct release_qent *q;
	char	err[RELEASE_ERR_MAX];
	size_t	i, n, k;

	if (release_mailq_parse(text, "hold", &q, &n, err, sizeof(err)) < 0) {
		if (err[0] == '\0' || q != NULL || n != 0)
			abort();
		return;
	}
	for (i = 0; i < n; i++) {
		k = strspn(q[i].qid, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
		if (k == 0 || q[i].qid[k] != '\0' || q[i].dir == NULL || q[i].dir[0] != '/')
			abort();
		fuzz_reason(q[i].dir);
		fuzz_reason(q[i].reason);
		release_qent_free(&q[i]);
	}
	free(q);
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
	fuzz_hf(a, n);
	if (sep != NULL) {
		memcpy(b, sep + 1, size - n - 1);
		b[size - n - 1] = '\0';
		fuzz_mailq(b);
	}
	free(a);
	free(b);
	return 0;
}
