/*
 * NAME
 *	fake_milter - every smfi_* function of libmilter, for fuzz_milter
 * SUMMARY
 *	smfi_register() ... smfi_setsymlist(), fake_milter_desc(),
 *	fake_milter_new_message(), fake_milter_set_macro()
 * DESCRIPTION
 *	See fake_milter.h. The library-level calls (smfi_setconn,
 *	smfi_opensocket, smfi_main, ...) succeed and do nothing; the
 *	per-connection calls read and record struct smfi_str. Each check
 *	names what libmilter does for that call: MI_FAILURE where libmilter
 *	refuses, abort() where only a broken filter could ask.
 * DIAGNOSTICS
 *	abort() on a call no correct filter makes; stderr says which.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_milter.h"

#define FAKE_REPLY_MAX	980	/* libmilter's MAXREPLYLEN */

static struct smfiDesc fake_desc;
static int fake_registered;

/* fake_bug - a call no correct filter makes: say which, abort */
static void
fake_bug(const char *call, const char *why)
{
	fprintf(stderr, "fake_milter: %s: %s\n", call, why);
	abort();
}

/* fake_ctx - the context, which must not be NULL */
static SMFICTX *
fake_ctx(SMFICTX *ctx, const char *call)
{
	if (ctx == NULL)
		fake_bug(call, "NULL context");
	return ctx;
}

/* fake_may_change - 1 when a message change is allowed now; aborts outside end of message */
static int
fake_may_change(SMFICTX *ctx, const char *call, unsigned long action, unsigned failbit)
{
	fake_ctx(ctx, call);
	if (!ctx->in_eom)
		fake_bug(call, "message change outside end of message");
	if (action != 0 && (ctx->aflags & action) == 0)
		return 0;		/* libmilter: the action was not negotiated */
	if (ctx->fail & failbit) {
		ctx->failed |= failbit;
		return 0;
	}
	return 1;
}

/* fake_check_name - a header name: non-empty, printable, no colon or space */
static void
fake_check_name(const char *call, const char *name)
{
	const char *p;

	if (name == NULL || *name == 0)
		fake_bug(call, "empty header name");
	if (strlen(name) >= FAKE_TEXT_MAX)
		fake_bug(call, "header name too long");
	for (p = name; *p; p++)
		if ((unsigned char) *p <= 0x20 || (unsigned char) *p >= 0x7f || *p == ':')
			fake_bug(call, "header name with a byte an MTA cannot take");
}

/* fake_check_text - a header value, reply or reason: no control byte but tab, bounded */
static void
fake_check_text(const char *call, const char *text, size_t max)
{
	const char *p;

	if (strlen(text) >= max)
		fake_bug(call, "text too long");
	for (p = text; *p; p++)
		if (((unsigned char) *p < 0x20 && *p != '\t') || (unsigned char) *p == 0x7f)
			fake_bug(call, "control byte in a header value or reply");
}

/* fake_record - keep one header change for the target */
static void
fake_record(SMFICTX *ctx, char op, int index, const char *name, const char *value)
{
	struct fake_change *ch;

	if (ctx->nchanges == FAKE_CHANGES_MAX) {
		ctx->changes_dropped = 1;
		return;
	}
	ch = &ctx->changes[ctx->nchanges++];
	ch->op = op;
	ch->index = index;
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	snprintf(ch->value, sizeof(ch->value), "%s", value ? value : "");
}

/* fake_milter_desc - the description smfi_register() was given, or NULL */
const struct smfiDesc *
fake_milter_desc(void)
{
	return fake_registered ? &fake_desc : NULL;
}

/* fake_milter_new_message - forget the end-of-message requests of ctx */
void
fake_milter_new_message(SMFICTX *ctx)
{
	ctx->nchanges = 0;
	ctx->changes_dropped = 0;
	ctx->replied = 0;
	ctx->rcode[0] = ctx->xcode[0] = ctx->reply[0] = 0;
	ctx->quarantined = 0;
	ctx->reason[0] = 0;
	ctx->failed = 0;
}

/* fake_milter_set_macro - set (or with value NULL remove) a macro of ctx */
void
fake_milter_set_macro(SMFICTX *ctx, const char *name, const char *value)
{
	size_t	i;

	for (i = 0; i < ctx->nmacros; i++)
		if (strcmp(ctx->macros[i].name, name) == 0)
			break;
	if (value == NULL) {
		if (i < ctx->nmacros)
			ctx->macros[i] = ctx->macros[--ctx->nmacros];
		return;
	}
	if (i == ctx->nmacros) {
		if (ctx->nmacros == FAKE_MACROS_MAX)
			return;
		ctx->nmacros++;
	}
	snprintf(ctx->macros[i].name, sizeof(ctx->macros[i].name), "%s", name);
	snprintf(ctx->macros[i].value, sizeof(ctx->macros[i].value), "%s", value);
}

/* ---- library level: nothing to do ---- */

/* smfi_register - keep the callbacks */
int
smfi_register(struct smfiDesc desc)
{
	if (desc.xxfi_name == NULL)
		fake_bug("smfi_register", "no filter name");
	fake_desc = desc;
	fake_registered = 1;
	return MI_SUCCESS;
}

/* smfi_opensocket - no socket here */
int
smfi_opensocket(bool rmsocket)
{
	(void) rmsocket;
	return MI_SUCCESS;
}

/* smfi_main - the target drives the callbacks itself */
int
smfi_main(void)
{
	return MI_SUCCESS;
}

/* smfi_setbacklog - accepted */
int
smfi_setbacklog(int backlog)
{
	return backlog > 0 ? MI_SUCCESS : MI_FAILURE;
}

/* smfi_setdbg - accepted */
int
smfi_setdbg(int level)
{
	(void) level;
	return MI_SUCCESS;
}

/* smfi_settimeout - accepted */
int
smfi_settimeout(int seconds)
{
	(void) seconds;
	return MI_SUCCESS;
}

/* smfi_setconn - a socket specification is required, as in libmilter */
int
smfi_setconn(char *spec)
{
	return spec != NULL && *spec != 0 ? MI_SUCCESS : MI_FAILURE;
}

/* smfi_stop - nothing runs */
int
smfi_stop(void)
{
	return MI_SUCCESS;
}

/* smfi_setmaxdatasize - returns the old size, as libmilter */
size_t
smfi_setmaxdatasize(size_t size)
{
	static size_t max = 64 * 1024;
	size_t	old = max;

	max = size;
	return old;
}

/* smfi_version - the libmilter version this stands in for */
int
smfi_version(unsigned int *major, unsigned int *minor, unsigned int *patch)
{
	if (major)
		*major = 1;
	if (minor)
		*minor = 0;
	if (patch)
		*patch = 2;
	return MI_SUCCESS;
}

/* smfi_set_max_exec_time - accepted (declared only with _FFR_THREAD_MONITOR) */
int	smfi_set_max_exec_time(unsigned int seconds);
int
smfi_set_max_exec_time(unsigned int seconds)
{
	(void) seconds;
	return MI_SUCCESS;
}

/* ---- per connection ---- */

/* smfi_getpriv - the private pointer */
void   *
smfi_getpriv(SMFICTX *ctx)
{
	return fake_ctx(ctx, "smfi_getpriv")->priv;
}

/* smfi_setpriv - set the private pointer (may be made to fail) */
int
smfi_setpriv(SMFICTX *ctx, void *priv)
{
	fake_ctx(ctx, "smfi_setpriv");
	if (priv != NULL && (ctx->fail & FAKE_FAIL_SETPRIV)) {
		ctx->failed |= FAKE_FAIL_SETPRIV;
		return MI_FAILURE;
	}
	ctx->priv = priv;
	return MI_SUCCESS;
}

/* smfi_getsymval - a macro's value, "{name}" and "name" alike, or NULL */
char   *
smfi_getsymval(SMFICTX *ctx, char *name)
{
	size_t	i;

	fake_ctx(ctx, "smfi_getsymval");
	if (name == NULL)
		return NULL;
	for (i = 0; i < ctx->nmacros; i++)
		if (strcmp(ctx->macros[i].name, name) == 0)
			return ctx->macros[i].value;
	return NULL;
}

/* smfi_setsymlist - accepted */
int
smfi_setsymlist(SMFICTX *ctx, int where, char *macros)
{
	fake_ctx(ctx, "smfi_setsymlist");
	(void) where;
	return macros != NULL ? MI_SUCCESS : MI_FAILURE;
}

/* fake_check_percent - every '%' doubled: a run of '%' has an even length */
static void
fake_check_percent(const char *call, const char *text)
{
	size_t	run;

	while ((text = strchr(text, '%')) != NULL) {
		run = strspn(text, "%");
		if (run % 2)
			fake_bug(call, "a '%' that is not doubled");
		text += run;
	}
}

/* smfi_setreply - a 4xx or 5xx reply; libmilter refuses other codes */
int
smfi_setreply(SMFICTX *ctx, char *rcode, char *xcode, char *message)
{
	fake_ctx(ctx, "smfi_setreply");
	if (rcode == NULL || strlen(rcode) != 3 || (rcode[0] != '4' && rcode[0] != '5') ||
	    rcode[1] < '0' || rcode[1] > '9' || rcode[2] < '0' || rcode[2] > '9')
		fake_bug("smfi_setreply", "reply code is not 4xx or 5xx");
	if (xcode != NULL) {
		fake_check_text("smfi_setreply", xcode, sizeof(ctx->xcode));
		if (xcode[0] != rcode[0] || xcode[1] != '.')
			fake_bug("smfi_setreply", "enhanced code does not match the reply code");
	}
	if (message != NULL) {
		fake_check_text("smfi_setreply", message, FAKE_REPLY_MAX + 1);
		fake_check_percent("smfi_setreply", message);
	}
	if (ctx->fail & FAKE_FAIL_SETREPLY) {
		ctx->failed |= FAKE_FAIL_SETREPLY;
		return MI_FAILURE;
	}
	ctx->replied = 1;
	snprintf(ctx->rcode, sizeof(ctx->rcode), "%s", rcode);
	snprintf(ctx->xcode, sizeof(ctx->xcode), "%s", xcode ? xcode : "");
	snprintf(ctx->reply, sizeof(ctx->reply), "%s", message ? message : "");
	return MI_SUCCESS;
}

/* smfi_setmlreply - a multi-line reply: lines up to a NULL, at most 32 */
int
smfi_setmlreply(SMFICTX *ctx, const char *rcode, const char *xcode, ...)
{
	va_list	ap;
	const char *line;
	char	all[FAKE_TEXT_MAX] = "";
	int	n = 0;

	fake_ctx(ctx, "smfi_setmlreply");
	va_start(ap, xcode);
	while ((line = va_arg(ap, const char *)) != NULL) {
		if (++n > 32) {
			va_end(ap);
			fake_bug("smfi_setmlreply", "more than 32 lines");
		}
		fake_check_text("smfi_setmlreply", line, FAKE_REPLY_MAX + 1);
		fake_check_percent("smfi_setmlreply", line);
		if (strlen(all) + strlen(line) + 2 < sizeof(all)) {
			if (n > 1)
				strcat(all, " ");
			strcat(all, line);
		}
	}
	va_end(ap);
	return smfi_setreply(ctx, (char *) rcode, (char *) xcode, n ? all : NULL);
}

/* smfi_addheader - append a header (needs SMFIF_ADDHDRS) */
int
smfi_addheader(SMFICTX *ctx, char *name, char *value)
{
	if (!fake_may_change(ctx, "smfi_addheader", SMFIF_ADDHDRS, FAKE_FAIL_ADDHEADER))
		return MI_FAILURE;
	fake_check_name("smfi_addheader", name);
	if (value == NULL)
		fake_bug("smfi_addheader", "NULL value");
	fake_check_text("smfi_addheader", value, FAKE_TEXT_MAX);
	fake_record(ctx, 'a', 0, name, value);
	return MI_SUCCESS;
}

/* smfi_insheader - insert a header at an index (needs SMFIF_ADDHDRS) */
int
smfi_insheader(SMFICTX *ctx, int index, char *name, char *value)
{
	if (!fake_may_change(ctx, "smfi_insheader", SMFIF_ADDHDRS, FAKE_FAIL_ADDHEADER))
		return MI_FAILURE;
	fake_check_name("smfi_insheader", name);
	if (value == NULL)
		fake_bug("smfi_insheader", "NULL value");
	if (index < 0)
		return MI_FAILURE;	/* libmilter refuses a negative index */
	fake_check_text("smfi_insheader", value, FAKE_TEXT_MAX);
	fake_record(ctx, 'i', index, name, value);
	return MI_SUCCESS;
}

/* smfi_chgheader - change or (value NULL) delete the index-th header of name (SMFIF_CHGHDRS) */
int
smfi_chgheader(SMFICTX *ctx, char *name, int index, char *value)
{
	if (!fake_may_change(ctx, "smfi_chgheader", SMFIF_CHGHDRS, FAKE_FAIL_CHGHEADER))
		return MI_FAILURE;
	fake_check_name("smfi_chgheader", name);
	if (index < 1)
		fake_bug("smfi_chgheader", "header index below 1");
	if (value != NULL)
		fake_check_text("smfi_chgheader", value, FAKE_TEXT_MAX);
	fake_record(ctx, value == NULL ? 'd' : 'c', index, name, value);
	return MI_SUCCESS;
}

/* smfi_quarantine - hold the message with a reason (needs SMFIF_QUARANTINE) */
int
smfi_quarantine(SMFICTX *ctx, char *reason)
{
	if (!fake_may_change(ctx, "smfi_quarantine", SMFIF_QUARANTINE, FAKE_FAIL_QUARANTINE))
		return MI_FAILURE;
	if (reason == NULL || *reason == 0)
		fake_bug("smfi_quarantine", "empty reason");
	fake_check_text("smfi_quarantine", reason, FAKE_TEXT_MAX);
	ctx->quarantined = 1;
	snprintf(ctx->reason, sizeof(ctx->reason), "%s", reason);
	return MI_SUCCESS;
}

/* smfi_progress - "still working" (only at end of message) */
int
smfi_progress(SMFICTX *ctx)
{
	return fake_may_change(ctx, "smfi_progress", 0, 0) ? MI_SUCCESS : MI_FAILURE;
}

/* smfi_chgfrom - change the envelope sender (needs SMFIF_CHGFROM) */
int
smfi_chgfrom(SMFICTX *ctx, char *mail, char *args)
{
	(void) args;
	if (!fake_may_change(ctx, "smfi_chgfrom", SMFIF_CHGFROM, 0))
		return MI_FAILURE;
	return mail != NULL && *mail != 0 ? MI_SUCCESS : MI_FAILURE;
}

/* smfi_addrcpt - add a recipient (needs SMFIF_ADDRCPT) */
int
smfi_addrcpt(SMFICTX *ctx, char *rcpt)
{
	if (!fake_may_change(ctx, "smfi_addrcpt", SMFIF_ADDRCPT, 0))
		return MI_FAILURE;
	return rcpt != NULL && *rcpt != 0 ? MI_SUCCESS : MI_FAILURE;
}

/* smfi_addrcpt_par - add a recipient with ESMTP arguments (needs SMFIF_ADDRCPT_PAR) */
int
smfi_addrcpt_par(SMFICTX *ctx, char *rcpt, char *args)
{
	(void) args;
	if (!fake_may_change(ctx, "smfi_addrcpt_par", SMFIF_ADDRCPT_PAR, 0))
		return MI_FAILURE;
	return rcpt != NULL && *rcpt != 0 ? MI_SUCCESS : MI_FAILURE;
}

/* smfi_delrcpt - delete a recipient (needs SMFIF_DELRCPT) */
int
smfi_delrcpt(SMFICTX *ctx, char *rcpt)
{
	if (!fake_may_change(ctx, "smfi_delrcpt", SMFIF_DELRCPT, 0))
		return MI_FAILURE;
	return rcpt != NULL && *rcpt != 0 ? MI_SUCCESS : MI_FAILURE;
}

/* smfi_replacebody - replace (part of) the body (needs SMFIF_CHGBODY) */
int
smfi_replacebody(SMFICTX *ctx, unsigned char *body, int len)
{
	if (!fake_may_change(ctx, "smfi_replacebody", SMFIF_CHGBODY, 0))
		return MI_FAILURE;
	return body != NULL && len >= 0 ? MI_SUCCESS : MI_FAILURE;
}
