# tests/classes.sh -- classes (issue 13) through a real Postfix, on loopback.
#
# One private Postfix (postfix -c DIR, nothing chrooted, DNS off, 127.0.0.1
# only) with the milter lines of contrib/postfix-main.cf and two smtpd
# services: port 25's stand-in, and a submission port with
# milter_macro_daemon_name = ORIGINATING (Postfix's usual submission
# setting); it relays to smtp-sink, which keeps each delivered message as a
# file. clamshim runs as its systemd unit would (User= of the unit, Group=
# of the Postfix drop-in) with the clamd chain and two classes:
#   "submission"  daemons = {"ORIGINATING"}, policy { on_unavailable = "accept" }
#   "abuse"       recipients = {"abuse@example.test"}, policy { on_infected = "tag" }
# Cases: with clamd up, EICAR to abuse@ is delivered tagged Infected, and
# EICAR to abuse@ and another recipient is rejected (every recipient must
# match); then clamd is stopped and the same outage gives 451 4.7.1 on port
# 25 and 250 + delivery tagged Unscanned on the submission port, both in
# this one test. clamshim's lines name the class (class=NAME).
# Needs root (a Postfix queue is set up as root); skips (77) without it.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/postfix-lib.sh"
t_need "$CLAMSHIM" "$SIGTOOL" "$CLAMD" perl postfix postconf smtp-sink swaks ss setpriv script
[ "$(id -u)" = 0 ] || t_skip "a private Postfix instance must be started as root"
id postfix >/dev/null 2>&1 || t_skip "no postfix user on this machine"
t_setup
CONTRIB=$top_srcdir/contrib/postfix-main.cf
fails=0

sink_count() { ls "$T/sink" 2>/dev/null | wc -l; }
sink_has() { [ "$(sink_count)" -ge "$1" ]; }
# sink_file SUBJECT -- the delivered message with this subject
sink_file() { grep -l "^Subject: $1\$" "$T/sink"/* 2>/dev/null | head -1; }
expect_file() {	# expect_file FILE REGEX WHAT
	if [ -n "$1" ] && grep -Eq -- "$2" "$1"; then ok "$3"; else
		notok "$3: no line matches /$2/ in ${1:-(no file)}"; [ -n "$1" ] && sed 's/^/    /' "$1" | head -40; fi
}
# expect_line REGEX WHAT -- a line of clamshim's log
expect_line() {
	if t_wait_for 60 grep -Eq -- "$1" "$T/clamshim.log"; then ok "$2"; else
		notok "$2: clamshim logged no line matching /$1/"; tail -20 "$T/clamshim.log" | sed 's/^/    /'; fi
}
# send PORT OUTFILE [swaks options] -- one message; the SMTP dialogue in OUTFILE
send() {
	port=$1 out=$2; shift 2
	swaks --server "127.0.0.1:$port" --helo client.clamshim.test --from sender@clamshim.test \
		--timeout 120 "$@" > "$out" 2>&1
}

# port 25's stand-in, and a submission port (Postfix's usual milter_macro_daemon_name)
pf_clamd_mx "127.0.0.1:0 inet n - n - - smtpd
  -o milter_macro_daemon_name=ORIGINATING" </dev/null
SUB_PORT=$(pf_port mx 2)
grep -q "^smtpd_milters = unix:$SOCK\$" "$T/mx/etc/main.cf" || t_fail "no smtpd_milters line from $CONTRIB"

# clamd, reachable by clamshim's user (pf_clamd_mx); clamshim with the clamd chain and the classes
t_start_clamd "$T/clamd"
pf_svc_clamd <<EOF
class "submission" {
  daemons = {"ORIGINATING"}
  policy { on_unavailable = "accept" }
}
class "abuse" {
  recipients = {"abuse@example.test"}
  policy { on_infected = "tag" }
}
EOF
printf 'X5O!P%%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$T/eicar.com"

# ---- 1. EICAR to abuse@ only: tagged and delivered
send "$MX_PORT" "$T/abuse.out" --to abuse@example.test --header "Subject: abuse report" --attach "$T/eicar.com"
expect_file "$T/abuse.out" '^<- +250 .*queued as' "abuse: 250 for EICAR to abuse@ alone"
t_wait_for 60 sink_has 1 && ok "abuse: delivered" || notok "abuse: nothing delivered"
expect_file "$(sink_file 'abuse report')" '^X-Virus-Status: Infected \(Eicar-Test-Signature' "abuse: tagged Infected"
expect_line ': verdict=infected action=accept scanner=clamd .* class=abuse' "abuse: clamshim logged class=abuse"

# ---- 2. EICAR to abuse@ and another recipient: the top-level policy rejects it
was=$(sink_count)
send "$MX_PORT" "$T/mixed.out" --to abuse@example.test,rcpt@example.test --header "Subject: mixed" --attach "$T/eicar.com"
expect_file "$T/mixed.out" '^<\*\* +550 5\.7\.1 Virus found: Eicar-Test-Signature' "mixed: 550 5.7.1 for abuse@ and rcpt@"
grep -E ': verdict=infected action=reject scanner=clamd ' "$T/clamshim.log" | grep -q 'class=' &&
	notok "mixed: the reject line names a class" || ok "mixed: the reject line names no class"
[ "$(sink_count)" -eq "$was" ] && ok "mixed: nothing delivered" || notok "mixed: something was delivered"

# ---- 3. clamd stopped: 451 on port 25, accepted Unscanned on the submission port
t_stop_pid "$CLAMD_PID"
t_wait_for 60 t_gone "$CLAMD_PID" || t_fail "clamd did not stop"
send "$MX_PORT" "$T/mx-down.out" --to rcpt@example.test --header "Subject: port 25 while down" --body "Wait."
expect_file "$T/mx-down.out" '^<\*\* +451 4\.7\.1 Virus scanner unavailable, try again later' \
	"outage: port 25 answers 451 4.7.1"
was=$(sink_count)
send "$SUB_PORT" "$T/sub-down.out" --to rcpt@example.test --header "Subject: submission while down" --body "Take it."
expect_file "$T/sub-down.out" '^<- +250 .*queued as' "outage: the ORIGINATING port answers 250"
t_wait_for 60 sink_has $((was + 1)) && ok "outage: delivered from the submission port" || notok "outage: nothing delivered"
expect_file "$(sink_file 'submission while down')" '^X-Virus-Status: Unscanned \(.+\)$' "outage: tagged Unscanned"
[ -z "$(sink_file 'port 25 while down')" ] && ok "outage: nothing from port 25 delivered" ||
	notok "outage: the port 25 message was delivered"
expect_line ': verdict=unavailable action=accept .* class=submission' "outage: clamshim logged class=submission"
expect_line ': verdict=unavailable action=tempfail ' "outage: clamshim logged the tempfail"
grep -E ': verdict=unavailable action=tempfail ' "$T/clamshim.log" | grep -q 'class=' &&
	notok "outage: the tempfail line names a class" || ok "outage: the tempfail line names no class"

t_svc_stop
[ "$fails" -eq 0 ] || { echo "---- clamshim log" >&2; tail -40 "$T/clamshim.log" >&2; t_fail "$fails checks failed"; }
echo "PASS: classes through Postfix"
