/*
 * NAME
 *	mtclient_file 3 - a message file for the milter client
 * SUMMARY
 *	mt_read_message()
 * DESCRIPTION
 *	mt_read_message() reads a whole message file ("-" is standard
 *	input) into memory for mt_message(); an empty file is a message too.
 * DIAGNOSTICS
 *	NULL when the file cannot be opened or read or is longer than max;
 *	out of memory is fatal (util_malloc).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtclient.h"
#include "util.h"

/* mt_read_message - a whole message file ("-" = stdin) into memory */
char *
mt_read_message(const char *path, size_t max, size_t *len)
{
	FILE   *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t	cap = 65536, n = 0, r;
	char   *buf;
	int	bad;

	if (fp == NULL)
		return NULL;
	buf = util_malloc(cap);
	while ((r = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += r;
		if (n == cap) {
			if (cap > max)
				break;
			cap *= 2;
			buf = util_realloc(buf, cap);
		}
	}
	bad = ferror(fp) || n > max;		/* an empty message is a message too */
	if (fp != stdin)
		fclose(fp);
	if (bad) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}
