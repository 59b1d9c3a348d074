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
# ok, notok -- one line per check of a system test; notok counts into $fails
fails=0
ok() { echo "ok: $*"; }
notok() { echo "not ok: $*"; fails=$((fails + 1)); }
t_skip() { echo "SKIP: $*" >&2; exit 77; }
t_need() { for x in "$@"; do [ -n "$x" ] && [ -e "$x" ] || command -v "$x" >/dev/null 2>&1 || t_fail "needs $x, which is missing"; done; }

# t_cleanup -- stop what t_bg started (TERM, CONT for a stopped one; KILL only
# after 20 s, so that a sanitizer build can write its report), remove $T
t_cleanup() {
	for p in $T_PIDS; do kill "$p" 2>/dev/null && kill -CONT "$p" 2>/dev/null; done
	for p in $T_PIDS; do t_wait_for 20 t_gone "$p" || kill -9 "$p" 2>/dev/null; done
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

# t_free_port -- a loopback TCP port nobody listens on now; start a listener on it with
# t_on_free_port, which takes another when a test beside this one binds it first
t_free_port() {
	while :; do
		p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
}

# t_wait_for SECONDS CMD... -- poll until CMD succeeds; 1 when it never did
# CMD runs again on every poll: pass a command or a shell function, never a
# condition with a $(...) in it (that is expanded once, before the first poll).
# SECONDS is a bound for a loaded machine, not a timing claim: make it large.
t_wait_for() {
	_t_n=$(( $1 * 10 )); shift
	while [ "$_t_n" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; _t_n=$((_t_n - 1)); done
	return 1
}

# t_gone PID -- 0 when no process PID runs any more (a t_wait_for condition)
t_gone() { ! kill -0 "$1" 2>/dev/null; }

# t_listening PORT -- 0 when something listens on loopback TCP PORT
t_listening() { ss -Htln "sport = :$1" | grep -q .; }

# t_listens PORT PID -- 0 when process PID itself listens on loopback TCP PORT
t_listens() { ss -Htlnp "sport = :$1" | grep -q "pid=$2,"; }

# t_listens_or_gone PORT PID -- 0 once PID listens on PORT or has exited (a t_wait_for condition)
t_listens_or_gone() { t_listens "$1" "$2" || t_gone "$2"; }

# t_listener_up PORT PID -- wait until PID listens on PORT: 0; 1 (PID stopped) when it does
# not (it exited, e.g. on a failed bind, or did not listen within 60 s)
t_listener_up() {
	t_wait_for 60 t_listens_or_gone "$1" "$2" && t_listens "$1" "$2" && return 0
	t_stop_pid "$2"
	return 1
}

# t_on_free_port WHAT CMD... -- start a listener on a free loopback port, and again on
# another when the port was taken: t_free_port only checks that a port is free, and a
# test running beside this one may bind it first. Before each of up to 10 tries T_PORT
# is a new free port; CMD starts the listener on $T_PORT and returns 0 once it listens
# there, 1 when it could not bind (having stopped what it started: the next try), any
# other status for another failure (given back at once). The caller reads T_PORT after.
t_on_free_port() {
	_t_what=$1; shift
	for _t_try in 1 2 3 4 5 6 7 8 9 10; do
		T_PORT=$(t_free_port)
		"$@"
		_t_st=$?
		[ "$_t_st" -eq 1 ] || return "$_t_st"
		echo "note: $_t_what did not listen on 127.0.0.1:$T_PORT (taken first?): another port" >&2
	done
	return 1
}

# t_start_sink DIR -- smtp-sink on a free loopback port (t_on_free_port), each message a
# file DIR/m.*; sets SINK_PORT
t_start_sink() {
	mkdir -p "$1" && chown nobody "$1" || t_fail "cannot make $1 for smtp-sink"
	t_on_free_port smtp-sink _t_sink_try "$1" || t_fail "smtp-sink does not listen"
	SINK_PORT=$T_PORT
}
# _t_sink_try DIR -- one start of smtp-sink on $T_PORT (a t_on_free_port CMD)
_t_sink_try() {
	t_bg smtp-sink -u nobody -d "$1/m." "127.0.0.1:$T_PORT" 100
	t_listener_up "$T_PORT" "$!"
}

# t_hold_burst PORT -- an outage's mail through the MTA on 127.0.0.1:PORT: messages 1 to
# $NCLEAN clean (the test's own send OUT N WHAT ARGS...), $NCLEAN+1 to $NHELD EICAR
# ($T/eicar.eml, Subject "eicar N", two recipients each); n250 = how many the test's
# answered OUT says got 250
t_hold_burst() {
	n250=0
	_t_i=1
	while [ $_t_i -le "$NCLEAN" ]; do
		send "$T/clean$_t_i.out" $_t_i clean --body "Clean message $_t_i."
		answered "$T/clean$_t_i.out" && n250=$((n250 + 1))
		_t_i=$((_t_i + 1))
	done
	while [ $_t_i -le "$NHELD" ]; do
		perl -pe "s/^Subject: eicar\$/Subject: eicar $_t_i/" "$T/eicar.eml" > "$T/eicar$_t_i.eml"
		swaks --server "127.0.0.1:$1" --helo client.clamshim.test --from "s$_t_i@clamshim.test" \
			--to "r$_t_i-a@example.test,r$_t_i-b@example.test" --timeout 120 \
			--data "$T/eicar$_t_i.eml" > "$T/eicar$_t_i.out" 2>&1
		answered "$T/eicar$_t_i.out" && n250=$((n250 + 1))
		_t_i=$((_t_i + 1))
	done
}

# t_rc_is RC CMD... -- 0 when CMD exits with RC (a t_wait_for condition)
t_rc_is() { _t_rc=$1; shift; "$@"; [ $? -eq "$_t_rc" ]; }

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

# ---- monitoring tests (issue 4): a private clamd, a milter client, the check ----
: "${MTSEND:=$top_builddir/tests/mtsend}"
: "${CHECK_CLAMSHIM:=$top_builddir/check_clamshim}"

# t_clamd_conf DIR [extra lines on stdin] -- DIR/clamd.conf: socket DIR/clamd.sock, database $T/db,
# AlertExceedsMax yes (clamshim trusts clamd's OK only then). clamd takes the
# first setting of an option, so the extra lines go first: they win.
t_clamd_conf() {
	mkdir -p "$1" || t_fail "mkdir $1"
	cat > "$1/clamd.conf" || t_fail "write $1/clamd.conf"
	cat >> "$1/clamd.conf" <<EOC
Foreground yes
LocalSocket $1/clamd.sock
DatabaseDirectory $T/db
PidFile $1/clamd.pid
LogFile $1/clamd.log
LogTime yes
MaxThreads 4
SelfCheck 3600
AlertExceedsMax yes
EOC
}

# t_clamd_ping SOCKET -- 0 when the clamd on the unix SOCKET answers PONG
t_clamd_ping() {
	perl -MIO::Socket::UNIX -e '
		alarm 2;
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
		print $s "zPING\0";
		my $r = ""; sysread($s, $r, 64);
		exit($r =~ /^PONG/ ? 0 : 1);' "$1"
}

# _t_clamd_run DIR -- clamd -c DIR/clamd.conf in the background ($CLAMD_PID): 0 once it
# answers PING, 1 when it exits first or does not answer within 60 s
_t_clamd_run() {
	t_bg "$CLAMD" -c "$1/clamd.conf" >>"$1/clamd.out" 2>&1
	CLAMD_PID=$!
	t_wait_for 60 _t_clamd_up_or_gone "$1" "$CLAMD_PID" && t_clamd_ping "$1/clamd.sock"
}
# _t_clamd_up_or_gone DIR PID -- the clamd of DIR answers PING, or PID has exited
_t_clamd_up_or_gone() { t_clamd_ping "$1/clamd.sock" || t_gone "$2"; }

# t_start_clamd DIR -- clamd -c DIR/clamd.conf in the background ($CLAMD_PID); wait for PONG
t_start_clamd() {
	_t_clamd_run "$1" || { cat "$1/clamd.out" >&2; t_fail "clamd did not answer PING within 60 s"; }
}

# t_start_clamd_tcp DIR -- t_start_clamd, clamd listening on a free loopback TCP port
# too (t_on_free_port; the TCPSocket of DIR/clamd.conf is replaced): sets CLAMD_PORT.
# A later t_start_clamd DIR (a restart) keeps that port.
t_start_clamd_tcp() {
	t_on_free_port "clamd (TCPSocket)" _t_clamd_tcp_try "$1" ||
		{ cat "$1/clamd.out" >&2; t_fail "clamd did not start listening on a loopback TCP port"; }
	CLAMD_PORT=$T_PORT
}
# _t_clamd_tcp_try DIR -- one start of clamd with TCPSocket $T_PORT (a t_on_free_port CMD):
# when the bind fails clamd goes on without that socket, so it is stopped then
_t_clamd_tcp_try() {
	sed -i '/^TCPSocket /d; /^TCPAddr /d' "$1/clamd.conf" &&
		printf 'TCPSocket %s\nTCPAddr 127.0.0.1\n' "$T_PORT" >> "$1/clamd.conf" || return 2
	_t_clamd_run "$1" || return 2
	t_listens "$T_PORT" "$CLAMD_PID" && return 0
	t_stop_pid "$CLAMD_PID"
	return 1
}

# t_stop_pid PID -- stop a process this test started and wait for it
t_stop_pid() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; :; }

# t_now -- wall clock seconds with fractions
t_now() { date +%s.%N; }

# t_elapsed FROM TO -- TO - FROM in seconds, two decimals
t_elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# t_msg FILE [eicar] -- a small clean message, or one with EICAR in a base64 attachment
t_msg() {
	if [ "${2:-}" = eicar ]; then
		# EICAR, reversed here so that this file is no test virus itself
		b=$(perl -MMIME::Base64 -e 'print encode_base64(scalar reverse($ARGV[0]), "")' \
			'*H+H$!ELIF-TSET-SURIVITNA-DRADNATS-RACIE$}7)CC7)^P(45XZP\4[PA@%P!O5X')
		printf 'From: <a@example.com>\nTo: <b@example.net>\nSubject: eicar\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nsee attachment\n\n--b1\nContent-Type: application/octet-stream; name="eicar.com"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="eicar.com"\n\n%s\n--b1--\n' "$b" > "$1"
	else
		printf 'From: <a@example.com>\nTo: <b@example.net>\nSubject: hello\n\nJust a clean message.\n' > "$1"
	fi
}

# ---- clamshim run as the service, for the MTA end-to-end tests ----
# t_svc_start DB [config lines on stdin] -- (re)start clamshim as its systemd unit
# runs it: user $SVC_USER, group $SVC_GROUP, socket $SOCK, its files in $T/run
t_svc_start() {
	t_svc_stop
	: > "$T/clamshim.log"
	cat > "$T/clamshim.conf" <<EOF
socket = "unix:$SOCK"
user = "$SVC_USER"
pid_file = "$T/run/clamshim.pid"
log_level = "debug"
spool_dir = "$T/run"
embedded {
  database = "$1"
  reload_check = "1s"
}
status {
  file = "$T/run/metrics.prom"
  interval = "1s"
}
EOF
	cat >> "$T/clamshim.conf"
	t_bg setpriv --reuid="$SVC_USER" --regid="$SVC_GROUP" --init-groups \
		"$CLAMSHIM" -f -c "$T/clamshim.conf" 2>>"$T/clamshim.log"
	DAEMON_PID=$!
	t_wait_for 60 grep -q "first signature load finished" "$T/clamshim.log" ||
		{ cat "$T/clamshim.log" >&2; t_fail "daemon did not finish its first load"; }
}
# t_svc_stop -- stop the clamshim t_svc_start started, by its PID
t_svc_stop() {
	[ -n "${DAEMON_PID:-}" ] || return 0
	kill "$DAEMON_PID" 2>/dev/null
	t_wait_for 60 t_gone "$DAEMON_PID" || kill -9 "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}
