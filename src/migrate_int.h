/*
 * NAME
 *	migrate_int 3h - what the files of migrate(3) share
 * SUMMARY
 *	struct migrate, struct migrate_row, struct migrate_entry; the
 *	settings written (migrate_put, migrate_set_checked), the comments
 *	and notes (migrate_same, migrate_drop), text helpers, the table
 *	(migrate_row_find)
 * DESCRIPTION
 *	migrate.c reads the files, keeps the settings and writes the
 *	output; migrate_rows.c has the table of options and their handlers,
 *	migrate_class.c the handlers that fill the classes.
 */
#ifndef CLAMSHIM_MIGRATE_INT_H
#define CLAMSHIM_MIGRATE_INT_H

#include <stddef.h>

#include "log.h"
#include "migrate.h"

#define MIGRATE_LINE_MAX	1024	/* longer lines are dropped */
#define MIGRATE_LIST_MAX	256	/* values of one list; more are dropped */
#define MIGRATE_SET_MAX		96	/* settings of one section (embedded has 62 options) */
#define MIGRATE_SHOW_MAX	80	/* of a value in a comment */
#define MIGRATE_READS_MAX	16	/* files read for AllowList and SkipAuthenticated file: */

enum migrate_kind { MK_MILTER = 1, MK_CLAMD = 2 };

/* The sections of the output, in output order. */
enum migrate_sect {
	MS_TOP, MS_EMBEDDED, MS_CLAMD, MS_POLICY, MS_HEADERS, MS_LOG,
	MS_LOCALNET, MS_FROM, MS_TO, MS_AUTH, MS_COUNT
};

/* One setting to write: key = value, or key = {values} for a list. */
struct migrate_set {
	char	key[40];
	char  **vals;			/* as written: quoted or bare; at most MIGRATE_LIST_MAX */
	size_t	nvals;
	int	list;
	char	from[160];		/* "Option (file:line)" */
};

/* A growing text. */
struct migrate_buf {
	char   *s;
	size_t	len;
};

/* One conversion. */
struct migrate {
	struct migrate_set sets[MS_COUNT][MIGRATE_SET_MAX];
	size_t	nsets[MS_COUNT];
	struct migrate_buf same;	/* comments: nothing to write */
	struct migrate_buf dropped;	/* comments: not carried over */
	struct migrate_buf notes;	/* stderr lines */
	unsigned ndropped;
	int	kinds;			/* MK_* of the files seen */
	int	exceeds_max;		/* clamd.conf: AlertExceedsMax yes */
	migrate_read_fn *read;
	unsigned nread;			/* files read through it */
};

/* One option line of a file. */
struct migrate_entry {
	int	kind;			/* MK_* of its file */
	const char *file;
	int	line;
	char	name[64];
	char	value[MIGRATE_LINE_MAX];
};

struct migrate_row;
typedef void migrate_fn(struct migrate *, const struct migrate_row *, const struct migrate_entry *);

/* One option of clamav-milter.conf or clamd.conf and what becomes of it. */
struct migrate_row {
	int	kind;			/* MK_* */
	const char *name;
	migrate_fn *fn;
	int	sect;			/* MS_* for setters */
	const char *key;		/* the clamshim option; or the reason */
	int	multi;			/* may be repeated: each counts */
	const char *dflt;		/* clamav's value when the file has none, through fn; NULL: clamshim's */
};

/* migrate_add - append printf text to b */
void	migrate_add(struct migrate_buf *b, const char *fmt, ...) LOG_PRINTF(2, 3);
/* migrate_shown - a value for a comment: printable, bounded, cut with "..." */
const char *migrate_shown(const char *v, char *buf, size_t len);
/* migrate_printable - 1 when v is printable ASCII */
int	migrate_printable(const char *v);
/* migrate_quote - v as a libconfuse string (malloc'd): "..." with \\ " and $ escaped */
char   *migrate_quote(const char *v);
/* migrate_same - clamshim does this anyway: a comment */
void	migrate_same(struct migrate *m, const struct migrate_entry *e, const char *why);
/* migrate_drop - not carried over: a comment and a note */
void	migrate_drop(struct migrate *m, const struct migrate_entry *e, const char *fmt, ...)
	LOG_PRINTF(3, 4);
/* migrate_put - set key of section s to the value as written (bare); list: add it */
void	migrate_put(struct migrate *m, const struct migrate_entry *e, int s, const char *key,
		    const char *bare, int list);
/* migrate_set_checked - key of section s (sect: its name) = v, checked by clamshim's parser; -1 dropped */
int	migrate_set_checked(struct migrate *m, const struct migrate_entry *e, int s, const char *sect,
			    const char *key, const char *v, int bare);
/* migrate_number - digits, then an optional suffix in sfx; its value or -1 (past 2^40 too) */
long long migrate_number(const char *v, const char *sfx, char *unit);
/* migrate_h_localnet - LocalNet: a network of class "localnet" (migrate_class.c) */
void	migrate_h_localnet(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e);
/* migrate_h_allow - AllowList FILE: classes of senders and of recipients (migrate_class.c) */
void	migrate_h_allow(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e);
/* migrate_h_skipauth - SkipAuthenticated REGEX or file:PATH: class "authenticated" (migrate_class.c) */
void	migrate_h_skipauth(struct migrate *m, const struct migrate_row *r, const struct migrate_entry *e);
/* migrate_row_find - the row of name for files of kind; NULL if none */
const struct migrate_row *migrate_row_find(int kind, const char *name);
/* migrate_row_count - the number of rows */
size_t	migrate_row_count(void);
/* migrate_row_at - row i (i < migrate_row_count()) */
const struct migrate_row *migrate_row_at(size_t i);

#endif
