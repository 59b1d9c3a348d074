/*
 * NAME
 *	clamd_zip 3 - the limits probe: EICAR 64 zips deep, built in memory
 * DESCRIPTION
 *	See clamd_zip(3h). Just enough of zip (APPNOTE 4.3: local file
 *	header, central directory, end record; methods 0 and 8) and of
 *	deflate (RFC 1951: one final block with the fixed Huffman codes,
 *	literals only) to build the probe without zlib. The probe is built
 *	from the inside out in one buffer; nothing is allocated.
 * DIAGNOSTICS
 *	None: a buffer too small gives length 0.
 */
#include "config.h"

#include <string.h>

#include "clamd_zip.h"

/* clamd_crc32 - the CRC-32 of zip (and zlib), bit by bit */
uint32_t
clamd_crc32(const unsigned char *p, size_t len)
{
	uint32_t crc = 0xffffffffu;
	int	k;

	while (len-- > 0) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* A bit writer for deflate: bits go into bytes from the lowest bit up. */
struct clamd_bits {
	unsigned char *p;
	size_t	cap;
	size_t	len;
	unsigned acc;
	int	nacc;
	int	full;		/* cap was too small */
};

/* clamd_bits_put - n bits of v, lowest first */
static void
clamd_bits_put(struct clamd_bits *b, unsigned v, int n)
{
	while (n-- > 0) {
		b->acc |= (v & 1u) << b->nacc;
		v >>= 1;
		if (++b->nacc == 8) {
			if (b->len < b->cap)
				b->p[b->len++] = (unsigned char) b->acc;
			else
				b->full = 1;
			b->acc = 0;
			b->nacc = 0;
		}
	}
}

/* clamd_bits_code - a Huffman code of n bits, highest bit first (RFC 1951 3.1.1) */
static void
clamd_bits_code(struct clamd_bits *b, unsigned code, int n)
{
	while (n-- > 0)
		clamd_bits_put(b, code >> n, 1);
}

/*
 * clamd_deflate_fixed - in as one final deflate block of literals with the
 * fixed Huffman codes (RFC 1951 3.2.6); its length, or 0 when cap is too small
 */
size_t
clamd_deflate_fixed(const unsigned char *in, size_t len, unsigned char *out, size_t cap)
{
	struct clamd_bits b = { out, cap, 0, 0, 0, 0 };
	size_t	i;

	clamd_bits_put(&b, 1, 1);			/* BFINAL */
	clamd_bits_put(&b, 1, 2);			/* BTYPE 01: fixed codes */
	for (i = 0; i < len; i++) {
		if (in[i] < 144)
			clamd_bits_code(&b, 0x30u + in[i], 8);
		else
			clamd_bits_code(&b, 0x190u + (unsigned) (in[i] - 144), 9);
	}
	clamd_bits_code(&b, 0, 7);			/* 256: end of block */
	if (b.nacc > 0)
		clamd_bits_put(&b, 0, 8 - b.nacc);	/* pad to a byte */
	return b.full ? 0 : b.len;
}

/* clamd_le - n bytes of v, little-endian, at p */
static void
clamd_le(unsigned char *p, uint32_t v, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char) (v >> (8 * i));
}

/* One zip entry as its headers describe it. */
struct clamd_zip_entry {
	unsigned method;	/* 0 stored, 8 deflated */
	uint32_t crc;
	uint32_t csize;		/* bytes in the zip */
	uint32_t usize;		/* bytes unpacked */
};

/* clamd_zip_local - the local file header (CLAMD_PROBE_LOCAL bytes, name "p") at p */
static void
clamd_zip_local(unsigned char *p, const struct clamd_zip_entry *e)
{
	memset(p, 0, CLAMD_PROBE_LOCAL);
	clamd_le(p, 0x04034b50u, 4);			/* local file header signature */
	clamd_le(p + 4, e->method ? 20 : 10, 2);	/* version needed */
	clamd_le(p + 8, e->method, 2);
	clamd_le(p + 14, e->crc, 4);
	clamd_le(p + 18, e->csize, 4);
	clamd_le(p + 22, e->usize, 4);
	clamd_le(p + 26, 1, 2);				/* name length */
	p[30] = 'p';
}

/* clamd_zip_tail - central directory entry and end record (CLAMD_PROBE_TAIL bytes) at p */
static void
clamd_zip_tail(unsigned char *p, const struct clamd_zip_entry *e)
{
	memset(p, 0, CLAMD_PROBE_TAIL);
	clamd_le(p, 0x02014b50u, 4);			/* central directory signature */
	clamd_le(p + 4, 20, 2);				/* version made by */
	clamd_le(p + 6, e->method ? 20 : 10, 2);
	clamd_le(p + 10, e->method, 2);
	clamd_le(p + 16, e->crc, 4);
	clamd_le(p + 20, e->csize, 4);
	clamd_le(p + 24, e->usize, 4);
	clamd_le(p + 28, 1, 2);				/* name length; local header at 0 */
	p[46] = 'p';
	p += 47;
	clamd_le(p, 0x06054b50u, 4);			/* end of central directory */
	clamd_le(p + 8, 1, 2);				/* entries on this disk */
	clamd_le(p + 10, 1, 2);				/* entries */
	clamd_le(p + 12, 47, 4);			/* central directory size */
	clamd_le(p + 16, CLAMD_PROBE_LOCAL + e->csize, 4);	/* and where it starts */
}

/* clamd_eicar - the 68-byte EICAR test file, from its reverse (so no binary is the test file) */
void
clamd_eicar(unsigned char out[68])
{
	static const char rev[] =
	    "*H+H$!ELIF-TSET-SURIVITNA-DRADNATS-RACIE$}7)CC7)^P(45XZP\\4[PA@%P!O5X";
	size_t	i;

	for (i = 0; i < 68; i++)
		out[i] = (unsigned char) rev[67 - i];
}

/*
 * clamd_limits_probe - the limits probe (see clamd_zip(3h)) into buf; its
 * length, or 0 when cap is under CLAMD_PROBE_MAX. Built from the inside
 * out in place: level k's local header goes just before its content,
 * its central directory and end record just after.
 */
size_t
clamd_limits_probe(unsigned char *buf, size_t cap)
{
	unsigned char eicar[68];
	struct clamd_zip_entry e;
	size_t	start, end, dlen;
	int	k;

	if (cap < CLAMD_PROBE_MAX)
		return 0;
	clamd_eicar(eicar);
	start = (size_t) CLAMD_PROBE_DEPTH * CLAMD_PROBE_LOCAL;
	dlen = clamd_deflate_fixed(eicar, sizeof(eicar), buf + start, cap - start);
	if (dlen == 0 || start + dlen + (size_t) CLAMD_PROBE_DEPTH * CLAMD_PROBE_TAIL > cap)
		return 0;
	end = start + dlen;
	e.method = 8;
	e.crc = clamd_crc32(eicar, sizeof(eicar));
	e.csize = (uint32_t) dlen;
	e.usize = sizeof(eicar);
	for (k = 0; k < CLAMD_PROBE_DEPTH; k++) {
		start -= CLAMD_PROBE_LOCAL;
		clamd_zip_local(buf + start, &e);
		clamd_zip_tail(buf + end, &e);
		end += CLAMD_PROBE_TAIL;
		e.method = 0;
		e.csize = e.usize = (uint32_t) (end - start);
		e.crc = clamd_crc32(buf + start, end - start);
	}
	return end;
}

