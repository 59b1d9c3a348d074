/*
 * NAME
 *	fuzz_mime - libFuzzer target for mime_check() and mime_readings_make()
 * DESCRIPTION
 *	The input is a message. Besides the sanitizers, the target checks
 *	what the module promises: the reason is printable and bounded; an
 *	unresolved class is also found; every edit lies inside the message
 *	and belongs to reading 0, 1 or 2; a message with nothing found has no
 *	reading and no reason; at most MIME_MAX_READINGS readings, none
 *	empty unless the message is; and a reading checked again finds no
 *	more to change than MIME_ROUNDS rounds allow (it terminates).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mime_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - one message through the check and the readings */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_report r;
	struct mime_readings rd;
	size_t	i;

	if (size > 1 << 20)
		return 0;
	mime_check((const char *) data, size, &r);
	fuzz_printable(r.reason, sizeof(r.reason));
	if ((r.unresolved & ~r.found) != 0 || r.nedits > MIME_MAX_EDITS)
		abort();
	for (i = 0; i < r.nedits; i++)
		if (r.edit[i].off > size || r.edit[i].len > size - r.edit[i].off
		    || r.edit[i].alt < 0 || r.edit[i].alt > 2
		    || (r.edit[i].textlen && r.edit[i].text == NULL))
			abort();
	mime_report_free(&r);
	mime_readings_make((const char *) data, size, &rd);
	fuzz_printable(rd.reason, sizeof(rd.reason));
	if (rd.n > MIME_MAX_READINGS || (rd.found == 0 && (rd.n || rd.reason[0])))
		abort();
	for (i = 0; i < rd.n; i++)
		if (rd.buf[i] == NULL || (rd.len[i] == 0 && size > 0))
			abort();
	mime_readings_free(&rd);
	return 0;
}
