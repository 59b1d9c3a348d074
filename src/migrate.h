/*
 * NAME
 *	migrate 3h - clamav-milter.conf and clamd.conf to clamshim.conf
 * SUMMARY
 *	migrate_text(), migrate_files(), struct migrate_src
 * DESCRIPTION
 *	clamshim --migrate: reads the configuration files of clamav-milter
 *	and/or clamd (each recognised by its options) and writes the
 *	equivalent clamshim.conf. What cannot be carried over becomes a
 *	comment saying why and a line of the notes (stderr).
 */
#ifndef CLAMSHIM_MIGRATE_H
#define CLAMSHIM_MIGRATE_H

#include <stddef.h>
#include <stdio.h>

#define MIGRATE_FILE_MAX	(1024 * 1024)	/* bytes of one file read, more is an error */
#define MIGRATE_FILES_MAX	8		/* files given at once */

/* The exit codes of --migrate. */
enum migrate_status {
	MIGRATE_ALL = 0,		/* everything carried over */
	MIGRATE_ERROR = 1,		/* nothing written: a file unreadable or not recognised */
	MIGRATE_SOME = 2		/* written, some options not carried over */
};

/*
 * Reads a file an option names (AllowList, SkipAuthenticated file:): at
 * most MIGRATE_FILE_MAX bytes into *text (malloc'd, NUL-terminated); 0 ok,
 * -1 with the reason in err.
 */
typedef int migrate_read_fn(const char *path, char **text, size_t *len, char *err, size_t errlen);

/* One input file: its name as reported and its text (not NUL-terminated). */
struct migrate_src {
	const char *name;
	const char *text;
	size_t	len;
};

/*
 * migrate_text - convert the sources; *out gets the clamshim.conf text,
 * *notes one line per option not carried over (both malloc'd,
 * NUL-terminated, also on MIGRATE_ERROR, where *notes says why).
 * read may be NULL: files named by options are then not read.
 */
enum migrate_status migrate_text(const struct migrate_src *src, size_t nsrc,
				 migrate_read_fn *read, char **out, char **notes);

/* migrate_read_file - migrate_read_fn for real files */
int	migrate_read_file(const char *path, char **text, size_t *len, char *err, size_t errlen);

/* migrate_files - --migrate FILE...: the config to out, the notes to errfp; the exit code */
int	migrate_files(char *const *paths, int npaths, FILE *out, FILE *errfp);

#endif
