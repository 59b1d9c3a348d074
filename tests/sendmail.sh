# tests/sendmail.sh -- clamshim behind a real Sendmail, end to end, on loopback.
#
# Debian's sendmail conflicts with the installed Postfix, so it is not
# installed: apt-get download fetches sendmail-bin, sendmail-base,
# sendmail-cf, libmilter1.0.1 and libwrap0 once into a cache
# ($SENDMAIL_CACHE, default /var/cache/clamshim-test/sendmail), dpkg-deb -x
# unpacks them there, and sendmail runs from that tree with its own .mc
# (DNS off, 127.0.0.1 only, relaying everything to smtp-sink) in a private
# mount namespace that has its own /etc/hosts, resolv.conf, nsswitch.conf
# and a /dev/log read by tests/notifyrecv (there is no syslog daemon here).
# The milter line is the one of contrib/sendmail.mc, socket path changed.
# Cases: clean mail delivered with the X-Virus-* headers; EICAR rejected at
# end of DATA with 550 5.7.1; scanner down -> 451 4.7.1; on_infected
# quarantine -> in Sendmail's quarantine (mailq -qQ); clamshim itself down
# -> F=T: 451 4.3.2. Needs root; skips (77) with the reason when the
# packages cannot be fetched or sendmail cannot run here.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
NOTIFYRECV=${NOTIFYRECV:-$top_builddir/tests/notifyrecv}
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
CACHE=${SENDMAIL_CACHE:-/var/cache/clamshim-test/sendmail}
ROOT=$CACHE/root
SM=$ROOT/usr/libexec/sendmail/sendmail
if [ ! -x "$SM" ] || [ ! -d "$ROOT/usr/share/sendmail/cf/m4" ]; then
	command -v apt-get >/dev/null 2>&1 || t_skip "sendmail is not unpacked in $CACHE and there is no apt-get to fetch it"
	mkdir -p "$CACHE/debs" || t_fail "cannot make $CACHE"
	chmod 755 "$CACHE" "$CACHE/debs"
	if ! (cd "$CACHE/debs" && apt-get download sendmail-bin sendmail-base sendmail-cf \
		libmilter1.0.1 libwrap0) > "$T/apt.out" 2>&1; then
		cat "$T/apt.out" >&2
		t_skip "apt-get download of the sendmail packages failed (no package source reachable?)"
	fi
	rm -rf "$CACHE/root.new"
	mkdir "$CACHE/root.new"
	for deb in "$CACHE"/debs/*.deb; do
		dpkg-deb -x "$deb" "$CACHE/root.new" || t_fail "dpkg-deb -x $deb"
	done
	# setgid sendmail would ignore LD_LIBRARY_PATH (libwrap is unpacked, not installed)
	chmod g-s "$CACHE/root.new/usr/libexec/sendmail/sendmail"
	rm -rf "$ROOT" && mv "$CACHE/root.new" "$ROOT" || t_fail "cannot move the unpacked tree into $ROOT"
fi
export LD_LIBRARY_PATH=$ROOT/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# sendmail is never run outside its namespace: at start it looks up its host
# name, which must not reach the machine's (off-machine) DNS server

# ---- clamshim, as the unit runs it (Sendmail connects as root: no drop-in)
mkdir -p "$T/run" "$T/empty"
chown "$SVC_USER:$SVC_GROUP" "$T/run"
t_mkdb "$T/db"
SOCK=$T/run/clamshim.sock
daemon_start() { t_svc_start "$@"; }
daemon_stop() { t_svc_stop; }

sink_count() { ls "$T/sink" 2>/dev/null | wc -l; }
sink_has() { [ "$(sink_count)" -ge "$1" ]; }
# sm_settled -- 0 when sendmail's queue holds no message it would deliver
# (no qf file; a quarantined one is an hf file): nothing is on its way
sm_settled() { [ "$(find "$T/sm/queue" -name 'qf*' 2>/dev/null | wc -l)" -eq 0 ]; }

# send OUTFILE [swaks options] -- one message to sendmail
send() {
	out=$1; shift
	swaks --server "127.0.0.1:$SM_PORT" --helo client.clamshim.test \
		--from sender@clamshim.test --to rcpt@example.test \
		--timeout 120 "$@" > "$out" 2>&1
}
# maillog -- sendmail's syslog lines as text
maillog() { grep -v '^--$' "$D/syslog.out" 2>/dev/null | sed 's/^<[0-9]*>//'; }
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

# sm_cmd ARGS... -- one sendmail command in a namespace with the test's /etc files
sm_cmd() {
	unshare -m sh -c 'for f in hosts resolv.conf nsswitch.conf; do mount --bind "$1/etc/$f" "/etc/$f" || exit 1; done; shift; exec "$@"' \
		sh "$D" "$SM" -C "$D/sm.cf" "$@"
}

# ---- smtp-sink
t_start_sink "$T/sink"

# ---- the sendmail instance
D=$T/sm
mkdir -p "$D/etc" "$D/queue" "$D/dev"
chmod 700 "$D/queue"
HOST=mx.clamshim.test
grep -q "^INPUT_MAIL_FILTER(\`clamshim', \`S=local:/run/clamshim/clamshim.sock, F=T," "$CONTRIB" ||
	t_fail "$CONTRIB: no INPUT_MAIL_FILTER line with the documented socket and F=T"
MILTER_LINES=$(grep -v '^dnl' "$CONTRIB" | sed "s|local:/run/clamshim/clamshim.sock|local:$SOCK|")
printf '127.0.0.1 %s mx localhost\n::1 %s mx localhost\n' "$HOST" "$HOST" > "$D/etc/hosts"
printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:1\n' > "$D/etc/resolv.conf"
printf 'passwd: files\ngroup: files\nhosts: files\n' > "$D/etc/nsswitch.conf"
printf 'hosts files\naliases files\n' > "$D/etc/service.switch"
printf 'postmaster: root\nMAILER-DAEMON: postmaster\n' > "$D/etc/aliases"
: > "$D/etc/helpfile"
CF=$ROOT/usr/share/sendmail/cf
cat > "$D/sm.mc" <<EOF
divert(-1)
# the private test instance around the lines of contrib/sendmail.mc
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`MAIL_SETTINGS_DIR', \`$D/etc/')dnl
define(\`QUEUE_DIR', \`$D/queue')dnl
define(\`confPID_FILE', \`$D/sendmail.pid')dnl
define(\`STATUS_FILE', \`$D/statistics')dnl
define(\`ALIAS_FILE', \`$D/etc/aliases')dnl
define(\`confHELP_FILE', \`$D/etc/helpfile')dnl
define(\`confSERVICE_SWITCH_FILE', \`$D/etc/service.switch')dnl
define(\`confHOSTS_FILE', \`$D/etc/hosts')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confRUN_AS_USER', \`root:root')dnl
define(\`confDOMAIN_NAME', \`$HOST')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`confDONT_PROBE_INTERFACES', \`true')dnl
define(\`confTO_IDENT', \`0')dnl
define(\`confLOG_LEVEL', \`9')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`MAIL_HUB', \`relay:[127.0.0.1]')dnl
define(\`LOCAL_RELAY', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
define(\`SMTP_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
define(\`SMTP8_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
define(\`DSMTP_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`promiscuous_relay')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
DAEMON_OPTIONS(\`Family=inet, Addr=127.0.0.1, Port=0, Name=MTA')dnl
$MILTER_LINES
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
m4 -D_CF_DIR_="$CF/" "$CF/m4/cf.m4" "$D/sm.mc" > "$D/sm.cf" 2> "$T/m4.err" ||
	{ cat "$T/m4.err" >&2; t_fail "m4 could not build sm.cf"; }
grep -q "^Xclamshim, S=local:$SOCK, F=T" "$D/sm.cf" && ok "sm.cf has the milter (X line) with F=T" ||
	notok "sm.cf has no Xclamshim line: $(grep '^X' "$D/sm.cf")"

# the namespace: own hosts/resolver/nsswitch over /etc, a private /dev with
# the few devices sendmail uses and /dev/log read by notifyrecv
mkdir "$D/olddev"
cat > "$D/ns.sh" <<EOF
mount --make-rprivate / || exit 90
for f in hosts resolv.conf nsswitch.conf; do
	mount --bind "$D/etc/\$f" "/etc/\$f" || exit 91
done
mount --bind /dev "$D/olddev" || exit 92
mount -t tmpfs -o mode=0755 tmpfs /dev || exit 93
for n in null zero random urandom full tty; do
	[ -e "$D/olddev/\$n" ] || continue
	: > "/dev/\$n" && mount --bind "$D/olddev/\$n" "/dev/\$n" || exit 94
done
ln -s /proc/self/fd /dev/fd
"$NOTIFYRECV" /dev/log > "$D/syslog.out" 2>&1 &
echo \$! > "$D/syslog.pid"
i=0; while ! grep -q '^ready' "$D/syslog.out" 2>/dev/null; do sleep 0.1; i=\$((i+1)); [ \$i -lt 600 ] || exit 95; done
"$SM" -C "$D/sm.cf" -d0.1 -bt < /dev/null > "$D/version.out" 2>&1 || { cat "$D/version.out"; exit 97; }
"$SM" -C "$D/sm.cf" -bi > "$D/newaliases.out" 2>&1 || { cat "$D/newaliases.out"; exit 96; }
exec "$SM" -C "$D/sm.cf" -bD -q1h
EOF
# sm_stop -- stop the sendmail of the namespace and its notifyrecv
sm_stop() {
	for f in "$D/sendmail.pid" "$D/syslog.pid"; do
		[ -s "$f" ] && kill "$(head -1 "$f")" 2>/dev/null
		rm -f "$f"
	done
	[ -n "${SM_PID:-}" ] && t_stop_pid "$SM_PID"
}
cleanup_sm() { sm_stop; t_cleanup; }
trap cleanup_sm EXIT
# sm_up_or_not -- sendmail ($SM_PID) listens on $SM_PORT, has exited, or cannot bind
# (it tries its bind again for a while): a t_wait_for condition
sm_up_or_not() { t_listens "$SM_PORT" "$SM_PID" || t_gone "$SM_PID" || maillog | grep -q 'cannot bind'; }
# sm_try -- sendmail in its namespace on 127.0.0.1:$T_PORT (a t_on_free_port CMD, the port
# of its DaemonPortOptions in sm.cf): 0 once it listens there, 1 when it could not bind,
# 2 when it did not start for another reason (stopped then)
sm_try() {
	SM_PORT=$T_PORT
	sed -i "s/^\(O DaemonPortOptions=.*Port=\)[0-9]*/\1$SM_PORT/" "$D/sm.cf"
	rm -f "$D/syslog.out"		# the last try's log: it may say "cannot bind"
	t_bg unshare -m sh "$D/ns.sh" > "$T/ns.out" 2>&1
	SM_PID=$!
	t_wait_for 60 sm_up_or_not && t_listens "$SM_PORT" "$SM_PID" && return 0
	maillog | grep -q 'cannot bind' && _sm_st=1 || _sm_st=2
	sm_stop
	return $_sm_st
}
t_on_free_port sendmail sm_try
case $? in
0) ;;
1) t_fail "sendmail could not bind a loopback port (10 tried)" ;;
*) cat "$T/ns.out" >&2; maillog >&2
   t_skip "sendmail did not start listening in its namespace: $(head -3 "$T/ns.out" | tr '\n' ' ')" ;;
esac
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
