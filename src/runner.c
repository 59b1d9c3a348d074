/*
 * NAME
 *	runner 3 - run a shell command in the background, with a time limit
 * DESCRIPTION
 *	One thread per runner, with a queue of RUNNER_QUEUE_MAX jobs. It
 *	runs each command as "SHELL -c COMMAND" with posix_spawn() (no copy
 *	of the daemon's memory, which a fork of a process holding a large
 *	engine would need under strict overcommit) in its own process group
 *	with stdin from /dev/null, stdout and stderr to the daemon's stderr,
 *	no inherited descriptors, every signal unblocked and at its default,
 *	and the job's values in the environment only (the daemon's own
 *	variables that start with the strip prefix are left out). Commands
 *	run one after the other, in the order they were submitted, so that a
 *	later one never overtakes an earlier one; but one still running after
 *	RUNNER_SERIAL_MS no longer holds the next back (up to
 *	RUNNER_KIDS_DEFAULT run at once). A runner with max_running has no
 *	order to keep: a job starts as soon as the thread takes it, and
 *	runner_submit() drops (logs and counts) a job when max_running are
 *	queued, starting or running. Each value is cut at RUNNER_VALUE_MAX
 *	bytes. A command still running after its time limit gets
 *	SIGTERM to its process group, one second later SIGKILL, and is
 *	reaped.
 * DIAGNOSTICS
 *	A command that fails, or is killed, is logged as a warning; a full
 *	queue drops the oldest job with an error, max_running reached drops
 *	the new one with a warning, and so does a command that
 *	cannot be started (posix_spawn failed: no memory, no processes left,
 *	no shell); both are counted (runner_dropped).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "runner.h"
#include "util.h"

extern char **environ;

#define RUNNER_QUEUE_MAX	32	/* commands waiting to run */
#define RUNNER_KIDS_DEFAULT	8	/* commands running at once without max_running */
#define RUNNER_KILL_GRACE_MS	1000	/* SIGTERM to SIGKILL */
#define RUNNER_POLL_MS		50	/* the thread looks at its children this often */
#define RUNNER_SERIAL_MS	1000	/* a command running longer no longer holds back the next */
#define RUNNER_LABEL_MAX	64

/* One command to run. */
struct runner_job {
	char	label[RUNNER_LABEL_MAX];
	char   *command;
	char  **vars;			/* "NAME=value", NULL-terminated */
};

/* One running command. */
struct runner_kid {
	pid_t	pid;
	char	label[RUNNER_LABEL_MAX];
	int64_t	started_ms;
	int64_t	deadline_ms;
	int	termed;
};

struct runner {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int	stop;
	char	name[32];
	char	strip[32];
	char	shell[256];
	int64_t	timeout_ms;
	size_t	max_running;		/* 0: queue in order, RUNNER_KIDS_DEFAULT at once */
	struct runner_job queue[RUNNER_QUEUE_MAX];
	size_t	qhead, qlen;
	size_t	starting;		/* taken from the queue, not yet a kid (runner_running) */
	struct runner_kid kids[RUNNER_KIDS_MAX];
	size_t	nkids;
	unsigned long dropped;
};

/* runner_apply - shell and time limit from settings (lock held or not yet shared) */
static void
runner_apply(struct runner *r, const struct runner_settings *set)
{
	snprintf(r->shell, sizeof(r->shell), "%s", set && set->shell ? set->shell : RUNNER_SHELL);
	r->timeout_ms = set && set->timeout_ms > 0 ? set->timeout_ms : RUNNER_TIMEOUT_MS;
	r->max_running = set && set->max_running > 0 ?
	    (set->max_running < RUNNER_KIDS_MAX ? set->max_running : RUNNER_KIDS_MAX) : 0;
}

/* runner_job_free - free what a job holds */
static void
runner_job_free(struct runner_job *j)
{
	size_t	i;

	for (i = 0; j->vars && j->vars[i]; i++)
		free(j->vars[i]);
	free(j->vars);
	free(j->command);
}

/* runner_var - "NAME=value" with the value made printable ASCII, cut at RUNNER_VALUE_MAX */
static char *
runner_var(const char *name, const char *value)
{
	size_t	vlen = value ? strnlen(value, RUNNER_VALUE_MAX) : 0;
	size_t	len = strlen(name) + vlen + 2;
	char   *e = util_malloc(len), *p;

	snprintf(e, len, "%s=%.*s", name, (int) vlen, value ? value : "");
	for (p = e + strlen(name) + 1; *p; p++)
		if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e)
			*p = '?';
	return e;
}

/* runner_submit - queue a command run (the oldest job goes when full) */
void
runner_submit(struct runner *r, const char *label, const char *command,
	      const struct runner_var *vars, size_t nvars)
{
	struct runner_job job, *j;
	size_t	i;

	if (r == NULL || command == NULL || command[0] == 0)
		return;
	memset(&job, 0, sizeof(job));
	snprintf(job.label, sizeof(job.label), "%s", label ? label : "");
	job.command = util_strdup(command);
	job.vars = util_calloc(nvars + 1, sizeof(*job.vars));
	for (i = 0; i < nvars; i++)
		job.vars[i] = runner_var(vars[i].name, vars[i].value);
	pthread_mutex_lock(&r->mu);
	if (r->max_running > 0 && r->nkids + r->qlen + r->starting >= r->max_running) {
		r->dropped++;
		pthread_mutex_unlock(&r->mu);
		log_warning("%s: %s not run: %zu already running", job.label, r->name,
			    r->max_running);
		runner_job_free(&job);
		return;
	}
	if (r->qlen == RUNNER_QUEUE_MAX) {
		j = &r->queue[r->qhead];
		log_error("%s queue full: dropping the run for %s", r->name, j->label);
		r->dropped++;
		runner_job_free(j);
		r->qhead = (r->qhead + 1) % RUNNER_QUEUE_MAX;
		r->qlen--;
	}
	r->queue[(r->qhead + r->qlen) % RUNNER_QUEUE_MAX] = job;
	r->qlen++;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* runner_env - the daemon's environment without the strip prefix, plus the job's values */
static char **
runner_env(const char *strip, char *const *vars)
{
	size_t	n = 0, i, max = 0, slen = strlen(strip);
	char  **envp;

	for (i = 0; environ && environ[i]; i++)
		max++;
	for (i = 0; vars[i]; i++)
		max++;
	envp = util_calloc(max + 1, sizeof(*envp));
	for (i = 0; environ && environ[i]; i++)
		if (slen == 0 || strncmp(environ[i], strip, slen) != 0)
			envp[n++] = environ[i];
	for (i = 0; vars[i]; i++)
		envp[n++] = vars[i];
	envp[n] = NULL;
	return envp;
}

/*
 * runner_spawn - start "shell -c command" with posix_spawn(): own process
 * group, stdin /dev/null, stdout to stderr, no other descriptor, no signal
 * blocked, every signal at its default (glibc keeps its two internal ones
 * ignored); 0 with *pid, or an errno value
 */
static int
runner_spawn(const char *shell, const char *command, char **envp, pid_t *pid)
{
	char   *argv[] = {"sh", "-c", (char *) command, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int	rc;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	if ((rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, 2, 1)) == 0 &&
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0 &&
	    (rc = posix_spawnattr_setflags(&at, (short) (POSIX_SPAWN_SETPGROUP |
			POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&at, 0)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&at, &none)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&at, &all)) == 0)
		rc = posix_spawn(pid, shell, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* runner_run_job - start one command (runner thread) */
static void
runner_run_job(struct runner *r, const struct runner_job *j)
{
	char	shell[sizeof(r->shell)];
	char  **envp;
	pid_t	pid;
	int64_t	now = util_now_ms(), timeout;
	int	rc;

	pthread_mutex_lock(&r->mu);
	memcpy(shell, r->shell, sizeof(shell));
	timeout = r->timeout_ms;
	pthread_mutex_unlock(&r->mu);
	envp = runner_env(r->strip, j->vars);
	rc = runner_spawn(shell, j->command, envp, &pid);
	free(envp);				/* the strings belong to environ and the job */
	if (rc != 0) {
		pthread_mutex_lock(&r->mu);
		r->dropped++;
		pthread_mutex_unlock(&r->mu);
		errno = rc;
		log_error_errno("%s: cannot start the %s (%s -c): it did not run", j->label,
				r->name, shell);
		return;
	}
	log_info("%s: %s started (pid %ld)", j->label, r->name, (long) pid);
	pthread_mutex_lock(&r->mu);
	r->kids[r->nkids].pid = pid;
	memcpy(r->kids[r->nkids].label, j->label, sizeof(j->label));
	r->kids[r->nkids].started_ms = now;
	r->kids[r->nkids].deadline_ms = now + timeout;
	r->kids[r->nkids].termed = 0;
	r->nkids++;
	pthread_mutex_unlock(&r->mu);
}

/* runner_reaped - log how a reaped command ended; got < 0: it was gone already */
static void
runner_reaped(const struct runner *r, const struct runner_kid *k, pid_t got, int status,
	      int64_t now)
{
	if (got < 0)
		log_warning("%s: %s %ld vanished", k->label, r->name, (long) k->pid);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("%s: %s done in %.1f s", k->label, r->name,
			 (double) (now - k->started_ms) / 1000.0);
	else if (WIFEXITED(status))
		log_warning("%s: %s exited with status %d", k->label, r->name, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warning("%s: %s %s by signal %d", k->label, r->name,
			    k->termed ? "killed after its time limit" : "killed", WTERMSIG(status));
}

/* runner_reap - collect finished commands and kill late ones (runner thread) */
static void
runner_reap(struct runner *r)
{
	int64_t	now = util_now_ms();
	size_t	i = 0;
	int	status;

	pthread_mutex_lock(&r->mu);
	while (i < r->nkids) {
		struct runner_kid *k = &r->kids[i];
		pid_t	got = waitpid(k->pid, &status, WNOHANG);

		if (got == k->pid || (got < 0 && errno == ECHILD)) {
			runner_reaped(r, k, got, status, now);
			r->kids[i] = r->kids[--r->nkids];
			continue;
		}
		if (now >= k->deadline_ms) {
			if (!k->termed) {
				log_warning("%s: %s still running after %lld ms: killing it", k->label,
					    r->name, (long long) (now - k->started_ms));
				kill(-k->pid, SIGTERM);
				k->termed = 1;
				k->deadline_ms = now + RUNNER_KILL_GRACE_MS;
			} else {
				kill(-k->pid, SIGKILL);
				kill(k->pid, SIGKILL);
			}
		}
		i++;
	}
	pthread_mutex_unlock(&r->mu);
}

/*
 * runner_may_start - 1 when a job may start now (lock held): with max_running
 * below it; else below RUNNER_KIDS_DEFAULT and every running command has run
 * RUNNER_SERIAL_MS
 */
static int
runner_may_start(struct runner *r)
{
	int64_t	now = util_now_ms();
	size_t	i;

	if (r->max_running > 0)
		return r->nkids < r->max_running;
	if (r->nkids >= RUNNER_KIDS_DEFAULT)
		return 0;
	for (i = 0; i < r->nkids; i++)
		if (now - r->kids[i].started_ms < RUNNER_SERIAL_MS)
			return 0;
	return 1;
}

/* runner_main - run queued commands, watch and reap them */
static void *
runner_main(void *arg)
{
	struct runner *r = arg;
	struct runner_job job;
	struct timespec ts;

	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		while (r->qlen > 0 && runner_may_start(r)) {
			job = r->queue[r->qhead];
			r->qhead = (r->qhead + 1) % RUNNER_QUEUE_MAX;
			r->qlen--;
			r->starting++;		/* neither queued nor a kid yet: still busy */
			pthread_mutex_unlock(&r->mu);
			runner_run_job(r, &job);
			runner_job_free(&job);
			pthread_mutex_lock(&r->mu);
			r->starting--;
		}
		pthread_mutex_unlock(&r->mu);
		runner_reap(r);
		pthread_mutex_lock(&r->mu);
		if (r->stop)
			break;
		if (r->nkids == 0 && r->qlen == 0) {
			pthread_cond_wait(&r->cv, &r->mu);
			continue;
		}
		ts = util_deadline(RUNNER_POLL_MS);
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* runner_new - a runner and its thread */
struct runner *
runner_new(const struct runner_settings *set)
{
	struct runner *r = util_calloc(1, sizeof(*r));

	snprintf(r->name, sizeof(r->name), "%s", set && set->name ? set->name : "command");
	snprintf(r->strip, sizeof(r->strip), "%s", set && set->strip ? set->strip : "");
	runner_apply(r, set);
	pthread_mutex_init(&r->mu, NULL);
	if (util_cond_init(&r->cv) != 0) {
		pthread_mutex_destroy(&r->mu);
		free(r);
		return NULL;
	}
	if (pthread_create(&r->thread, NULL, runner_main, r) != 0) {
		pthread_cond_destroy(&r->cv);
		pthread_mutex_destroy(&r->mu);
		free(r);
		return NULL;
	}
	return r;
}

/* runner_configure - shell and time limit for later runs */
void
runner_configure(struct runner *r, const struct runner_settings *set)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	runner_apply(r, set);
	pthread_mutex_unlock(&r->mu);
}

/* runner_running - commands queued or running */
unsigned
runner_running(struct runner *r)
{
	unsigned n;

	if (r == NULL)
		return 0;
	pthread_mutex_lock(&r->mu);
	n = (unsigned) (r->nkids + r->qlen + r->starting);
	pthread_mutex_unlock(&r->mu);
	return n;
}

/* runner_dropped - runs that never ran */
unsigned long
runner_dropped(struct runner *r)
{
	unsigned long n;

	if (r == NULL)
		return 0;
	pthread_mutex_lock(&r->mu);
	n = r->dropped;
	pthread_mutex_unlock(&r->mu);
	return n;
}

/* runner_free - stop the thread and free; running commands finish on their own */
void
runner_free(struct runner *r)
{
	size_t	i;

	if (r == NULL)
		return;
	util_wake(&r->mu, &r->cv, &r->stop, 0);
	pthread_join(r->thread, NULL);
	runner_reap(r);
	for (i = 0; i < r->qlen; i++)
		runner_job_free(&r->queue[(r->qhead + i) % RUNNER_QUEUE_MAX]);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
