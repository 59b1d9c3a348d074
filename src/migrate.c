/*
 * NAME
 *	migrate 3 - clamav-milter.conf and clamd.conf to clamshim.conf
 * SUMMARY
 *	migrate_text(), migrate_files(), migrate_read_file()
 * DESCRIPTION
 *	Each file is read as clamav's option parser reads it: one "Option
 *	value" a line, # starts a comment line, the value is the rest of the
 *	line (one pair of enclosing double quotes removed); a repeated
 *	option counts once (the first, as clamd takes it) unless it is a
 *	list (ClamdSocket, LocalNet, ExcludePUA, IncludePUA). A file is a
 *	clamav-milter.conf or a clamd.conf by the options it has that only
 *	one of them knows.
 *
 *	Each option goes through its row of the table (migrate_rows(3)),
 *	whose handler sets a clamshim option (the value checked by the
 *	option table's own parser, conf_type_parse, so the output passes
 *	clamshim -t), notes that clamshim behaves so anyway (a comment), or
 *	drops the option (a comment with the reason and a line of the
 *	notes). This file keeps the settings and writes the output section
 *	by section, each setting followed by the option it came from.
 *
 *	With a clamav-milter.conf the chain is clamd (its ClamdSocket
 *	servers), as clamav-milter scanned; a clamd.conf's scanning
 *	settings go to embedded {}, for when "embedded" joins the chain.
 *	A clamd.conf alone gives the embedded engine.
 * DIAGNOSTICS
 *	Everything read is hostile: files and lines are bounded, lists are
 *	capped, values that are not printable ASCII are dropped, every value
 *	written is quoted for libconfuse.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_table.h"
#include "migrate_int.h"
#include "util.h"

/* ---- text ---- */

/* migrate_add - append printf text to b */
void
migrate_add(struct migrate_buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	b->s = util_realloc(b->s, b->len + (size_t) n + 1);
	va_start(ap, fmt);
	(void) vsnprintf(b->s + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

/* migrate_shown - a value for a comment: printable, bounded, cut with "..." */
const char *
migrate_shown(const char *v, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; v[i] && i + 1 < len; i++)
		buf[i] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?';
	buf[i] = '\0';
	if (v[i] && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

/* migrate_printable - 1 when v is printable ASCII */
int
migrate_printable(const char *v)
{
	for (; *v; v++)
		if (*v < 0x20 || *v >= 0x7f)
			return 0;
	return 1;
}

/* migrate_quote - v as a libconfuse string: "..." with \ " and $ escaped (no ${ENV}) */
char *
migrate_quote(const char *v)
{
	char   *q = util_malloc(2 * strlen(v) + 3), *p = q;

	*p++ = '"';
	for (; *v; v++) {
		if (*v == '"' || *v == '\\' || *v == '$')
			*p++ = '\\';
		*p++ = *v;
	}
	*p++ = '"';
	*p = '\0';
	return q;
}

/* ---- what becomes of an option ---- */

/* migrate_where - "FILE:LINE: Name value", or "FILE: Name unset (default value)", printable */
static const char *
migrate_where(const struct migrate_entry *e, char *buf, size_t len)
{
	char	shown[MIGRATE_SHOW_MAX], name[sizeof(e->name)];

	migrate_shown(e->value, shown, sizeof(shown));
	migrate_shown(e->name, name, sizeof(name));
	if (e->line > 0)
		snprintf(buf, len, "%s:%d: %s %s", e->file, e->line, name, shown);
	else
		snprintf(buf, len, "%s: %s unset (default %s)", e->file, name, shown[0] ? shown : "none");
	return buf;
}

/* migrate_same - clamshim does this anyway: a comment */
void
migrate_same(struct migrate *m, const struct migrate_entry *e, const char *why)
{
	char	where[MIGRATE_SHOW_MAX * 3];

	migrate_add(&m->same, "# %s: %s\n", migrate_where(e, where, sizeof(where)), why);
}

/* migrate_drop - not carried over: a comment and a note */
void
migrate_drop(struct migrate *m, const struct migrate_entry *e, const char *fmt, ...)
{
	char	where[MIGRATE_SHOW_MAX * 3], why[512];
	va_list	ap;

	va_start(ap, fmt);
	(void) vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	migrate_where(e, where, sizeof(where));
	migrate_add(&m->dropped, "# %s: %s\n", where, why);
	migrate_add(&m->notes, "%s: not carried over: %s\n", where, why);
	m->ndropped++;
}

/* migrate_find - the setting key of section s, made if new; NULL when the section is full */
static struct migrate_set *
migrate_find(struct migrate *m, int s, const char *key)
{
	struct migrate_set *set;
	size_t	i;

	for (i = 0; i < m->nsets[s]; i++)
		if (strcmp(m->sets[s][i].key, key) == 0)
			return &m->sets[s][i];
	if (m->nsets[s] >= MIGRATE_SET_MAX)
		return NULL;
	set = &m->sets[s][m->nsets[s]++];
	snprintf(set->key, sizeof(set->key), "%s", key);
	return set;
}

/* migrate_put - set key of section s to the value as written (bare); list: add it */
void
migrate_put(struct migrate *m, const struct migrate_entry *e, int s, const char *key,
	    const char *bare, int list)
{
	struct migrate_set *set = migrate_find(m, s, key);
	size_t	i;

	if (set == NULL || (list && set->nvals >= MIGRATE_LIST_MAX)) {
		migrate_drop(m, e, "more than %d values", MIGRATE_LIST_MAX);
		return;
	}
	for (i = 0; !list && i < set->nvals; i++)
		free(set->vals[i]);
	if (!list)
		set->nvals = 0;
	set->list = list;
	set->vals = util_realloc(set->vals, (set->nvals + 1) * sizeof(*set->vals));
	set->vals[set->nvals++] = util_strdup(bare);
	if ((set->from[0] == '\0' || !list) && e->line > 0)
		snprintf(set->from, sizeof(set->from), "%s (%s:%d)", e->name, e->file, e->line);
	else if (set->from[0] == '\0' || !list)
		snprintf(set->from, sizeof(set->from), "%s unset: the default of %s", e->name,
			 e->kind == MK_MILTER ? "clamav-milter" : "clamd");
}

/*
 * migrate_set_checked - set key of section s to v, checked by clamshim's
 * own parser of that option (sect "root" or the section's name); quoted
 * unless bare. 0 set, -1 dropped with the parser's reason.
 */
int
migrate_set_checked(struct migrate *m, const struct migrate_entry *e, int s, const char *sect,
		    const char *key, const char *v, int bare)
{
	const struct conf_row *r = conf_table_find(conf_table_section(sect), key);
	char	err[CONF_TEXT_MAX];
	char   *q;

	if (!migrate_printable(v)) {
		migrate_drop(m, e, "not printable ASCII");
		return -1;
	}
	if (r != NULL && conf_type_parse(r, v, NULL, err, sizeof(err)) < 0) {
		migrate_drop(m, e, "clamshim's %s %s", key, err);
		return -1;
	}
	q = bare ? util_strdup(v) : migrate_quote(v);
	migrate_put(m, e, s, key, q, r != NULL && (r->flags & CONF_LIST));
	free(q);
	return 0;
}

/* ---- reading a file ---- */

/* migrate_entry_read - line n (len bytes at p) as an option; 0 none (blank, comment), 1 one */
static int
migrate_entry_read(const char *p, size_t len, struct migrate_entry *e)
{
	size_t	i = 0, n;

	while (len > 0 && strchr(" \t\r", p[len - 1]) != NULL)
		len--;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i == len || p[i] == '#')
		return 0;
	for (n = 0; i < len && p[i] != ' ' && p[i] != '\t'; i++)
		if (n + 1 < sizeof(e->name))
			e->name[n++] = p[i] ? p[i] : '?';
	e->name[n] = '\0';
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	n = len - i;
	if (n >= 2 && p[i] == '"' && p[len - 1] == '"') {	/* "value" */
		i++;
		n -= 2;
	}
	if (n >= sizeof(e->value))
		n = sizeof(e->value) - 1;	/* migrate_text drops it as too long */
	memcpy(e->value, p + i, n);
	e->value[n] = '\0';
	if (memchr(p + i, '\0', n) != NULL)
		e->value[0] = '\x01';		/* not printable: dropped */
	return 1;
}

/* migrate_kind_of - MK_MILTER or MK_CLAMD by the options only one of them has; 0 neither */
static int
migrate_kind_of(const struct migrate_src *src)
{
	struct migrate_entry e;
	const char *p = src->text, *end = src->text + src->len, *nl;
	int	milter = 0, clamd = 0;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t) (end - p))) == NULL)
			nl = end;
		if (!migrate_entry_read(p, (size_t) (nl - p), &e))
			continue;
		milter += migrate_row_find(MK_MILTER, e.name) && !migrate_row_find(MK_CLAMD, e.name);
		clamd += migrate_row_find(MK_CLAMD, e.name) && !migrate_row_find(MK_MILTER, e.name);
	}
	if (milter == clamd)
		return 0;
	return milter > clamd ? MK_MILTER : MK_CLAMD;
}

/* migrate_defaults - clamav's own value of each option of kind the file did not set, through its row */
static void
migrate_defaults(struct migrate *m, int kind, const struct migrate_row **seen, size_t nseen,
		 struct migrate_entry *e)
{
	size_t	i, k;

	for (i = 0; i < migrate_row_count(); i++) {
		const struct migrate_row *r = migrate_row_at(i);

		for (k = 0; k < nseen && seen[k] != r; k++)
			;
		if (r->kind != kind || r->dflt == NULL || k < nseen)
			continue;
		e->line = 0;
		snprintf(e->name, sizeof(e->name), "%s", r->name);
		snprintf(e->value, sizeof(e->value), "%s", r->dflt);
		r->fn(m, r, e);
	}
}

/* migrate_file - every option of one file of kind through its row */
static void
migrate_file(struct migrate *m, const struct migrate_src *src, int kind)
{
	const char *p = src->text, *end = src->text + src->len, *nl;
	const struct migrate_row **seen = util_calloc(migrate_row_count(), sizeof(*seen));
	struct migrate_entry *e = util_calloc(1, sizeof(*e));
	char	file[MIGRATE_SHOW_MAX];
	size_t	nseen = 0, i;
	int	line = 0;

	e->file = migrate_shown(src->name, file, sizeof(file));	/* in comments: one line */
	e->kind = kind;
	for (; p < end; p = nl + 1) {
		const struct migrate_row *r;

		if ((nl = memchr(p, '\n', (size_t) (end - p))) == NULL)
			nl = end;
		line++;
		if (!migrate_entry_read(p, (size_t) (nl - p), e))
			continue;
		e->line = line;
		if ((size_t) (nl - p) >= MIGRATE_LINE_MAX) {
			migrate_drop(m, e, "the line is longer than %d characters", MIGRATE_LINE_MAX);
			continue;
		}
		if (!migrate_printable(e->name) || !migrate_printable(e->value)) {
			migrate_drop(m, e, "not printable ASCII");
			continue;
		}
		if ((r = migrate_row_find(kind, e->name)) == NULL) {
			migrate_drop(m, e, "not an option of %s that clamshim knows",
				     kind == MK_MILTER ? "clamav-milter.conf" : "clamd.conf");
			continue;
		}
		for (i = 0; !r->multi && i < nseen && seen[i] != r; i++)
			;
		if (!r->multi && i < nseen) {
			migrate_same(m, e, "set before in this file: the first setting counts");
			continue;
		}
		if (!r->multi)
			seen[nseen++] = r;
		r->fn(m, r, e);
	}
	migrate_defaults(m, kind, seen, nseen, e);
	free(e);
	free(seen);
}

/* ---- writing ---- */

/* The classes the exclusions become, by output section. */
static const char *const migrate_class_name[MS_COUNT] = {
	[MS_LOCALNET] = "localnet", [MS_FROM] = "allowlist-senders",
	[MS_TO] = "allowlist-recipients", [MS_AUTH] = "skip-authenticated",
};

/* migrate_write_sets - the settings of section s, indented by ind */
static void
migrate_write_sets(struct migrate *m, struct migrate_buf *b, int s, const char *ind)
{
	size_t	i, k;

	for (i = 0; i < m->nsets[s]; i++) {
		struct migrate_set *set = &m->sets[s][i];

		if (s == MS_AUTH && strcmp(set->key, "auth_users") == 0 && set->nvals == 1
		    && strcmp(set->vals[0], "\"*\"") == 0)
			continue;		/* any user: authenticated = true says it */
		if (!set->list) {
			migrate_add(b, "%s%s = %s\t# %s\n", ind, set->key, set->vals[0], set->from);
			continue;
		}
		migrate_add(b, "%s%s = {\t# %s\n", ind, set->key, set->from);
		for (k = 0; k < set->nvals; k++)
			migrate_add(b, "%s  %s%s\n", ind, set->vals[k], k + 1 < set->nvals ? "," : "");
		migrate_add(b, "%s}\n", ind);
	}
}

/* migrate_has - 1 when section s has key */
static int
migrate_has(struct migrate *m, int s, const char *key)
{
	size_t	i;

	for (i = 0; i < m->nsets[s]; i++)
		if (strcmp(m->sets[s][i].key, key) == 0)
			return 1;
	return 0;
}

/* migrate_write - the whole clamshim.conf into b */
static void
migrate_write(struct migrate *m, const struct migrate_src *src, const int *kinds, size_t nsrc,
	      struct migrate_buf *b)
{
	static const char *const sect_title[MS_COUNT] = {
		[MS_EMBEDDED] = "embedded", [MS_CLAMD] = "clamd", [MS_POLICY] = "policy",
		[MS_HEADERS] = "headers",
	};
	int	clamd = (m->kinds & MK_MILTER) && migrate_has(m, MS_CLAMD, "servers"), s;
	size_t	i;

	migrate_add(b, "# clamshim.conf written by clamshim --migrate from:\n");
	for (i = 0; i < nsrc; i++) {
		char	shown[MIGRATE_SHOW_MAX];

		migrate_add(b, "#   %s (%s)\n", migrate_shown(src[i].name, shown, sizeof(shown)),
			    kinds[i] == MK_MILTER ? "clamav-milter.conf" : "clamd.conf");
	}
	migrate_add(b, "# Each setting names the option it came from; what was not carried over\n"
		    "# is listed at the end. See clamshim.conf(5) and doc/migrate.md.\n\n");
	migrate_write_sets(m, b, MS_TOP, "");
	if (clamd)
		migrate_add(b, "scanners = {\"clamd\"}\t# clamav-milter scanned with clamd\n");
	else
		migrate_add(b, "scanners = {\"embedded\"}\t# %s\n", m->kinds & MK_MILTER ?
			    "no ClamdSocket: the embedded engine" : "the embedded engine replaces clamd");
	migrate_write_sets(m, b, MS_LOG, "");
	for (s = MS_EMBEDDED; s <= MS_HEADERS; s++) {
		if (m->nsets[s] == 0 || (s == MS_CLAMD && !(m->kinds & MK_MILTER)))
			continue;	/* a clamd.conf alone: no clamd to talk to */
		migrate_add(b, "\n");
		if (s == MS_EMBEDDED && clamd)
			migrate_add(b, "# clamd.conf's scanning settings for the embedded engine: the clamd\n"
				    "# servers go on reading clamd.conf; these count once \"embedded\" is\n"
				    "# added to scanners.\n");
		if (s == MS_CLAMD && clamd && !m->exceeds_max)
			migrate_add(b, "# clamd answers OK for what it stopped unpacking at a limit unless\n"
				    "# clamd.conf says \"AlertExceedsMax yes\": clamshim then takes its OK\n"
				    "# as a limit (policy.on_limit). Set AlertExceedsMax yes in clamd.conf.\n");
		migrate_add(b, "%s {\n", sect_title[s]);
		migrate_write_sets(m, b, s, "  ");
		migrate_add(b, "}\n");
	}
	for (s = MS_LOCALNET; s <= MS_AUTH; s++) {
		if (m->nsets[s] == 0 || (s == MS_AUTH && !migrate_has(m, s, "authenticated")))
			continue;
		migrate_add(b, "\nclass \"%s\" {\t# clamav-milter does not scan these\n",
			    migrate_class_name[s]);
		migrate_write_sets(m, b, s, "  ");
		migrate_add(b, "  scan = false\n}\n");
	}
	if (m->same.len)
		migrate_add(b, "\n# Nothing to write, clamshim does this anyway:\n%s", m->same.s);
	if (m->dropped.len)
		migrate_add(b, "\n# Not carried over:\n%s", m->dropped.s);
}

/* migrate_free - what m holds */
static void
migrate_free(struct migrate *m)
{
	size_t	i, k;
	int	s;

	for (s = 0; s < MS_COUNT; s++)
		for (i = 0; i < m->nsets[s]; i++) {
			for (k = 0; k < m->sets[s][i].nvals; k++)
				free(m->sets[s][i].vals[k]);
			free(m->sets[s][i].vals);
		}
	free(m->same.s);
	free(m->dropped.s);
	free(m->notes.s);
	free(m);
}

/* migrate_text - convert the sources; see migrate(3h) */
enum migrate_status
migrate_text(const struct migrate_src *src, size_t nsrc, migrate_read_fn *read, char **out,
	     char **notes)
{
	struct migrate *m = util_calloc(1, sizeof(*m));
	struct migrate_buf b = {NULL, 0}, n = {NULL, 0};
	int	kinds[MIGRATE_FILES_MAX], pass;
	enum migrate_status rc = MIGRATE_ERROR;
	size_t	i;

	m->read = read;
	if (nsrc == 0 || nsrc > MIGRATE_FILES_MAX) {
		migrate_add(&n, "give 1 to %d files\n", MIGRATE_FILES_MAX);
		goto done;
	}
	for (i = 0; i < nsrc; i++) {
		char	shown[MIGRATE_SHOW_MAX];

		migrate_shown(src[i].name, shown, sizeof(shown));
		if ((kinds[i] = migrate_kind_of(&src[i])) == 0) {
			migrate_add(&n, "%s: neither a clamav-milter.conf nor a clamd.conf "
				    "(too few of their options)\n", shown);
			goto done;
		}
		if (m->kinds & kinds[i]) {
			migrate_add(&n, "%s: a second %s\n", shown,
				    kinds[i] == MK_MILTER ? "clamav-milter.conf" : "clamd.conf");
			goto done;
		}
		m->kinds |= kinds[i];
	}
	for (pass = MK_MILTER; pass <= MK_CLAMD; pass++)	/* clamav-milter.conf first */
		for (i = 0; i < nsrc; i++)
			if (kinds[i] == pass)
				migrate_file(m, &src[i], pass);
	if ((m->kinds & MK_MILTER) && !migrate_has(m, MS_CLAMD, "servers")) {
		migrate_add(&m->dropped, "# no ClamdSocket: scanning with the embedded engine\n");
		migrate_add(&m->notes, "no ClamdSocket: scanning with the embedded engine\n");
		m->ndropped++;
	}
	migrate_write(m, src, kinds, nsrc, &b);
	if (m->notes.len)
		migrate_add(&n, "%s", m->notes.s);
	rc = m->ndropped ? MIGRATE_SOME : MIGRATE_ALL;
done:
	migrate_add(&b, "%s", "");
	migrate_add(&n, "%s", "");
	*out = b.s ? b.s : util_strdup("");
	*notes = n.s ? n.s : util_strdup("");
	migrate_free(m);
	return rc;
}

/* migrate_read_file - migrate_read_fn for real files: at most MIGRATE_FILE_MAX bytes */
int
migrate_read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	FILE   *fp = fopen(path, "r");
	char   *buf;
	size_t	n;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = util_malloc(MIGRATE_FILE_MAX + 2);
	n = fread(buf, 1, MIGRATE_FILE_MAX + 1, fp);
	if (ferror(fp) || n > MIGRATE_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path, ferror(fp) ? strerror(errno) :
			 "larger than 1 MiB");
		fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* migrate_files - --migrate FILE...: read, convert, write; the exit code */
int
migrate_files(char *const *paths, int npaths, FILE *out, FILE *errfp)
{
	struct migrate_src src[MIGRATE_FILES_MAX];
	char   *texts[MIGRATE_FILES_MAX] = {NULL}, *conf = NULL, *notes = NULL, *p, *nl;
	char	err[512];
	int	i, rc = MIGRATE_ERROR;

	if (npaths <= 0 || npaths > MIGRATE_FILES_MAX) {
		fprintf(errfp, "clamshim: --migrate needs 1 to %d files\n", MIGRATE_FILES_MAX);
		return MIGRATE_ERROR;
	}
	for (i = 0; i < npaths; i++) {
		if (migrate_read_file(paths[i], &texts[i], &src[i].len, err, sizeof(err)) < 0) {
			fprintf(errfp, "clamshim: %s\n", err);
			goto done;
		}
		src[i].name = paths[i];
		src[i].text = texts[i];
	}
	rc = (int) migrate_text(src, (size_t) npaths, migrate_read_file, &conf, &notes);
	if (rc != MIGRATE_ERROR && (fputs(conf, out) == EOF || fflush(out) == EOF)) {
		fprintf(errfp, "clamshim: writing the configuration: %s\n", strerror(errno));
		rc = MIGRATE_ERROR;
	}
	for (p = notes; *p; p = nl + 1) {	/* one "clamshim: " line each */
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		fprintf(errfp, "clamshim: %.*s\n", (int) (nl - p), p);
	}
done:
	for (i = 0; i < npaths; i++)
		free(texts[i]);
	free(conf);
	free(notes);
	return rc;
}
