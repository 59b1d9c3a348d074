/*
 * NAME
 *	fuzz 3h - checks shared by the libFuzzer targets
 * SUMMARY
 *	fuzz_printable()
 * DESCRIPTION
 *	Besides the sanitizers, each target checks what its module promises;
 *	this is the check more than one target needs.
 */
#ifndef CLAMSHIM_FUZZ_H
#define CLAMSHIM_FUZZ_H

#include <stdlib.h>
#include <string.h>

/* fuzz_printable - abort unless s is NUL-terminated inside len and printable ASCII; its length */
static inline size_t
fuzz_printable(const char *s, size_t len)
{
	const char *nul = memchr(s, 0, len);
	const char *p;

	if (nul == NULL)
		abort();
	for (p = s; p < nul; p++)
		if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e)
			abort();
	return (size_t) (nul - s);
}

#endif
