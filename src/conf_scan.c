/*
 * NAME
 *	conf_scan 3 - clamshim.conf's own first pass: exact FILE:LINE diagnostics
 * SUMMARY
 *	conf_scan()
 * DESCRIPTION
 *	conf_scan reads the file and walks its text with a tokenizer that
 *	mirrors the one of libconfuse, before libconfuse parses it:
 *
 *	It blanks out comments (libconfuse 3.3 counts two lines too many
 *	after each '#' comment, so its line numbers drift), and blanks out
 *	every unknown option, unknown section and deprecated option after
 *	reporting it with its own line (libconfuse's CFGF_IGNORE_UNKNOWN drops
 *	unknown options without telling the caller, and without it the first
 *	unknown option ends the parse). An unknown name gets a "did you mean"
 *	hint when a known one is close. Blanking keeps every newline, so lines
 *	do not move.
 *
 *	It also catches what libconfuse 3.3 misses or misplaces: unterminated
 *	strings and comments and a section whose '}' is missing at the end of
 *	the file (libconfuse accepts that silently), and notes the line where
 *	each known option is set, for the checks that span options.
 *
 *	Which names are options, lists or sections comes from the option
 *	table (conf_table(3h)); which are deprecated from its deprecated
 *	table.
 * DIAGNOSTICS
 *	Through conf_problem(): unknown options (warnings, errors in strict
 *	mode), deprecated options (warnings), syntax errors, a file that
 *	cannot be read, is larger than 1 MB or holds a NUL byte (errors).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_scan.h"
#include "conf_table.h"
#include "util.h"

#define CONF_FILE_MAX		(1024 * 1024)	/* a larger file is refused */

struct conf_src {
	char   *buf;			/* the text; comments and ignored options blanked */
	size_t	len;
	size_t	pos;
	int	line;
};

enum conf_tok_type {
	CT_EOF, CT_ERR, CT_STR, CT_LBRACE, CT_RBRACE, CT_LPAREN, CT_RPAREN,
	CT_EQ, CT_APPEND, CT_COMMA
};

struct conf_tok {
	enum conf_tok_type type;
	size_t	start;			/* bytes [start, end) of buf */
	size_t	end;
	int	line;			/* where it starts */
};

/* conf_blank - replace bytes [from, to) by spaces, keeping newlines */
static void
conf_blank(struct conf_src *src, size_t from, size_t to)
{
	for (; from < to && from < src->len; from++)
		if (src->buf[from] != '\n')
			src->buf[from] = ' ';
}

/* conf_unquoted - may c be part of an unquoted word (as libconfuse's lexer says) */
static int
conf_unquoted(int c)
{
	return c != '\0' && strchr(" \t\r\n#\"'={}()+,*", c) == NULL;
}

/* conf_lex_quoted - skip a quoted string starting at src->pos; -1 if unterminated */
static int
conf_lex_quoted(struct conf_src *src)
{
	char	q = src->buf[src->pos++];

	while (src->pos < src->len) {
		char	c = src->buf[src->pos];

		if (c == '\\' && src->pos + 1 < src->len) {
			char	n = src->buf[src->pos + 1];

			if (n == '\n')
				src->line++;
			/* in '...' only \\ and \' are escapes; \<newline> continues in both */
			if (q == '"' || n == '\\' || n == '\'' || n == '\n') {
				src->pos += 2;
				continue;
			}
		}
		src->pos++;
		if (c == '\n')
			src->line++;
		else if (c == q)
			return 0;
	}
	return -1;
}

/* conf_lex - next token; comments are blanked on the way; CT_ERR was reported */
static void
conf_lex(struct conf_load *lc, struct conf_src *src, struct conf_tok *tok)
{
	static const char punct[] = "{}()=,+";
	static const enum conf_tok_type punct_type[] = {
		CT_LBRACE, CT_RBRACE, CT_LPAREN, CT_RPAREN, CT_EQ, CT_COMMA, CT_APPEND
	};
	const char *p;
	char	c0;

	for (;;) {
		char	c, n;

		tok->start = src->pos;
		tok->line = src->line;
		if (src->pos >= src->len) {
			tok->type = CT_EOF;
			tok->end = src->pos;
			return;
		}
		c = src->buf[src->pos];
		n = src->pos + 1 < src->len ? src->buf[src->pos + 1] : '\0';
		if (c == '\n') {
			src->line++;
			src->pos++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '*' || (c == '+' && n != '=')) {
			src->pos++;	/* libconfuse eats a lone '*' or '+' too */
			continue;
		}
		if (c == '#' || (c == '/' && n == '/')) {
			while (src->pos < src->len && src->buf[src->pos] != '\n')
				src->pos++;
			conf_blank(src, tok->start, src->pos);
			continue;
		}
		if (c == '/' && n == '*') {
			const char *end;

			end = strstr(src->buf + src->pos + 2, "*/");
			if (end == NULL) {
				conf_problem(lc, CONF_ERROR, tok->line,
					     "comment '/*' is not closed with '*/'");
				tok->type = CT_ERR;
				return;
			}
			for (; src->buf + src->pos < end + 2; src->pos++)
				if (src->buf[src->pos] == '\n')
					src->line++;
			conf_blank(src, tok->start, src->pos);
			continue;
		}
		break;
	}
	c0 = src->buf[src->pos];
	if (c0 != '\0' && (p = strchr(punct, c0)) != NULL) {
		tok->type = punct_type[p - punct];
		src->pos += tok->type == CT_APPEND ? 2 : 1;	/* "+=" */
		tok->end = src->pos;
		return;
	}
	tok->type = CT_STR;
	if (c0 == '"' || c0 == '\'') {
		if (conf_lex_quoted(src) < 0) {
			conf_problem(lc, CONF_ERROR, tok->line, "string is not closed with %c (or an "
				     "earlier string lacks its closing quote)", c0);
			tok->type = CT_ERR;
		}
		tok->end = src->pos;
		return;
	}
	if (c0 == '$' && src->pos + 1 < src->len && src->buf[src->pos + 1] == '{') {
		size_t	e = src->pos + 2;

		while (e < src->len && src->buf[e] != '}')
			e++;
		if (e < src->len) {	/* ${VARIABLE}: libconfuse reads the environment */
			for (; src->pos <= e; src->pos++)
				if (src->buf[src->pos] == '\n')
					src->line++;
			tok->end = src->pos;
			return;
		}
	}
	while (src->pos < src->len && conf_unquoted(src->buf[src->pos]))
		src->pos++;
	tok->end = src->pos;
}

/* conf_tok_text - the text of a token for a message or a lookup (quotes dropped) */
static void
conf_tok_text(const struct conf_src *src, const struct conf_tok *tok, char *buf, size_t len)
{
	size_t	from = tok->start, to = tok->end, n;

	if (tok->type == CT_EOF) {
		snprintf(buf, len, "end of file");
		return;
	}
	if (tok->type == CT_STR && to - from >= 2
	    && (src->buf[from] == '"' || src->buf[from] == '\'')) {
		from++;
		to--;
	}
	n = to - from < len - 1 ? to - from : len - 1;
	memcpy(buf, src->buf + from, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char) buf[i] < 0x20 || (unsigned char) buf[i] > 0x7e)
			buf[i] = '?';
}

/* conf_expected - report an unexpected token: "expected WHAT [FULL], found ..."; -1 */
static int
conf_expected(struct conf_load *lc, const struct conf_src *src, const struct conf_tok *tok,
	      const char *what, const char *full)
{
	char	text[CONF_NAME_MAX];

	if (tok->type == CT_ERR)
		return -1;		/* reported by conf_lex */
	conf_tok_text(src, tok, text, sizeof(text));
	conf_problem(lc, CONF_ERROR, tok->line, "expected %s%s%s, found %s%s%s", what,
		     full ? " " : "", full ? full : "", tok->type == CT_EOF ? "" : "'", text,
		     tok->type == CT_EOF ? "" : "'");
	return -1;
}

/* conf_skip_braces - skip to the '}' that closes the '{' just read; -1 on error */
static int
conf_skip_braces(struct conf_load *lc, struct conf_src *src, int open_line, size_t *end)
{
	struct conf_tok tok;
	int	depth = 1;

	while (depth > 0) {
		conf_lex(lc, src, &tok);
		if (tok.type == CT_ERR)
			return -1;
		if (tok.type == CT_EOF) {
			conf_problem(lc, CONF_ERROR, open_line,
				     "'{' is not closed with '}' before the end of the file");
			return -1;
		}
		if (tok.type == CT_LBRACE)
			depth++;
		else if (tok.type == CT_RBRACE)
			depth--;
		*end = tok.end;
	}
	return 0;
}

/*
 * conf_skip_statement - skip what follows an ignored name: "= value",
 * "= {list}", "+= ...", "{ section }", "TITLE { section }" or "(args)".
 * *end is where it ends, *section says whether it was a section.
 */
static int
conf_skip_statement(struct conf_load *lc, struct conf_src *src, size_t *end, int *section)
{
	struct conf_tok tok;

	*section = 0;
	conf_lex(lc, src, &tok);
	switch (tok.type) {
	case CT_EQ:
	case CT_APPEND:
		conf_lex(lc, src, &tok);
		if (tok.type == CT_STR) {
			*end = tok.end;
			return 0;
		}
		if (tok.type == CT_LBRACE)
			return conf_skip_braces(lc, src, tok.line, end);
		return conf_expected(lc, src, &tok, "a value", NULL);
	case CT_STR:			/* a titled section */
		conf_lex(lc, src, &tok);
		if (tok.type != CT_LBRACE)
			return conf_expected(lc, src, &tok, "'{'", NULL);
		/* FALLTHROUGH */
	case CT_LBRACE:
		*section = 1;
		return conf_skip_braces(lc, src, tok.line, end);
	case CT_LPAREN:
		for (;;) {
			conf_lex(lc, src, &tok);
			if (tok.type == CT_RPAREN) {
				*end = tok.end;
				return 0;
			}
			if (tok.type != CT_STR && tok.type != CT_COMMA)
				return conf_expected(lc, src, &tok, "')'", NULL);
		}
	default:
		return conf_expected(lc, src, &tok, "'=' or '{'", NULL);
	}
}

/* conf_scan_value - check the syntax of "= value" or "= {list}" of a known option */
static int
conf_scan_value(struct conf_load *lc, struct conf_src *src, const char *full, int is_list)
{
	struct conf_tok tok;
	size_t	n = 0;

	conf_lex(lc, src, &tok);
	if (tok.type != CT_EQ && tok.type != CT_APPEND)
		return conf_expected(lc, src, &tok, "'=' after", full);
	conf_lex(lc, src, &tok);
	if (tok.type == CT_STR)
		return 0;
	if (tok.type != CT_LBRACE)
		return conf_expected(lc, src, &tok, "a value for", full);
	if (!is_list) {
		conf_problem(lc, CONF_ERROR, tok.line, "%s takes one value, not a list", full);
		return -1;
	}
	do {				/* {} or {value, value ...} */
		conf_lex(lc, src, &tok);
		if (tok.type == CT_RBRACE && n == 0)
			return 0;
		if (tok.type != CT_STR)
			return conf_expected(lc, src, &tok, "a value in the list of", full);
		conf_lex(lc, src, &tok);
		n++;
	} while (tok.type == CT_COMMA);
	if (tok.type != CT_RBRACE)
		return conf_expected(lc, src, &tok, "',' or '}' in the list of", full);
	return 0;
}

/* conf_distance - edit distance of two short names (for "did you mean") */
static size_t
conf_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j;
	size_t	row[CONF_NAME_MAX + 1];

	if (la >= CONF_NAME_MAX || lb >= CONF_NAME_MAX)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t	diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t	up = row[j];
			size_t	best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/*
 * conf_suggest - " (did you mean X?)" when a known name is close to full:
 * a typo (edit distance up to 2) or the right option in the wrong section.
 */
static void
conf_suggest(const char *full, const char *name, char *buf, size_t len)
{
	const struct conf_section *root = conf_table_root();
	const char *best = NULL;
	size_t	i, d, bestd = 3;

	buf[0] = '\0';
	for (i = 0; i < conf_option_count(); i++) {
		const char *cand = conf_option_name(i), *dot = strchr(cand, '.');

		d = conf_distance(full, cand);
		if (strcmp(dot ? dot + 1 : cand, name) == 0 && d > 1)
			d = 1;
		if (d < bestd) {
			bestd = d;
			best = cand;
		}
	}
	for (i = 0; i < root->nrows; i++)
		if (root->rows[i].type == CONF_SECTION
		    && (d = conf_distance(full, root->rows[i].name)) < bestd) {
			bestd = d;
			best = root->rows[i].name;
		}
	if (best)
		snprintf(buf, len, " (did you mean %s?)", best);
}

/* conf_ignore - report an unknown or deprecated name and blank its statement out */
static int
conf_ignore(struct conf_load *lc, struct conf_src *src, const char *sec, const char *name,
	    const struct conf_tok *tok)
{
	char	full[CONF_NAME_MAX], hint[CONF_NAME_MAX + 32];
	const char *dep;
	size_t	end = tok->end;
	int	section;

	conf_full_name(sec, name, full, sizeof(full));
	dep = conf_deprecated_reason(full);
	if (conf_skip_statement(lc, src, &end, &section) < 0)
		return -1;
	conf_blank(src, tok->start, end);
	if (dep) {
		conf_problem(lc, CONF_WARNING, tok->line, "deprecated %s '%s' ignored: %s",
			     section ? "section" : "option", full, dep);
		return 0;
	}
	conf_suggest(full, name, hint, sizeof(hint));
	if (lc->mode == CONF_STRICT)
		conf_problem(lc, CONF_ERROR, tok->line, "unknown %s '%s'%s",
			     section ? "section" : "option", full, hint);
	else
		conf_problem(lc, CONF_WARNING, tok->line, "unknown %s '%s' ignored%s",
			     section ? "section" : "option", full, hint);
	return 0;
}

static int conf_scan_block(struct conf_load *, struct conf_src *, const struct conf_section *,
			   const char *, int);

/*
 * conf_scan_titled - NAME "TITLE" { ... } of a titled row, NAME just read:
 * the title checked (not empty, at most title_max), the line of each noted,
 * more than max reported; -1 on a syntax error (reported).
 */
static int
conf_scan_titled(struct conf_load *lc, struct conf_src *src, const struct conf_row *opt,
		 const struct conf_tok *name)
{
	struct conf_tok title, next;
	size_t	len, i, n;

	conf_lex(lc, src, &title);
	if (title.type != CT_STR)
		return conf_expected(lc, src, &title, "a title after section name", opt->name);
	len = title.end - title.start;
	if (len >= 2 && (src->buf[title.start] == '"' || src->buf[title.start] == '\''))
		len -= 2;
	if (len == 0)
		conf_problem(lc, CONF_ERROR, name->line, "%s: the title is empty", opt->name);
	else if (len > opt->title_max)
		conf_problem(lc, CONF_ERROR, name->line, "%s: the title is longer than %zu bytes",
			     opt->name, opt->title_max);
	if (lc->ntitled % 16 == 0) {
		lc->titled_lines = util_realloc(lc->titled_lines,
						(lc->ntitled + 16) * sizeof(*lc->titled_lines));
		lc->titled_rows = util_realloc(lc->titled_rows,
					       (lc->ntitled + 16) * sizeof(*lc->titled_rows));
	}
	lc->titled_rows[lc->ntitled] = opt;
	lc->titled_lines[lc->ntitled++] = name->line;
	for (i = 0, n = 0; i < lc->ntitled; i++)	/* sections of this name so far */
		n += lc->titled_rows[i] == opt;
	if (n == (size_t) opt->max + 1)
		conf_problem(lc, CONF_ERROR, name->line, "%s: more than %ld %s", opt->name, opt->max,
			     opt->meaning);
	conf_lex(lc, src, &next);
	if (next.type != CT_LBRACE)
		return conf_expected(lc, src, &next, "'{' after the title", opt->name);
	return conf_scan_block(lc, src, opt->sub, opt->name, name->line);
}

/*
 * conf_scan_block - walk the statements of the top level (sec NULL) or
 * of a section up to its '}'; -1 on a syntax error (reported).
 */
static int
conf_scan_block(struct conf_load *lc, struct conf_src *src, const struct conf_section *rows,
		const char *sec, int open_line)
{
	struct conf_tok tok, next;
	char	name[CONF_NAME_MAX], full[CONF_NAME_MAX];
	const struct conf_row *opt;
	int	i;

	for (;;) {
		conf_lex(lc, src, &tok);
		switch (tok.type) {
		case CT_ERR:
			return -1;
		case CT_EOF:
			if (sec == NULL)
				return 0;
			conf_problem(lc, CONF_ERROR, open_line,
				     "section '%s' is not closed with '}' before the end of the file",
				     sec);
			return -1;
		case CT_RBRACE:
			if (sec)
				return 0;
			conf_problem(lc, CONF_ERROR, tok.line, "'}' without a section to close");
			return -1;
		case CT_STR:
			break;
		default:
			return conf_expected(lc, src, &tok, "an option name", NULL);
		}
		conf_tok_text(src, &tok, name, sizeof(name));
		opt = conf_table_find(rows, name);
		if (opt == NULL) {
			if (conf_ignore(lc, src, sec, name, &tok) < 0)
				return -1;
			continue;
		}
		conf_full_name(sec, name, full, sizeof(full));
		if (opt->type == CONF_SECTION && (opt->flags & CONF_TITLED)) {
			if (conf_scan_titled(lc, src, opt, &tok) < 0)
				return -1;
			continue;
		}
		if (opt->type == CONF_SECTION) {
			conf_lex(lc, src, &next);
			if (next.type != CT_LBRACE)
				return conf_expected(lc, src, &next, "'{' after section name", full);
			if (conf_scan_block(lc, src, opt->sub, full, tok.line) < 0)
				return -1;
			continue;
		}
		if ((i = conf_table_index(full)) >= 0)
			lc->lines[i] = tok.line;
		if (conf_scan_value(lc, src, full, (opt->flags & CONF_LIST) != 0) < 0)
			return -1;
	}
}

/* conf_read_file - the whole file into a NUL-terminated buffer; -1 reported */
static int
conf_read_file(struct conf_load *lc, const char *path, struct conf_src *src)
{
	FILE   *fp;
	size_t	n;
	char   *nul;

	memset(src, 0, sizeof(*src));
	src->line = 1;
	if ((fp = fopen(path, "r")) == NULL) {
		conf_problem(lc, CONF_ERROR, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	src->buf = util_malloc(CONF_FILE_MAX + 2);
	n = fread(src->buf, 1, CONF_FILE_MAX + 1, fp);
	if (ferror(fp)) {
		conf_problem(lc, CONF_ERROR, 0, "cannot read: %s", strerror(errno));
		fclose(fp);
		return -1;
	}
	fclose(fp);
	if (n > CONF_FILE_MAX) {
		conf_problem(lc, CONF_ERROR, 0, "larger than %d bytes", CONF_FILE_MAX);
		return -1;
	}
	src->buf[n] = '\0';
	src->len = n;
	if ((nul = memchr(src->buf, '\0', n)) != NULL) {
		int	line = 1;

		for (char *p = src->buf; p < nul; p++)
			line += *p == '\n';
		conf_problem(lc, CONF_ERROR, line, "NUL byte in the file: not a text file");
		return -1;
	}
	return 0;
}

/* conf_scan - read path and clean it for libconfuse; 0 with *text, -1 reported */
int
conf_scan(struct conf_load *lc, const char *path, char **text, size_t *len)
{
	struct conf_src src;

	*text = NULL;
	*len = 0;
	if (conf_read_file(lc, path, &src) < 0
	    || conf_scan_block(lc, &src, conf_table_root(), NULL, 0) < 0) {
		free(src.buf);
		return -1;
	}
	*text = src.buf;
	*len = src.len;
	return 0;
}
