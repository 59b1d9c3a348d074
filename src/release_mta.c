/*
 * NAME
 *	release_mta 3 - the MTA named by hold.mta, for clamshim-release
 * SUMMARY
 *	release_mta_init(), release_mta_list(), release_mta_is_held(),
 *	release_mta_read(), release_mta_dsn(), release_mta_inject(),
 *	release_mta_delete(), release_mta_keep(), release_mta_hint()
 * DESCRIPTION
 *	One set of calls for release.c, carried out with Postfix's commands
 *	(release_pf.c) or Sendmail's (release_sm.c). Where the two differ:
 *	Postfix drops the reason a milter gives, so a message in its hold
 *	queue may be clamshim's whatever held it; Sendmail keeps it, so a
 *	quarantined message may be clamshim's hold of TOKEN only under the
 *	reason "clamshim hold TOKEN" (mailq's, and the hf file's once read).
 *	An infected message stays in Postfix's hold queue as it is; in
 *	Sendmail's quarantine it gets the reason "clamshim infected NAME".
 * DIAGNOSTICS
 *	-1 with err filled, as the MTA's side says.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hold.h"
#include "release.h"

/* release_mta_init - the commands of hold.mta */
int
release_mta_init(struct release_mta *m, enum conf_mta kind, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	if (kind == CONF_MTA_SENDMAIL)
		return release_sm_init(&m->sm, err, errlen);
	return release_pf_init(&m->pf, err, errlen);
}

/* release_mta_list - every queued message */
int
release_mta_list(const struct release_mta *m, struct release_qent **out, size_t *n,
		 char *err, size_t errlen)
{
	if (m->kind == CONF_MTA_SENDMAIL)
		return release_sm_list(&m->sm, out, n, err, errlen);
	return release_pf_list(&m->pf, out, n, err, errlen);
}

/* release_mta_is_held - held, and (Sendmail) under the reason of clamshim's hold of token */
int
release_mta_is_held(const struct release_mta *m, const struct release_qent *q, const char *token)
{
	size_t	k = sizeof(HOLD_QUARANTINE_PREFIX) - 1;

	if (strcmp(q->queue, "hold") != 0)
		return 0;
	if (m->kind != CONF_MTA_SENDMAIL)
		return 1;
	return q->reason != NULL && strncmp(q->reason, HOLD_QUARANTINE_PREFIX, k) == 0 &&
		strcmp(q->reason + k, token) == 0;
}

/* release_mta_read - the held message, headers and body */
int
release_mta_read(const struct release_mta *m, struct release_qent *q, size_t max, char **msg,
		 size_t *len, char *err, size_t errlen)
{
	if (m->kind == CONF_MTA_SENDMAIL)
		return release_sm_read(&m->sm, q, max, msg, len, err, errlen);
	return release_pf_read(&m->pf, q->qid, max, msg, len, err, errlen);
}

/* release_mta_dsn - its DSN options (Sendmail: read with the message) */
int
release_mta_dsn(const struct release_mta *m, const struct release_qent *q, struct release_dsn *d,
		char *err, size_t errlen)
{
	if (m->kind == CONF_MTA_SENDMAIL) {
		*d = q->dsn;
		return 0;
	}
	return release_pf_dsn(&m->pf, q->qid, d, err, errlen);
}

/* release_mta_inject - the corrected copy, submitted with the envelope of q */
int
release_mta_inject(const struct release_mta *m, const struct release_qent *q,
		   const struct release_dsn *d, const char *msg, size_t len, char *err, size_t errlen)
{
	if (m->kind == CONF_MTA_SENDMAIL)
		return release_sm_inject(&m->sm, q, d, msg, len, err, errlen);
	return release_pf_inject(&m->pf, q, d, msg, len, err, errlen);
}

/* release_mta_delete - the held message removed */
int
release_mta_delete(const struct release_mta *m, const struct release_qent *q, const char *token,
		   const char *what, char *err, size_t errlen)
{
	if (m->kind == CONF_MTA_SENDMAIL)
		return release_sm_delete(&m->sm, q, token, what, err, errlen);
	return release_pf_delete(&m->pf, q->qid, err, errlen);
}

/* release_mta_keep - Sendmail: the reason "clamshim infected NAME" (printable, cut at 200) */
int
release_mta_keep(const struct release_mta *m, const struct release_qent *q, const char *name,
		 char *err, size_t errlen)
{
	char	why[256];
	const char *v = strstr(name, "Virus found: ");
	size_t	i, n;

	if (m->kind != CONF_MTA_SENDMAIL)
		return 0;
	if (v != NULL)
		name = v + sizeof("Virus found: ") - 1;
	n = (size_t) snprintf(why, sizeof(why), "clamshim infected %.200s", name);
	for (i = 0; i < n && i < sizeof(why) - 1; i++)
		if ((unsigned char) why[i] < 0x20 || (unsigned char) why[i] > 0x7e)
			why[i] = '?';
	return release_sm_quarantine(&m->sm, q->qid, why, err, errlen);
}

/* release_mta_hint - how the administrator deletes q */
void
release_mta_hint(const struct release_mta *m, const struct release_qent *q, char *buf, size_t len)
{
	if (m->kind == CONF_MTA_SENDMAIL)
		snprintf(buf, len, "qtool.pl -Q -d %s/hf%s", q->dir ? q->dir : "", q->qid);
	else
		snprintf(buf, len, "postsuper -d %s hold", q->qid);
}
