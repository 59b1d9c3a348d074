# tests/holdflow.sh -- a scanner outage from end to end with on_unavailable =
# "hold" (issue 16): held while clamd is down, released by clamshim-release
# once clamshim raises "recovered", on loopback.
#
# A private Postfix (tests/postfix-lib.sh) with the milter lines of
# contrib/postfix-main.cf relays to smtp-sink, which keeps each delivered
# message as a file with its envelope (X-Mail-Args, X-Rcpt-Args). clamshim
# runs as its systemd unit would (tests/lib.sh t_svc_start) with scanners =
# {"clamd"} (the embedded engine unused) and a real clamd that is not running
# at first. alert.command is what doc/systemd.md suggests: on "recovered" it
# asks for clamshim-release to be started (in production `systemctl start
# --no-block clamshim-release.service`; the daemon runs as the unit's user and
# clamshim-release needs root). Here a small root loop the test starts stands
# in for systemd: it runs the built clamshim-release -c CONF -s STATEDIR with
# the instance's MAIL_CONFIG whenever the alert command asked.
# Scanner down: 20 clean and 2 EICAR messages (EICAR in an attachment), each
# to three recipients, are answered 250 and sit in the hold queue beside an
# administrator's message held by header_checks before the outage (scanned
# while clamd was up); nothing is delivered; with
# hold.max_messages (22) reached the next message gets 451. clamd starts: within
# 60 s of "recovered" each clean message is delivered exactly once, with
# X-Virus-Status: Clean, without the held mark, to its own three envelope
# recipients from its own sender; the EICAR ones stay held (on_infected =
# "reject": clamshim-release keeps them held and alerts), the administrator's
# message stays held and untouched. The timings are printed.
# Needs root (a Postfix queue is set up as root); skips (77) without it.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/postfix-lib.sh"
: "${RELEASE:=$top_builddir/clamshim-release}"
t_need "$CLAMSHIM" "$RELEASE" "$CLAMD" "$SIGTOOL" perl postfix postconf postqueue postsuper \
	postcat smtp-sink swaks ss setpriv
[ "$(id -u)" = 0 ] || t_skip "a private Postfix instance must be started as root"
id postfix >/dev/null 2>&1 || t_skip "no postfix user on this machine"
t_setup
NCLEAN=20
NEICAR=2
NHELD=$((NCLEAN + NEICAR))
HELD=$T/run/held
echo '/^Subject: admin hold$/ HOLD held by the administrator' > "$T/header_checks"
pf_clamd_mx <<EOF
header_checks = regexp:$T/header_checks
EOF
sink_count() { ls "$T/sink" 2>/dev/null | wc -l; }

# ---- the alert command and the stand-in for systemd that runs clamshim-release
pf_release_on_recovered

# clamd up at first (one outage only: a second one within alert.min_interval
# would send its events, "recovered" too, only when the interval ends)
t_start_clamd "$T/clamd"
pf_svc_clamd <<EOF
policy {
  on_unavailable = "hold"
}
hold {
  dir = "$HELD"
  max_messages = $NHELD
}
alert {
  command = "$T/alert.sh"
}
EOF

# send OUT N KIND [swaks options] -- message N from sN@clamshim.test to three recipients
send() {
	out=$1 n=$2 kind=$3; shift 3
	swaks --server "127.0.0.1:$MX_PORT" --helo client.clamshim.test \
		--from "s$n@clamshim.test" --to "r$n-a@example.test,r$n-b@example.test,r$n-c@example.org" \
		--timeout 120 --header "Subject: $kind $n" "$@" > "$out" 2>&1
}
answered() { grep -Eq '^<- +250 .*queued as' "$1"; }
t_msg "$T/eicar.eml" eicar

# ---- before the outage, clamd up: the administrator's message, scanned, held by header_checks
swaks --server "127.0.0.1:$MX_PORT" --from admin@clamshim.test --to postmaster@example.test \
	--header "Subject: admin hold" --body "The administrator's own." > "$T/admin.out" 2>&1
answered "$T/admin.out" || notok "the administrator's message: $(tail -3 "$T/admin.out")"
t_wait_for 60 pf_queue_is mx hold 1 || notok "the administrator's message is not held"
t_stop_pid "$CLAMD_PID"

# ---- scanner down: 20 clean, 2 EICAR
t0=$(t_now)
t_hold_burst "$MX_PORT"
t_sent=$(t_now)
[ "$n250" -eq $NHELD ] && ok "$NHELD messages answered 250 with clamd down" ||
	notok "$n250 of $NHELD answered 250; the first dialogue: $(tail -5 "$T/clean1.out")"

t_wait_for 60 pf_queue_is mx hold $((NHELD + 1)) && ok "$((NHELD + 1)) messages in the hold queue ($NHELD clamshim's)" ||
	notok "$(pf_queue_count mx hold) messages held, wanted $((NHELD + 1))"
t_wait_for 60 pf_settled mx || notok "mx still has mail on its way: $(postqueue -c "$T/mx/etc" -p 2>&1 | tail -3)"
ADMIN_QID=$(postqueue -c "$T/mx/etc" -j | perl -ne 'print "$1\n" if /"queue_id": "(\w+)".*"sender": "admin\@clamshim.test"/')
[ -n "$ADMIN_QID" ] || notok "no queue id for the administrator's message"
postcat -c "$T/mx/etc" -q "$ADMIN_QID" > "$T/admin.before" 2>&1
n=$(ls "$HELD" | grep -c '^[0-9a-f]\{32\}$')
[ "$n" -eq $NHELD ] && ok "hold.dir: $NHELD ledger files" || notok "hold.dir: $n ledger files"
[ "$(sink_count)" -eq 0 ] && ok "nothing delivered while clamd is down" || notok "$(sink_count) delivered while down"

# ---- hold.max_messages reached: 451, the message stays with the client
send "$T/full.out" 98 "one too many" --body "Over the cap."
grep -Eq '^<\*\* +451 4\.7\.1 ' "$T/full.out" && ok "hold.max_messages ($NHELD) reached: 451 4.7.1" ||
	notok "over the cap: $(tail -5 "$T/full.out")"
pf_queue_is mx hold $((NHELD + 1)) && [ "$(sink_count)" -eq 0 ] && ok "still $((NHELD + 1)) held, nothing delivered" ||
	notok "$(pf_queue_count mx hold) held, $(sink_count) delivered"
grep -q '^all-scanners-down ' "$T/run/events" 2>/dev/null && ok "alert command ran for all-scanners-down" ||
	notok "no all-scanners-down event: $(cat "$T/run/events" 2>/dev/null)"

# ---- clamd back: "recovered" starts clamshim-release, which releases the clean ones
t_up=$(t_now)
t_start_clamd "$T/clamd"
recovered() { grep -q '^recovered ' "$T/run/events"; }
t_wait_for 120 recovered && ok "alert command ran for recovered" ||
	notok "no recovered event: $(cat "$T/run/events"; tail -5 "$T/clamshim.log")"
t_rec=$(sed -n 's/^recovered //p' "$T/run/events" | tail -1)
: "${t_rec:=$(t_now)}"
all_delivered() { [ "$(sink_count)" -ge $NCLEAN ] && pf_settled mx; }
t_wait_for 300 all_delivered
t_done=$(t_now)
# the newest delivered file's time: when the last one arrived
t_last=$(ls -t "$T/sink" | head -1)
[ -n "$t_last" ] && t_last=$(stat -c %.3Y "$T/sink/$t_last")
: "${t_last:=$t_done}"
took=$(t_elapsed "$t_rec" "$t_last")
awk -v s="$took" 'BEGIN { exit !(s <= 60) }' && [ "$(sink_count)" -ge $NCLEAN ] &&
	ok "$NCLEAN clean messages delivered ${took}s after recovered (wanted within 60 s)" ||
	notok "$(sink_count) delivered, the last ${took}s after recovered; release log: $(tail -20 "$T/release.log")"
sleep 2	# anything doubled would show now: the queue is settled
[ "$(sink_count)" -eq $NCLEAN ] && ok "exactly $NCLEAN messages delivered" || notok "$(sink_count) delivered, wanted $NCLEAN"

good=0
i=1
while [ $i -le $NCLEAN ]; do
	f=$(grep -l "^Subject: clean $i\$" "$T"/sink/* 2>/dev/null)
	c=$(printf '%s' "$f" | grep -c .)
	if [ "$c" -eq 1 ] && grep -q '^X-Virus-Status: Clean$' "$f" &&
		[ "$(grep -c '^X-Virus-Status:' "$f")" -eq 1 ] &&
		! grep -qi '^X-Clamshim-Hold:' "$f" && ! grep -q 'held' "$f" &&
		grep -q "^Clean message $i\.\$" "$f" &&
		grep -qi "^X-Mail-Args: <s$i@clamshim.test>" "$f" &&
		[ "$(grep -ci '^X-Rcpt-Args:' "$f")" -eq 3 ] &&
		grep -qi "^X-Rcpt-Args: <r$i-a@example.test>" "$f" &&
		grep -qi "^X-Rcpt-Args: <r$i-b@example.test>" "$f" &&
		grep -qi "^X-Rcpt-Args: <r$i-c@example.org>" "$f"
	then good=$((good + 1))
	else notok "clean $i: $c copies; $(head -40 $f 2>/dev/null)"; fi
	i=$((i + 1))
done
[ "$good" -eq $NCLEAN ] && ok "each clean message: once, X-Virus-Status: Clean, no held tag or mark, its sender and three recipients"

grep -l '^Subject: eicar' "$T"/sink/* >/dev/null 2>&1 && notok "an EICAR message was delivered" ||
	ok "no EICAR message delivered"
postqueue -c "$T/mx/etc" -j > "$T/queue.after" 2>&1
ne=$(grep -c '"sender": "s2[12]@clamshim.test"' "$T/queue.after")
[ "$ne" -eq $NEICAR ] && grep -c '"queue_name": "hold"' "$T/queue.after" | grep -qx $((NEICAR + 1)) &&
	ok "the $NEICAR EICAR messages are still held (on_infected = reject: kept held)" ||
	notok "after the release: $(cat "$T/queue.after")"
c=$(grep -c 'result=infected action=kept-held' "$T/release.log")
[ "$c" -eq $NEICAR ] && ok "clamshim-release logged $NEICAR infected kept held" ||
	notok "clamshim-release logged $c infected kept held: $(cat "$T/release.log")"
postcat -c "$T/mx/etc" -q "$ADMIN_QID" > "$T/admin.after" 2>&1
cmp -s "$T/admin.before" "$T/admin.after" && grep -q "\"queue_id\": \"$ADMIN_QID\"" "$T/queue.after" &&
	! grep -q "$ADMIN_QID" "$T/release.log" && ok "the administrator's held message untouched" ||
	notok "the administrator's message $ADMIN_QID changed: $(diff "$T/admin.before" "$T/admin.after" | head -5)"
n=$(grep -c '^exit ' "$T/release.log")
grep -q '^exit 0 ' "$T/release.log" && ok "clamshim-release ran $n time(s), exit 0" ||
	notok "clamshim-release: $(cat "$T/release.log")"

echo "timings: 22 sent and held in $(t_elapsed "$t0" "$t_sent")s;" \
	"clamd started -> recovered $(t_elapsed "$t_up" "$t_rec")s;" \
	"recovered -> last of $NCLEAN delivered ${took}s"

t_svc_stop
pf_stop_all
[ "$fails" -eq 0 ] || { [ -n "${VERBOSE:-}" ] && cat "$T/release.log" "$T/mx/maillog" >&2; exit 1; }
exit 0
