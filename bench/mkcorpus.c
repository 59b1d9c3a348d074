/*
 * NAME
 *	mkcorpus - write a deterministic corpus of realistic mail for the benchmarks
 * SUMMARY
 *	mkcorpus [-n COUNT] [-s SEED] [-i PERMILLE] [-M MAXSIZE] [-T TESTFILES]
 *		[-c PERCENT [-g CAMPAIGNS]] DIR
 * DESCRIPTION
 *	Writes COUNT RFC 5322 messages DIR/m000000.eml ... (CR LF line ends,
 *	so that every contestant of bench/run scans the same bytes) and
 *	DIR/MANIFEST, one line per message:
 *
 *	m000042.eml 18305 mixed clean -
 *	m000043.eml 4711 alternative infected eicar-qp
 *
 *	(file, size, structure, expected verdict, how it is infected).
 *
 *	Message i depends only on SEED and i, so a corpus of 100 is the
 *	first 100 messages of a corpus of 10000 with the same seed, and
 *	every message is different from every other (no scan cache hits).
 *
 *	Sizes go from 1 KB to MAXSIZE (default 4M), mostly small: 70%
 *	1-10 KB, 20% 10-100 KB, 8.5% 100 KB-1 MB, 1.5% 1 MB-MAXSIZE, each
 *	range log-uniform. Structures: text/plain, text/html,
 *	multipart/alternative, multipart/mixed with attachments (base64
 *	JPEG-like and PDF-like binaries, quoted-printable text, CSV, stored
 *	zip archives, OOXML .docx/.xlsx containers) and forwarded
 *	message/rfc822. Larger messages are always multipart/mixed: their
 *	size is in attachments, as in real mail.
 *
 *	PERMILLE messages per thousand (default 50) carry a test virus:
 *	EICAR (at the start of an attachment) in base64, quoted-printable,
 *	7bit, inside a zip, inside a forwarded message; a ClamAV test file
 *	(clam.exe, clam.zip, clam.7z, clam.cab, clam.pdf ... from TESTFILES,
 *	default /usr/share/clamav-testfiles) in base64, inside a zip, or
 *	uuencoded in the body. Without the test files only EICAR is used.
 *	The tiny test database (tests/mkdb.sh) detects all of them.
 *
 *	Bulk mail: -c PERCENT (default 0) makes that share of the messages
 *	campaign messages, each of one of CAMPAIGNS campaigns (-g, default
 *	20): newsletters and mailings, where every message of a campaign has
 *	its own headers (Received, From, To, Date, Message-ID, DKIM) but the
 *	same MIME body and attachments, byte for byte (size, structure and
 *	infection are the campaign's). Which messages are campaign messages,
 *	and of which campaign, depends only on SEED and i; the other messages
 *	are the same as without -c. MANIFEST gets a sixth column
 *	"campaign-N" on campaign messages. This is the mail a scan cache
 *	(libclamav's clean-result cache keyed by the MD5 of each part) is for.
 * DIAGNOSTICS
 *	Exit 0 when done, 1 on an I/O error, 2 on a usage error.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MC_DEFAULT_TESTFILES	"/usr/share/clamav-testfiles"
#define MC_DATE_BASE		1767225600LL	/* 2026-01-01 00:00:00 UTC */
#define MC_TESTFILE_MAX		(4 * 1024 * 1024)
#define MC_MAX_ENTRIES		8		/* files in one zip */
#define MC_CAMPAIGN_BASE	(1ULL << 40)	/* generator numbers of campaigns start here */
#define MC_CAMPAIGN_PICK	(1ULL << 41)	/* ... and those that pick a message's campaign */
#define MC_CAMPAIGN_HEAD	1500		/* headers a campaign's body size allows for */

/* A growable byte buffer. */
struct mc_buf {
	unsigned char *p;
	size_t	len;
	size_t	cap;
};

/* The generator state of one message. */
struct mc_rng {
	uint64_t s;
};

/* One file inside a zip. */
struct mc_entry {
	const char *name;
	const unsigned char *data;
	size_t	len;
};

/* A ClamAV test file, read once. */
struct mc_testfile {
	const char *name;
	unsigned char *data;
	size_t	len;
};

static const char *const mc_testnames[] = {
	"clam.exe", "clam.zip", "clam.7z", "clam.cab", "clam.arj", "clam.tar.gz",
	"clam.exe.bz2", "clam.pdf", "clam.ole.doc", "clam.ppt", "clam.exe.rtf",
	"clam.chm", "clam.tnef", "clam.exe.szdd", "clam-upx.exe", "clam-fsg.exe",
	"clam.newc.cpio", "clam.impl.zip", "clam.bz2.zip", "clam.exe.html",
};
#define MC_NTESTNAMES	(sizeof(mc_testnames) / sizeof(mc_testnames[0]))

static struct mc_testfile mc_tests[MC_NTESTNAMES];
static size_t mc_ntests;

/* The EICAR test string, put together here so that this file is no test virus itself. */
static const char *const mc_eicar_parts[] = {
	"X5O!P%@AP[4\\PZX54(P^)7CC)7}$", "EICAR-STANDARD-ANTIVIRUS-", "TEST-FILE!$H+H*",
};
static char mc_eicar[80];

static const char *const mc_words[] = {
	"the", "of", "and", "to", "in", "is", "you", "that", "it", "he", "was", "for", "on",
	"are", "as", "with", "his", "they", "at", "be", "this", "have", "from", "or", "one",
	"had", "by", "word", "but", "not", "what", "all", "were", "we", "when", "your", "can",
	"said", "there", "use", "an", "each", "which", "she", "do", "how", "their", "if",
	"will", "up", "other", "about", "out", "many", "then", "them", "these", "so", "some",
	"her", "would", "make", "like", "him", "into", "time", "has", "look", "two", "more",
	"write", "go", "see", "number", "no", "way", "could", "people", "my", "than", "first",
	"water", "been", "call", "who", "oil", "its", "now", "find", "long", "down", "day",
	"did", "get", "come", "made", "may", "part", "meeting", "invoice", "quarterly",
	"report", "attached", "please", "review", "budget", "schedule", "project", "customer",
	"delivery", "order", "payment", "account", "thanks", "regards", "tomorrow", "office",
	"update", "release", "server", "backup", "contract", "proposal", "deadline", "team",
	"agenda", "minutes", "forecast", "shipment", "warehouse", "pricing", "discount",
	"newsletter", "subscribe", "unsubscribe", "offer", "limited", "free", "conference",
};
#define MC_NWORDS	(sizeof(mc_words) / sizeof(mc_words[0]))

static const char *const mc_names[] = {
	"Alice Martin", "Bob Keller", "Carla Rossi", "Dieter Braun", "Eva Lindqvist",
	"Farid Haddad", "Grace Okafor", "Hiro Tanaka", "Ines Duarte", "Jan Novak",
	"Katrin Vogel", "Luis Ortega", "Mei Chen", "Nils Berg", "Olga Petrova",
};
static const char *const mc_domains[] = {
	"example.com", "example.net", "example.org", "mail.example.com", "corp.example",
	"shop.example", "lists.example.org",
};
static const char *const mc_mailers[] = {
	"Microsoft Outlook 16.0", "Mozilla Thunderbird 115.6", "Apple Mail (2.3774)",
	"Roundcube Webmail/1.6.5", "PHPMailer 6.9.1", "Evolution 3.46",
};
static const char *const mc_tz[] = {"+0000", "+0100", "-0500", "+0900", "-0800", "+0530"};

/* mc_oom - out of memory: abort */
static void
mc_oom(size_t n)
{
	fprintf(stderr, "mkcorpus: out of memory allocating %zu bytes\n", n);
	abort();
}

/* mc_reserve - room for n more bytes */
static void
mc_reserve(struct mc_buf *b, size_t n)
{
	size_t	ncap = b->cap ? b->cap : 4096;

	if (b->len + n <= b->cap)
		return;
	while (ncap < b->len + n)
		ncap *= 2;
	if ((b->p = realloc(b->p, ncap)) == NULL)
		mc_oom(ncap);
	b->cap = ncap;
}

/* mc_put - append bytes */
static void
mc_put(struct mc_buf *b, const void *p, size_t n)
{
	mc_reserve(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* mc_puts - append a string */
static void
mc_puts(struct mc_buf *b, const char *s)
{
	mc_put(b, s, strlen(s));
}

/* mc_printf - append formatted text */
static void mc_printf(struct mc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
mc_printf(struct mc_buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	mc_reserve(b, (size_t) n + 1);
	va_start(ap, fmt);
	(void) vsnprintf((char *) b->p + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

/* mc_next - splitmix64: the next 64 random bits */
static uint64_t
mc_next(struct mc_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* mc_below - a number in [0, n) */
static size_t
mc_below(struct mc_rng *r, size_t n)
{
	return n ? (size_t) (mc_next(r) % n) : 0;
}

/* mc_unit - a number in [0, 1) */
static double
mc_unit(struct mc_rng *r)
{
	return (double) (mc_next(r) >> 11) / 9007199254740992.0;
}

/* mc_logu - log-uniform in [lo, hi) */
static size_t
mc_logu(struct mc_rng *r, size_t lo, size_t hi)
{
	double	a = (double) lo, b = (double) hi;

	return (size_t) (a * exp(mc_unit(r) * log(b / a)));
}

/* mc_random_bytes - n random bytes */
static void
mc_random_bytes(struct mc_rng *r, struct mc_buf *b, size_t n)
{
	uint64_t v;
	size_t	i;

	mc_reserve(b, n + 8);
	for (i = 0; i < n; i += 8) {
		v = mc_next(r);
		memcpy(b->p + b->len + i, &v, 8);
	}
	b->len += n;
}

/* mc_text - about n bytes of prose in lines of at most 76, paragraphs between */
static void
mc_text(struct mc_rng *r, struct mc_buf *b, size_t n)
{
	size_t	start = b->len, col = 0, sentence = 0;

	while (b->len - start < n) {
		const char *w = mc_words[mc_below(r, MC_NWORDS)];
		size_t	wl = strlen(w);

		if (col + wl + 2 > 76) {
			mc_puts(b, "\r\n");
			col = 0;
			if (mc_below(r, 8) == 0)
				mc_puts(b, "\r\n");
		} else if (col > 0) {
			mc_puts(b, " ");
			col++;
		}
		if (sentence == 0) {
			char	cap[32];

			snprintf(cap, sizeof(cap), "%s", w);
			cap[0] = (char) (cap[0] >= 'a' && cap[0] <= 'z' ? cap[0] - 32 : cap[0]);
			mc_puts(b, cap);
		} else {
			mc_puts(b, w);
		}
		col += wl;
		if (++sentence > 4 + mc_below(r, 14)) {
			mc_puts(b, mc_below(r, 6) ? "." : "?");
			col++;
			sentence = 0;
		} else if (mc_below(r, 12) == 0) {
			mc_puts(b, ",");
			col++;
		}
	}
	mc_puts(b, "\r\n");
}

/* mc_html - about n bytes of an HTML newsletter */
static void
mc_html(struct mc_rng *r, struct mc_buf *b, size_t n)
{
	size_t	start = b->len;
	unsigned k = 0;

	mc_puts(b, "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\">\r\n"
		"<style>body{font-family:Arial,sans-serif}td{padding:4px}</style></head>\r\n<body>\r\n");
	while (b->len - start < n) {
		switch (mc_below(r, 5)) {
		case 0:
			mc_printf(b, "<h2>%s %s</h2>\r\n", mc_words[mc_below(r, MC_NWORDS)],
				  mc_words[mc_below(r, MC_NWORDS)]);
			break;
		case 1:
			mc_printf(b, "<p><a href=\"https://%s/track/%u?u=%08llx\">%s</a></p>\r\n",
				  mc_domains[mc_below(r, 7)], k++,
				  (unsigned long long) (mc_next(r) & 0xffffffffULL),
				  mc_words[mc_below(r, MC_NWORDS)]);
			break;
		case 2:
			mc_puts(b, "<table><tr><td><b>");
			mc_puts(b, mc_words[mc_below(r, MC_NWORDS)]);
			mc_printf(b, "</b></td><td>%zu.%02zu</td></tr></table>\r\n",
				  mc_below(r, 1000), mc_below(r, 100));
			break;
		default:
			mc_puts(b, "<p>");
			mc_text(r, b, 200 + mc_below(r, 600));
			mc_puts(b, "</p>\r\n");
			break;
		}
	}
	mc_puts(b, "</body></html>\r\n");
}

/* mc_base64 - data as base64 in lines of 76 */
static void
mc_base64(struct mc_buf *b, const unsigned char *d, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t	i, col = 0;

	mc_reserve(b, n / 3 * 4 + n / 57 * 2 + 8);
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned) d[i] << 16 | (unsigned) d[i + 1] << 8 | d[i + 2];
		char	q[4] = {tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63], tab[v & 63]};

		mc_put(b, q, 4);
		if ((col += 4) == 76) {
			mc_put(b, "\r\n", 2);
			col = 0;
		}
	}
	if (i < n) {
		unsigned v = (unsigned) d[i] << 16 | (i + 1 < n ? (unsigned) d[i + 1] << 8 : 0);
		char	q[4] = {tab[v >> 18], tab[(v >> 12) & 63],
				i + 1 < n ? tab[(v >> 6) & 63] : '=', '='};

		mc_put(b, q, 4);
		col += 4;
	}
	if (col > 0)
		mc_put(b, "\r\n", 2);
}

/* mc_qp - data as quoted-printable (CR LF kept as line ends) */
static void
mc_qp(struct mc_buf *b, const unsigned char *d, size_t n)
{
	size_t	i, col = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = d[i];

		if (c == '\r' && i + 1 < n && d[i + 1] == '\n') {
			mc_put(b, "\r\n", 2);
			col = 0;
			i++;
			continue;
		}
		if (col >= 73) {
			mc_put(b, "=\r\n", 3);
			col = 0;
		}
		if ((c >= 33 && c <= 126 && c != '=') || (c == ' ' && i + 1 < n && d[i + 1] != '\r')) {
			mc_put(b, &c, 1);
			col++;
		} else {
			mc_printf(b, "=%02X", c);
			col += 3;
		}
	}
	mc_put(b, "\r\n", 2);
}

/* mc_uuencode - data uuencoded as "begin 644 NAME" ... "end" */
static void
mc_uuencode(struct mc_buf *b, const char *name, const unsigned char *d, size_t n)
{
	size_t	i, j;

	mc_printf(b, "begin 644 %s\r\n", name);
	for (i = 0; i < n; i += 45) {
		size_t	ln = n - i < 45 ? n - i : 45;
		char	c = (char) (ln ? (ln & 63) + 32 : '`');

		mc_put(b, &c, 1);
		for (j = 0; j < ln; j += 3) {
			unsigned v = (unsigned) d[i + j] << 16
			    | (j + 1 < ln ? (unsigned) d[i + j + 1] << 8 : 0)
			    | (j + 2 < ln ? d[i + j + 2] : 0);
			char	q[4];
			int	k;

			for (k = 0; k < 4; k++) {
				unsigned s = (v >> (18 - 6 * k)) & 63;

				q[k] = (char) (s ? s + 32 : '`');
			}
			mc_put(b, q, 4);
		}
		mc_put(b, "\r\n", 2);
	}
	mc_puts(b, "`\r\nend\r\n");
}

/* mc_crc32 - the zip CRC-32 of data */
static uint32_t
mc_crc32(const unsigned char *d, size_t n)
{
	static uint32_t tab[256];
	static int init;
	uint32_t c = 0xffffffffU;
	size_t	i;

	if (!init) {
		for (i = 0; i < 256; i++) {
			uint32_t v = (uint32_t) i;
			int	k;

			for (k = 0; k < 8; k++)
				v = (v & 1) ? 0xedb88320U ^ (v >> 1) : v >> 1;
			tab[i] = v;
		}
		init = 1;
	}
	for (i = 0; i < n; i++)
		c = tab[(c ^ d[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffU;
}

/* mc_le - append a little-endian number of w bytes */
static void
mc_le(struct mc_buf *b, uint32_t v, int w)
{
	unsigned char x[4];
	int	i;

	for (i = 0; i < w; i++)
		x[i] = (unsigned char) (v >> (8 * i));
	mc_put(b, x, (size_t) w);
}

/* mc_zip - a zip archive (stored, no compression) of the entries */
static void
mc_zip(struct mc_buf *b, const struct mc_entry *e, size_t n)
{
	uint32_t off[MC_MAX_ENTRIES], crc[MC_MAX_ENTRIES];
	size_t	start = b->len, cd, cdlen, i;

	for (i = 0; i < n && i < MC_MAX_ENTRIES; i++) {
		off[i] = (uint32_t) (b->len - start);
		crc[i] = mc_crc32(e[i].data, e[i].len);
		mc_le(b, 0x04034b50U, 4);
		mc_le(b, 10, 2);		/* version needed */
		mc_le(b, 0, 2);			/* flags */
		mc_le(b, 0, 2);			/* stored */
		mc_le(b, 0x6000, 2);		/* 12:00 */
		mc_le(b, 0x5c21, 2);		/* 2026-01-01 */
		mc_le(b, crc[i], 4);
		mc_le(b, (uint32_t) e[i].len, 4);
		mc_le(b, (uint32_t) e[i].len, 4);
		mc_le(b, (uint32_t) strlen(e[i].name), 2);
		mc_le(b, 0, 2);
		mc_puts(b, e[i].name);
		mc_put(b, e[i].data, e[i].len);
	}
	cd = b->len;
	for (i = 0; i < n && i < MC_MAX_ENTRIES; i++) {
		mc_le(b, 0x02014b50U, 4);
		mc_le(b, 20, 2);
		mc_le(b, 10, 2);
		mc_le(b, 0, 2);
		mc_le(b, 0, 2);
		mc_le(b, 0x6000, 2);
		mc_le(b, 0x5c21, 2);
		mc_le(b, crc[i], 4);
		mc_le(b, (uint32_t) e[i].len, 4);
		mc_le(b, (uint32_t) e[i].len, 4);
		mc_le(b, (uint32_t) strlen(e[i].name), 2);
		mc_le(b, 0, 2);			/* extra */
		mc_le(b, 0, 2);			/* comment */
		mc_le(b, 0, 2);			/* disk */
		mc_le(b, 0, 2);			/* internal attributes */
		mc_le(b, 0, 4);			/* external attributes */
		mc_le(b, off[i], 4);
		mc_puts(b, e[i].name);
	}
	cdlen = b->len - cd;
	mc_le(b, 0x06054b50U, 4);
	mc_le(b, 0, 2);
	mc_le(b, 0, 2);
	mc_le(b, (uint32_t) (i), 2);
	mc_le(b, (uint32_t) (i), 2);
	mc_le(b, (uint32_t) cdlen, 4);
	mc_le(b, (uint32_t) (cd - start), 4);
	mc_le(b, 0, 2);
}

/* mc_jpeg - a JPEG-like binary of about n bytes */
static void
mc_jpeg(struct mc_rng *r, struct mc_buf *b, size_t n)
{
	static const unsigned char head[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I',
		'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00};
	static const unsigned char tail[] = {0xff, 0xd9};

	mc_put(b, head, sizeof(head));
	mc_random_bytes(r, b, n > 24 ? n - 24 : 16);
	mc_put(b, tail, sizeof(tail));
}

/* mc_pdf - a PDF-like file of about n bytes: text streams and a binary one */
static void
mc_pdf(struct mc_rng *r, struct mc_buf *b, size_t n)
{
	size_t	start = b->len;
	unsigned obj = 1;

	mc_puts(b, "%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\r\n");
	while (b->len - start < n) {
		size_t	sz = 2000 + mc_below(r, 30000);

		mc_printf(b, "%u 0 obj\r\n<< /Length %zu >>\r\nstream\r\n", obj++, sz);
		if (mc_below(r, 2))
			mc_text(r, b, sz);
		else
			mc_random_bytes(r, b, sz);
		mc_puts(b, "\r\nendstream\r\nendobj\r\n");
	}
	mc_printf(b, "trailer\r\n<< /Root 1 0 R /Size %u >>\r\n%%%%EOF\r\n", obj);
}

/* mc_ooxml - an OOXML-like (.docx or .xlsx) container of about n bytes */
static void
mc_ooxml(struct mc_rng *r, struct mc_buf *b, size_t n, int xlsx)
{
	struct mc_buf ct = {0}, rels = {0}, doc = {0}, core = {0};
	struct mc_entry e[4];
	size_t	i;

	mc_printf(&ct, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
		  "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
		  "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
		  "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
		  "<Override PartName=\"/%s\" ContentType=\"application/vnd.openxmlformats-officedocument.%s\"/>"
		  "</Types>", xlsx ? "xl/workbook.xml" : "word/document.xml",
		  xlsx ? "spreadsheetml.sheet.main+xml" : "wordprocessingml.document.main+xml");
	mc_printf(&rels, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
		  "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
		  "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"%s\"/>"
		  "</Relationships>", xlsx ? "xl/workbook.xml" : "word/document.xml");
	mc_puts(&core, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
		"<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\">"
		"<dc:creator xmlns:dc=\"http://purl.org/dc/elements/1.1/\">bench</dc:creator></cp:coreProperties>");
	mc_puts(&doc, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n");
	if (xlsx) {
		mc_puts(&doc, "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>");
		for (i = 0; doc.len < n; i++)
			mc_printf(&doc, "<row r=\"%zu\"><c r=\"A%zu\" t=\"inlineStr\"><is><t>%s</t></is></c>"
				  "<c r=\"B%zu\"><v>%zu.%02zu</v></c></row>", i + 1, i + 1,
				  mc_words[mc_below(r, MC_NWORDS)], i + 1, mc_below(r, 100000),
				  mc_below(r, 100));
		mc_puts(&doc, "</sheetData></workbook>");
	} else {
		mc_puts(&doc, "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>");
		while (doc.len < n) {
			mc_puts(&doc, "<w:p><w:r><w:t>");
			mc_text(r, &doc, 100 + mc_below(r, 800));
			mc_puts(&doc, "</w:t></w:r></w:p>");
		}
		mc_puts(&doc, "</w:body></w:document>");
	}
	e[0] = (struct mc_entry) {"[Content_Types].xml", ct.p, ct.len};
	e[1] = (struct mc_entry) {"_rels/.rels", rels.p, rels.len};
	e[2] = (struct mc_entry) {xlsx ? "xl/workbook.xml" : "word/document.xml", doc.p, doc.len};
	e[3] = (struct mc_entry) {"docProps/core.xml", core.p, core.len};
	mc_zip(b, e, 4);
	free(ct.p);
	free(rels.p);
	free(doc.p);
	free(core.p);
}

/* mc_rfc2822_date - a Date: value for message i */
static void
mc_date(struct mc_rng *r, char *out, size_t outlen, unsigned long i)
{
	static const char *const days[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
	static const char *const mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec"};
	long long t = MC_DATE_BASE + (long long) i * 37 + (long long) mc_below(r, 30);
	long long days_since = t / 86400, sec = t % 86400;
	long	y = 2026;
	int	m = 0, mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	long long d = days_since - 20454;	/* days since 2026-01-01 */

	for (;;) {
		int	ylen = (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 366 : 365;

		if (d < ylen)
			break;
		d -= ylen;
		y++;
	}
	mdays[1] = (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
	while (d >= mdays[m]) {
		d -= mdays[m];
		m++;
	}
	snprintf(out, outlen, "%s, %lld %s %ld %02lld:%02lld:%02lld %s", days[days_since % 7],
		 d + 1, mons[m], y, sec / 3600, sec / 60 % 60, sec % 60, mc_tz[mc_below(r, 6)]);
}

/* mc_addr - "Name <first.last@domain>" */
static void
mc_addr(struct mc_rng *r, char *out, size_t outlen)
{
	const char *n = mc_names[mc_below(r, sizeof(mc_names) / sizeof(mc_names[0]))];
	char	local[64];
	size_t	i, j = 0;

	for (i = 0; n[i] && j + 1 < sizeof(local); i++)
		local[j++] = (char) (n[i] == ' ' ? '.' : (n[i] >= 'A' && n[i] <= 'Z' ? n[i] + 32 : n[i]));
	local[j] = '\0';
	snprintf(out, outlen, "%s <%s@%s>", n, local,
		 mc_domains[mc_below(r, sizeof(mc_domains) / sizeof(mc_domains[0]))]);
}

/* mc_headers - the header block of message i (no blank line, no Content-Type) */
static void
mc_headers(struct mc_rng *r, struct mc_buf *b, unsigned long i, unsigned long long seed, int inner)
{
	char	from[128], to[128], date[64];
	unsigned hops = inner ? 1 : 2 + (unsigned) mc_below(r, 3), h;

	mc_addr(r, from, sizeof(from));
	mc_addr(r, to, sizeof(to));
	mc_date(r, date, sizeof(date), i);
	for (h = 0; h < hops; h++)
		mc_printf(b, "Received: from mx%zu.%s (mx%zu.%s [192.0.2.%zu])\r\n"
			  "\tby mail.example.net (Postfix) with ESMTPS id %08llX\r\n"
			  "\tfor <user@example.net>; %s\r\n",
			  mc_below(r, 9), mc_domains[mc_below(r, 7)], mc_below(r, 9),
			  mc_domains[mc_below(r, 7)], 1 + mc_below(r, 250),
			  (unsigned long long) (mc_next(r) & 0xffffffffULL), date);
	if (!inner && mc_below(r, 2)) {
		unsigned char sig[192];
		struct mc_buf s = {0};
		size_t	k;

		for (k = 0; k < sizeof(sig); k++)
			sig[k] = (unsigned char) mc_next(r);
		mc_base64(&s, sig, sizeof(sig));
		mc_printf(b, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=s1;\r\n"
			  "\th=from:to:subject:date:message-id; bh=%.44s;\r\n\tb=",
			  mc_domains[mc_below(r, 7)], (const char *) s.p);
		for (k = 0; k < s.len; k++)
			if (s.p[k] != '\r' && s.p[k] != '\n')
				mc_put(b, &s.p[k], 1);
			else if (s.p[k] == '\n' && k + 1 < s.len)
				mc_puts(b, "\r\n\t");
		mc_puts(b, "\r\n");
		free(s.p);
	}
	mc_printf(b, "From: %s\r\nTo: %s\r\n", from, to);
	if (mc_below(r, 4) == 0) {
		mc_addr(r, to, sizeof(to));
		mc_printf(b, "Cc: %s\r\n", to);
	}
	mc_printf(b, "Subject: %s%s %s %s\r\nDate: %s\r\n"
		  "Message-ID: <%lu.%llu.%016llx@bench.example>\r\n"
		  "X-Mailer: %s\r\nMIME-Version: 1.0\r\n",
		  inner ? "" : (mc_below(r, 3) ? "" : "Re: "), mc_words[mc_below(r, MC_NWORDS)],
		  mc_words[mc_below(r, MC_NWORDS)], mc_words[mc_below(r, MC_NWORDS)], date,
		  i, seed, (unsigned long long) mc_next(r), mc_mailers[mc_below(r, 6)]);
}

/* mc_boundary - a fresh MIME boundary */
static void
mc_boundary(struct mc_rng *r, char *out, size_t outlen)
{
	snprintf(out, outlen, "----=_Part_%llu_%08llx",
		 (unsigned long long) mc_below(r, 100000),
		 (unsigned long long) (mc_next(r) & 0xffffffffULL));
}

/* mc_text_part - a text/plain part of about n bytes, 8bit or quoted-printable */
static void
mc_text_part(struct mc_rng *r, struct mc_buf *b, size_t n)
{
	struct mc_buf t = {0};

	mc_text(r, &t, n);
	if (mc_below(r, 3) == 0) {
		mc_puts(b, "Content-Type: text/plain; charset=\"utf-8\"\r\n"
			"Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		mc_qp(b, t.p, t.len);
	} else {
		mc_puts(b, "Content-Type: text/plain; charset=\"us-ascii\"\r\n"
			"Content-Transfer-Encoding: 7bit\r\n\r\n");
		mc_put(b, t.p, t.len);
	}
	free(t.p);
}

/* mc_html_part - a text/html part of about n bytes, quoted-printable */
static void
mc_html_part(struct mc_rng *r, struct mc_buf *b, size_t n)
{
	struct mc_buf t = {0};

	mc_html(r, &t, n);
	mc_puts(b, "Content-Type: text/html; charset=\"utf-8\"\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	mc_qp(b, t.p, t.len);
	free(t.p);
}

/* mc_alternative - a multipart/alternative part: text and HTML, about n bytes */
static void
mc_alternative(struct mc_rng *r, struct mc_buf *b, size_t n)
{
	char	bd[64];

	mc_boundary(r, bd, sizeof(bd));
	mc_printf(b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n--%s\r\n", bd, bd);
	mc_text_part(r, b, n * 2 / 5 + 64);
	mc_printf(b, "\r\n--%s\r\n", bd);
	mc_html_part(r, b, n * 3 / 5 + 64);
	mc_printf(b, "\r\n--%s--\r\n", bd);
}

/* mc_attach_head - the headers of an attachment part */
static void
mc_attach_head(struct mc_buf *b, const char *type, const char *name, const char *cte)
{
	mc_printf(b, "Content-Type: %s; name=\"%s\"\r\nContent-Transfer-Encoding: %s\r\n"
		  "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n", type, name, cte, name);
}

/* mc_attachment - one clean attachment part carrying about n raw bytes */
static void
mc_attachment(struct mc_rng *r, struct mc_buf *b, size_t n, unsigned k)
{
	struct mc_buf d = {0};
	char	name[64];
	size_t	what = mc_below(r, 100);

	if (what < 30) {
		snprintf(name, sizeof(name), "IMG_%04u%zu.jpg", k, mc_below(r, 10000));
		mc_jpeg(r, &d, n);
		mc_attach_head(b, "image/jpeg", name, "base64");
		mc_base64(b, d.p, d.len);
	} else if (what < 50) {
		snprintf(name, sizeof(name), "%s-%u.pdf", mc_words[mc_below(r, MC_NWORDS)], k);
		mc_pdf(r, &d, n);
		mc_attach_head(b, "application/pdf", name, "base64");
		mc_base64(b, d.p, d.len);
	} else if (what < 65) {
		struct mc_buf f1 = {0}, f2 = {0};
		struct mc_entry e[2];

		mc_text(r, &f1, n / 2 + 16);
		mc_random_bytes(r, &f2, n / 2 + 16);
		e[0] = (struct mc_entry) {"notes.txt", f1.p, f1.len};
		e[1] = (struct mc_entry) {"data.bin", f2.p, f2.len};
		mc_zip(&d, e, 2);
		free(f1.p);
		free(f2.p);
		snprintf(name, sizeof(name), "archive-%u.zip", k);
		mc_attach_head(b, "application/zip", name, "base64");
		mc_base64(b, d.p, d.len);
	} else if (what < 85) {
		int	xlsx = mc_below(r, 4) == 0;

		mc_ooxml(r, &d, n, xlsx);
		snprintf(name, sizeof(name), "%s-%u.%s", mc_words[mc_below(r, MC_NWORDS)], k,
			 xlsx ? "xlsx" : "docx");
		mc_attach_head(b, xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
			       : "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			       name, "base64");
		mc_base64(b, d.p, d.len);
	} else if (what < 95) {
		snprintf(name, sizeof(name), "notes-%u.txt", k);
		mc_text(r, &d, n);
		mc_attach_head(b, "text/plain; charset=\"utf-8\"", name, "quoted-printable");
		mc_qp(b, d.p, d.len);
	} else {
		size_t	row = 0;

		snprintf(name, sizeof(name), "export-%u.csv", k);
		while (d.len < n)
			mc_printf(&d, "%zu,%s,%s,%zu.%02zu\r\n", row++, mc_words[mc_below(r, MC_NWORDS)],
				  mc_words[mc_below(r, MC_NWORDS)], mc_below(r, 10000), mc_below(r, 100));
		mc_attach_head(b, "text/csv", name, "base64");
		mc_base64(b, d.p, d.len);
	}
	free(d.p);
}

enum mc_infect {
	MC_EICAR_B64, MC_EICAR_QP, MC_EICAR_7BIT, MC_EICAR_ZIP, MC_EICAR_FWD,
	MC_CLAM_B64, MC_CLAM_ZIP, MC_CLAM_UU, MC_INFECT_COUNT
};
static const char *const mc_infect_names[] = {
	"eicar-b64", "eicar-qp", "eicar-7bit", "eicar-zip", "eicar-fwd",
	"clam-b64", "clam-zip", "clam-uu",
};

/* mc_infected_part - one attachment part carrying a test virus (not the forwarded kind) */
static void
mc_infected_part(struct mc_rng *r, struct mc_buf *b, enum mc_infect how, char *what, size_t whatlen)
{
	const unsigned char *eicar = (const unsigned char *) mc_eicar;
	size_t	elen = strlen(mc_eicar);
	struct mc_buf d = {0};
	struct mc_entry e[2];
	const struct mc_testfile *tf = mc_ntests ? &mc_tests[mc_below(r, mc_ntests)] : NULL;

	snprintf(what, whatlen, "%s", mc_infect_names[how]);
	switch (how) {
	case MC_EICAR_QP:
		mc_attach_head(b, "text/plain", "eicar.txt", "quoted-printable");
		mc_qp(b, eicar, elen);
		break;
	case MC_EICAR_7BIT:
		mc_attach_head(b, "application/octet-stream", "eicar.com", "7bit");
		mc_put(b, eicar, elen);
		mc_puts(b, "\r\n");
		break;
	case MC_EICAR_ZIP:
		mc_text(r, &d, 300);
		e[0] = (struct mc_entry) {"readme.txt", d.p, d.len};
		e[1] = (struct mc_entry) {"eicar.com", eicar, elen};
		{
			struct mc_buf z = {0};

			mc_zip(&z, e, 2);
			mc_attach_head(b, "application/zip", "eicar.zip", "base64");
			mc_base64(b, z.p, z.len);
			free(z.p);
		}
		break;
	case MC_CLAM_B64:
	case MC_CLAM_UU:		/* uu is in the body; a base64 copy when called as a part */
		mc_attach_head(b, "application/octet-stream", tf->name, "base64");
		mc_base64(b, tf->data, tf->len);
		snprintf(what, whatlen, "%s:%s", mc_infect_names[how], tf->name);
		break;
	case MC_CLAM_ZIP:
		e[0] = (struct mc_entry) {tf->name, tf->data, tf->len};
		{
			struct mc_buf z = {0};

			mc_zip(&z, e, 1);
			mc_attach_head(b, "application/zip", "files.zip", "base64");
			mc_base64(b, z.p, z.len);
			free(z.p);
		}
		snprintf(what, whatlen, "%s:%s", mc_infect_names[how], tf->name);
		break;
	default:
		mc_attach_head(b, "application/octet-stream", "eicar.com", "base64");
		mc_base64(b, eicar, elen);
		break;
	}
	free(d.p);
}

/* mc_forwarded - a message/rfc822 part: a small forwarded message, maybe infected */
static void
mc_forwarded(struct mc_rng *r, struct mc_buf *b, unsigned long i, unsigned long long seed,
	     size_t n, int infected)
{
	char	bd[64], what[64];

	mc_puts(b, "Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n");
	mc_headers(r, b, i, seed, 1);
	if (!infected && mc_below(r, 2)) {
		mc_text_part(r, b, n);
		return;
	}
	mc_boundary(r, bd, sizeof(bd));
	mc_printf(b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n", bd, bd);
	mc_text_part(r, b, n / 3 + 100);
	mc_printf(b, "\r\n--%s\r\n", bd);
	if (infected)
		mc_infected_part(r, b, MC_EICAR_B64, what, sizeof(what));
	else
		mc_attachment(r, b, n, 0);
	mc_printf(b, "\r\n--%s--\r\n", bd);
}

/* mc_target_size - the size of message i, from the distribution */
static size_t
mc_target_size(struct mc_rng *r, size_t maxsize)
{
	double	u = mc_unit(r);
	size_t	hi;

	if (u < 0.70)
		return mc_logu(r, 1024, 10240);
	if (u < 0.90)
		return mc_logu(r, 10240, 102400);
	if (u < 0.985 || maxsize <= 1048576)
		return mc_logu(r, 102400, maxsize < 1048576 ? maxsize : 1048576);
	hi = maxsize;
	return mc_logu(r, 1048576, hi);
}

/* mc_rng_of - the generator of message i (or of campaign i - MC_CAMPAIGN_BASE) */
static struct mc_rng
mc_rng_of(unsigned long long seed, uint64_t i)
{
	struct mc_rng r = {seed * 0x100000001b3ULL ^ (i * 0x9e3779b97f4a7c15ULL)};

	return r;
}

/*
 * mc_message - message i into b; returns its structure name, *how the infection or "-".
 * camp >= 0: a message of that campaign: its own headers, the campaign's body (every
 * byte after the headers the same for every message of the campaign)
 */
static const char *
mc_message(struct mc_buf *b, unsigned long i, unsigned long long seed, unsigned permille,
	   size_t maxsize, long camp, char *how, size_t howlen)
{
	struct mc_rng r = camp < 0 ? mc_rng_of(seed, i)
	    : mc_rng_of(seed, MC_CAMPAIGN_BASE + (uint64_t) camp);
	struct mc_rng hr = mc_rng_of(seed, i);
	unsigned long bi = camp < 0 ? i : (unsigned long) (MC_CAMPAIGN_BASE + (uint64_t) camp);
	size_t	target, body, left;
	double	u;
	int	infected;
	enum mc_infect inf = MC_EICAR_B64;
	const char *kind;
	char	bd[64];
	unsigned k;

	(void) mc_next(&r);
	target = mc_target_size(&r, maxsize);
	infected = mc_below(&r, 1000) < permille;
	if (infected) {
		inf = (enum mc_infect) mc_below(&r, MC_INFECT_COUNT);
		if (mc_ntests == 0 && inf >= MC_CLAM_B64)
			inf = (enum mc_infect) mc_below(&r, MC_CLAM_B64);
	}
	snprintf(how, howlen, "-");
	u = mc_unit(&r);
	if (camp < 0) {
		mc_headers(&r, b, i, seed, 0);
		body = target > b->len ? target - b->len : 256;
	} else {			/* fresh headers; the body must not depend on their length */
		mc_headers(&hr, b, i, seed, 0);
		body = target > MC_CAMPAIGN_HEAD ? target - MC_CAMPAIGN_HEAD : 256;
		target = b->len + body;
	}

	if (infected && inf == MC_CLAM_UU) {	/* uuencoded in a plain body */
		const struct mc_testfile *tf = &mc_tests[mc_below(&r, mc_ntests)];

		mc_puts(b, "Content-Type: text/plain; charset=\"us-ascii\"\r\n\r\n");
		mc_text(&r, b, body / 2 + 100);
		mc_puts(b, "\r\n");
		mc_uuencode(b, tf->name, tf->data, tf->len);
		snprintf(how, howlen, "%s:%s", mc_infect_names[inf], tf->name);
		return "plain-uu";
	}
	if (!infected && target <= 20480 && u < 0.35) {
		mc_text_part(&r, b, body);
		return "plain";
	}
	if (!infected && target <= 20480 && u < 0.47) {
		mc_html_part(&r, b, body);
		return "html";
	}
	if (!infected && target <= 40960 && u < 0.75) {
		mc_alternative(&r, b, body);
		return "alternative";
	}
	/* multipart/mixed: a short body, then attachments (or a forwarded message) */
	mc_boundary(&r, bd, sizeof(bd));
	mc_printf(b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
		  "This is a multi-part message in MIME format.\r\n\r\n--%s\r\n", bd, bd);
	left = body;
	if (mc_below(&r, 2)) {
		size_t	t = left / 5 < 6000 ? left / 5 + 200 : 6000;

		mc_alternative(&r, b, t);
	} else {
		size_t	t = left / 5 < 3000 ? left / 5 + 200 : 3000;

		mc_text_part(&r, b, t);
	}
	kind = "mixed";
	if ((infected && inf == MC_EICAR_FWD) || (!infected && mc_below(&r, 8) == 0)) {
		size_t	fsz = left > 2000 ? left / 2 : 1000;

		mc_printf(b, "\r\n--%s\r\n", bd);
		mc_forwarded(&r, b, bi, seed, fsz > 200000 ? 200000 : fsz, infected);
		if (infected)
			snprintf(how, howlen, "%s", mc_infect_names[inf]);
		kind = "forward";
	}
	if (infected && inf != MC_EICAR_FWD) {
		mc_printf(b, "\r\n--%s\r\n", bd);
		mc_infected_part(&r, b, inf, how, howlen);
	}
	/* fill up to the target with attachments; base64 grows the raw bytes by 4/3 */
	for (k = 0; b->len + 512 < target && k < 4; k++) {
		size_t	raw = (target - b->len) * 3 / 4;

		if (k < 3 && raw > 4096 && mc_below(&r, 2))
			raw = raw / 2 + mc_below(&r, raw / 4);
		mc_printf(b, "\r\n--%s\r\n", bd);
		mc_attachment(&r, b, raw, k);
	}
	mc_printf(b, "\r\n--%s--\r\n", bd);
	return kind;
}

/* mc_load_testfiles - read the ClamAV test files that exist */
static void
mc_load_testfiles(const char *dir)
{
	char	path[4096];
	size_t	i;

	for (i = 0; i < MC_NTESTNAMES; i++) {
		FILE   *fp;
		unsigned char *d;
		size_t	n;

		if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, mc_testnames[i]) >= sizeof(path)
		    || (fp = fopen(path, "rb")) == NULL)
			continue;
		if ((d = malloc(MC_TESTFILE_MAX)) == NULL)
			mc_oom(MC_TESTFILE_MAX);
		n = fread(d, 1, MC_TESTFILE_MAX, fp);
		fclose(fp);
		if (n == 0 || n == MC_TESTFILE_MAX) {
			free(d);
			continue;
		}
		mc_tests[mc_ntests].name = mc_testnames[i];
		mc_tests[mc_ntests].data = d;
		mc_tests[mc_ntests].len = n;
		mc_ntests++;
	}
}

/* mc_parse_size - "123", "64K", "4M" */
static int
mc_parse_size(const char *s, size_t *out)
{
	char   *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'K' || *end == 'k')
		v *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		v *= 1048576, end++;
	if (*end != '\0' || v < 2048 || v > 256ULL * 1048576)
		return -1;
	*out = (size_t) v;
	return 0;
}

/* mc_usage - print usage and exit 2 */
static void
mc_usage(void)
{
	fprintf(stderr, "usage: mkcorpus [-n COUNT] [-s SEED] [-i PERMILLE] [-M MAXSIZE] "
		"[-T TESTFILES] [-c PERCENT [-g CAMPAIGNS]] DIR\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	unsigned long n = 1000, i;
	unsigned long long seed = 1;
	unsigned permille = 50, percent = 0, ncamp = 20;
	size_t	nbulk = 0;
	long	camp;
	size_t	maxsize = 4 * 1048576, total = 0, ninf = 0;
	const char *testdir = MC_DEFAULT_TESTFILES, *dir;
	struct mc_buf b = {0};
	char	path[4096], how[96];
	FILE   *man;
	int	opt;

	while ((opt = getopt(argc, argv, "n:s:i:M:T:c:g:")) != -1) {
		switch (opt) {
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'i': permille = (unsigned) strtoul(optarg, NULL, 10); break;
		case 'M': if (mc_parse_size(optarg, &maxsize) < 0) mc_usage(); break;
		case 'T': testdir = optarg; break;
		case 'c': percent = (unsigned) strtoul(optarg, NULL, 10); break;
		case 'g': ncamp = (unsigned) strtoul(optarg, NULL, 10); break;
		default: mc_usage();
		}
	}
	if (optind + 1 != argc || n == 0 || n > 10000000 || permille > 1000 || percent > 100
	    || ncamp == 0 || ncamp > 100000)
		mc_usage();
	dir = argv[optind];
	snprintf(mc_eicar, sizeof(mc_eicar), "%s%s%s", mc_eicar_parts[0], mc_eicar_parts[1],
		 mc_eicar_parts[2]);
	mc_load_testfiles(testdir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "mkcorpus: mkdir %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/MANIFEST", dir);
	if ((man = fopen(path, "w")) == NULL) {
		fprintf(stderr, "mkcorpus: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		FILE   *fp;
		const char *kind;

		struct mc_rng cr = mc_rng_of(seed, MC_CAMPAIGN_PICK + i);

		(void) mc_next(&cr);
		camp = -1;
		if (percent > 0 && mc_below(&cr, 100) < percent)
			camp = (long) mc_below(&cr, ncamp);
		b.len = 0;
		kind = mc_message(&b, i, seed, permille, maxsize, camp, how, sizeof(how));
		snprintf(path, sizeof(path), "%s/m%06lu.eml", dir, i);
		if ((fp = fopen(path, "wb")) == NULL || fwrite(b.p, 1, b.len, fp) != b.len
		    || fclose(fp) != 0) {
			fprintf(stderr, "mkcorpus: %s: %s\n", path, strerror(errno));
			return 1;
		}
		if (camp < 0)
			fprintf(man, "m%06lu.eml %zu %s %s %s\n", i, b.len, kind,
				strcmp(how, "-") ? "infected" : "clean", how);
		else
			fprintf(man, "m%06lu.eml %zu %s %s %s campaign-%ld\n", i, b.len, kind,
				strcmp(how, "-") ? "infected" : "clean", how, camp);
		nbulk += camp >= 0;
		total += b.len;
		ninf += strcmp(how, "-") != 0;
	}
	if (fclose(man) != 0) {
		fprintf(stderr, "mkcorpus: MANIFEST: %s\n", strerror(errno));
		return 1;
	}
	printf("mkcorpus: %lu messages, %zu bytes (mean %zu), %zu infected, %zu test files, seed %llu",
	       n, total, total / n, ninf, mc_ntests, seed);
	if (percent > 0)
		printf(", %zu campaign messages (%u%% asked) of %u campaigns", nbulk, percent, ncamp);
	printf("\n");
	free(b.p);
	return 0;
}
