/*
 * NAME
 *	fake_milter 3h - a libmilter stand-in for fuzzing the callbacks
 * SUMMARY
 *	struct smfi_str, fake_milter_desc(), fake_milter_new_message()
 * DESCRIPTION
 *	tests/fuzz/fake_milter.c implements every smfi_* function that
 *	libmilter's mfapi.h declares, so that src/milter.c links without
 *	libmilter. smfi_register() keeps the struct smfiDesc, from which a
 *	fuzz target calls the callbacks directly with contexts of its own.
 *
 *	The context is the one libmilter hides: the private pointer, the
 *	macros the MTA sent, the actions the MTA granted, and, for end of
 *	message, what the filter asked for (header changes, SMTP reply,
 *	quarantine). A call libmilter would refuse with MI_FAILURE is
 *	refused here the same way (an action that was not granted, a
 *	message change outside end of message); a call no correct filter
 *	makes (a header name with a colon, a header value or reply with a
 *	control byte, an unescaped '%' in a reply, an empty quarantine
 *	reason, a NULL context) aborts, so that the fuzzer reports it.
 *	The target may make chosen calls fail (FAKE_FAIL_*), as a broken
 *	MTA connection does.
 */
#ifndef CLAMSHIM_FAKE_MILTER_H
#define CLAMSHIM_FAKE_MILTER_H

#include <stddef.h>

#include <libmilter/mfapi.h>

#define FAKE_MACROS_MAX		8
#define FAKE_MACRO_MAX		128	/* a macro value, NUL included */
#define FAKE_CHANGES_MAX	512	/* header changes kept per message */
#define FAKE_TEXT_MAX		1024	/* a header value, reply or reason, NUL included */

/* Calls the target makes fail (bits of struct smfi_str.fail). */
#define FAKE_FAIL_ADDHEADER	0x01u
#define FAKE_FAIL_CHGHEADER	0x02u
#define FAKE_FAIL_SETREPLY	0x04u
#define FAKE_FAIL_QUARANTINE	0x08u
#define FAKE_FAIL_SETPRIV	0x10u

/* One header change the filter asked for at end of message. */
struct fake_change {
	char	op;			/* 'a' add, 'i' insert, 'c' change, 'd' delete (change to NULL) */
	int	index;			/* 'i', 'c', 'd' */
	char	name[FAKE_TEXT_MAX];
	char	value[FAKE_TEXT_MAX];
};

/* A macro the MTA sent: "i", "{auth_authen}", ... */
struct fake_macro {
	char	name[32];
	char	value[FAKE_MACRO_MAX];
};

/* libmilter's per-connection context, as the fake keeps it. */
struct smfi_str {
	void   *priv;			/* smfi_setpriv() */
	unsigned long aflags;		/* actions granted (SMFIF_*) */
	int	in_eom;			/* set by the target around xxfi_eom: changes allowed */
	unsigned fail;			/* FAKE_FAIL_* calls that return MI_FAILURE */
	unsigned failed;		/* FAKE_FAIL_* calls that did fail */
	struct fake_macro macros[FAKE_MACROS_MAX];
	size_t	nmacros;
	/* what the filter asked for in this message's end of message */
	struct fake_change changes[FAKE_CHANGES_MAX];
	size_t	nchanges;
	int	changes_dropped;	/* more than FAKE_CHANGES_MAX */
	int	replied;
	char	rcode[4];
	char	xcode[16];
	char	reply[FAKE_TEXT_MAX];
	int	quarantined;
	char	reason[FAKE_TEXT_MAX];
};

/* fake_milter_desc - the description smfi_register() was given, or NULL */
const struct smfiDesc *fake_milter_desc(void);
/* fake_milter_new_message - forget the end-of-message requests of ctx */
void	fake_milter_new_message(SMFICTX *ctx);
/* fake_milter_set_macro - set (or with value NULL remove) a macro of ctx */
void	fake_milter_set_macro(SMFICTX *ctx, const char *name, const char *value);

#endif
