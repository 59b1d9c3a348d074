/*
 * NAME
 *	fuzz_migrate - libFuzzer target for migrate_text()
 * DESCRIPTION
 *	The input is split at its first byte 0xff into up to two files
 *	(clamav-milter.conf, clamd.conf: any text); a file an option names
 *	(AllowList, SkipAuthenticated file:) reads as the whole input.
 *	Besides the sanitizers, the target checks what migrate(3) promises:
 *	the exit code is one of the three; the configuration and the notes
 *	are printable ASCII lines (tabs in the configuration); a converted
 *	file has a scanner chain; nothing is written for an error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *fuzz_data;	/* the input, for fuzz_read */
static size_t fuzz_size;

/* fuzz_read - migrate_read_fn: every file is the input */
static int
fuzz_read(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	(void) path;
	(void) err;
	(void) errlen;
	if ((*text = malloc(fuzz_size + 1)) == NULL)
		abort();
	memcpy(*text, fuzz_data, fuzz_size);
	(*text)[fuzz_size] = '\0';
	*len = fuzz_size;
	return 0;
}

/* fuzz_lines - abort unless s is printable ASCII, newlines, and tabs when tabs is set */
static void
fuzz_lines(const char *s, int tabs)
{
	for (; *s; s++)
		if (*s != '\n' && !(tabs && *s == '\t') && (*s < 0x20 || *s > 0x7e))
			abort();
}

/* LLVMFuzzerTestOneInput - one input through migrate_text */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct migrate_src src[2] = {{"milter", (const char *) data, size}, {"clamd", NULL, 0}};
	const uint8_t *cut;
	char   *out = NULL, *notes = NULL;
	size_t	n = 1;
	int	rc;

	if (size > 64 * 1024)
		return 0;
	fuzz_data = data;
	fuzz_size = size;
	if ((cut = memchr(data, 0xff, size)) != NULL) {
		src[0].len = (size_t) (cut - data);
		src[1].text = (const char *) cut + 1;
		src[1].len = size - src[0].len - 1;
		n = 2;
	}
	rc = (int) migrate_text(src, n, fuzz_read, &out, &notes);
	if (out == NULL || notes == NULL)
		abort();
	if (rc != MIGRATE_ALL && rc != MIGRATE_SOME && rc != MIGRATE_ERROR)
		abort();
	fuzz_lines(out, 1);
	fuzz_lines(notes, 0);
	if (rc == MIGRATE_ERROR && (out[0] != '\0' || notes[0] == '\0'))
		abort();
	if (rc != MIGRATE_ERROR && strstr(out, "\nscanners = {\"") == NULL)
		abort();
	if (rc == MIGRATE_SOME && notes[0] == '\0')
		abort();
	free(out);
	free(notes);
	return 0;
}
