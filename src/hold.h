/*
 * NAME
 *	hold 3h - the ledger of messages held in the MTA during an outage
 * SUMMARY
 *	hold_new(), hold_free(), hold_token(), hold_reserve(), hold_unreserve(),
 *	hold_record(), hold_forget(), hold_census(), hold_dir_make(),
 *	hold_result_name(), hold_is_token()
 * DESCRIPTION
 *	When on_unavailable is "hold", the milter accepts the message into
 *	the MTA's hold queue (Postfix) or quarantine (Sendmail), marks it
 *	with the header X-Clamshim-Hold: TOKEN (32 lowercase hex characters
 *	from getrandom(2)) and writes a ledger file named TOKEN in hold.dir:
 *
 *	queue_id=QID
 *	time=UNIXSECONDS
 *	mta=postfix|sendmail
 *
 *	clamshim-release(8), once it has dealt with a message, renames TOKEN
 *	to TOKEN.done-RESULT (clean, infected, deleted). hold_census(), run
 *	by the monitor every status interval, counts the TOKEN files (held,
 *	and the oldest time), and counts and removes each TOKEN.done-RESULT
 *	(clamshim_released_total{result}).
 *
 *	struct hold keeps what the daemon counts in memory: the held count
 *	that hold.max_messages is checked against (one more per hold, set
 *	from the directory by each census) and the released totals. Its
 *	functions may be called from any thread.
 */
#ifndef CLAMSHIM_HOLD_H
#define CLAMSHIM_HOLD_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"

#define HOLD_TOKEN_LEN		32			/* hex characters, NUL not included */
#define HOLD_HEADER		"X-Clamshim-Hold"	/* the mark, in the message */
#define HOLD_RELEASER		"clamshim-release"	/* {daemon_name} of a rescan: never held */
#define HOLD_PROBER		"mtclient"		/* of check_clamshim's probe (mtclient(3)): never held */
#define HOLD_QUARANTINE_PREFIX	"clamshim hold "	/* smfi_quarantine's reason: this + TOKEN */
#define HOLD_LEDGER_MAX		1024			/* a ledger file larger is not read */

/* What clamshim-release did with a held message: the suffix .done-RESULT. */
enum hold_result {
	HOLD_RESULT_CLEAN = 0,
	HOLD_RESULT_INFECTED,
	HOLD_RESULT_DELETED,
	HOLD_RESULT_COUNT
};

/* What one census found. */
struct hold_census {
	unsigned long held;		/* TOKEN files */
	time_t	oldest;			/* time= of the oldest; 0 when none is held */
	unsigned long released[HOLD_RESULT_COUNT];	/* totals since start, this census's included */
};

struct hold;

/* hold_new - counters at zero; never NULL */
struct hold *hold_new(void);
/* hold_free - free; NULL is fine */
void	hold_free(struct hold *h);
/* hold_result_name - "clean", "infected", "deleted"; "unknown" out of range */
const char *hold_result_name(enum hold_result r);
/* hold_is_token - 1 when s is exactly HOLD_TOKEN_LEN lowercase hex characters */
int	hold_is_token(const char *s);
/* hold_token - a new token from getrandom(2) into tok (HOLD_TOKEN_LEN + 1 bytes); 0 ok, -1 err */
int	hold_token(char *tok, size_t len, char *err, size_t errlen);
/* hold_reserve - count one more held message unless max are held already; 0 counted, -1 full */
int	hold_reserve(struct hold *h, unsigned max);
/* hold_unreserve - a counted hold did not happen after all */
void	hold_unreserve(struct hold *h);
/*
 * hold_record - the ledger file TOKEN in dir (written as TOKEN.tmp, then
 * linked to TOKEN, never replacing a file, never through a link; synced).
 * qid is written with anything but [!-~] made '?'. 0 ok, -1 err filled.
 */
int	hold_record(const char *dir, const char *token, const char *qid, time_t when,
		    enum conf_mta mta, char *err, size_t errlen);
/* hold_forget - remove the ledger file of a hold that did not happen; 0 ok, -1 err filled */
int	hold_forget(const char *dir, const char *token, char *err, size_t errlen);
/*
 * hold_census - count dir's TOKEN files and find the oldest; count and
 * remove its TOKEN.done-RESULT files. The held count of h becomes what
 * was found. A dir that does not exist holds nothing. 0 ok, -1 err filled
 * (out still has the totals).
 */
int	hold_census(struct hold *h, const char *dir, struct hold_census *out,
		    char *err, size_t errlen);
/*
 * hold_dir_make - at start, as root: make dir (mode 0700; its parent,
 * 0755, when that is missing too) and give it to uid:gid (-1: leave).
 * An existing dir is left as it is. 1 made, 0 there already, -1 err.
 */
int	hold_dir_make(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen);

#endif
