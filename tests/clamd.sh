# tests/clamd.sh -- the clamd backend through the real daemon (issue 3):
# a real clamd over unix and tcp, two clamds with one killed, the only clamd
# killed and restarted, a hung clamd (SIGSTOP), chains in both orders, and
# the incident's unavailable decisions with the accept policy.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
t_need "$CLAMSHIM" "$CLAMD" "$MTSEND" perl "$TESTFILES/clam.zip"
t_setup
t_mkdb "$T/db"
fails=0
expect() {	# expect WHAT PATTERN FILE
	if grep -Eq -- "$2" "$3"; then ok "$1"; else notok "$1: $(cat "$3")"; fi
}
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar
{
	printf 'From: <a@example.com>\nTo: <b@example.net>\nSubject: zip\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: application/zip; name="clam.zip"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 "$TESTFILES/clam.zip"
	printf -- '--b1--\n'
} > "$T/zip.eml"
send() { "$MTSEND" -t 120000 "unix:$T/clamshim.sock" "$@"; }

# two clamds: A on a unix socket, B on a loopback TCP port too
t_clamd_conf "$T/ca" </dev/null
t_clamd_conf "$T/cb" </dev/null
t_start_clamd "$T/ca"; pid_a=$CLAMD_PID
t_start_clamd_tcp "$T/cb"; pid_b=$CLAMD_PID port=$CLAMD_PORT

# 1. clamd over unix, then over tcp: EICAR and clam.zip rejected, clean tagged
for spec in "unix:$T/ca/clamd.sock" "tcp:127.0.0.1:$port"; do
	t_conf "$T/c.conf" <<EOC
scanners = {"clamd"}
clamd {
  servers = {"$spec"}
  scan_timeout = "60s"
}
EOC
	t_start_daemon "$T/c.conf"
	send "$T/eicar.eml" > "$T/out"
	expect "$spec: EICAR rejected" '^decision=reject .*reply="550 5.7.1 Virus found: Eicar-Test-Signature' "$T/out"
	send "$T/zip.eml" > "$T/out"
	expect "$spec: clam.zip rejected" '^decision=reject .*reply="550 5.7.1 Virus found: clam.exe' "$T/out"
	send "$T/clean.eml" > "$T/out"
	expect "$spec: clean accepted" '^decision=(accept|continue)' "$T/out"
	expect "$spec: Clean header" '^header: X-Virus-Status: Clean$' "$T/out"
	expect "$spec: X-Virus-Scanned names clamd's engine" '^header: X-Virus-Scanned: clamshim [^ ]+ \(ClamAV [0-9.]+/[0-9]+\) on ' "$T/out"
	grep -q 'verdict=clean action=accept scanner=clamd' "$T/clamshim.log" &&
		ok "$spec: log names scanner=clamd" || notok "$spec: log: $(tail -3 "$T/clamshim.log")"
	t_stop_pid "$DAEMON_PID"; : > "$T/clamshim.log"
done

# 2. both clamds in the pool, A killed with SIGKILL mid-run: no tempfails
t_conf "$T/c.conf" <<EOC
scanners = {"clamd"}
clamd {
  servers = {"unix:$T/ca/clamd.sock", "tcp:127.0.0.1:$port"}
  scan_timeout = "60s"
  connect_timeout = "30s"
  retry_after = "60s"
}
EOC
t_start_daemon "$T/c.conf"
send -n 10 "$T/clean.eml" > "$T/out1" &
sp=$!
t_wait_for 60 grep -q '^decision=' "$T/out1"	# mid-run: the first of the ten is decided
kill -9 "$pid_a"
wait "$sp"
send -n 10 "$T/eicar.eml" > "$T/out2"
send -n 10 "$T/clean.eml" >> "$T/out1"
n_ok=$(grep -Ec '^decision=(accept|continue)' "$T/out1")
n_rej=$(grep -c '^decision=reject .*Virus found' "$T/out2")
n_tf=$(cat "$T/out1" "$T/out2" | grep -c '^decision=tempfail')
[ "$n_ok" -eq 20 ] && [ "$n_rej" -eq 10 ] && [ "$n_tf" -eq 0 ] &&
	ok "one of two clamds killed: 20 clean accepted, 10 EICAR rejected, 0 tempfails" ||
	notok "one of two clamds killed: $n_ok/20 accepted, $n_rej/10 rejected, $n_tf tempfails"
t_stop_pid "$DAEMON_PID"; : > "$T/clamshim.log"

# 3. only clamd (B) killed: decided at once (no timeout taken); restarted: back within retry_after
t_conf "$T/c.conf" <<EOC
scanners = {"clamd"}
clamd {
  servers = {"tcp:127.0.0.1:$port"}
  scan_timeout = "120s"
  connect_timeout = "60s"
  retry_after = "3s"
}
EOC
t_start_daemon "$T/c.conf"
send "$T/clean.eml" > "$T/out"; expect "clamd up: clean accepted" '^decision=(accept|continue)' "$T/out"
kill -9 "$pid_b"; wait "$pid_b" 2>/dev/null
t0=$(t_now)
send -n 5 "$T/clean.eml" > "$T/out"
el=$(t_elapsed "$t0" "$(t_now)")
n_tf=$(grep -c '^decision=tempfail .*451 4.7.1' "$T/out")
[ "$n_tf" -eq 5 ] && awk -v e="$el" 'BEGIN { exit !(e < 10) }' &&
	ok "only clamd killed: 5 messages tempfailed in $el s (timeouts are 60/120 s)" ||
	notok "only clamd killed: $n_tf/5 tempfails in $el s: $(cat "$T/out")"
echo "measured: clamd refused, per-message decision times: $(sed -n 's/.* time=\([0-9.]*\).*/\1/p' "$T/out" | tr '\n' ' ')"
t_start_clamd "$T/cb"; pid_b=$CLAMD_PID
# a restart must come back on its address: say so when another process took the port meanwhile
t_listens "$port" "$pid_b" || t_fail "restarted clamd could not bind 127.0.0.1:$port again (taken meanwhile)"
t0=$(t_now); back=no
while awk -v e="$(t_elapsed "$t0" "$(t_now)")" 'BEGIN { exit !(e < 60) }'; do	# bound; the time is printed
	send "$T/eicar.eml" > "$T/out"
	grep -q '^decision=reject' "$T/out" && { back=yes; break; }
	sleep 0.2
done
[ $back = yes ] && ok "clamd restarted: scanning again after $(t_elapsed "$t0" "$(t_now)") s (retry_after 3 s), no clamshim restart" ||
	notok "clamd restarted: still not scanning: $(cat "$T/out")"
t_stop_pid "$DAEMON_PID"; : > "$T/clamshim.log"

# 4. clamd hangs (SIGSTOP): the first message waits scan_timeout, the next ones not
t_conf "$T/c.conf" <<EOC
scanners = {"clamd"}
clamd {
  servers = {"tcp:127.0.0.1:$port"}
  scan_timeout = "2s"
  connect_timeout = "2s"
  retry_after = "60s"
}
EOC
t_start_daemon "$T/c.conf"
send "$T/clean.eml" > "$T/out"; expect "before the hang: clean accepted" '^decision=(accept|continue)' "$T/out"
kill -STOP "$pid_b"
send "$T/clean.eml" > "$T/first"
send -n 5 "$T/clean.eml" > "$T/next"
t_first=$(sed -n 's/.* time=\([0-9.]*\).*/\1/p' "$T/first")
t_next=$(sed -n 's/.* time=\([0-9.]*\).*/\1/p' "$T/next" | sort -n | tail -1)
awk -v f="$t_first" -v n="$t_next" 'BEGIN { exit !(f >= 1.5 && n < 1.0) }' &&
	ok "hung clamd: first message waited $t_first s (scan_timeout 2 s), the next 5 at most $t_next s" ||
	notok "hung clamd: first $t_first s, next max $t_next s"
expect "hung clamd: tempfail for the first" '^decision=tempfail' "$T/first"
echo "measured: clamd hung: first message $t_first s, following max $t_next s"
kill -CONT "$pid_b"
t_wait_for 60 sh -c "'$MTSEND' 'unix:$T/clamshim.sock' '$T/eicar.eml' | grep -q '^decision=reject'" &&
	ok "SIGCONT: scanning again" || notok "SIGCONT: no recovery within 60 s"
t_stop_pid "$DAEMON_PID"; : > "$T/clamshim.log"

# 5. chains: clamd first (down) then embedded decides; embedded first (no signatures) then clamd
t_conf "$T/c.conf" <<EOC
scanners = {"clamd", "embedded"}
clamd {
  servers = {"unix:$T/nonexistent.sock"}
}
EOC
t_start_daemon "$T/c.conf"
send "$T/eicar.eml" > "$T/out"
expect "{clamd, embedded} with clamd down: EICAR rejected" '^decision=reject' "$T/out"
grep -q 'verdict=infected action=reject scanner=embedded' "$T/clamshim.log" &&
	ok "the log names the embedded scanner" || notok "log: $(grep verdict= "$T/clamshim.log")"
t_stop_pid "$DAEMON_PID"; : > "$T/clamshim.log"
mkdir -p "$T/emptydb"
t_conf "$T/c.conf" <<EOC
scanners = {"embedded", "clamd"}
clamd {
  servers = {"tcp:127.0.0.1:$port"}
}
EOC
sed -i "s|database = \"$T/db\"|database = \"$T/emptydb\"|" "$T/c.conf"
t_start_daemon "$T/c.conf"
send "$T/eicar.eml" > "$T/out"
expect "{embedded, clamd} with no embedded signatures: EICAR rejected" '^decision=reject' "$T/out"
grep -q 'verdict=infected action=reject scanner=clamd' "$T/clamshim.log" &&
	ok "the log names the clamd scanner" || notok "log: $(grep verdict= "$T/clamshim.log")"
t_stop_pid "$DAEMON_PID"; : > "$T/clamshim.log"

# 6. no clamd at all, on_unavailable = accept: delivered, tagged Unscanned
t_conf "$T/c.conf" <<EOC
scanners = {"clamd"}
clamd {
  servers = {"unix:$T/nonexistent.sock"}
}
policy {
  on_unavailable = "accept"
}
EOC
t_start_daemon "$T/c.conf"
send "$T/eicar.eml" > "$T/out"
expect "clamd missing, on_unavailable accept: accepted" '^decision=(accept|continue)' "$T/out"
expect "and tagged Unscanned" '^header: X-Virus-Status: Unscanned \(.+\)$' "$T/out"

echo "$fails failed"
[ "$fails" -eq 0 ]
