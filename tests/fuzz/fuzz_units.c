/*
 * NAME
 *	fuzz_units - libFuzzer target for conf_parse_duration() and conf_parse_size()
 * DESCRIPTION
 *	The input, cut at its first NUL, is parsed as a duration and as a
 *	size. Besides the sanitizers, the target checks what the parsers
 *	promise: an accepted duration is not negative; a value that parses
 *	is made of digits and one known unit; what parses as a plain number
 *	parses the same as a size and as a duration in milliseconds ("ms").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_digits - 1 when s[0..n) is all ASCII digits and n > 0 */
static int
fuzz_digits(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* LLVMFuzzerTestOneInput - one input through both parsers */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char   *s, *ms;
	int64_t	d = -1, d2 = -1;
	uint64_t b = 0, b2 = 0;
	size_t	n;
	int	dok, bok;

	if (size > 256)
		return 0;
	if ((s = malloc(size + 1)) == NULL || (ms = malloc(size + 3)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	n = strlen(s);
	dok = conf_parse_duration(s, &d) == 0;
	bok = conf_parse_size(s, &b) == 0;
	if (dok && d < 0)
		abort();
	if (dok && !fuzz_digits(s, strspn(s, "0123456789")))
		abort();		/* a duration starts with digits */
	if (bok && !fuzz_digits(s, strspn(s, "0123456789")))
		abort();
	if (fuzz_digits(s, n) && n < 10) {
		/* a plain small number is bytes; with "ms" it is milliseconds */
		if (!bok || b != strtoull(s, NULL, 10))
			abort();
		snprintf(ms, size + 3, "%sms", s);
		if (conf_parse_duration(ms, &d2) != 0 || d2 != (int64_t) strtoll(s, NULL, 10))
			abort();
		if (conf_parse_size(ms, &b2) == 0)
			abort();	/* "ms" is no size unit */
	}
	free(ms);
	free(s);
	return 0;
}
