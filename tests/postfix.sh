# tests/postfix.sh -- clamshim behind a real Postfix, end to end, on loopback.
#
# Two private Postfix instances (postfix -c DIR, each with its own queue,
# nothing chrooted, DNS off, 127.0.0.1 only):
#   mx      smtpd with the milter lines of contrib/postfix-main.cf (socket
#           path changed to ours), relaying to smtp-sink, which keeps each
#           delivered message as a file;
#   up      an upstream MTA without a milter that relays to mx: it holds the
#           mail in its deferred queue when mx answers 4xx.
# Cases: clean mail delivered with the X-Virus-* headers; EICAR rejected at
# end of DATA with 550 5.7.1; scanner down -> 451 4.7.1 -> the message waits
# in up's deferred queue, and after the signatures appear and the queue is
# flushed it arrives once, scanned, Clean; the same for mail submitted with
# the sendmail command (non_smtpd_milters): it waits in mx's maildrop until
# pickup retries; and for the clamd chain while clamd is not running, until
# clamd starts; on_unavailable accept -> delivered
# Unscanned; on_infected quarantine -> mx's hold queue; clamshim itself down
# -> milter_default_action tempfail; last, smtpd, cleanup and pickup chrooted
# as in Debian's master.cf, with the socket inside the queue directory and
# the commented smtpd_milters line of the contrib file. clamshim runs as systemd would run it
# with contrib/clamshim.service.in and the drop-in contrib/clamshim-postfix.conf
# (User=clamav, Group=postfix): the 0660 socket must be usable by smtpd.
# Needs root (a Postfix queue is set up as root); skips (77) without it.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/postfix-lib.sh"
t_need "$CLAMSHIM" "$SIGTOOL" "$CLAMD" perl postfix postconf postqueue postsuper smtp-sink swaks ss setpriv
[ "$(id -u)" = 0 ] || t_skip "a private Postfix instance must be started as root"
id postfix >/dev/null 2>&1 || t_skip "no postfix user on this machine"
t_setup
CONTRIB=$top_srcdir/contrib/postfix-main.cf
[ -r "$CONTRIB" ] || t_fail "missing $CONTRIB"
# the identity systemd gives the daemon: User= of the unit, Group= of the
# Postfix drop-in (supplementary groups: the user's own, as SupplementaryGroups=)
pf_svc_identity
fails=0

# $T/run plays RuntimeDirectory=: owned by the service's user and group
mkdir -p "$T/run" "$T/empty"
chown "$SVC_USER:$SVC_GROUP" "$T/run"
t_mkdb "$T/db"
SOCK=$T/run/clamshim.sock

sink_count() { ls "$T/sink" 2>/dev/null | wc -l; }
sink_has() { [ "$(sink_count)" -ge "$1" ]; }

# daemon_start DB [config lines on stdin] -- (re)start clamshim as systemd would
daemon_start() {
	t_svc_start "$@"
	if [ "$(stat -c %G:%a "$SOCK")" = "$SVC_GROUP:660" ]; then ok "socket $SVC_GROUP, 0660"; else
		notok "socket is $(stat -c %U:%G:%a "$SOCK"), wanted group $SVC_GROUP, 0660"; fi
}
daemon_stop() { t_svc_stop; }

# send PORT OUTFILE [swaks options] -- one message; the SMTP dialogue in OUTFILE
send() {
	port=$1 out=$2; shift 2
	swaks --server "127.0.0.1:$port" --helo client.clamshim.test \
		--from sender@clamshim.test --to rcpt@example.test \
		--timeout 120 "$@" > "$out" 2>&1
}

# expect_log NAME REGEX WHAT -- a line in the instance's maillog; prints it
expect_log() {
	if t_wait_for 60 grep -Eq -- "$2" "$T/$1/maillog"; then
		ok "$3"; grep -E -- "$2" "$T/$1/maillog" | tail -1 | sed "s/^/    $1 logged: /"
	else
		notok "$3: $1's maillog has no line matching /$2/"; tail -20 "$T/$1/maillog" | sed 's/^/    /'
	fi
}
# qid_of FILE -- the queue ID of "250 ... queued as QID" in a swaks dialogue
qid_of() { sed -n 's/^<- *250 .*queued as \([0-9A-F][0-9A-F]*\).*/\1/p' "$1" | tail -1; }
expect_file() {	# expect_file FILE REGEX WHAT
	if grep -Eq -- "$2" "$1"; then ok "$3"; else
		notok "$3: no line matches /$2/ in $1"; sed 's/^/    /' "$1" | head -40; fi
}

# the milter lines of the contrib file, with our socket
grep -q '^smtpd_milters *= *unix:/run/clamshim/clamshim.sock$' "$CONTRIB" ||
	t_fail "$CONTRIB: no smtpd_milters line with the documented socket"
MILTER_LINES=$(pf_milter_lines "$SOCK")
# the chrooted variant: a commented smtpd_milters line, path relative to the chroot
CHROOT_LINE=$(sed -n 's|^#\(smtpd_milters = unix:/.*\)$|\1|p' "$CONTRIB")
CHROOT_SOCK=${CHROOT_LINE#smtpd_milters = unix:}
[ -n "$CHROOT_LINE" ] || t_fail "$CONTRIB: no commented smtpd_milters line for a chrooted smtpd"

t_start_sink "$T/sink"

echo "$MILTER_LINES" | pf_make mx "$SINK_PORT"
trap 'pf_stop_all; t_cleanup' EXIT
pf_start mx
MX_PORT=$(pf_port mx)
pf_make up "$MX_PORT" </dev/null
pf_start up
UP_PORT=$(pf_port up)

printf 'X5O!P%%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$T/eicar.com"

# ---- 1. clean mail: delivered with both headers
daemon_start "$T/db" </dev/null
send "$MX_PORT" "$T/clean.out" --header "Subject: clean one" --body "Hello, clean."
expect_file "$T/clean.out" '^<- +250 .*queued as' "clean: mx answers 250 at end of DATA"
t_wait_for 60 sink_has 1 && ok "clean: delivered to the sink" || notok "clean: nothing delivered"
f=$(ls "$T/sink"/* 2>/dev/null | head -1)
if [ -n "$f" ]; then
	expect_file "$f" '^X-Virus-Scanned: clamshim [0-9.]+ \(ClamAV [^)]*\) on ' "clean: X-Virus-Scanned header"
	expect_file "$f" '^X-Virus-Status: Clean$' "clean: X-Virus-Status: Clean"
	expect_file "$f" '^Subject: clean one$' "clean: it is the message sent"
fi
expect_log mx 'postfix/smtp\[[0-9]+\]: [0-9A-F]+: to=<rcpt@example.test>, relay=127.0.0.1\[127.0.0.1\]:'"$SINK_PORT"'.* status=sent' \
	"clean: mx relayed it"
grep -q ': verdict=clean action=accept ' "$T/clamshim.log" && ok "clean: clamshim logged verdict=clean" ||
	notok "clean: no verdict=clean line in clamshim's log"

# ---- 2. EICAR attachment: 550 5.7.1 at end of DATA, nothing delivered
was=$(sink_count)
send "$MX_PORT" "$T/eicar.out" --header "Subject: eicar" --attach "$T/eicar.com"
expect_file "$T/eicar.out" '^<\*\* +550 5\.7\.1 Virus found: Eicar-Test-Signature' "eicar: 550 5.7.1 Virus found at end of DATA"
expect_log mx 'milter-reject: END-OF-MESSAGE from [^:]*: 5\.7\.1 Virus found: Eicar-Test-Signature' "eicar: mx logged the milter reject"
t_wait_for 60 pf_settled mx || notok "eicar: mx still holds mail: $(postqueue -c "$T/mx/etc" -p 2>&1 | tail -3)"
[ "$(sink_count)" -eq "$was" ] && ok "eicar: nothing delivered" || notok "eicar: something was delivered"

# ---- 3. scanner down (no signatures yet), tempfail: mail waits upstream, then arrives
mkdir -p "$T/late-db"
daemon_start "$T/late-db" </dev/null
was=$(sink_count)
send "$UP_PORT" "$T/defer.out" --header "Subject: wait for me" --body "Deferred, not lost."
expect_file "$T/defer.out" '^<- +250 .*queued as' "defer: upstream accepted the message"
expect_log up 'status=deferred \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 451 4\.7\.1 Virus scanner unavailable, try again later' \
	"defer: mx answered 451 4.7.1 and upstream deferred the message"
expect_log mx 'milter-reject: END-OF-MESSAGE from [^:]*: 4\.7\.1 Virus scanner unavailable' "defer: mx logged the milter tempfail"
t_wait_for 60 pf_queue_is up deferred 1 && ok "defer: one message in upstream's deferred queue" ||
	notok "defer: $(pf_queue_count up deferred) messages in upstream's deferred queue"
postqueue -c "$T/up/etc" -p > "$T/defer.queue" 2>&1
expect_file "$T/defer.queue" 'Virus scanner unavailable' "defer: postqueue -p shows why it waits"
[ "$(sink_count)" -eq "$was" ] && ok "defer: nothing delivered while the scanner is down" || notok "defer: delivered while down"
# the scanner comes back: signatures appear, reload_check picks them up
t_mkdb "$T/late-db"
t_wait_for 60 grep -q 'embedded: loaded [0-9]* signatures' "$T/clamshim.log" ||
	notok "defer: the daemon did not load the new signatures"
postqueue -c "$T/up/etc" -f
t_wait_for 60 sink_has $((was + 1)) && ok "defer: delivered after the flush" || notok "defer: not delivered after the flush"
t_wait_for 60 pf_settled up && ok "defer: upstream's queue is empty" || notok "defer: upstream still holds mail"
t_wait_for 60 pf_settled mx || notok "defer: mx still holds mail"
[ "$(sink_count)" -eq $((was + 1)) ] && ok "defer: delivered exactly once" || notok "defer: $(sink_count) messages, wanted $((was + 1))"
f=$(grep -l '^Subject: wait for me' "$T/sink"/* 2>/dev/null | head -1)
if [ -n "$f" ]; then
	expect_file "$f" '^X-Virus-Status: Clean$' "defer: it was scanned: X-Virus-Status: Clean"
	expect_file "$f" '^Deferred, not lost\.' "defer: the body arrived"
else
	notok "defer: the deferred message is not in the sink"
fi
expect_log up 'status=sent \(250 ' "defer: upstream logged it sent"

# ---- 3b. local submission (sendmail command, non_smtpd_milters) while the
# scanner is down: the message stays in mx's queue and arrives, scanned, later
mkdir -p "$T/late-db2"
daemon_start "$T/late-db2" </dev/null
was=$(sink_count)
printf 'From: sender@clamshim.test\nTo: rcpt@example.test\nSubject: local while down\n\nSubmitted locally.\n' |
	sendmail -C "$T/mx/etc" -f sender@clamshim.test rcpt@example.test > "$T/local.out" 2>&1
echo "sendmail exit $?" >> "$T/local.out"
expect_log mx 'milter-reject: END-OF-MESSAGE from localhost\[127\.0\.0\.1\]: 4\.7\.1 Virus scanner unavailable, try again later; from=<sender@clamshim\.test> to=<rcpt@example\.test>$' \
	"local: cleanup got the milter tempfail"
t_wait_for 60 pf_settled mx || notok "local: mx has mail on its way although the scanner is down"
[ "$(sink_count)" -eq "$was" ] && ok "local: nothing delivered while the scanner is down" || notok "local: delivered while down"
expect_file "$T/local.out" '^sendmail exit 0$' "local: the sendmail command succeeded"
t_wait_for 60 pf_queue_is mx maildrop 1 && ok "local: the message waits in mx's maildrop" ||
	notok "local: $(pf_queue_count mx maildrop) messages in maildrop, wanted 1"
t_mkdb "$T/late-db2"
t_wait_for 60 grep -q 'embedded: loaded [0-9]* signatures' "$T/clamshim.log" ||
	notok "local: the daemon did not load the new signatures"
postqueue -c "$T/mx/etc" -f
postkick -c "$T/mx/etc" public pickup W
t_wait_for 90 sink_has $((was + 1)) && ok "local: delivered after the scanner came back" || notok "local: not delivered"
f=$(grep -l '^Subject: local while down' "$T/sink"/* 2>/dev/null | head -1)
[ -n "$f" ] && expect_file "$f" '^X-Virus-Status: Clean$' "local: scanned: X-Virus-Status: Clean"
t_wait_for 60 pf_queue_is mx maildrop 0 && ok "local: maildrop is empty" || notok "local: maildrop still holds mail"
expect_log mx 'postfix/pickup\[[0-9]+\]: [0-9A-F]+: uid=0 from=<sender@clamshim.test>' "local: pickup took it up again"

# ---- 3c. the clamd chain with clamd not running yet: deferred upstream, then
# clamd starts and the flushed message arrives scanned by clamd
daemon_start "$T/db" <<EOF
scanners = {"clamd"}
clamd {
  servers = {"unix:$T/clamd/clamd.sock"}
  retry_after = "1s"
}
EOF
was=$(sink_count)
send "$UP_PORT" "$T/clamd-defer.out" --header "Subject: wait for clamd" --body "Deferred until clamd runs."
expect_file "$T/clamd-defer.out" '^<- +250 .*queued as' "clamd: upstream accepted the message"
t_wait_for 60 pf_queue_is up deferred 1 && ok "clamd: one message in upstream's deferred queue" ||
	notok "clamd: $(pf_queue_count up deferred) messages in upstream's deferred queue"
expect_log up 'status=deferred \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 451 4\.7\.1 Virus scanner unavailable' \
	"clamd: mx answered 451 4.7.1 while clamd is down"
t_clamd_conf "$T/clamd" <<EOF
LocalSocketMode 666
EOF
t_start_clamd "$T/clamd"
t_wait_for 60 grep -q 'clamd server unix:.* is up' "$T/clamshim.log" ||
	notok "clamd: clamshim did not log the started clamd as up"
postqueue -c "$T/up/etc" -f
t_wait_for 60 sink_has $((was + 1)) && ok "clamd: delivered after clamd started and the flush" || notok "clamd: not delivered"
f=$(grep -l '^Subject: wait for clamd' "$T/sink"/* 2>/dev/null | head -1)
[ -n "$f" ] && expect_file "$f" '^X-Virus-Status: Clean$' "clamd: scanned: X-Virus-Status: Clean"
expect_log up 'status=sent \(250 2\.0\.0 Ok: queued as' "clamd: upstream logged it sent"
grep -q ': verdict=clean action=accept scanner=clamd ' "$T/clamshim.log" && ok "clamd: clamshim logged scanner=clamd" ||
	notok "clamd: no verdict=clean scanner=clamd line"
daemon_stop
t_stop_pid "$CLAMD_PID"

# ---- 4. on_unavailable accept: delivered, tagged Unscanned
daemon_start "$T/empty" <<EOF
policy {
  on_unavailable = "accept"
}
EOF
was=$(sink_count)
send "$MX_PORT" "$T/accept.out" --header "Subject: unscanned" --body "Accepted unscanned."
expect_file "$T/accept.out" '^<- +250 .*queued as' "accept: mx answers 250"
t_wait_for 60 sink_has $((was + 1)) && ok "accept: delivered" || notok "accept: nothing delivered"
f=$(grep -l '^Subject: unscanned' "$T/sink"/* 2>/dev/null | head -1)
[ -n "$f" ] && expect_file "$f" '^X-Virus-Status: Unscanned \(.+\)$' "accept: X-Virus-Status: Unscanned (reason)"
expect_log mx "$(qid_of "$T/accept.out"): to=<rcpt@example.test>, relay=.* status=sent" "accept: mx relayed it"

# ---- 5. on_infected quarantine: the message sits in mx's hold queue
daemon_start "$T/db" <<EOF
policy {
  on_infected = "quarantine"
}
EOF
was=$(sink_count)
send "$MX_PORT" "$T/hold.out" --header "Subject: hold me" --attach "$T/eicar.com"
expect_file "$T/hold.out" '^<- +250 .*queued as' "quarantine: mx answers 250"
expect_log mx 'milter triggers HOLD action' "quarantine: mx logged the HOLD"
t_wait_for 60 pf_queue_is mx hold 1 && ok "quarantine: one message in mx's hold queue" ||
	notok "quarantine: $(pf_queue_count mx hold) messages in the hold queue"
postqueue -c "$T/mx/etc" -p > "$T/hold.queue" 2>&1
expect_file "$T/hold.queue" '^[0-9A-F]+!' "quarantine: postqueue -p marks it held (!)"
t_wait_for 60 pf_settled mx || notok "quarantine: mx has mail on its way besides the held one"
[ "$(sink_count)" -eq "$was" ] && ok "quarantine: nothing delivered" || notok "quarantine: delivered"
qid=$(sed -n 's/^\([0-9A-F][0-9A-F]*\)!.*/\1/p' "$T/hold.queue" | head -1)
postsuper -c "$T/mx/etc" -H "$qid" > "$T/release.out" 2>&1
postqueue -c "$T/mx/etc" -f
t_wait_for 60 sink_has $((was + 1)) && ok "quarantine: released with postsuper -H $qid, then delivered" ||
	{ notok "quarantine: release of $qid did not deliver it"; cat "$T/release.out"; }
expect_log mx "postsuper\\[[0-9]+\\]: $qid: released from hold" "quarantine: mx logged the release"

# ---- 6. clamshim itself down: milter_default_action = tempfail
daemon_stop
send "$MX_PORT" "$T/down.out" --header "Subject: milter down" --body "Nobody listens."
expect_file "$T/down.out" '^<\*\* +451 4\.7\.1 ' "milter down: 451 4.7.1 (milter_default_action = tempfail)"
expect_log mx 'milter unix:'"$SOCK"': can.t connect|connect to Milter service unix:'"$SOCK" "milter down: mx logged the failed connect"

# ---- 7. a chrooted smtpd and cleanup (Debian's master.cf): the socket inside
# the queue directory, smtpd_milters naming it relative to the chroot
SOCK=$T/mx/queue$CHROOT_SOCK
mkdir -p "${SOCK%/*}"
chown "$SVC_USER:$SVC_GROUP" "${SOCK%/*}"
chmod 0750 "${SOCK%/*}"
sed -i -e 's|^\(127\.0\.0\.1:[0-9]* inet *n - \)n|\1y|' -e 's|^\(cleanup *unix *n - \)n|\1y|' \
	-e 's|^\(pickup *unix *n - \)n|\1y|' "$T/mx/etc/master.cf"
sed -i "s|^smtpd_milters = .*|$CHROOT_LINE|" "$T/mx/etc/main.cf"
reloads=$(grep -c 'postfix/master\[[0-9]*\]: reload ' "$T/mx/maillog")
postfix -c "$T/mx/etc" reload >/dev/null 2>&1 || notok "chroot: postfix reload failed"
# mx_reloaded -- master logged one more "reload" line: it runs the new master.cf
mx_reloaded() { [ "$(grep -c 'postfix/master\[[0-9]*\]: reload ' "$T/mx/maillog")" -gt "$reloads" ]; }
t_wait_for 60 mx_reloaded || notok "chroot: mx's master did not log the reload"
daemon_start "$T/db" </dev/null
was=$(sink_count)
send "$MX_PORT" "$T/chroot.out" --header "Subject: chrooted" --body "Hello from a chroot."
expect_file "$T/chroot.out" '^<- +250 .*queued as' "chroot: mx answers 250"
t_wait_for 60 sink_has $((was + 1)) && ok "chroot: delivered" || notok "chroot: nothing delivered"
f=$(grep -l '^Subject: chrooted' "$T/sink"/* 2>/dev/null | head -1)
[ -n "$f" ] && expect_file "$f" '^X-Virus-Status: Clean$' "chroot: scanned: X-Virus-Status: Clean"
expect_log mx "$(qid_of "$T/chroot.out"): to=<rcpt@example.test>, relay=.* status=sent" "chroot: mx relayed it"
send "$MX_PORT" "$T/chroot-eicar.out" --header "Subject: eicar chrooted" --attach "$T/eicar.com"
expect_file "$T/chroot-eicar.out" '^<\*\* +550 5\.7\.1 Virus found: Eicar-Test-Signature' "chroot: EICAR 550 5.7.1"

pf_stop_all
echo "$fails failed"
[ "$fails" -eq 0 ]
