# tests/lib.sh -- shell helpers for clamshim's system tests (sourced).
#
# t_setup makes a private temp dir $T and arranges that every process a
# test started with t_bg is stopped (by its PID) when the test ends.
# A missing tool fails loudly; a deliberate skip is t_skip (exit 77).

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${CLAMSHIM:=$top_builddir/clamshim}"
: "${MILTERTEST:=$(command -v miltertest)}"
: "${CLAMD:=$(command -v clamd || echo /usr/sbin/clamd)}"
: "${SIGTOOL:=$(command -v sigtool)}"
TESTFILES=${TESTFILES:-/usr/share/clamav-testfiles}
T_PIDS=

t_fail() { echo "FAIL: $*" >&2; exit 1; }
t_skip() { echo "SKIP: $*" >&2; exit 77; }
t_need() { for x in "$@"; do [ -n "$x" ] && [ -e "$x" ] || command -v "$x" >/dev/null 2>&1 || t_fail "needs $x, which is missing"; done; }

t_cleanup() {
	for p in $T_PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $T_PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -n "${T:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$T"
}

t_setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/clamshim-test.XXXXXX") || t_fail "mktemp"
	chmod 755 "$T"
	trap t_cleanup EXIT
	trap 'exit 1' INT TERM
}

# t_bg CMD... -- start in the background, remember the PID in $!
t_bg() { "$@" & T_PIDS="$T_PIDS $!"; }

# t_free_port -- a loopback TCP port nobody listens on
t_free_port() {
	while :; do
		p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
}

# t_wait_for SECONDS CMD... -- poll until CMD succeeds
t_wait_for() {
	n=$(( $1 * 10 )); shift
	while [ "$n" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}

# t_mkdb DIR -- the tiny test database (EICAR .ndb + clam.exe .hdb)
t_mkdb() { sh "$top_srcdir/tests/mkdb.sh" "$@" || t_fail "mkdb $*"; }

# t_conf FILE [extra lines on stdin] -- a config for a private daemon under $T
t_conf() {
	cat > "$1" <<EOC
socket = "unix:$T/clamshim.sock"
user = ""
pid_file = "$T/clamshim.pid"
log_level = "debug"
spool_dir = "$T"
embedded {
  database = "$T/db"
  reload_check = "1s"
}
status {
  file = "$T/metrics.prom"
  interval = "1s"
}
EOC
	cat >> "$1"
}

# t_start_daemon CONF -- run clamshim -f in the background, wait for its first load
t_start_daemon() {
	t_bg "$CLAMSHIM" -f -c "$1" 2>>"$T/clamshim.log"
	DAEMON_PID=$!
	t_wait_for 60 grep -q "first signature load finished" "$T/clamshim.log" ||
		{ cat "$T/clamshim.log" >&2; t_fail "daemon did not finish its first load"; }
}
