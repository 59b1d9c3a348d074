/*
 * NAME
 *	release_json 3 - one line of postqueue -j
 * SUMMARY
 *	release_json_qent(), release_qent_free()
 * DESCRIPTION
 *	postqueue -j prints one JSON object per queued message. This reads
 *	the members clamshim-release needs (queue_name, queue_id, sender,
 *	recipients[].address) and skips the others, whatever their type.
 *	The text comes from senders through the MTA: every string is
 *	bounded, nesting is bounded, escapes are decoded, and a string with
 *	a control character or NUL in it is refused (it could not be passed
 *	back on a command line as it was).
 * DIAGNOSTICS
 *	-1 with err filled on anything that is not such an object.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "release.h"
#include "util.h"

#define JSON_DEPTH_MAX	8

/* One parse: the text, where we are, and the error. */
struct json {
	const char *start, *p, *end;
	char   *err;
	size_t	errlen;
};

/* json_fail - fill the error; -1 */
static int
json_fail(struct json *j, const char *what)
{
	snprintf(j->err, j->errlen, "postqueue -j: %s at offset %ld", what,
		 (long) (j->p - j->start));
	return -1;
}

/* json_ws - skip white space */
static void
json_ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

/* json_hex4 - four hex digits at p; -1 if not */
static long
json_hex4(const char *p, const char *end)
{
	long	v = 0;
	int	i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char	c = p[i];

		v = v * 16 + (c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			      c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1000000);
	}
	return v < 0 ? -1 : v;
}

/* json_put - append one code point as UTF-8 to out (cap bytes); -1 if no room or a control */
static int
json_put(char *out, size_t cap, size_t *n, unsigned long cp)
{
	unsigned char b[4];
	size_t	k, i;

	if (cp < 0x20 || cp == 0x7f)
		return -1;
	if (cp < 0x80)
		b[0] = (unsigned char) cp, k = 1;
	else if (cp < 0x800)
		b[0] = (unsigned char) (0xc0 | (cp >> 6)), b[1] = (unsigned char) (0x80 | (cp & 0x3f)), k = 2;
	else
		b[0] = (unsigned char) (0xe0 | (cp >> 12)), b[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f)),
		b[2] = (unsigned char) (0x80 | (cp & 0x3f)), k = 3;
	if (*n + k + 1 > cap)
		return -1;
	for (i = 0; i < k; i++)
		out[(*n)++] = (char) b[i];
	out[*n] = '\0';
	return 0;
}

/* json_string - a string into out (cap bytes, NUL-terminated; out NULL = skip it) */
static int
json_string(struct json *j, char *out, size_t cap)
{
	char	skip[RELEASE_ADDR_MAX];
	size_t	n = 0;

	if (out == NULL)
		out = skip, cap = sizeof(skip);
	out[0] = '\0';
	if (j->p >= j->end || *j->p != '"')
		return json_fail(j, "a string expected");
	for (j->p++; j->p < j->end && *j->p != '"'; j->p++) {
		unsigned long cp = (unsigned char) *j->p;

		if (cp == '\\') {
			if (++j->p >= j->end)
				return json_fail(j, "a cut escape");
			switch (*j->p) {
			case 'u': {
				long	v = json_hex4(j->p + 1, j->end);

				if (v < 0)
					return json_fail(j, "a bad \\u escape");
				cp = (unsigned long) v;
				j->p += 4;
				break;
			}
			case '"': case '\\': case '/':
				cp = (unsigned char) *j->p;
				break;
			default:			/* \b \f \n \r \t: controls */
				return json_fail(j, "a control character in a string");
			}
			if (json_put(out, cap, &n, cp) < 0)
				return json_fail(j, "a string too long or with a control character");
		} else {
			if (cp < 0x20 || cp == 0x7f || n + 2 > cap)
				return json_fail(j, "a string too long or with a control character");
			out[n++] = (char) cp;
			out[n] = '\0';
		}
	}
	if (j->p >= j->end)
		return json_fail(j, "a cut string");
	j->p++;
	return 0;
}

static int json_skip(struct json *j, int depth);

/* json_skip_list - the rest of an array or object after its opening bracket */
static int
json_skip_list(struct json *j, char close, int depth)
{
	json_ws(j);
	if (j->p < j->end && *j->p == close)
		return j->p++, 0;
	for (;;) {
		json_ws(j);
		if (close == '}') {
			if (json_string(j, NULL, 0) < 0)
				return -1;
			json_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return json_fail(j, "':' expected");
		}
		if (json_skip(j, depth + 1) < 0)
			return -1;
		json_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close)
			return j->p++, 0;
		return json_fail(j, "',' or a closing bracket expected");
	}
}

/* json_skip - any value */
static int
json_skip(struct json *j, int depth)
{
	json_ws(j);
	if (depth > JSON_DEPTH_MAX)
		return json_fail(j, "nested too deep");
	if (j->p >= j->end)
		return json_fail(j, "a value expected");
	if (*j->p == '"')
		return json_string(j, NULL, 0);
	if (*j->p == '{' || *j->p == '[') {
		char	close = *j->p == '{' ? '}' : ']';

		j->p++;
		return json_skip_list(j, close, depth);
	}
	while (j->p < j->end && strchr("-+.eE0123456789truefalsn", *j->p) != NULL)
		j->p++;
	return 0;
}

/* json_recipients - the recipients array: each object's "address" */
static int
json_recipients(struct json *j, struct release_qent *q)
{
	char	key[64], addr[RELEASE_ADDR_MAX];

	json_ws(j);
	if (j->p >= j->end || *j->p++ != '[')
		return json_fail(j, "recipients: '[' expected");
	json_ws(j);
	if (j->p < j->end && *j->p == ']')
		return j->p++, 0;
	for (;;) {
		json_ws(j);
		if (j->p >= j->end || *j->p++ != '{')
			return json_fail(j, "a recipient object expected");
		addr[0] = '\0';
		for (;;) {
			json_ws(j);
			if (json_string(j, key, sizeof(key)) < 0)
				return -1;
			json_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return json_fail(j, "':' expected");
			json_ws(j);
			if (strcmp(key, "address") == 0 ? json_string(j, addr, sizeof(addr)) < 0 :
			    json_skip(j, 3) < 0)
				return -1;
			json_ws(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			if (j->p < j->end && *j->p == '}') {
				j->p++;
				break;
			}
			return json_fail(j, "',' or '}' expected");
		}
		if (q->nrcpt >= RELEASE_RCPT_MAX)
			return json_fail(j, "too many recipients");
		q->rcpt = util_realloc(q->rcpt, (q->nrcpt + 1) * sizeof(*q->rcpt));
		q->rcpt[q->nrcpt++] = util_strdup(addr);
		json_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']')
			return j->p++, 0;
		return json_fail(j, "',' or ']' expected");
	}
}

/* json_member - one member of the message's object */
static int
json_member(struct json *j, struct release_qent *q)
{
	char	key[64], sender[RELEASE_ADDR_MAX];

	if (json_string(j, key, sizeof(key)) < 0)
		return -1;
	json_ws(j);
	if (j->p >= j->end || *j->p++ != ':')
		return json_fail(j, "':' expected");
	json_ws(j);
	if (strcmp(key, "queue_name") == 0)
		return json_string(j, q->queue, sizeof(q->queue));
	if (strcmp(key, "queue_id") == 0)
		return json_string(j, q->qid, sizeof(q->qid));
	if (strcmp(key, "sender") == 0) {
		if (json_string(j, sender, sizeof(sender)) < 0)
			return -1;
		free(q->sender);
		q->sender = util_strdup(sender);
		return 0;
	}
	if (strcmp(key, "recipients") == 0)
		return json_recipients(j, q);
	return json_skip(j, 1);
}

/* release_qent_free - what q holds */
void
release_qent_free(struct release_qent *q)
{
	size_t	i;

	for (i = 0; i < q->nrcpt; i++)
		free(q->rcpt[i]);
	free(q->rcpt);
	free(q->sender);
	free(q->dir);
	free(q->reason);
	memset(q, 0, sizeof(*q));
}

/* release_json_qent - one postqueue -j line into q; 0 ok, -1 err */
int
release_json_qent(const char *line, size_t len, struct release_qent *q, char *err, size_t errlen)
{
	struct json j = {line, line, line + len, err, errlen};

	memset(q, 0, sizeof(*q));
	if (errlen > 0)
		err[0] = '\0';
	json_ws(&j);
	if (j.p >= j.end || *j.p++ != '{')
		return json_fail(&j, "'{' expected");
	for (;;) {
		json_ws(&j);
		if (json_member(&j, q) < 0)
			break;
		json_ws(&j);
		if (j.p < j.end && *j.p == ',') {
			j.p++;
			continue;
		}
		if (j.p < j.end && *j.p == '}') {
			if (q->qid[0] == '\0' || q->queue[0] == '\0' || q->sender == NULL)
				break;
			return 0;
		}
		json_fail(&j, "',' or '}' expected");
		break;
	}
	if (err[0] == '\0')
		snprintf(err, errlen, "postqueue -j: a message without queue, id or sender");
	release_qent_free(q);
	return -1;
}
