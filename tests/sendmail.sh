# tests/sendmail.sh -- clamshim behind a real Sendmail, end to end, on loopback.
#
# Sendmail is unpacked, not installed, and runs on loopback in a private
# mount namespace: tests/sendmail-lib.sh (sm_*) sets it up.
# The milter line is the one of contrib/sendmail.mc, socket path changed.
# Cases: clean mail delivered with the X-Virus-* headers; EICAR rejected at
# end of DATA with 550 5.7.1; scanner down -> 451 4.7.1; on_infected
# quarantine -> in Sendmail's quarantine (mailq -qQ); clamshim itself down
# -> F=T: 451 4.3.2. Needs root; skips (77) with the reason when the
# packages cannot be fetched or sendmail cannot run here.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/sendmail-lib.sh"
t_need "$CLAMSHIM" "$SIGTOOL" "$NOTIFYRECV" m4 smtp-sink swaks ss unshare mount setpriv dpkg-deb
[ "$(id -u)" = 0 ] || t_skip "sendmail must be started as root"
t_setup
CONTRIB=$top_srcdir/contrib/sendmail.mc
UNIT=$top_srcdir/contrib/clamshim.service.in
for f in "$CONTRIB" "$UNIT"; do [ -r "$f" ] || t_fail "missing $f"; done
SVC_USER=$(sed -n 's/^User=//p' "$UNIT")
SVC_GROUP=$(sed -n 's/^Group=//p' "$UNIT")
id "$SVC_USER" >/dev/null 2>&1 || t_skip "no user $SVC_USER (User= of the unit) on this machine"
fails=0

# ---- the sendmail tree: fetched and unpacked once, then reused
sm_unpack

# ---- clamshim, as the unit runs it (Sendmail connects as root: no drop-in)
mkdir -p "$T/run" "$T/empty"
chown "$SVC_USER:$SVC_GROUP" "$T/run"
t_mkdb "$T/db"
SOCK=$T/run/clamshim.sock
daemon_start() { t_svc_start "$@"; }
daemon_stop() { t_svc_stop; }

sink_count() { ls "$T/sink" 2>/dev/null | wc -l; }
sink_has() { [ "$(sink_count)" -ge "$1" ]; }

# send OUTFILE [swaks options] -- one message to sendmail
send() {
	out=$1; shift
	swaks --server "127.0.0.1:$SM_PORT" --helo client.clamshim.test \
		--from sender@clamshim.test --to rcpt@example.test \
		--timeout 120 "$@" > "$out" 2>&1
}
maillog() { sm_maillog; }
# expect_log REGEX WHAT -- a line in sendmail's log; prints it
expect_log() {
	if t_wait_for 60 sh -c 'grep -v "^--$" "$1" | grep -Eq -- "$2"' sh "$D/syslog.out" "$1"; then
		ok "$2"; maillog | grep -E -- "$1" | tail -1 | sed 's/^/    sendmail logged: /'
	else
		notok "$2: no log line matches /$1/"; maillog | tail -20 | sed 's/^/    /'
	fi
}
expect_file() {	# expect_file FILE REGEX WHAT
	if grep -Eq -- "$2" "$1"; then ok "$3"; else
		notok "$3: no line matches /$2/ in $1"; sed 's/^/    /' "$1" | head -40; fi
}

# ---- smtp-sink
t_start_sink "$T/sink"

# ---- the sendmail instance
SM_PORT=$(t_free_port)
while [ "$SM_PORT" = "$SINK_PORT" ]; do SM_PORT=$(t_free_port); done
grep -q "^INPUT_MAIL_FILTER(\`clamshim', \`S=local:/run/clamshim/clamshim.sock, F=T," "$CONTRIB" ||
	t_fail "$CONTRIB: no INPUT_MAIL_FILTER line with the documented socket and F=T"
# the milter line is the one of contrib/sendmail.mc, socket path changed
grep -v '^dnl' "$CONTRIB" | sed "s|local:/run/clamshim/clamshim.sock|local:$SOCK|" > "$T/milter.mc"
sm_make "$T/sm" "$SM_PORT" "$SINK_PORT" < "$T/milter.mc"
grep -q "^Xclamshim, S=local:$SOCK, F=T" "$D/sm.cf" && ok "sm.cf has the milter (X line) with F=T" ||
	notok "sm.cf has no Xclamshim line: $(grep '^X' "$D/sm.cf")"

trap 'sm_stop; t_cleanup' EXIT
sm_start
ok "sendmail $(sed -n 's/^Version //p' "$D/version.out" | head -1) listens on 127.0.0.1:$SM_PORT"

printf 'X5O!P%%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$T/eicar.com"

# ---- 1. clean mail: delivered with both headers
daemon_start "$T/db" </dev/null
send "$T/clean.out" --header "Subject: clean one" --body "Hello, clean."
expect_file "$T/clean.out" '^<- +250 .*accepted for delivery' "clean: sendmail answers 250 at end of DATA"
t_wait_for 60 sink_has 1 && ok "clean: delivered to the sink" || notok "clean: nothing delivered"
f=$(grep -l '^Subject: clean one' "$T/sink"/* 2>/dev/null | head -1)
if [ -n "$f" ]; then
	expect_file "$f" '^X-Virus-Scanned: clamshim [0-9.]+ \(ClamAV [^)]*\) on ' "clean: X-Virus-Scanned header"
	expect_file "$f" '^X-Virus-Status: Clean$' "clean: X-Virus-Status: Clean"
fi
expect_log 'Milter \(clamshim\) add: header: X-Virus-Status: Clean$' "clean: sendmail logged the added header"
expect_log 'to=<rcpt@example.test>.*relay=\[127\.0\.0\.1\].*stat=Sent' "clean: sendmail relayed it"
grep -q ': verdict=clean action=accept ' "$T/clamshim.log" && ok "clean: clamshim logged verdict=clean" ||
	notok "clean: no verdict=clean line in clamshim's log"

# ---- 2. EICAR attachment: 550 5.7.1 at end of DATA, nothing delivered
was=$(sink_count)
send "$T/eicar.out" --header "Subject: eicar" --attach "$T/eicar.com"
expect_file "$T/eicar.out" '^<\*\* +550 5\.7\.1 Virus found: Eicar-Test-Signature' "eicar: 550 5.7.1 Virus found at end of DATA"
expect_log 'Milter: data, reject=550 5\.7\.1 Virus found: Eicar-Test-Signature' "eicar: sendmail logged the milter reject"
t_wait_for 60 sm_settled || notok "sendmail has mail on its way: $(ls "$D/queue")"
[ "$(sink_count)" -eq "$was" ] && ok "eicar: nothing delivered" || notok "eicar: something was delivered"

# ---- 3. scanner down (no signatures), tempfail: 451 4.7.1
daemon_start "$T/empty" </dev/null
was=$(sink_count)
send "$T/down.out" --header "Subject: scanner down" --body "Try later."
expect_file "$T/down.out" '^<\*\* +451 4\.7\.1 Virus scanner unavailable, try again later' "scanner down: 451 4.7.1"
expect_log 'Milter: data, reject=451 4\.7\.1 Virus scanner unavailable' "scanner down: sendmail logged the milter tempfail"
t_wait_for 60 sm_settled || notok "sendmail has mail on its way: $(ls "$D/queue")"
[ "$(sink_count)" -eq "$was" ] && ok "scanner down: nothing delivered" || notok "scanner down: delivered"

# ---- 4. on_infected quarantine: in sendmail's quarantine
daemon_start "$T/db" <<EOF
policy {
  on_infected = "quarantine"
}
EOF
was=$(sink_count)
send "$T/hold.out" --header "Subject: hold me" --attach "$T/eicar.com"
expect_file "$T/hold.out" '^<- +250 .*accepted for delivery' "quarantine: sendmail answers 250"
expect_log 'milter=clamshim, quarantine=Infected \(Eicar-Test-Signature' "quarantine: sendmail logged the quarantine"
sm_cmd -bp -qQ > "$T/quarantine.out" 2>&1
expect_file "$T/quarantine.out" 'QUARANTINE: Infected \(Eicar-Test-Signature' "quarantine: mailq -qQ lists it with the reason"
t_wait_for 60 sm_settled || notok "sendmail has mail on its way: $(ls "$D/queue")"
[ "$(sink_count)" -eq "$was" ] && ok "quarantine: nothing delivered" || notok "quarantine: delivered"
qid=$(maillog | sed -n 's/.*sendmail\[[0-9]*\]: \([0-9A-Za-z]*\): milter=clamshim, quarantine=.*/\1/p' | tail -1)
# the release documented in doc/mta.md (Sendmail): an empty -Q lifts the quarantine
sm_cmd -qQ -qI"$qid" -Q > "$T/release.out" 2>&1
sm_cmd -q -qI"$qid" >> "$T/release.out" 2>&1
t_wait_for 60 sink_has $((was + 1)) && ok "quarantine: released with sendmail -qQ -qI$qid -Q, then delivered" ||
	{ notok "quarantine: release of $qid did not deliver it"; sed 's/^/    /' "$T/release.out"; }

# ---- 5. clamshim itself down: F=T
daemon_stop
send "$T/milterdown.out" --header "Subject: milter down" --body "Nobody listens."
expect_file "$T/milterdown.out" '^<\*\* +451 4\.3\.2 ' "milter down: 451 4.3.2 (F=T)"
expect_log 'Milter \(clamshim\): .*(to error state|connect)' "milter down: sendmail logged the failed connect"

echo "$fails failed"
[ "$fails" -eq 0 ]
