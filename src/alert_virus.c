/*
 * NAME
 *	alert_virus 3 - the virus event: alert.virus_command per infected message
 * SUMMARY
 *	alert_virus()
 * DESCRIPTION
 *	For each message decided as infected (whatever the action), the
 *	milter's observer hands the event here and it goes to a command
 *	runner of its own (runner(3)) with alert.virus_command and the
 *	CLAMSHIM_* values of the event (CLAMSHIM_EVENT=virus, CLAMSHIM_VIRUS,
 *	CLAMSHIM_ACTION, CLAMSHIM_QUEUE_ID, CLAMSHIM_SENDER,
 *	CLAMSHIM_RECIPIENTS, CLAMSHIM_CLIENT_ADDR, CLAMSHIM_CLIENT_NAME,
 *	CLAMSHIM_CLASS, CLAMSHIM_HOST) in its environment only, never on its
 *	command line. The runner makes every value printable and bounds it.
 *
 *	That runner has alert.virus_max_running as its max_running: it never
 *	queues, and a message found while that many commands run gets no
 *	command; the runner logs that and counts it (alert_commands_dropped,
 *	clamshim_alerts_dropped_total). Nothing here waits for a command, so
 *	the message's decision is never delayed. The virus event is not rate
 *	limited by min_interval: each infected message is its own event.
 * DIAGNOSTICS
 *	Those of the runner.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "alert_int.h"
#include "runner.h"

/* alert_virus - run alert.virus_command for one infected message; never waits */
void
alert_virus(struct alert *a, const struct alert_virus *v)
{
	char	label[96];

	if (a == NULL || v == NULL)
		return;
	snprintf(label, sizeof(label), "%.64s",
		 v->queue_id && *v->queue_id ? v->queue_id : "NOQUEUE");
	pthread_mutex_lock(&a->mu);
	if (a->virus_runner != NULL && a->virus_command[0] != 0) {
		const struct runner_var vars[] = {
			{"CLAMSHIM_EVENT", "virus"}, {"CLAMSHIM_VIRUS", v->virus},
			{"CLAMSHIM_ACTION", v->action}, {"CLAMSHIM_QUEUE_ID", v->queue_id},
			{"CLAMSHIM_SENDER", v->sender}, {"CLAMSHIM_RECIPIENTS", v->recipients},
			{"CLAMSHIM_CLIENT_ADDR", v->client_addr},
			{"CLAMSHIM_CLIENT_NAME", v->client_name},
			{"CLAMSHIM_CLASS", v->class_name}, {"CLAMSHIM_HOST", a->host},
		};

		runner_submit(a->virus_runner, label, a->virus_command, vars,
			      sizeof(vars) / sizeof(vars[0]));
	}
	pthread_mutex_unlock(&a->mu);
}
