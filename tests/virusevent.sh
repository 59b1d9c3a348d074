# tests/virusevent.sh -- the virus event, the addresses in the log line, headers.hostname.
#
# The real daemon (embedded engine, the tiny test database) under mtsend.
# 1. alert.virus_command runs for an EICAR message with the documented
#    environment: every CLAMSHIM_* value checked, a hostile sender's shell
#    syntax never runs; headers.hostname is the HOST of X-Virus-Scanned and
#    CLAMSHIM_HOST; an invalid headers.hostname is an error with its line.
# 2. A burst of 100 EICARs with a virus_command that sleeps 30 s and
#    virus_max_running = 4: every decision arrives promptly (the measured
#    time is printed; the bound is many times larger), exactly 4 commands
#    ran and clamshim_alerts_dropped_total is 96. The sleeping commands
#    write their PID to a file; the test stops them by those PIDs.
# 3. log_addresses: the default (infected) puts from= and to= on the
#    infected line only, all on both lines, none on neither; with
#    on_infected = "tag" the command still runs (CLAMSHIM_ACTION=accept).
# No daemon log may hold a sanitizer report (a --enable-sanitizers build).
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
t_need "$CLAMSHIM" "$MTSEND"
t_setup
t_mkdb --eicar-only "$T/db"
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar
sock="unix:$T/clamshim.sock"
fails=0
BURST_PIDS=
# stop_burst -- stop the sleeping commands of part 2, by the PIDs they wrote
stop_burst() {
	[ -f "$T/burst.pids" ] || return 0
	for p in $(cat "$T/burst.pids"); do kill "$p" 2>/dev/null; done
}
trap 'stop_burst; t_cleanup' EXIT
# lines_are FILE N -- 0 when FILE has N lines (a t_wait_for condition)
lines_are() { [ -f "$1" ] && [ "$(wc -l < "$1")" -eq "$2" ]; }
# dropped_is N -- 0 when the status file says N alert command runs were dropped
dropped_is() { grep -q "^clamshim_alerts_dropped_total $1\$" "$T/metrics.prom"; }
# stop_daemon -- stop the daemon started last; it is then no longer one for t_cleanup
stop_daemon() {
	[ -n "${DAEMON_PID:-}" ] || return 0
	t_stop_pid "$DAEMON_PID"
	T_PIDS=$(echo " $T_PIDS " | sed "s/ $DAEMON_PID / /")
	DAEMON_PID=
}
# start CONF_LINES... -- (re)start the daemon with these extra config lines
start() {
	stop_daemon
	[ -f "$T/clamshim.log" ] && cat "$T/clamshim.log" >> "$T/earlier.log"
	: > "$T/clamshim.log"
	printf '%s\n' "$@" | t_conf "$T/c.conf"
	t_start_daemon "$T/c.conf"
}
# logline QID -- the decision line of queue id QID
logline() { grep "$1: verdict=" "$T/clamshim.log"; }

# ---- 1. the environment; headers.hostname ----
cat > "$T/virus.sh" <<EOS
#!/bin/sh
env | grep '^CLAMSHIM_' | sort > "$T/tmp.\$\$" && mv "$T/tmp.\$\$" "$T/ev.\$\$"
EOS
start 'alert { virus_command = "sh '"$T"'/virus.sh" }' 'headers { hostname = "mx1.example.test" }'
sender='bad$(touch '"$T"'/pwned)`id`@example.org'
"$MTSEND" -q QENV1 -f "<$sender>" -r "<a@example.net>" -r "<b@example.net>" \
	-C mail.example.com -A 127.0.0.2 "$sock" "$T/eicar.eml" > "$T/out" || t_fail "mtsend"
grep -q '^decision=reject' "$T/out" && ok "EICAR rejected" || notok "EICAR: $(cat "$T/out")"
t_wait_for 60 sh -c "ls '$T'/ev.[0-9]* >/dev/null 2>&1" || notok "virus_command did not run"
ev=$(ls "$T"/ev.[0-9]* 2>/dev/null | head -1)
cat > "$T/expect" <<EOE
CLAMSHIM_ACTION=reject
CLAMSHIM_CLASS=
CLAMSHIM_CLIENT_ADDR=127.0.0.2
CLAMSHIM_CLIENT_NAME=mail.example.com
CLAMSHIM_EVENT=virus
CLAMSHIM_HOST=mx1.example.test
CLAMSHIM_QUEUE_ID=QENV1
CLAMSHIM_RECIPIENTS=a@example.net b@example.net
CLAMSHIM_SENDER=$sender
CLAMSHIM_VIRUS=Eicar-Test-Signature.UNOFFICIAL
EOE
[ -n "$ev" ] && diff "$T/expect" "$ev" > "$T/diff" && ok "virus_command got every documented value" ||
	notok "virus_command environment: $(cat "$T/diff" 2>/dev/null)"
[ ! -e "$T/pwned" ] && ok "the sender's shell syntax did not run" || notok "a value ran as shell code"
"$MTSEND" -q QENV2 "$sock" "$T/clean.eml" > "$T/out" || t_fail "mtsend"
grep -q '^header: X-Virus-Scanned: clamshim .* on mx1.example.test$' "$T/out" &&
	ok "headers.hostname is the host of X-Virus-Scanned" || notok "X-Virus-Scanned: $(cat "$T/out")"
sleep 1
[ "$(ls "$T"/ev.[0-9]* | wc -l)" -eq 1 ] && ok "no virus event for the clean message" ||
	notok "virus_command ran $(ls "$T"/ev.[0-9]* | wc -l) times for one EICAR"
printf 'headers {\n  hostname = "bad host;rm"\n}\n' > "$T/badhost.conf"
"$CLAMSHIM" -t -c "$T/badhost.conf" > "$T/t.out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "^$T/badhost.conf:2: error: headers.hostname: .* is not a host name" "$T/t.out" &&
	ok "an invalid headers.hostname is an error with its line" ||
	notok "bad hostname: rc=$rc $(cat "$T/t.out")"

# ---- 2. a burst of 100 infected messages, 4 commands at most ----
start 'alert {' '  virus_command = "echo $$ >> '"$T"'/burst.pids; exec sleep 30"' \
	'  virus_max_running = 4' '}'
t0=$(t_now)
"$MTSEND" -n 100 -q QBURST "$sock" "$T/eicar.eml" > "$T/burst.out" || t_fail "mtsend burst"
t1=$(t_now)
took=$(t_elapsed "$t0" "$t1")
echo "measured: 100 EICAR decisions with 4 virus commands sleeping 30 s: $took s"
[ "$(grep -c '^decision=reject' "$T/burst.out")" -eq 100 ] && ok "100 decisions, all reject" ||
	notok "burst decisions: $(sort "$T/burst.out" | uniq -c | head)"
awk -v t="$took" 'BEGIN { exit !(t < 20) }' && ok "the burst took $took s (bound 20 s)" ||
	notok "the burst took $took s: decisions waited"
kill -USR1 "$DAEMON_PID"
t_wait_for 60 dropped_is 96 && ok "clamshim_alerts_dropped_total is 96" ||
	notok "dropped: $(grep alerts_dropped "$T/metrics.prom")"
t_wait_for 60 lines_are "$T/burst.pids" 4 && ok "exactly 4 virus commands ran" ||
	notok "$(wc -l < "$T/burst.pids") virus commands ran"
grep -q "virus command not run: 4 already running" "$T/clamshim.log" &&
	ok "a dropped run is logged" || notok "no log line for a dropped run"
stop_burst

# ---- 3. log_addresses ----
# send QID -- a clean (QID-c) and an EICAR (QID-v) message with two recipients
send() {
	for k in c v; do
		[ $k = c ] && f="$T/clean.eml" || f="$T/eicar.eml"
		"$MTSEND" -q "$1-$k" -f "<s@example.org>" -r "<r1@example.net>" -r "<r2@example.net>" \
			"$sock" "$f" > "$T/out" || t_fail "mtsend"
	done
}
addrs=' from=<s@example.org> to=<r1@example.net>,<r2@example.net> nrcpt=2'
start
send QDEF
logline QDEF-v | grep -qF "$addrs" && ok "default: from= and to= on the infected line" ||
	notok "default, infected: $(logline QDEF-v)"
logline QDEF-c | grep -q "verdict=clean" && ! logline QDEF-c | grep -q "from=\|to=" &&
	ok "default: no addresses on the clean line" || notok "default, clean: $(logline QDEF-c)"
start 'log_addresses = "all"' 'policy { on_infected = "tag" }' \
	'alert { virus_command = "sh '"$T"'/virus.sh" }'
rm -f "$T"/ev.[0-9]*
send QALL
logline QALL-v | grep -qF "$addrs" && logline QALL-c | grep -qF "$addrs" &&
	ok "all: from= and to= on both lines" || notok "all: $(logline QALL-c) / $(logline QALL-v)"
t_wait_for 60 sh -c "ls '$T'/ev.[0-9]* >/dev/null 2>&1" &&
	grep -q '^CLAMSHIM_ACTION=accept$' "$T"/ev.[0-9]* && ok "a tagged infected message runs virus_command too" ||
	notok "tag: $(cat "$T"/ev.[0-9]* 2>/dev/null)"
start 'log_addresses = "none"'
send QNONE
logline QNONE-v | grep -q "verdict=infected" && ! logline QNONE-v | grep -q "from=\|to=" &&
	! logline QNONE-c | grep -q "from=\|to=" && ok "none: no addresses on either line" ||
	notok "none: $(logline QNONE-c) / $(logline QNONE-v)"
stop_daemon
if grep -qE 'Sanitizer|runtime error:' "$T/earlier.log" "$T/clamshim.log"; then
	notok "sanitizer report in a daemon log"
	grep -hE -A30 'Sanitizer|runtime error:' "$T/earlier.log" "$T/clamshim.log" | head -40
fi
[ $fails -eq 0 ] || { echo "---- daemon log"; cat "$T/clamshim.log"; }
exit $((fails > 0))
