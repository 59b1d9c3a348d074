/*
 * NAME
 *	conf_check 3 - the checks of clamshim.conf that span options
 * SUMMARY
 *	conf_check_spanning()
 * DESCRIPTION
 *	Step 3 of conf_load(3), after every row is in struct conf: the
 *	scanner chain against clamd.servers, each clamd.limits_unreported_ok
 *	entry one of clamd.servers, embedded.bytecode_security and
 *	reload_mode, PUA category lists that would be ignored (warnings), each on_limit_* that is "" decided by on_limit,
 *	max_scans 0 = CPUs, each class's name, and each class's policy: the
 *	top level's with the keys its policy { } set (those rows are read
 *	without defaults, CONF_INHERIT, so an unset key is told apart).
 * DIAGNOSTICS
 *	Each problem through conf_problem() with the line of the option.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <confuse.h>

#include "conf.h"
#include "conf_check.h"
#include "conf_table.h"
#include "policy.h"
#include "policy_class.h"

/* conf_given - how many values a list option was given (default included) */
static unsigned
conf_given(const struct conf_load *lc, const char *full)
{
	int	i = conf_table_index(full);

	return i < 0 ? 0 : lc->given[i];
}

/* conf_check_chain - the scanner chain: each scanner once, at least one, clamd with servers */
static void
conf_check_chain(struct conf_load *lc, struct conf *c)
{
	int	line = conf_line_of(lc, "scanners"), uses_clamd = 0;
	size_t	i, j, n = 0;

	for (i = 0; i < c->nscanners; i++) {
		for (j = 0; j < n && c->scanners[j] != c->scanners[i]; j++)
			;
		if (j < n) {
			conf_problem(lc, CONF_ERROR, line, "scanners: %s is listed twice",
				     conf_scanner_name(c->scanners[i]));
			continue;
		}
		c->scanners[n++] = c->scanners[i];
		uses_clamd |= c->scanners[i] == CONF_SCANNER_CLAMD;
	}
	c->nscanners = n;
	if (conf_given(lc, "scanners") == 0)
		conf_problem(lc, CONF_ERROR, line,
			     "scanners: at least one scanner is needed (embedded, clamd)");
	if (uses_clamd && conf_given(lc, "clamd.servers") == 0)
		conf_problem(lc, CONF_ERROR, conf_line_of(lc, "clamd.servers") ?
			     conf_line_of(lc, "clamd.servers") : line,
			     "scanners lists clamd but clamd.servers is empty");
}

/* conf_check_limits_ok - clamd.limits_unreported_ok: each entry one of clamd.servers */
static void
conf_check_limits_ok(struct conf_load *lc, const struct conf_clamd *cd)
{
	int	line = conf_line_of(lc, "clamd.limits_unreported_ok");
	size_t	i, j;

	for (i = 0; i < cd->nlimits_unreported_ok; i++) {
		const char *spec = cd->limits_unreported_ok[i];

		for (j = 0; j < cd->nservers && strcmp(cd->servers[j], spec) != 0; j++)
			;
		if (j == cd->nservers)
			conf_problem(lc, CONF_ERROR, line, "clamd.limits_unreported_ok: \"%.200s\" is "
				     "not one of clamd.servers", spec);
	}
}

/*
 * conf_check_detect - embedded.bytecode_security (one of clamd's values),
 * reload_mode, and PUA category lists that would be silently ignored
 */
static void
conf_check_detect(struct conf_load *lc, const struct conf_embedded *e)
{
	if (strcmp(e->bytecode_security, "TrustSigned") != 0 && strcmp(e->bytecode_security, "Paranoid") != 0)
		conf_problem(lc, CONF_ERROR, conf_line_of(lc, "embedded.bytecode_security"),
			     "embedded.bytecode_security: \"%.100s\" is not TrustSigned or Paranoid",
			     e->bytecode_security);
	if (strcmp(e->reload_mode, "concurrent") != 0 && strcmp(e->reload_mode, "sequential") != 0)
		conf_problem(lc, CONF_ERROR, conf_line_of(lc, "embedded.reload_mode"),
			     "embedded.reload_mode: \"%.100s\" is not concurrent or sequential",
			     e->reload_mode);
	if (e->nexclude_pua > 0 && e->ninclude_pua > 0)	/* as clamd: exclusion wins */
		conf_problem(lc, CONF_WARNING, conf_line_of(lc, "embedded.include_pua"),
			     "embedded.include_pua ignored: exclude_pua is set too, and every PUA "
			     "category but the excluded ones is loaded (set one of the two)");
	if (!e->detect_pua && (e->nexclude_pua > 0 || e->ninclude_pua > 0))
		conf_problem(lc, CONF_WARNING, conf_line_of(lc, e->nexclude_pua > 0 ?
							    "embedded.exclude_pua" :
							    "embedded.include_pua"),
			     "embedded.%s ignored: detect_pua is false, no PUA signature is loaded",
			     e->nexclude_pua > 0 ? "exclude_pua" : "include_pua");
}

/* conf_inherit_limits - a kind of limit whose option is "" (or that has none) is decided by on_limit */
static void
conf_inherit_limits(struct policy_conf *pc)
{
	int	k;

	for (k = 0; k < SCAN_LIMIT_KIND_COUNT; k++)
		if (!pc->on_limit_kind[k].set)
			pc->on_limit_kind[k].action = pc->on_limit;
}

/* conf_check_classes - a class name goes into the log line as class=NAME: letters, digits, . _ - */
static void
conf_check_classes(struct conf_load *lc, const struct conf *c)
{
	const struct conf_row *r = conf_table_find(conf_table_root(), "class");
	size_t	k;

	for (k = 0; k < c->nclasses; k++) {
		const char *name = c->classes[k].name;

		if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			   "0123456789._-") != strlen(name))
			conf_problem(lc, CONF_ERROR, conf_titled_line(lc, r, (unsigned) k),
				     "class \"%.64s\": a class name has only letters, digits, "
				     "'.', '_' and '-'", name);
	}
}

/*
 * conf_class_inherit - each class's policy: the top level's, with the keys
 * its policy { } set (CONF_INHERIT: unset keys have no value in cfg)
 */
static void
conf_class_inherit(cfg_t *cfg, struct conf *c)
{
	const struct conf_section *ps = conf_table_section("policy");
	size_t	k, j;

	for (k = 0; k < c->nclasses; k++) {
		struct policy_class *cls = &c->classes[k];
		cfg_t  *sec = cfg_gettsec(cfg, "class", cls->name);
		cfg_t  *pol = sec ? cfg_getsec(sec, "policy") : NULL;

		cls->policy = c->policy;		/* strings stay the top level's */
		for (j = 0; pol != NULL && j < ps->nrows; j++) {
			const struct conf_row *r = &ps->rows[j];

			if (r->type != CONF_SECTION && !(r->flags & CONF_LIST)
			    && cfg_size(pol, r->name) > 0)
				memcpy((char *) &cls->policy + r->off, (char *) &cls->over + r->off,
				       conf_type_size(r->type));
		}
		conf_inherit_limits(&cls->policy);
	}
}

/* conf_resolve_scans - max_scans 0: the number of CPUs, 1 to CONF_MAX_SCANS */
static void
conf_resolve_scans(struct conf *c)
{
	long	scans;

	if (c->max_scans > 0)
		return;
	scans = sysconf(_SC_NPROCESSORS_ONLN);
	if (scans < 1)
		scans = 1;
	if (scans > CONF_MAX_SCANS)
		scans = CONF_MAX_SCANS;
	c->max_scans = (unsigned) scans;
}

/* conf_check_spanning - after the rows: the checks and the values that span options */
void
conf_check_spanning(struct conf_load *lc, cfg_t *cfg, struct conf *c)
{
	conf_check_chain(lc, c);
	conf_check_limits_ok(lc, &c->clamd);
	conf_check_detect(lc, &c->embedded);
	conf_inherit_limits(&c->policy);
	c->policy.sigrules = c->sigrules;
	c->policy.nsigrules = c->nsigrules;
	conf_check_classes(lc, c);
	conf_class_inherit(cfg, c);
	conf_resolve_scans(c);
}
