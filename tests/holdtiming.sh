# tests/holdtiming.sh -- how late mail arrives after a scanner outage:
# on_unavailable = "hold" against "tempfail" with an upstream Postfix at its
# default retry settings (issue 16), on loopback.
#
# Three pieces: smtp-sink (keeps each delivered message as a file), "mx" (a
# private Postfix, tests/postfix-lib.sh, with clamshim as its milter, relaying
# to the sink) and "up" (a second private Postfix relaying to mx, standing for
# the senders' MTAs, with Postfix's default retry settings:
# minimal_backoff_time 300s, maximal_backoff_time 4000s, queue_run_delay 300s;
# not shortened, that is the point). clamshim runs as its unit would
# (t_svc_start) with scanners = {"clamd"} and a real clamd. The same outage
# twice, 5 clean messages into up each time: clamd stops, the messages are
# sent, clamd starts again. With "hold" mx answers 250 at once and the
# alert command (on "recovered") has clamshim-release run, as in
# tests/holdflow.sh; with "tempfail" mx answers 451 and the messages wait in
# up's deferred queue for its next retry. Each message's arrival at the sink
# is logged in seconds after "recovered", and a summary line compares them.
# Each way must deliver all 5, exactly once, with X-Virus-Status: Clean.
# Slow by nature (the first retry of a default Postfix is 5 to 10 minutes
# after the 451; the test bounds it at 20), but mostly waiting: it runs in
# the normal build (first in the list, beside the others) and skips (77) in
# a sanitizer build, where tests/holdflow.sh runs the hold path, and with
# CLAMSHIM_SLOW_TESTS=0. Needs root.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/postfix-lib.sh"
: "${RELEASE:=$top_builddir/clamshim-release}"
[ "${CLAMSHIM_SLOW_TESTS:-1}" = 0 ] &&
	t_skip "CLAMSHIM_SLOW_TESTS=0: skipped (about 10 minutes: a default Postfix retries after 5 to 10)"
grep -q -- '-fsanitize=' "$top_builddir/Makefile" 2>/dev/null &&
	t_skip "a sanitizer build: it measures waiting; tests/holdflow.sh runs the hold path under ASan"
t_need "$CLAMSHIM" "$RELEASE" "$CLAMD" "$SIGTOOL" perl postfix postconf postqueue postsuper \
	postcat smtp-sink swaks ss setpriv
[ "$(id -u)" = 0 ] || t_skip "a private Postfix instance must be started as root"
id postfix >/dev/null 2>&1 || t_skip "no postfix user on this machine"
t_setup
N=5
pf_clamd_mx </dev/null
# up: Postfix's defaults again (pf_make sets an hour; the last setting wins)
pf_make up "$MX_PORT" <<EOF
minimal_backoff_time = $(postconf -d -h minimal_backoff_time)
maximal_backoff_time = $(postconf -d -h maximal_backoff_time)
queue_run_delay = $(postconf -d -h queue_run_delay)
EOF
pf_start up
UP_PORT=$(pf_port up)
echo "up's retry settings: $(postconf -c "$T/up/etc" -h minimal_backoff_time maximal_backoff_time queue_run_delay | tr '\n' ' ')"

# the alert command and the stand-in for systemd that runs clamshim-release
pf_release_on_recovered

sink_has() { [ "$(grep -l "^Subject: $1 " "$T"/sink/* 2>/dev/null | wc -l)" -ge "$2" ]; }
nrecovered() { cat "$T/run/events" 2>/dev/null | grep -c '^recovered '; }
recovered_more() { [ "$(nrecovered)" -gt "$1" ]; }

# outage WAY BOUND -- clamd stops, N messages into up, clamd starts; log the arrivals
outage() {
	way=$1 bound=$2
	t_start_clamd "$T/clamd"
	pf_svc_clamd <<EOF
policy {
  on_unavailable = "$way"
}
hold {
  dir = "$T/run/held"
}
alert {
  command = "$T/alert.sh"
}
EOF
	t_stop_pid "$CLAMD_PID"
	before=$(nrecovered)
	i=1
	while [ $i -le $N ]; do
		swaks --server "127.0.0.1:$UP_PORT" --from "s$i@clamshim.test" \
			--to "r$i-a@example.test,r$i-b@example.test" --header "Subject: $way $i" \
			--body "Clean message $i." --timeout 120 > "$T/$way$i.out" 2>&1 ||
			notok "$way $i: up did not take it: $(tail -3 "$T/$way$i.out")"
		i=$((i + 1))
	done
	if [ "$way" = hold ]; then
		t_wait_for 120 pf_queue_is mx hold $N && ok "$way: $N held at mx" ||
			notok "$way: $(pf_queue_count mx hold) held at mx"
	else
		t_wait_for 120 pf_queue_is up deferred $N && ok "$way: $N deferred at up (451 from mx)" ||
			notok "$way: $(pf_queue_count up deferred) deferred at up"
	fi
	sink_has "$way" 1 && notok "$way: delivered while clamd is down"
	t_down=$(t_now)
	t_start_clamd "$T/clamd"
	t_wait_for 120 recovered_more "$before" || notok "$way: no recovered event"
	t_rec=$(sed -n 's/^recovered //p' "$T/run/events" | tail -1)
	echo "$way: clamd down for $(t_elapsed "$t_down" "$t_rec")s after the last message was sent"
	t_wait_for "$bound" sink_has "$way" $N || notok "$way: $(grep -l "^Subject: $way " "$T"/sink/* | wc -l) of $N arrived in $bound s"
	arr=
	for f in $(grep -l "^Subject: $way " "$T"/sink/* 2>/dev/null); do
		s=$(t_elapsed "$t_rec" "$(stat -c %.3Y "$f")")
		echo "$way: $(sed -n 's/^Subject: //p' "$f") arrived ${s}s after recovered"
		arr="$arr $s"
	done
	good=0
	i=1
	while [ $i -le $N ]; do
		f=$(grep -l "^Subject: $way $i\$" "$T"/sink/* 2>/dev/null)
		[ "$(printf '%s' "$f" | grep -c .)" -eq 1 ] && grep -q '^X-Virus-Status: Clean$' "$f" &&
			[ "$(grep -ci '^X-Rcpt-Args:' "$f")" -eq 2 ] && good=$((good + 1))
		i=$((i + 1))
	done
	[ "$good" -eq $N ] && ok "$way: $N delivered once each, X-Virus-Status: Clean, both recipients" ||
		notok "$way: $good of $N delivered as wanted"
	eval "ARR_$way=\"$arr\""
	t_stop_pid "$CLAMD_PID"
}

outage hold 300
outage tempfail 1200
t_svc_stop

# stats LIST -- "first Xs, last Ys" of a list of seconds
stats() { printf '%s\n' $1 | sort -n | awk 'NR == 1 { f = $1 } { l = $1 } END { printf "first %ss, last %ss", f, l }'; }
echo "arrivals (s after recovered): hold$ARR_hold; tempfail$ARR_tempfail"
echo "summary: after recovered, hold delivered $N messages $(stats "$ARR_hold");" \
	"tempfail (upstream Postfix, default retries) $(stats "$ARR_tempfail")"
pf_stop_all
[ "$fails" -eq 0 ]
