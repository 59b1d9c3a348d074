# tests/sendmail-lib.sh -- a private Sendmail on loopback for the system tests (sourced
# after tests/lib.sh).
#
# Debian's sendmail conflicts with the installed Postfix, so it is not
# installed: sm_unpack has apt-get download fetch sendmail-bin,
# sendmail-base, sendmail-cf, libmilter1.0.1 and libwrap0 once into a cache
# ($SENDMAIL_CACHE, default /var/cache/clamshim-test/sendmail) and dpkg-deb
# -x unpack them there. sm_make writes an instance's .mc and .cf (DNS off,
# 127.0.0.1 only, relaying everything to smtp-sink, the milter lines given),
# sm_start runs it in a private mount namespace that has its own
# /etc/hosts, resolv.conf, nsswitch.conf and a /dev/log read by
# tests/notifyrecv (there is no syslog daemon here). sm_cmd runs one more
# sendmail command in such a namespace (sendmail looks up its host name at
# start: that must never reach the machine's off-machine DNS server).
# Variables: ROOT (the unpacked tree), SM (its sendmail), QTOOL (its
# qtool.pl), D (the instance's directory), SM_PORT, SM_PID.
: "${NOTIFYRECV:=$top_builddir/tests/notifyrecv}"

# sm_unpack -- the unpacked sendmail tree (fetched once); skips (77) when it cannot be had
sm_unpack() {
	CACHE=${SENDMAIL_CACHE:-/var/cache/clamshim-test/sendmail}
	ROOT=$CACHE/root
	SM=$ROOT/usr/libexec/sendmail/sendmail
	QTOOL=$ROOT/usr/share/sendmail/qtool.pl
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
}

# sm_make DIR PORT SINKPORT < MILTERLINES -- the instance in DIR (not in a pipeline: it sets variables): its
# /etc files, sm.mc and sm.cf (queue DIR/queue); sets D and SM_PORT
sm_make() {
	D=$1 SM_PORT=$2
	_sm_sink=$3
	mkdir -p "$D/etc" "$D/queue" "$D/dev" || t_fail "mkdir $D"
	chmod 700 "$D/queue"
	_sm_host=mx.clamshim.test
	printf '127.0.0.1 %s mx localhost\n::1 %s mx localhost\n' "$_sm_host" "$_sm_host" > "$D/etc/hosts"
	printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:1\n' > "$D/etc/resolv.conf"
	printf 'passwd: files\ngroup: files\nhosts: files\n' > "$D/etc/nsswitch.conf"
	printf 'hosts files\naliases files\n' > "$D/etc/service.switch"
	printf 'postmaster: root\nMAILER-DAEMON: postmaster\n' > "$D/etc/aliases"
	: > "$D/etc/helpfile"
	_sm_milter=$(cat)
	_sm_cf=$ROOT/usr/share/sendmail/cf
	cat > "$D/sm.mc" <<EOF
divert(-1)
# a private test instance (tests/sendmail-lib.sh)
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
define(\`confDOMAIN_NAME', \`$_sm_host')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`confDONT_PROBE_INTERFACES', \`true')dnl
define(\`confTO_IDENT', \`0')dnl
define(\`confLOG_LEVEL', \`9')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`MAIL_HUB', \`relay:[127.0.0.1]')dnl
define(\`LOCAL_RELAY', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $_sm_sink')dnl
define(\`SMTP_MAILER_ARGS', \`TCP \$h $_sm_sink')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $_sm_sink')dnl
define(\`SMTP8_MAILER_ARGS', \`TCP \$h $_sm_sink')dnl
define(\`DSMTP_MAILER_ARGS', \`TCP \$h $_sm_sink')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`promiscuous_relay')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
DAEMON_OPTIONS(\`Family=inet, Addr=127.0.0.1, Port=$SM_PORT, Name=MTA')dnl
$_sm_milter
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
	m4 -D_CF_DIR_="$_sm_cf/" "$_sm_cf/m4/cf.m4" "$D/sm.mc" > "$D/sm.cf" 2> "$D/m4.err" ||
		{ cat "$D/m4.err" >&2; t_fail "m4 could not build sm.cf"; }
}

# sm_start -- the instance of sm_make listening (a private namespace: own /etc
# files, a private /dev with the few devices sendmail uses and /dev/log read by
# notifyrecv) on a free loopback port (t_on_free_port: SM_PORT is the port it got);
# sets SM_PID; skips (77) when sendmail cannot start here
sm_start() {
	[ -n "${D:-}" ] && [ -r "$D/sm.cf" ] || t_fail "sm_start: no instance (sm_make first, not in a pipeline)"
	mkdir -p "$D/olddev"
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
	t_on_free_port sendmail _sm_try
	case $? in
	0) ;;
	1) t_fail "sendmail could not bind a loopback port (10 tried)" ;;
	*) cat "$D/ns.out" >&2; sm_maillog >&2
	   t_skip "sendmail did not start listening in its namespace: $(head -3 "$D/ns.out" | tr '\n' ' ')" ;;
	esac
}

# _sm_up_or_not -- sendmail ($SM_PID) listens on $SM_PORT, has exited, or cannot bind
# (it tries its bind again for a while): a t_wait_for condition
_sm_up_or_not() { t_listens "$SM_PORT" "$SM_PID" || t_gone "$SM_PID" || sm_maillog | grep -q 'cannot bind'; }

# _sm_try -- one start of the namespace's sendmail on 127.0.0.1:$T_PORT (a t_on_free_port
# CMD: sm_make's port is only the first wish, since t_free_port's port may be taken by a
# test beside this one before sendmail binds it): 0 once it listens there, 1 when it could
# not bind, 2 when it did not start for another reason (stopped then)
_sm_try() {
	[ "$T_PORT" = "${SINK_PORT:-}" ] && return 1
	SM_PORT=$T_PORT
	sed -i "s/^\(O DaemonPortOptions=.*Port=\)[0-9]*/\1$SM_PORT/" "$D/sm.cf"
	rm -f "$D/syslog.out"		# the last try's log: it may say "cannot bind"
	t_bg unshare -m sh "$D/ns.sh" > "$D/ns.out" 2>&1
	SM_PID=$!
	t_wait_for 60 _sm_up_or_not && t_listens "$SM_PORT" "$SM_PID" && return 0
	sm_maillog | grep -q 'cannot bind' && _sm_st=1 || _sm_st=2
	sm_stop
	t_stop_pid "$SM_PID"
	return $_sm_st
}

# sm_stop -- stop the instance's sendmail daemon and log reader (by their pid files)
sm_stop() {
	for _sm_f in "$D/sendmail.pid" "$D/syslog.pid"; do
		[ -s "$_sm_f" ] && kill "$(head -1 "$_sm_f")" 2>/dev/null
		rm -f "$_sm_f"
	done
	:
}

# sm_wrapper FILE -- a script that runs sendmail ARGS... in a namespace with the
# instance's /etc files (for programs that run sendmail themselves)
sm_wrapper() {
	[ -n "${D:-}" ] || t_fail "sm_wrapper: no instance (sm_make first)"
	cat > "$1" <<EOF
#!/bin/sh
# sendmail of the test instance in $D, in a namespace with its /etc files
export LD_LIBRARY_PATH="$LD_LIBRARY_PATH"
exec unshare -m sh -c 'for f in hosts resolv.conf nsswitch.conf; do mount --bind "\$1/etc/\$f" "/etc/\$f" || exit 1; done; shift; exec "\$@"' sh "$D" "$SM" "\$@"
EOF
	chmod 755 "$1"
}

# sm_cmd ARGS... -- one sendmail command of the instance, in a namespace with its /etc files
sm_cmd() {
	unshare -m sh -c 'for f in hosts resolv.conf nsswitch.conf; do mount --bind "$1/etc/$f" "/etc/$f" || exit 1; done; shift; exec "$@"' \
		sh "$D" "$SM" -C "$D/sm.cf" "$@"
}

# sm_maillog -- sendmail's syslog lines as text
sm_maillog() { grep -v '^--$' "$D/syslog.out" 2>/dev/null | sed 's/^<[0-9]*>//'; }

# sm_settled -- 0 when sendmail's queue holds no message it would deliver
# (no qf file; a quarantined one is an hf file): nothing is on its way
sm_settled() { [ "$(find "$D/queue" -name 'qf*' 2>/dev/null | wc -l)" -eq 0 ]; }

# sm_quarantined -- how many messages are in the quarantine (hf files)
sm_quarantined() { find "$D/queue" -name 'hf*' 2>/dev/null | wc -l; }
