# tests/soak.sh -- concurrent load with injected faults; nothing lost, nothing stuck.
#
# Usage: tests/soak.sh [--long SECONDS]   (default SOAK_SECONDS, 60: the CI size)
#
# A private clamd and clamshim (scanners clamd then embedded, max_scans 2,
# spool_dir on a 64 MB tmpfs when mounting works: room for the load, full
# only when a fault fills it). tests/soakload keeps six
# milter connections busy (more than max_scans) with clean, EICAR and
# spilled-to-disk messages, each attempt with a queue id of its own, and two
# clients that give up in the middle of a message (ABORT, or a bare close).
# Meanwhile faults are injected in a cycle: clamd killed and restarted,
# clamd stopped (SIGSTOP past scan_timeout) and continued, clamshim stopped
# and continued, the database replaced and reloaded, a SIGHUP storm, the
# spool file system full (also while clamd is down, so that the embedded
# engine scans with its temp dir full), a corrupt database reloaded.
#
# Invariants checked at the end:
# - every message the client saw decided at end of message has exactly one
#   "QID: verdict=" log line, with the action the client saw; an attempt the
#   client gave up on has at most one; a message given up mid-way has none;
#   no queue id is decided twice;
# - every accepted message carries X-Virus-Status; EICAR is never accepted;
# - the daemon's open files, threads and RSS are back near their level
#   before the load; no spool file is left; no deleted file stays open;
# - no thread is stuck: a clean and an EICAR message are decided within
#   10 s each after the load, and SIGTERM stops the daemon within 15 s;
# - no sanitizer report in the daemon's log.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
SOAKLOAD=${SOAKLOAD:-$top_builddir/tests/soakload}
DUR=${SOAK_SECONDS:-60}
[ "${1:-}" = --long ] && DUR=${2:?--long SECONDS}
t_need "$CLAMSHIM" "$CLAMD" "$MTSEND" "$SOAKLOAD" perl awk
t_setup
MOUNTED=
soak_cleanup() {
	[ -n "${CLAMD_PID:-}" ] && kill -CONT "$CLAMD_PID" 2>/dev/null
	[ -n "${pid:-}" ] && kill -CONT "$pid" 2>/dev/null
	[ -n "$MOUNTED" ] && umount "$T/spool" 2>/dev/null
	t_cleanup
}
trap soak_cleanup EXIT
fails=0
ok() { echo "ok: $*"; }
nok() { echo "not ok: $*"; fails=$((fails + 1)); }
now() { date +%s; }

t_mkdb "$T/db"
mkdir -p "$T/spool"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64m,mode=0700 tmpfs "$T/spool" 2>/dev/null; then
	MOUNTED=1
else
	echo "note: cannot mount a tmpfs on $T/spool (not root, or no permission): the spool-full fault is skipped"
fi
mkdir -p "$T/clamd/tmp"	# a killed clamd leaves its temp files: keep them in $T
echo "TemporaryDirectory $T/clamd/tmp" | t_clamd_conf "$T/clamd"
t_start_clamd "$T/clamd"
cat > "$T/clamshim.conf" <<EOC
socket = "unix:$T/clamshim.sock"
user = ""
pid_file = "$T/clamshim.pid"
log_level = "info"
spool_dir = "$T/spool"
memory_limit = "64K"
max_scans = 2
scanners = {"clamd", "embedded"}
embedded {
  database = "$T/db"
  reload_check = "2s"
}
clamd {
  servers = {"unix:$T/clamd/clamd.sock"}
  connect_timeout = "1s"
  scan_timeout = "3s"
  retry_after = "1s"
}
policy {
  on_unavailable = "tempfail"
  on_error = "tempfail"
}
status {
  file = "$T/metrics.prom"
  interval = "1s"
}
EOC
t_start_daemon "$T/clamshim.conf"
pid=$DAEMON_PID
sock="unix:$T/clamshim.sock"

# the messages: small clean, small EICAR, and both again over memory_limit (spooled to disk)
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar
{ cat "$T/clean.eml"; awk 'BEGIN { for (i = 0; i < 4000; i++) printf "filler line %d of a message that goes to the disk spool\n", i }'; } > "$T/bigclean.eml"
{ sed '/^--b1--$/d' "$T/eicar.eml"
  printf -- '--b1\nContent-Type: text/plain\n\n'
  awk 'BEGIN { for (i = 0; i < 4000; i++) printf "filler line %d of a message that goes to the disk spool\n", i }'
  printf -- '--b1--\n'; } > "$T/bigeicar.eml"

st() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
# warm up: every code path once, so that lazily made things (engine, pools) exist
for f in clean eicar bigclean bigeicar; do
	"$MTSEND" -q "WARM$f" "$sock" "$T/$f.eml" > "$T/warm.out" 2>&1 || nok "warm-up $f: $(cat "$T/warm.out")"
done
sleep 1
fd0=$(fds "$pid") rss0=$(st "$pid" VmRSS) thr0=$(st "$pid" Threads)
echo "before the load: $fd0 fds, VmRSS $rss0 kB, $thr0 threads"

# ---- load ----
"$SOAKLOAD" -c 6 -x 2 -d "$DUR" -t 20000 -l "$T/load.log" "$sock" \
	"$T/clean.eml" "$T/eicar.eml" "$T/bigclean.eml" "$T/bigeicar.eml" > "$T/load.out" 2>&1 &
load=$!
# ---- faults, in a cycle, until the load ends ----
nfault=0
fault() { nfault=$((nfault + 1)); echo "$(now) $*" >> "$T/faults"; }
restart_clamd() {
	t_start_clamd "$T/clamd"
}
i=0
end=$(( $(now) + DUR ))
while [ "$(now)" -lt "$end" ] && kill -0 "$load" 2>/dev/null; do
	case $((i % 8)) in
	0)	fault "clamd killed (SIGKILL), restarted 2 s later"
		kill -KILL "$CLAMD_PID"; wait "$CLAMD_PID" 2>/dev/null
		sleep 2; restart_clamd ;;
	1)	fault "clamd stopped 4 s (scan_timeout 3 s), continued"
		kill -STOP "$CLAMD_PID"; sleep 4; kill -CONT "$CLAMD_PID" ;;
	2)	fault "clamshim stopped 2 s, continued"
		kill -STOP "$pid"; sleep 2; kill -CONT "$pid" ;;
	3)	fault "database replaced (synthetic signatures), SIGHUP"
		sh "$top_srcdir/tests/mkdb.sh" --synthetic 200 --seed "$i" "$T/db" >/dev/null 2>&1
		kill -HUP "$pid" ;;
	4)	fault "SIGHUP storm: 30 in 0.6 s"
		n=0; while [ $n -lt 30 ]; do kill -HUP "$pid"; sleep 0.02; n=$((n + 1)); done ;;
	5)	if [ -n "$MOUNTED" ]; then
			fault "spool file system full for 3 s"
			dd if=/dev/zero of="$T/spool/filler" bs=64k count=1024 2>/dev/null
			sleep 3; rm -f "$T/spool/filler"
		fi ;;
	6)	fault "corrupt database file, SIGHUP (the old engine must stay), restored"
		cp "$T/db/clamshim-test.ndb" "$T/ndb.good"
		printf 'Broken:0:*:zz\n' > "$T/db/clamshim-test.ndb.tmp" && mv "$T/db/clamshim-test.ndb.tmp" "$T/db/clamshim-test.ndb"
		kill -HUP "$pid"; sleep 2
		mv "$T/ndb.good" "$T/db/clamshim-test.ndb"; kill -HUP "$pid" ;;
	7)	if [ -n "$MOUNTED" ]; then	# the embedded engine scans with its temp dir full
			fault "clamd killed and the spool file system full for 3 s, then clamd restarted"
			kill -KILL "$CLAMD_PID"; wait "$CLAMD_PID" 2>/dev/null
			dd if=/dev/zero of="$T/spool/filler" bs=64k count=1024 2>/dev/null
			sleep 3; rm -f "$T/spool/filler"; restart_clamd
		fi ;;
	esac
	i=$((i + 1))
	sleep 1
	kill -0 "$pid" 2>/dev/null || { nok "the daemon died during the soak (after: $(tail -1 "$T/faults"))"; break; }
done
wait "$load"
echo "load: $(cat "$T/load.out")"
kill -0 "$pid" 2>/dev/null || nok "the daemon is not running after the load"
kill -CONT "$CLAMD_PID" 2>/dev/null
t_clamd_ping "$T/clamd/clamd.sock" || restart_clamd
# every scanner back up in the status file (the last reload done, clamd seen again)
all_up() { grep -q '^clamshim_scanner_up{' "$T/metrics.prom" && ! grep -q '^clamshim_scanner_up{.*} 0$' "$T/metrics.prom"; }
t_wait_for 120 all_up || nok "not every scanner is up after the faults: $(grep '^clamshim_scanner_up' "$T/metrics.prom")"

# ---- invariants: decisions ----
grep -o '[A-Za-z0-9]*: verdict=[a-z]* action=[a-z]*' "$T/clamshim.log" |
	sed 's/: verdict=/ /; s/ action=/ /' > "$T/decided"	# QID VERDICT ACTION
awk '
	FNR == NR { n[$1]++; act[$1] = $3; next }
	{ q = ""; res = ""; dec = ""; st = ""; file = ""; stage = ""
	  for (i = 1; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == "qid") q = kv[2]; else if (kv[1] == "result") res = kv[2]
		else if (kv[1] == "decision") dec = kv[2]; else if (kv[1] == "file") file = kv[2]
		else if (kv[1] == "stage") stage = kv[2]
	  }
	  st = $0; sub(/.*status="/, "", st); sub(/"$/, "", st)
	  c = n[q] + 0; seen[q] = 1
	  if (res == "decided" && stage == "eom") {
		decided++
		if (c != 1) { printf "not ok: %s (%s) decided by the client, %d log lines\n", q, file, c; bad++ }
		else {
			want = dec == "accept" ? "accept|quarantine" : dec
			if (act[q] !~ "^(" want ")$") { printf "not ok: %s: client saw %s, log says action=%s\n", q, dec, act[q]; bad++ }
		}
		if (dec == "accept" && st == "") { printf "not ok: %s (%s) accepted without X-Virus-Status\n", q, file; bad++ }
		if (dec == "accept") { accepted++; if (st != "") tagged++ }
		if (file ~ /eicar/ && dec == "accept") { printf "not ok: %s: EICAR accepted (%s)\n", q, st; bad++ }
		if (dec == "tempfail") tempfailed++
	  } else if (res == "decided") {
		early++
		if (c != 0) { printf "not ok: %s decided at %s but logged %d times\n", q, stage, c; bad++ }
	  } else if (res == "error") {
		errors++
		if (c > 1) { printf "not ok: %s (given up by the client) logged %d times\n", q, c; bad++ }
	  } else if (res == "aborted") {
		aborted++
		if (c != 0) { printf "not ok: %s (abandoned mid-message) was decided\n", q; bad++ }
	  }
	}
	END {
		for (q in n) {
			if (n[q] > 1) { printf "not ok: %s decided %d times\n", q, n[q]; bad++ }
			if (q ~ /^SOAK/ && !(q in seen)) { printf "not ok: %s decided but never sent\n", q; bad++ }
		}
		printf "decisions: %d decided at end of message (%d accepted, %d of them tagged, %d tempfailed), %d before it, %d given up by the client, %d abandoned mid-message\n", decided, accepted, tagged, tempfailed, early, errors, aborted
		exit bad > 0
	}' "$T/decided" "$T/load.log" > "$T/judge" 2>&1
jrc=$?
head -30 "$T/judge"
[ "$jrc" -eq 0 ] && ok "every decided message logged exactly once, with the action the client saw" ||
	fails=$((fails + $(grep -c '^not ok' "$T/judge")))
decided=$(sed -n 's/.*decided=\([0-9]*\).*/\1/p' "$T/load.out")
[ "${decided:-0}" -ge 50 ] || nok "only ${decided:-0} messages decided in $DUR s: the load did not run"
aborted=$(sed -n 's/.*aborted=\([0-9]*\).*/\1/p' "$T/load.out")
[ "${aborted:-0}" -ge 1 ] || nok "no client gave up mid-message"

# ---- invariants: nothing stuck, resources back ----
t_final() {	# t_final NAME FILE WANT -- decided within 10 s
	"$MTSEND" -t 10000 -q "FINAL$1" "$sock" "$2" > "$T/final.$1" 2>&1 &&
		grep -q "^decision=$3" "$T/final.$1" && ok "final $1 message: $3 ($(head -1 "$T/final.$1" | cut -d' ' -f3))" ||
		nok "final $1 message, wanted $3: $(cat "$T/final.$1")"
}
t_final clean "$T/clean.eml" accept
grep -q '^header: X-Virus-Status: Clean' "$T/final.clean" || nok "final clean message not tagged Clean: $(cat "$T/final.clean")"
t_final eicar "$T/eicar.eml" reject
# back_to_start -- open files and threads back to their level before the load
back_to_start() { [ "$(fds "$pid")" -le $((fd0 + 2)) ] && [ "$(st "$pid" Threads)" -le $((thr0 + 2)) ]; }
t_wait_for 60 back_to_start
fd1=$(fds "$pid") rss1=$(st "$pid" VmRSS) thr1=$(st "$pid" Threads) hwm=$(st "$pid" VmHWM)
echo "after the load: $fd1 fds, VmRSS $rss1 kB (peak $hwm kB), $thr1 threads"
[ "$fd1" -le $((fd0 + 2)) ] && ok "open files back: $fd0 -> $fd1" || { nok "open files $fd0 -> $fd1"; ls -l "/proc/$pid/fd" | tail -n +2 | sed 's/^/    /' | head -40; }
[ "$thr1" -le $((thr0 + 2)) ] && ok "threads back: $thr0 -> $thr1" || nok "threads $thr0 -> $thr1 (a thread stuck?)"
# RSS: malloc keeps some freed memory per thread arena; a leak grows with the
# messages. Under ASan freed memory sits in its quarantine (256 MB) and RSS
# says little: there LeakSanitizer's report at exit is the check.
if grep -q __asan_init "$CLAMSHIM" 2>/dev/null; then
	echo "note: sanitizer build: RSS $rss0 -> $rss1 kB not judged; LeakSanitizer checks at exit"
elif [ "$rss1" -le $((rss0 + 64 * 1024)) ]; then
	ok "RSS back near its start: $rss0 -> $rss1 kB (bound +64 MB)"
else
	nok "RSS $rss0 -> $rss1 kB, over +64 MB"
fi
left=$( (ls -A "$T/spool" | grep -v -e '^lost+found$' -e '^clamshim-emb\.'; find "$T/spool"/clamshim-emb.* -mindepth 1 2>/dev/null) | wc -l)	# the engine's temp dir stays, empty
[ "$left" -eq 0 ] && ok "no spool file left" || nok "$left files left in the spool: $(ls -A "$T/spool" | head -5)"
open=$(ls -l "/proc/$pid/fd" | grep -c '(deleted)')
[ "$open" -eq 0 ] || nok "$open deleted files still open in the daemon"
grep -q 'cannot spool message' "$T/clamshim.log" && echo "note: spool-full fault hit $(grep -c 'cannot spool message' "$T/clamshim.log") messages (on_error tempfail)"
t0=$(now)
kill -TERM "$pid"
t_wait_for 60 t_gone "$pid" && ok "stopped on SIGTERM in $(( $(now) - t0 )) s" || nok "did not stop within 60 s of SIGTERM"
if grep -qE 'Sanitizer|runtime error:' "$T/clamshim.log"; then
	nok "sanitizer report in the daemon log"; grep -E -A30 'Sanitizer|runtime error:' "$T/clamshim.log" | head -80
fi
echo "faults injected: $nfault"; sed 's/^[0-9]* /  /' "$T/faults" | sort | uniq -c
echo "soak: $(sed -n 's/.*attempts=\([0-9]*\).*/\1/p' "$T/load.out") messages sent in $DUR s with $nfault faults injected, $fails problems"
[ "$fails" -eq 0 ] || { echo "---- daemon log (tail)"; tail -30 "$T/clamshim.log"; exit 1; }
exit 0
