/*
 * NAME
 *	conf_check 3h - the checks of clamshim.conf that span options, inside the conf module
 * SUMMARY
 *	#include "conf_check.h"
 *	conf_check_spanning()
 * DESCRIPTION
 *	Called by conf.c once every row is in struct conf (conf_check(3)).
 */
#ifndef CLAMSHIM_CONF_CHECK_H
#define CLAMSHIM_CONF_CHECK_H

#include <confuse.h>

#include "conf.h"
#include "conf_table.h"

/* conf_check_spanning - after the rows: the checks and the values that span options */
void	conf_check_spanning(struct conf_load *lc, cfg_t *cfg, struct conf *c);

#endif
