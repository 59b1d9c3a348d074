/*
 * NAME
 *	release_pf 3 - Postfix's supported commands, for clamshim-release
 * SUMMARY
 *	release_pf_init(), release_pf_list(), release_pf_read(),
 *	release_pf_dsn(), release_pf_inject(), release_pf_delete()
 * DESCRIPTION
 *	Only the interfaces Postfix supports: postqueue -j lists the queue,
 *	postcat -q reads one message, Postfix's sendmail submits the
 *	corrected copy, postsuper -d removes the held one. The commands are
 *	found as Postfix finds its own: postconf (in /usr/sbin, else
 *	/usr/local/sbin) names command_directory and sendmail_path, and
 *	each runs with a fixed PATH and, when set, the caller's MAIL_CONFIG
 *	(another Postfix instance); nothing else of our environment.
 * DIAGNOSTICS
 *	-1 with err filled when a command fails or prints what we cannot
 *	read.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "release.h"
#include "util.h"

#define PF_LIST_MAX	((size_t) 256 << 20)	/* postqueue -j output */
#define PF_ENV_MAX	1100

static char pf_path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
static char pf_config_env[PF_ENV_MAX];	/* set once, by release_pf_init */

/* pf_line - the n-th line of text (0-based) into out; -1 when missing or too long */
static int
pf_line(const char *text, int n, char *out, size_t outlen)
{
	const char *p = text, *e;

	for (; n > 0 && p != NULL; n--)
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	if (p == NULL)
		return -1;
	e = strchr(p, '\n');
	if (e == NULL)
		e = p + strlen(p);
	if (e == p || (size_t) (e - p) + 1 > outlen || p[0] != '/')
		return -1;
	memcpy(out, p, (size_t) (e - p));
	out[e - p] = '\0';
	return 0;
}

/* release_pf_init - find Postfix's commands (postconf -xh); 0 ok, -1 err */
int
release_pf_init(struct release_pf *pf, char *err, size_t errlen)
{
	static const char *const postconfs[] = {"/usr/sbin/postconf", "/usr/local/sbin/postconf"};
	const char *argv[] = {NULL, "-xh", "command_directory", "sendmail_path", NULL};
	const char *mc = getenv("MAIL_CONFIG");
	char	dir[400], *out = NULL;
	size_t	i, n;
	int	rc;

	memset(pf, 0, sizeof(*pf));
	pf->timeout_s = 300;
	pf->env[0] = pf_path_env;
	if (mc != NULL && *mc != '\0') {
		if (mc[0] != '/' || strlen(mc) + sizeof("MAIL_CONFIG=") > sizeof(pf_config_env))
			return snprintf(err, errlen, "MAIL_CONFIG must be an absolute path"), -1;
		snprintf(pf_config_env, sizeof(pf_config_env), "MAIL_CONFIG=%s", mc);
		pf->env[1] = pf_config_env;
	}
	for (i = 0; i < sizeof(postconfs) / sizeof(postconfs[0]) && argv[0] == NULL; i++)
		if (access(postconfs[i], X_OK) == 0)
			argv[0] = postconfs[i];
	if (argv[0] == NULL)
		return snprintf(err, errlen, "postconf not found in /usr/sbin or /usr/local/sbin"), -1;
	rc = release_run(argv, pf->env, NULL, 0, &out, &n, 65536, pf->timeout_s, err, errlen);
	if (rc != 0) {
		free(out);
		return -1;
	}
	if (pf_line(out, 0, dir, sizeof(dir)) < 0 ||
	    pf_line(out, 1, pf->sendmail, sizeof(pf->sendmail)) < 0) {
		free(out);
		return snprintf(err, errlen, "postconf -xh command_directory sendmail_path: "
				"not two absolute paths"), -1;
	}
	free(out);
	snprintf(pf->postqueue, sizeof(pf->postqueue), "%s/postqueue", dir);
	snprintf(pf->postcat, sizeof(pf->postcat), "%s/postcat", dir);
	snprintf(pf->postsuper, sizeof(pf->postsuper), "%s/postsuper", dir);
	return 0;
}

/* release_pf_list - every queued message (postqueue -j); 0 ok, -1 err */
int
release_pf_list(const struct release_pf *pf, struct release_qent **out, size_t *n,
		char *err, size_t errlen)
{
	const char *argv[] = {pf->postqueue, "-j", NULL};
	char   *text = NULL, *p, *nl;
	size_t	len;
	struct release_qent *v = NULL;

	*out = NULL;
	*n = 0;
	if (release_run(argv, pf->env, NULL, 0, &text, &len, PF_LIST_MAX, pf->timeout_s,
			err, errlen) != 0) {
		free(text);
		return -1;
	}
	for (p = text; *p != '\0'; p = nl) {
		struct release_qent q;
		char   *e = strchr(p, '\n');

		if (e == NULL)
			e = p + strlen(p);
		nl = *e != '\0' ? e + 1 : e;
		if (e == p)
			continue;
		if (release_json_qent(p, (size_t) (e - p), &q, err, errlen) < 0) {
			while (*n > 0)
				release_qent_free(&v[--*n]);
			free(v);
			free(text);
			return -1;
		}
		v = util_realloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = q;
	}
	free(text);
	*out = v;
	return 0;
}

/* release_pf_read - a queued message, headers and body (postcat -bh -q); 0 ok, -1 err */
int
release_pf_read(const struct release_pf *pf, const char *qid, size_t max, char **msg,
		size_t *len, char *err, size_t errlen)
{
	const char *argv[] = {pf->postcat, "-bh", "-q", qid, NULL};

	*msg = NULL;
	if (release_run(argv, pf->env, NULL, 0, msg, len, max, pf->timeout_s, err, errlen) != 0) {
		free(*msg);
		*msg = NULL;
		return -1;
	}
	return 0;
}

/* pf_dsn_line - one envelope record line of postcat -e */
static void
pf_dsn_line(const char *p, size_t n, struct release_dsn *d, int *nnotify)
{
	static const char na[] = "named_attribute: ";
	size_t	k;

	if (n < sizeof(na) - 1 || memcmp(p, na, sizeof(na) - 1) != 0)
		return;
	p += sizeof(na) - 1, n -= sizeof(na) - 1;
	if (n > 12 && memcmp(p, "envelope_id=", 12) == 0 && n - 12 < sizeof(d->envid)) {
		for (k = 12; k < n; k++)
			if (p[k] <= ' ' || p[k] > '~')
				return;
		memcpy(d->envid, p + 12, n - 12);
		d->envid[n - 12] = '\0';
	} else if (n == 11 && memcmp(p, "ret_flags=", 10) == 0 && (p[10] == '1' || p[10] == '2')) {
		d->ret = p[10] - '0';
	} else if (n > 13 && n < 16 && memcmp(p, "notify_flags=", 13) == 0) {
		int	v = atoi(p + 13);

		if (v <= 0 || v > 15 || (*nnotify > 0 && v != d->notify))
			d->notify = -1;		/* mixed: left to the defaults */
		else if (d->notify != -1)
			d->notify = v;
		++*nnotify;
	}
}

/* release_pf_dsn - the message's DSN options (postcat -e -q); 0 ok, -1 err */
int
release_pf_dsn(const struct release_pf *pf, const char *qid, struct release_dsn *d,
	       char *err, size_t errlen)
{
	const char *argv[] = {pf->postcat, "-e", "-q", qid, NULL};
	char   *out = NULL, *p, *nl;
	size_t	len;
	int	nnotify = 0;

	memset(d, 0, sizeof(*d));
	if (release_run(argv, pf->env, NULL, 0, &out, &len, (size_t) 64 << 20, pf->timeout_s,
			err, errlen) != 0) {
		free(out);
		return -1;
	}
	for (p = out; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		pf_dsn_line(p, (size_t) (nl - p), d, &nnotify);
		if (*nl == '\0')
			break;
	}
	if (d->notify < 0)
		d->notify = 0;
	free(out);
	return 0;
}

/* release_pf_inject - a new message with this envelope (sendmail -G -i); 0 ok, -1 err */
int
release_pf_inject(const struct release_pf *pf, const struct release_qent *q,
		  const struct release_dsn *d, const char *msg, size_t len, char *err, size_t errlen)
{
	const char *head[] = {pf->sendmail};

	return release_submit(head, 1, q, d, pf->env, pf->timeout_s, msg, len, err, errlen);
}

/* release_pf_delete - delete QID from the hold queue (postsuper -d QID hold); 0 ok, -1 err */
int
release_pf_delete(const struct release_pf *pf, const char *qid, char *err, size_t errlen)
{
	const char *argv[] = {pf->postsuper, "-d", qid, "hold", NULL};

	return release_run(argv, pf->env, NULL, 0, NULL, NULL, 0, pf->timeout_s, err, errlen) == 0 ?
		0 : -1;
}
