# tests/release.sh -- clamshim-release against a real private Postfix on loopback.
#
# One Postfix instance (postfix -c DIR, nothing chrooted, DNS off, 127.0.0.1
# only) relaying to smtp-sink, which keeps each delivered message as a file.
# The messages are put into the hold queue by a header_checks rule that
# HOLDs what carries X-Clamshim-Hold (Postfix has no milter here, so the
# marks stay), and the test writes the daemon's ledger (hold.dir) itself, to
# choose tokens and ages; tests/holdflow.sh has the daemon hold them. The
# daemon is the real clamshim, which clamshim-release asks over its socket,
# and which counts the results clamshim-release leaves in the ledger. Postfix's
# command_directory and sendmail_path point to a directory of links to the
# real commands, where postsuper and sendmail are wrappers that can be told
# to stop (so that a run can be killed at a chosen step).
# Cases: --list shows clamshim's held messages only; with no signatures
# (scanner unavailable) nothing is released and the exit status is 2;
# --dry-run changes nothing; a run killed after submitting the first copy
# and one killed before submitting the second, then two runs at once: each
# clean message delivered exactly once, with X-Virus-Status: Clean, without
# the held mark and to its own recipients (DSN options kept for one
# submitted with them); EICAR not delivered and kept
# held; an administrator's held message, a held message with a mark the
# ledger does not know and a ledger entry naming the administrator's
# message: all untouched.
# Needs root (a Postfix queue is set up as root); skips (77) without it.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/postfix-lib.sh"
: "${RELEASE:=$top_builddir/clamshim-release}"
t_need "$CLAMSHIM" "$RELEASE" "$SIGTOOL" perl postfix postconf postqueue postsuper postcat \
	smtp-sink swaks ss
[ "$(id -u)" = 0 ] || t_skip "a private Postfix instance must be started as root"
id postfix >/dev/null 2>&1 || t_skip "no postfix user on this machine"
t_setup
fails=0
t_mkdb "$T/db"
mkdir -p "$T/nodb" "$T/held" "$T/bin"
PF=$T/mx

# ---- Postfix's commands, as links; postsuper and sendmail wrapped
REAL_CMD=$(postconf -d -h command_directory)
REAL_SENDMAIL=$(postconf -d -h sendmail_path)
for f in "$REAL_CMD"/post*; do ln -s "$f" "$T/bin/${f##*/}"; done
rm "$T/bin/postsuper"
cat > "$T/bin/postsuper" <<EOF
#!/bin/sh
# stops (writes its PID to $T/hung) instead of deleting while $T/hang-delete exists
[ "\$1" = -d ] && [ -e "$T/hang-delete" ] && { echo \$\$ > "$T/hung"; exec sleep 600; }
exec "$REAL_CMD/postsuper" "\$@"
EOF
cat > "$T/bin/sendmail" <<EOF
#!/bin/sh
# stops before submitting while $T/hang-inject exists
[ -e "$T/hang-inject" ] && { echo \$\$ > "$T/hung"; exec sleep 600; }
exec "$REAL_SENDMAIL" "\$@"
EOF
chmod 755 "$T/bin/postsuper" "$T/bin/sendmail"

t_start_sink "$T/sink"

# Postfix's commands from $T/bin; HOLD by header_checks
pf_make mx "$SINK_PORT" <<EOF
command_directory = $T/bin
sendmail_path = $T/bin/sendmail
header_checks = regexp:$PF/etc/header_checks
EOF
cat > "$PF/etc/header_checks" <<EOF
/^X-Clamshim-Hold:/ HOLD as clamshim would
/^Subject: admin hold/ HOLD the administrator's
EOF
trap 'pf_stop_all; t_cleanup' EXIT
pf_start mx
MX_PORT=$(pf_port mx)
export MAIL_CONFIG="$PF/etc"

hold_count() { find "$PF/queue/hold" -type f 2>/dev/null | wc -l; }
hold_is() { [ "$(hold_count)" -eq "$1" ]; }
sink_count() { ls "$T/sink" | wc -l; }
# qid_of SENDER -- the queue id of the held message from SENDER
qid_of() {
	postqueue -j | S=$1 perl -ne \
		'print "$1\n" if /"queue_name": "hold", "queue_id": "(\w+)".*"sender": "\Q$ENV{S}\E"/'
}
# ledger TOKEN QID AGE -- the daemon's ledger entry, AGE seconds old
ledger() {
	printf 'queue_id=%s\ntime=%s\nmta=postfix\n' "$2" $(( $(date +%s) - $3 )) > "$T/held/$1"
}
token() { printf '%032x' "$1"; }
# release [ARGS] -- one run; its output in $T/release.out, exit status in $rc
release() {
	rc=0
	"$RELEASE" -c "$T/clamshim.conf" -s "$T/state" "$@" > "$T/release.out" 2>&1 || rc=$?
}
# delivered TOKEN -- how many delivered copies carry X-Clamshim-Released: TOKEN
delivered() { grep -l "^X-Clamshim-Released: $1\$" "$T"/sink/* 2>/dev/null | wc -l; }

# ---- the held messages: 5 clean, 1 EICAR (clamshim's); the administrator's; a foreign mark
t_msg "$T/eicar.eml" eicar
for i in 1 2 3 4 5; do
	swaks --server "127.0.0.1:$MX_PORT" --from "s$i@example.test" \
		--to "r$i-a@example.test,r$i-b@example.test" --header "Subject: clean $i" \
		--header "X-Clamshim-Hold: $(token $i)" --body "clean body $i" >/dev/null 2>&1 ||
		t_fail "swaks clean $i"
done
perl -pe 's/^Subject: eicar/Subject: eicar\nX-Clamshim-Hold: '"$(token 6)"'/' "$T/eicar.eml" |
	swaks --server "127.0.0.1:$MX_PORT" --from s6@example.test --to r6@example.test \
		--data - >/dev/null 2>&1 || t_fail "swaks eicar"
swaks --server "127.0.0.1:$MX_PORT" --from admin@example.test --to r7@example.test \
	--header "Subject: admin hold" --body "the administrator's" >/dev/null 2>&1 ||
	t_fail "swaks admin"
swaks --server "127.0.0.1:$MX_PORT" --from foreign@example.test --to r8@example.test \
	--header "X-Clamshim-Hold: $(token 8)" --body "a mark without a ledger entry" \
	>/dev/null 2>&1 || t_fail "swaks foreign"
# one submitted locally with DSN options (NOTIFY, ENVID, RET): they must survive
printf 'From: <s7@example.test>\nSubject: dsn 7\nX-Clamshim-Hold: %s\n\nclean body 7\n' \
	"$(token 7)" |
	"$T/bin/sendmail" -N success,failure -V envid-7 -R hdrs -f s7@example.test r7-a@example.test ||
	t_fail "sendmail dsn"
t_wait_for 60 hold_is 9 || t_fail "$(hold_count) messages held, wanted 9"
for i in 1 2 3 4 5 6 7; do
	q=$(qid_of "s$i@example.test")
	[ -n "$q" ] || t_fail "no queue id for s$i"
	ledger "$(token $i)" "$q" $((100 - i))
	eval "QID$i=$q"
done
ADMIN_QID=$(qid_of admin@example.test)
# a ledger entry that names the administrator's message: it lacks the mark
ledger "$(token 9)" "$ADMIN_QID" 50

# ---- the scanner unavailable (no signatures): nothing released, exit 2
t_conf "$T/clamshim.conf" <<EOF
hold {
  dir = "$T/held"
}
EOF
sed -i "s|database = \"$T/db\"|database = \"$T/nodb\"|" "$T/clamshim.conf"
t_start_daemon "$T/clamshim.conf"
release --list
n=$(grep -c '^[0-9a-f]\{32\} ' "$T/release.out")
if [ "$rc" = 0 ] && [ "$n" = 7 ] && ! grep -q "$ADMIN_QID\|$(token 8)\|$(token 9)" "$T/release.out"
then ok "--list: clamshim's 7 held messages, nothing else"
else notok "--list: exit $rc, $n lines: $(cat "$T/release.out")"; fi
release
if [ "$rc" = 2 ] && hold_is 9 && [ "$(sink_count)" = 0 ] &&
	[ "$(grep -c 'result=unavailable action=kept-held' "$T/release.out")" = 7 ]
then ok "scanner unavailable: all kept held, exit 2"
else notok "scanner unavailable: exit $rc, $(hold_count) held, $(sink_count) delivered:" \
	"$(cat "$T/release.out")"; fi
t_stop_pid "$DAEMON_PID"

# ---- the scanner back
t_conf "$T/clamshim.conf" <<EOF
hold {
  dir = "$T/held"
}
EOF
: > "$T/clamshim.log"
t_start_daemon "$T/clamshim.conf"
release --dry-run
if [ "$rc" = 0 ] && hold_is 9 && [ "$(sink_count)" = 0 ] &&
	[ "$(grep -c 'result=clean action=would-release' "$T/release.out")" = 6 ] &&
	[ ! -s "$T/state/journal" ] && [ -z "$(ls "$T/held" | grep done)" ]
then ok "--dry-run: 6 would be released, nothing changed"
else notok "--dry-run: exit $rc, $(hold_count) held, $(sink_count) delivered:" \
	"$(cat "$T/release.out")"; fi

# killed after submitting the first copy, before deleting the held one
touch "$T/hang-delete"
"$RELEASE" -c "$T/clamshim.conf" -s "$T/state" > "$T/kill1.out" 2>&1 &
RPID=$!
t_wait_for 120 test -s "$T/hung" ||
	t_fail "the first run never reached postsuper -d: $(cat "$T/kill1.out")"
kill -9 "$RPID"; wait "$RPID" 2>/dev/null
kill "$(cat "$T/hung")"; rm -f "$T/hung" "$T/hang-delete"
delivered_one() { [ "$(delivered "$1")" -ge 1 ]; }
t_wait_for 60 delivered_one "$(token 1)" || notok "killed after submitting: the copy never arrived"
grep -q "^inject $(token 1) $QID1\$" "$T/state/journal" &&
	grep -q "^injected $(token 1)" "$T/state/journal" &&
	ok "killed after submitting: the journal says injected" ||
	notok "killed after submitting: journal $(cat "$T/state/journal")"

# killed before submitting the second copy (the first one's recovery comes first)
touch "$T/hang-inject"
"$RELEASE" -c "$T/clamshim.conf" -s "$T/state" > "$T/kill2.out" 2>&1 &
RPID=$!
t_wait_for 120 test -s "$T/hung" ||
	t_fail "the second run never reached sendmail: $(cat "$T/kill2.out")"
kill -9 "$RPID"; wait "$RPID" 2>/dev/null
kill "$(cat "$T/hung")"; rm -f "$T/hung" "$T/hang-inject"
grep -q "$QID1: .*result=clean action=released (finishing a stopped run)" "$T/kill2.out" &&
	ok "the next run finished the first release" || notok "first not finished: $(cat "$T/kill2.out")"
grep -q "^inject $(token 2) $QID2\$" "$T/state/journal" &&
	! grep -q "^injected $(token 2)" "$T/state/journal" &&
	ok "killed before submitting: the journal says inject only" ||
	notok "killed before submitting: journal $(cat "$T/state/journal")"

# two runs at once
"$RELEASE" -c "$T/clamshim.conf" -s "$T/state" > "$T/run1.out" 2>&1 & P1=$!
"$RELEASE" -c "$T/clamshim.conf" -s "$T/state" > "$T/run2.out" 2>&1 & P2=$!
wait "$P1"; rc1=$?
wait "$P2"; rc2=$?
[ "$rc1" = 0 ] && [ "$rc2" = 0 ] && ok "two runs at once: both exit 0" ||
	notok "two runs at once: exit $rc1 and $rc2: $(cat "$T/run1.out" "$T/run2.out")"
# settled -- the copies arrived and nothing is on its way any more (a t_wait_for condition)
settled() {
	[ "$(sink_count)" -ge 6 ] && [ -z "$(find "$PF/queue/incoming" "$PF/queue/active" \
		"$PF/queue/deferred" "$PF/queue/maildrop" -type f)" ]
}
t_wait_for 120 settled || notok "not settled: $(sink_count) delivered"
release				# a third run finds nothing left to do

for i in 1 2 3 4 5; do
	n=$(delivered "$(token $i)")
	f=$(grep -l "^X-Clamshim-Released: $(token $i)\$" "$T"/sink/* 2>/dev/null | head -1)
	if [ "$n" = 1 ] && grep -q '^X-Virus-Status: Clean$' "$f" &&
		! grep -qi '^X-Clamshim-Hold:' "$f" &&
		grep -q "^Subject: clean $i\$" "$f" && grep -q "^clean body $i" "$f" &&
		grep -qi "^X-Rcpt-Args: <r$i-a@example.test>" "$f" &&
		grep -qi "^X-Rcpt-Args: <r$i-b@example.test>" "$f" &&
		grep -qi "^X-Mail-Args: <s$i@example.test>" "$f" &&
		[ ! -e "$T/held/$(token $i)" ]
	then ok "clean $i: delivered once, Clean, unmarked, same envelope"
	else notok "clean $i: $n copies; $(cat "$f" 2>/dev/null | head -30)"; fi
done
f=$(grep -l "^X-Clamshim-Released: $(token 7)\$" "$T"/sink/* 2>/dev/null | head -1)
if [ "$(delivered "$(token 7)")" = 1 ] && grep -q '^X-Virus-Status: Clean$' "$f" &&
	grep -qi '^X-Mail-Args: <s7@example.test>.*RET=HDRS' "$f" &&
	grep -qi '^X-Mail-Args: .*ENVID=envid-7' "$f" &&
	grep -qi '^X-Rcpt-Args: <r7-a@example.test>.*NOTIFY=SUCCESS,FAILURE' "$f"
then ok "DSN options kept: RET, ENVID, NOTIFY"
else notok "DSN: $(grep -i '^X-.*-Args' "$f" 2>/dev/null)"; fi
[ "$(sink_count)" = 6 ] && ok "nothing else delivered" || notok "$(sink_count) delivered, wanted 6"
if [ "$(qid_of s6@example.test)" = "$QID6" ] && [ ! -e "$T/held/$(token 6)" ] &&
	grep -q "$QID6: .*result=infected action=kept-held" "$T"/run?.out
then ok "EICAR: kept held, not delivered, alerted"
else notok "EICAR: $(qid_of s6@example.test) held, ledger $(ls "$T/held")"; fi
# the daemon counts the ledger's done files (TOKEN.done-RESULT) and removes them
released_is() { grep -q "^clamshim_released_total{result=\"$1\"} $2\$" "$T/metrics.prom"; }
if t_wait_for 30 released_is clean 6 && t_wait_for 30 released_is infected 1 &&
	[ -z "$(ls "$T/held" | grep done)" ]
then ok "the daemon counted the results: clamshim_released_total clean 6, infected 1"
else notok "released: $(grep released_total "$T/metrics.prom"), ledger: $(ls "$T/held")"; fi
[ "$(qid_of admin@example.test)" = "$ADMIN_QID" ] && [ -n "$(qid_of foreign@example.test)" ] &&
	[ -e "$T/held/$(token 9)" ] && hold_is 3 &&
	ok "the administrator's and the foreign-marked messages untouched" ||
	notok "others: $(postqueue -j)"
[ "$rc" = 0 ] && [ ! -s "$T/state/journal" ] && ok "a last run: nothing to do, journal empty" ||
	notok "last run: exit $rc, journal $(cat "$T/state/journal")"

[ "$fails" -eq 0 ] || { [ -n "${VERBOSE:-}" ] && cat "$PF/maillog" >&2; exit 1; }
exit 0
