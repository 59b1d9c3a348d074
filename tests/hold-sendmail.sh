# tests/hold-sendmail.sh -- a scanner outage from end to end with on_unavailable
# = "hold" and hold.mta = "sendmail" (issue 16): quarantined while clamd is
# down, released by clamshim-release once clamshim raises "recovered".
#
# A private Sendmail on loopback (tests/sendmail-lib.sh) with the milter line
# of contrib/sendmail.mc relays to smtp-sink, which keeps each delivered
# message as a file with its envelope (X-Mail-Args, X-Rcpt-Args). clamshim
# runs as its systemd unit would with scanners = {"clamd"} and a real clamd
# that is stopped for the outage. alert.command, on "recovered", asks for
# clamshim-release to be started; a small root loop stands in for systemd and
# runs the built clamshim-release with CLAMSHIM_SENDMAIL (a wrapper running
# the unpacked sendmail in the instance's namespace), CLAMSHIM_QTOOL (the
# unpacked qtool.pl) and MAIL_CONFIG (the instance's sendmail.cf).
# Scanner down: 20 clean and 2 EICAR messages (EICAR in an attachment), each
# to three recipients, are answered 250 and sit in Sendmail's quarantine
# beside an administrator's own quarantined message (sendmail -Q -qI) and a
# forged one (quarantined by hand under "clamshim hold TOKEN" with a token
# the ledger does not have); nothing is delivered. clamd starts: each clean
# message is delivered exactly once, with X-Virus-Status: Clean, without the
# held mark, from its own sender to its own three recipients; the EICAR ones
# stay quarantined (on_infected = "reject": kept, alert); the administrator's
# and the forged message stay untouched. Two clamshim-release started at once
# deliver nothing twice. A run killed after submitting a copy (qtool.pl
# made to hang) is finished by the next, run without qtool.pl: the copies
# arrive once each, the originals stay quarantined as "clamshim released
# TOKEN". A run killed after its copy was queued but before the journal
# said so: the next finds the copy and submits nothing again. The timings
# are printed.
# Needs root; skips (77) when sendmail cannot be fetched or run here.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/sendmail-lib.sh"
: "${RELEASE:=$top_builddir/clamshim-release}"
t_need "$CLAMSHIM" "$RELEASE" "$CLAMD" "$SIGTOOL" "$NOTIFYRECV" perl m4 smtp-sink swaks ss \
	unshare mount setpriv dpkg-deb
[ "$(id -u)" = 0 ] || t_skip "sendmail must be started as root"
t_setup
CONTRIB=$top_srcdir/contrib/sendmail.mc
UNIT=$top_srcdir/contrib/clamshim.service.in
SVC_USER=$(sed -n 's/^User=//p' "$UNIT")
SVC_GROUP=$(sed -n 's/^Group=//p' "$UNIT")
id "$SVC_USER" >/dev/null 2>&1 || t_skip "no user $SVC_USER (User= of the unit) on this machine"
NCLEAN=20
NEICAR=2
NHELD=$((NCLEAN + NEICAR))

sm_unpack
[ -r "$QTOOL" ] || t_fail "no qtool.pl in the unpacked sendmail tree ($QTOOL)"
mkdir -p "$T/run"
chown "$SVC_USER:$SVC_GROUP" "$T/run"
t_mkdb "$T/db"
SOCK=$T/run/clamshim.sock
HELD=$T/run/held
t_clamd_conf "$T/clamd" < /dev/null

t_start_sink "$T/sink"
SM_PORT=$(t_free_port)
while [ "$SM_PORT" = "$SINK_PORT" ]; do SM_PORT=$(t_free_port); done
grep -v '^dnl' "$CONTRIB" | sed "s|local:/run/clamshim/clamshim.sock|local:$SOCK|" > "$T/milter.mc"
sm_make "$T/sm" "$SM_PORT" "$SINK_PORT" < "$T/milter.mc"
trap 'sm_stop; t_cleanup' EXIT
sm_start
sm_wrapper "$T/sendmail"
sink_count() { ls "$T/sink" 2>/dev/null | wc -l; }
# release [ARGS] -- clamshim-release as the unit would run it, with this instance's sendmail
release() {
	CLAMSHIM_SENDMAIL="$T/sendmail" CLAMSHIM_QTOOL="$QTOOL" MAIL_CONFIG="$D/sm.cf" \
		"$RELEASE" -c "$T/clamshim.conf" -s "$T/state" "$@"
}

# ---- the alert command (run as the daemon's user) and the stand-in for systemd (root)
cat > "$T/alert.sh" <<EOF
#!/bin/sh
# on "recovered": what \`systemctl start --no-block clamshim-release.service\` would ask
echo "\$CLAMSHIM_EVENT \$(date +%s.%N)" >> "$T/run/events"
[ "\$CLAMSHIM_EVENT" = recovered ] && date +%s.%N > "$T/run/release.request"
exit 0
EOF
cat > "$T/starter.sh" <<EOF
#!/bin/sh
# stands in for systemd: starts clamshim-release (root) when it was asked to
while :; do
	if [ -e "$T/run/release.request" ]; then
		rm -f "$T/run/release.request"
		echo "start \$(date +%s.%N)" >> "$T/release.log"
		# two at once: the second must find the lock taken and leave
		for n in 1 2; do
			CLAMSHIM_SENDMAIL="$T/sendmail" CLAMSHIM_QTOOL="$QTOOL" MAIL_CONFIG="$D/sm.cf" \\
				"$RELEASE" -c "$T/clamshim.conf" -s "$T/state" >> "$T/release.\$n.log" 2>&1 &
			eval p\$n=\$!
		done
		wait \$p1; echo "exit \$? \$(date +%s.%N)" >> "$T/release.1.log"
		wait \$p2; echo "exit \$? \$(date +%s.%N)" >> "$T/release.2.log"
		cat "$T/release.1.log" "$T/release.2.log" >> "$T/release.log"
		rm -f "$T/release.1.log" "$T/release.2.log"
	fi
	sleep 0.2
done
EOF
chmod 755 "$T/alert.sh" "$T/starter.sh"

t_start_clamd "$T/clamd"
t_svc_start "$T/db" <<EOF
scanners = {"clamd"}
clamd {
  servers = {"unix:$T/clamd/clamd.sock"}
  retry_after = "1s"
}
policy {
  on_unavailable = "hold"
}
hold {
  mta = "sendmail"
  dir = "$HELD"
  max_messages = $((NHELD + 10))
}
alert {
  command = "$T/alert.sh"
}
EOF

# send OUT N KIND [swaks options] -- message N from sN@clamshim.test to three recipients
send() {
	out=$1 n=$2 kind=$3; shift 3
	swaks --server "127.0.0.1:$SM_PORT" --helo client.clamshim.test \
		--from "s$n@clamshim.test" --to "r$n-a@example.test,r$n-b@example.test,r$n-c@example.org" \
		--timeout 120 --header "Subject: $kind $n" "$@" > "$out" 2>&1
}
answered() { grep -Eq '^<- +250 .*accepted for delivery' "$1"; }
t_msg "$T/eicar.eml" eicar

# ---- the administrator's own quarantined message and a forged one (queued by
# hand with -odq: a command-line submission passes no milter)
# qid_of SUBJECT -- the queue id of the queued message with this subject
qid_of() { grep -l "^H[^:]*Subject: $1\$" "$D"/queue/[qh]f* 2>/dev/null | head -1 | sed 's|.*/[qh]f||'; }
printf 'From: <admin@clamshim.test>\nTo: <postmaster@example.test>\nSubject: admin hold\n\nThe administrator'"'"'s own.\n' |
	sm_cmd -odq -f admin@clamshim.test postmaster@example.test || notok "queueing the administrator's message"
ADMIN_QID=$(qid_of 'admin hold')
[ -n "$ADMIN_QID" ] && sm_cmd -Q"held by the administrator" -qI"$ADMIN_QID" > "$T/adminq.out" 2>&1 ||
	notok "quarantining the administrator's message: $(cat "$T/adminq.out")"
printf 'From: <forger@clamshim.test>\nTo: <victim@example.test>\nSubject: forged hold\nX-Clamshim-Hold: 00000000000000000000000000000000\n\nNot clamshim'"'"'s.\n' |
	sm_cmd -odq -f forger@clamshim.test victim@example.test || notok "queueing the forged message"
FORGED_QID=$(qid_of 'forged hold')
[ -n "$FORGED_QID" ] && sm_cmd -Q"clamshim hold 00000000000000000000000000000000" -qI"$FORGED_QID" > "$T/forgedq.out" 2>&1 ||
	notok "quarantining the forged message: $(cat "$T/forgedq.out")"
[ "$(sm_quarantined)" -eq 2 ] && ok "the administrator's and a forged message are quarantined" ||
	notok "$(sm_quarantined) quarantined, wanted 2: $(ls "$D/queue")"
cp "$D/queue/hf$ADMIN_QID" "$T/admin.hf.before"
cp "$D/queue/hf$FORGED_QID" "$T/forged.hf.before"
t_stop_pid "$CLAMD_PID"

# ---- scanner down: 20 clean, 2 EICAR
t0=$(t_now)
t_hold_burst "$SM_PORT"
t_sent=$(t_now)
[ "$n250" -eq $NHELD ] && ok "$NHELD messages answered 250 with clamd down" ||
	notok "$n250 of $NHELD answered 250; the first dialogue: $(tail -5 "$T/clean1.out")"
quarantined_is() { [ "$(sm_quarantined)" -eq "$1" ]; }
t_wait_for 60 quarantined_is $((NHELD + 2)) && ok "$((NHELD + 2)) messages quarantined ($NHELD clamshim's)" ||
	notok "$(sm_quarantined) messages quarantined, wanted $((NHELD + 2))"
t_wait_for 60 sm_settled || notok "sendmail still has mail on its way: $(ls "$D/queue")"
n=$(ls "$HELD" | grep -c '^[0-9a-f]\{32\}$')
[ "$n" -eq $NHELD ] && ok "hold.dir: $NHELD ledger files" || notok "hold.dir: $n ledger files"
[ "$(sink_count)" -eq 0 ] && ok "nothing delivered while clamd is down" || notok "$(sink_count) delivered while down"
sm_cmd -bp -qQ > "$T/mailq.before" 2>&1

# ---- still down: --list names clamshim's 22 only; a run keeps them (exit 2)
release --list > "$T/list.out" 2> "$T/list.err"
n=$(grep -c '^[0-9a-f]\{32\} ' "$T/list.out")
[ "$n" -eq $NHELD ] && ! grep -q "$ADMIN_QID\|$FORGED_QID" "$T/list.out" &&
	ok "--list: the $NHELD held by clamshim, not the administrator's or the forged one" ||
	notok "--list: $n lines: $(cat "$T/list.out" "$T/list.err" | head -30)"
release --dry-run > "$T/dry.out" 2>&1
rc=$?
n=$(grep -c 'result=unavailable action=kept-held' "$T/dry.out")
[ "$rc" -eq 2 ] && [ "$n" -eq $NHELD ] && ok "--dry-run with clamd down: $NHELD kept held, exit 2" ||
	notok "--dry-run: exit $rc, $n kept: $(head -20 "$T/dry.out")"
release > "$T/down.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] && [ "$(sm_quarantined)" -eq $((NHELD + 2)) ] && [ "$(sink_count)" -eq 0 ] &&
	ok "a run with clamd down: exit 2, all still quarantined, nothing delivered" ||
	notok "a run with clamd down: exit $rc, $(sm_quarantined) quarantined: $(head -20 "$T/down.out")"
t_bg sh "$T/starter.sh"
STARTER_PID=$!

# ---- clamd back: "recovered" starts clamshim-release (twice at once)
t_up=$(t_now)
t_start_clamd "$T/clamd"
recovered() { grep -q '^recovered ' "$T/run/events"; }
t_wait_for 120 recovered && ok "alert command ran for recovered" ||
	notok "no recovered event: $(cat "$T/run/events"; tail -5 "$T/clamshim.log")"
t_rec=$(sed -n 's/^recovered //p' "$T/run/events" | tail -1)
: "${t_rec:=$(t_now)}"
all_delivered() { [ "$(sink_count)" -ge $NCLEAN ] && sm_settled; }
t_wait_for 300 all_delivered
ran_twice() { [ "$(grep -c '^exit ' "$T/release.log")" -ge 2 ]; }
t_wait_for 300 ran_twice || notok "clamshim-release did not finish: $(cat "$T/release.log")"
t_done=$(t_now)
# the delivery times: each file's modification time after recovered
ls "$T/sink" | while read -r f; do stat -c %.3Y "$T/sink/$f"; done | sort -n > "$T/arrivals"
t_first=$(head -1 "$T/arrivals")
t_last=$(tail -1 "$T/arrivals")
: "${t_first:=$t_done}" "${t_last:=$t_done}"
took=$(t_elapsed "$t_rec" "$t_last")
awk -v s="$took" 'BEGIN { exit !(s <= 60) }' && [ "$(sink_count)" -ge $NCLEAN ] &&
	ok "$NCLEAN clean messages delivered, the last ${took}s after recovered (wanted within 60 s)" ||
	notok "$(sink_count) delivered, the last ${took}s after recovered; release log: $(tail -30 "$T/release.log")"
sleep 2	# anything doubled would show now: the queue is settled
[ "$(sink_count)" -eq $NCLEAN ] && ok "exactly $NCLEAN messages delivered" || notok "$(sink_count) delivered, wanted $NCLEAN"
grep -q 'another clamshim-release is running' "$T/release.log" &&
	ok "of the two runs started at once, one found the lock taken and left" ||
	notok "no run found the lock taken: $(cat "$T/release.log")"

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
sm_cmd -bp -qQ > "$T/mailq.after" 2>&1
ne=$(grep -c 'QUARANTINE: clamshim infected Eicar-Test-Signature' "$T/mailq.after")
[ "$ne" -eq $NEICAR ] && [ "$(sm_quarantined)" -eq $((NEICAR + 2)) ] &&
	ok "the $NEICAR EICAR messages are still quarantined, reason \"clamshim infected Eicar-Test-Signature\"" ||
	notok "after the release: $(cat "$T/mailq.after")"
c=$(grep -c 'result=infected action=kept-held' "$T/release.log")
[ "$c" -eq $NEICAR ] && ok "clamshim-release logged $NEICAR infected kept quarantined" ||
	notok "clamshim-release logged $c infected kept: $(cat "$T/release.log")"
cmp -s "$T/admin.hf.before" "$D/queue/hf$ADMIN_QID" && cmp -s "$T/forged.hf.before" "$D/queue/hf$FORGED_QID" &&
	! grep -q "$ADMIN_QID\|$FORGED_QID" "$T/release.log" &&
	ok "the administrator's and the forged quarantined message untouched" ||
	notok "the administrator's or the forged message changed: $(ls "$D/queue"; grep "$ADMIN_QID\|$FORGED_QID" "$T/release.log")"
n=$(ls "$HELD" | grep -c '^[0-9a-f]\{32\}$')
[ "$n" -eq 0 ] && ok "hold.dir: every ledger entry closed" || notok "hold.dir: $n entries still open: $(ls "$HELD")"
grep -q '^exit 0 ' "$T/release.log" && ! grep -q '^exit [^0]' "$T/release.log" &&
	ok "clamshim-release ran $(grep -c '^exit ' "$T/release.log") times, exit 0" ||
	notok "clamshim-release: $(cat "$T/release.log")"

# ---- once more: nothing left to do, nothing delivered twice
release > "$T/again.out" 2>&1
rc=$?
sleep 2
[ "$rc" -eq 0 ] && [ "$(sink_count)" -eq $NCLEAN ] && ok "another run: exit 0, still exactly $NCLEAN delivered" ||
	notok "another run: exit $rc, $(sink_count) delivered: $(cat "$T/again.out")"

# ---- a run killed after submitting a copy, then runs without qtool.pl
t_stop_pid "$STARTER_PID"
t_stop_pid "$CLAMD_PID"
# the qtool.pl the next runs use: hangs while $T/hang-delete exists, else the real one
cat > "$T/qtool.pl" <<EOF
if (-e "$T/hang-delete") { open(my \$f, ">", "$T/hung") or die; print \$f "\$\$\\n"; close(\$f); sleep 600; exit 1; }
exec("/usr/bin/perl", "$QTOOL", @ARGV);
EOF
for n in 1 2; do send "$T/late$n.out" "5$n" late --body "Late message $n."; done
answered "$T/late1.out" && answered "$T/late2.out" || notok "late: not answered 250: $(tail -3 "$T/late1.out")"
t_wait_for 60 quarantined_is $((NEICAR + 2 + 2)) || notok "late: $(sm_quarantined) quarantined"
t_start_clamd "$T/clamd"
two_ready() { release --dry-run 2>&1 | grep -c 'action=would-release' | grep -qx 2; }
t_wait_for 120 two_ready || notok "late: the daemon does not scan again: $(release --dry-run 2>&1 | tail -3)"
touch "$T/hang-delete"
CLAMSHIM_SENDMAIL="$T/sendmail" CLAMSHIM_QTOOL="$T/qtool.pl" MAIL_CONFIG="$D/sm.cf" \
	"$RELEASE" -c "$T/clamshim.conf" -s "$T/state" > "$T/kill.out" 2>&1 &
RPID=$!
t_wait_for 120 test -s "$T/hung" || notok "the run never reached qtool.pl: $(cat "$T/kill.out")"
kill -9 "$RPID"; wait "$RPID" 2>/dev/null
kill "$(cat "$T/hung")" 2>/dev/null; rm -f "$T/hung" "$T/hang-delete"
late_delivered() { [ "$(grep -l "^Subject: [a-z]* $1\$" "$T"/sink/* 2>/dev/null | wc -l)" -ge 1 ]; }
grep -q '^injected ' "$T/state/journal" && ok "killed after submitting a copy: the journal says injected" ||
	notok "killed after submitting: journal $(cat "$T/state/journal")"
CLAMSHIM_SENDMAIL="$T/sendmail" CLAMSHIM_QTOOL="$T/none/qtool.pl" MAIL_CONFIG="$D/sm.cf" \
	"$RELEASE" -c "$T/clamshim.conf" -s "$T/state" > "$T/noqtool.out" 2>&1
rc=$?
grep -q 'result=clean action=released (finishing a stopped run)' "$T/noqtool.out" &&
	grep -q 'qtool.pl .* not found' "$T/noqtool.out" && [ "$rc" -eq 0 ] &&
	ok "the next run, without qtool.pl, finished the stopped run and said qtool.pl is missing" ||
	notok "the run after the kill: exit $rc: $(cat "$T/noqtool.out")"
t_wait_for 60 late_delivered 51 && t_wait_for 60 late_delivered 52 && t_wait_for 60 sm_settled
sm_cmd -bp -qQ > "$T/mailq.late" 2>&1
CLAMSHIM_SENDMAIL="$T/sendmail" CLAMSHIM_QTOOL="$QTOOL" MAIL_CONFIG="$D/sm.cf" \
	"$RELEASE" -c "$T/clamshim.conf" -s "$T/state" > "$T/late.again" 2>&1
rc=$?
sleep 2
n1=$(grep -l '^Subject: late 51$' "$T"/sink/* 2>/dev/null | wc -l)
n2=$(grep -l '^Subject: late 52$' "$T"/sink/* 2>/dev/null | wc -l)
[ "$n1" -eq 1 ] && [ "$n2" -eq 1 ] && [ "$rc" -eq 0 ] && [ "$(sink_count)" -eq $((NCLEAN + 2)) ] &&
	ok "each late message delivered exactly once (a run with qtool.pl after: exit 0, nothing again)" ||
	notok "late: $n1 and $n2 copies, exit $rc: $(cat "$T/late.again")"
n=$(grep -c 'QUARANTINE: clamshim released [0-9a-f]\{32\}$' "$T/mailq.late")
[ "$n" -eq 2 ] && [ "$(sm_quarantined)" -eq $((NEICAR + 2 + 2)) ] &&
	ok "without qtool.pl the 2 originals stay quarantined as \"clamshim released TOKEN\"" ||
	notok "without qtool.pl: $n released-reasons: $(cat "$T/mailq.late")"

# ---- a run killed after its copy is queued but before the journal says so:
# the next run finds the copy (X-Clamshim-Released in the queue) and only
# removes the original. The wrapper queues the copy without delivering it
# (-odq), then hangs.
cat > "$T/sendmail-hang" <<EOF
#!/bin/sh
case " \$* " in *" -Am "*)
	if [ -e "$T/hang-inject" ]; then "$T/sendmail" -odq "\$@" || exit 1; echo \$\$ > "$T/hung"; exec sleep 600; fi ;;
esac
exec "$T/sendmail" "\$@"
EOF
chmod 755 "$T/sendmail-hang"
t_stop_pid "$CLAMD_PID"
send "$T/queued.out" 61 queued --body "Queued message."
answered "$T/queued.out" || notok "queued: not answered 250: $(tail -3 "$T/queued.out")"
t_wait_for 60 quarantined_is $((NEICAR + 2 + 2 + 1)) || notok "queued: $(sm_quarantined) quarantined"
t_start_clamd "$T/clamd"
one_ready() { release --dry-run 2>&1 | grep -c 'action=would-release' | grep -qx 1; }
t_wait_for 120 one_ready || notok "queued: the daemon does not scan again: $(release --dry-run 2>&1 | tail -3)"
touch "$T/hang-inject"
CLAMSHIM_SENDMAIL="$T/sendmail-hang" CLAMSHIM_QTOOL="$QTOOL" MAIL_CONFIG="$D/sm.cf" \
	"$RELEASE" -c "$T/clamshim.conf" -s "$T/state" > "$T/kill2.out" 2>&1 &
RPID=$!
t_wait_for 120 test -s "$T/hung" || notok "the run never submitted: $(cat "$T/kill2.out")"
kill -9 "$RPID"; wait "$RPID" 2>/dev/null
kill "$(cat "$T/hung")" 2>/dev/null; rm -f "$T/hung" "$T/hang-inject"
copy_queued() { grep -l '^H[^:]*X-Clamshim-Released: ' "$D"/queue/qf* 2>/dev/null | grep -q .; }
grep -q '^inject ' "$T/state/journal" && ! grep -q '^injected ' "$T/state/journal" && copy_queued &&
	ok "killed after the copy was queued, before the journal said injected" ||
	notok "killed before injected: journal $(cat "$T/state/journal"); queue $(ls "$D/queue")"
release > "$T/after-kill2.out" 2>&1
rc=$?
grep -q 'result=clean action=released (finishing a stopped run)' "$T/after-kill2.out" && [ "$rc" -eq 0 ] &&
	! grep -q 'arrives twice' "$T/after-kill2.out" && [ "$(sm_quarantined)" -eq $((NEICAR + 2 + 2)) ] &&
	ok "the next run found the queued copy, removed the original, submitted nothing again" ||
	notok "the run after the second kill: exit $rc: $(cat "$T/after-kill2.out")"
sm_cmd -q > "$T/flush.out" 2>&1
t_wait_for 60 late_delivered 61 && t_wait_for 60 sm_settled
sleep 2
n=$(grep -l '^Subject: queued 61$' "$T"/sink/* 2>/dev/null | wc -l)
[ "$n" -eq 1 ] && grep -q '^X-Virus-Status: Clean$' "$(grep -l '^Subject: queued 61$' "$T"/sink/*)" &&
	ok "the queued copy delivered once, with X-Virus-Status: Clean" ||
	notok "queued 61: $n copies: $(cat "$T/flush.out")"

echo "timings: $NHELD sent and quarantined in $(t_elapsed "$t0" "$t_sent")s;" \
	"clamd started -> recovered $(t_elapsed "$t_up" "$t_rec")s;" \
	"recovered -> first delivered $(t_elapsed "$t_rec" "$t_first")s, last of $NCLEAN ${took}s"
echo "arrivals after recovered (s): $(awk -v r="$t_rec" '{ printf "%.2f ", $1 - r }' "$T/arrivals")"

t_svc_stop
[ "$fails" -eq 0 ] || { [ -n "${VERBOSE:-}" ] && cat "$T/release.log" >&2; exit 1; }
exit 0
