/*
 * NAME
 *	clamd_zip 3h - the limits probe: EICAR 64 zips deep, built in memory
 * SUMMARY
 *	clamd_limits_probe(), clamd_crc32(), clamd_deflate_fixed(),
 *	clamd_eicar()
 * DESCRIPTION
 *	clamd_limits_probe() builds the stream that finds out whether a
 *	clamd reports the limits it hits (AlertExceedsMax yes) or answers OK
 *	past them (clamd's default): the EICAR test file, deflated, in a zip,
 *	in a zip, ... CLAMD_PROBE_DEPTH zips deep, every outer zip stored (not
 *	compressed), one byte of name per entry: about 100 bytes per level,
 *	6.5 KB in all. The deflated innermost layer keeps the EICAR bytes out
 *	of every outer layer, so that a signature matching EICAR anywhere
 *	in a file cannot answer for the outer zip: only a clamd that unpacked
 *	all 64 levels can name EICAR. clamd_limits_answer() (clamd_proto(3h))
 *	judges the reply.
 *
 *	None of these functions allocates, blocks or logs.
 */
#ifndef CLAMSHIM_CLAMD_ZIP_H
#define CLAMSHIM_CLAMD_ZIP_H

#include <stddef.h>
#include <stdint.h>

#define CLAMD_PROBE_DEPTH	64	/* zips nested: past any sane MaxRecursion (clamd's default 17) */
#define CLAMD_PROBE_LOCAL	31	/* a local file header with a one-byte name */
#define CLAMD_PROBE_TAIL	69	/* central directory entry (47) and end record (22) */
#define CLAMD_PROBE_MAX		(CLAMD_PROBE_DEPTH * (CLAMD_PROBE_LOCAL + CLAMD_PROBE_TAIL) + 128)

/* clamd_limits_probe - the limits probe into buf; its length, or 0 when cap is under CLAMD_PROBE_MAX */
size_t	clamd_limits_probe(unsigned char *buf, size_t cap);
/* clamd_crc32 - the CRC-32 of zip (and zlib) */
uint32_t clamd_crc32(const unsigned char *p, size_t len);
/* clamd_deflate_fixed - in as one fixed-code deflate block; its length, or 0 when cap is too small */
size_t	clamd_deflate_fixed(const unsigned char *in, size_t len, unsigned char *out, size_t cap);
/* clamd_eicar - the 68-byte EICAR test file */
void	clamd_eicar(unsigned char out[68]);

#endif
