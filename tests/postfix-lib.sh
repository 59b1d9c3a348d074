# tests/postfix-lib.sh -- a private Postfix instance on loopback for the tests
# (sourced after tests/lib.sh; $T set). The same setup as tests/postfix.sh:
# postfix -c DIR, its own queue, nothing chrooted, DNS off, 127.0.0.1 only,
# retries an hour apart (a test flushes when it wants a retry).

# pf_make NAME RELAYPORT [main.cf lines on stdin] -- an instance under $T/NAME; its
# smtpd's port (127.0.0.1:0 in master.cf) is chosen by pf_start
pf_make() {
	d=$T/$1
	mkdir -p "$d/etc" "$d/queue" "$d/data"
	chown postfix "$d/data"
	cat > "$d/etc/main.cf" <<EOC
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $d/maillog
maillog_file_prefixes = $T
myhostname = $1.clamshim.test
mydomain = clamshim.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$2
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
in_flow_delay = 0
biff = no
smtp_connect_timeout = 5s
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
minimal_backoff_time = 1h
maximal_backoff_time = 1h
queue_run_delay = 1h
EOC
	cat >> "$d/etc/main.cf"
	cat > "$d/etc/master.cf" <<EOC
127.0.0.1:0 inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
EOC
}

# pf_master_add NAME [master.cf lines on stdin] -- more services for an instance
# made by pf_make (e.g. a second smtpd, 127.0.0.1:0 inet ..., with its own -o options)
pf_master_add() { cat >> "$T/$1/etc/master.cf"; }

PF_STARTED=
# pf_start NAME -- start it, each inet service of its master.cf (127.0.0.1:N) on a free
# port, on others again when one was taken (t_on_free_port); pf_port gives the ports
pf_start() {
	t_on_free_port "postfix $1" _pf_try "$1" ||
		{ cat "$T/$1.start" "$T/$1/maillog" 2>/dev/null >&2; t_fail "postfix $1 did not start"; }
	PF_STARTED="$PF_STARTED $1"
}
# _pf_try NAME -- one start of pf_start (a t_on_free_port CMD): the first inet service on
# $T_PORT, the others on new free ports; 1 when the master could not bind one of them
_pf_try() {
	_pf_cf=$T/$1/etc/master.cf
	_pf_ports=$T_PORT
	for _pf_i in $(seq 2 "$(grep -Ec '^127\.0\.0\.1:[0-9]+ +inet ' "$_pf_cf")"); do
		_pf_ports="$_pf_ports $(t_free_port)"
	done
	awk -v ports="$_pf_ports" 'BEGIN { split(ports, p, " ") }
		/^127\.0\.0\.1:[0-9]+ +inet / { sub(/^127\.0\.0\.1:[0-9]+/, "127.0.0.1:" p[++i]) } { print }' \
		"$_pf_cf" > "$_pf_cf.new" && mv "$_pf_cf.new" "$_pf_cf" || return 2
	_pf_logged=$(wc -l 2>/dev/null < "$T/$1/maillog" || echo 0)
	if script -qec "postfix -c $T/$1/etc start" /dev/null > "$T/$1.start" 2>&1; then
		_pf_master=$(tr -d ' ' < "$T/$1/queue/pid/master.pid")
		for _pf_p in $_pf_ports; do
			t_wait_for 60 t_listens "$_pf_p" "$_pf_master" && continue
			postfix -c "$T/$1/etc" stop >/dev/null 2>&1
			return 1
		done
		return 0
	fi
	# the master's "fatal: bind" line may come late: a port of ours taken by another will do
	{ cat "$T/$1.start"; tail -n "+$((_pf_logged + 1))" "$T/$1/maillog" 2>/dev/null; } |
		grep -q 'bind 127\.0\.0\.1 port [0-9]*: Address already in use' && return 1
	for _pf_p in $_pf_ports; do t_listening "$_pf_p" && return 1; done
	return 2
}
# pf_port NAME [N] -- the port of the instance's first (Nth) inet service, as started
pf_port() {
	awk -v n="${2:-1}" -F '[: ]' '/^127\.0\.0\.1:[0-9]+ +inet / && ++i == n { print $2 }' "$T/$1/etc/master.cf"
}
# pf_stop_all -- stop the instances this test started (postfix stop waits)
pf_stop_all() {
	for inst in $PF_STARTED; do postfix -c "$T/$inst/etc" stop >/dev/null 2>&1; done
	PF_STARTED=
}
# pf_queue_count NAME QUEUE -- number of messages in one of an instance's queues
pf_queue_count() { find "$T/$1/queue/$2" -type f 2>/dev/null | wc -l; }
# pf_queue_is NAME QUEUE N -- 0 when that queue holds exactly N messages
pf_queue_is() { [ "$(pf_queue_count "$1" "$2")" -eq "$3" ]; }
# pf_settled NAME -- 0 when incoming, active and deferred are empty
pf_settled() { pf_queue_is "$1" incoming 0 && pf_queue_is "$1" active 0 && pf_queue_is "$1" deferred 0; }
# pf_milter_lines SOCKETPATH -- the milter lines of contrib/postfix-main.cf, with this socket
pf_milter_lines() {
	grep -v '^#' "$top_srcdir/contrib/postfix-main.cf" | grep . |
		sed "s|unix:/run/clamshim/clamshim.sock|unix:$1|"
}
# pf_svc_identity -- the identity systemd gives the daemon: sets UNIT, DROPIN,
# SVC_USER (User= of contrib/clamshim.service.in) and SVC_GROUP (Group= of the
# Postfix drop-in contrib/clamshim-postfix.conf); skips without that user
pf_svc_identity() {
	UNIT=$top_srcdir/contrib/clamshim.service.in
	DROPIN=$top_srcdir/contrib/clamshim-postfix.conf
	for f in "$UNIT" "$DROPIN"; do [ -r "$f" ] || t_fail "missing $f"; done
	SVC_USER=$(sed -n 's/^User=//p' "$UNIT")
	SVC_GROUP=$(sed -n 's/^Group=//p' "$DROPIN")
	id "$SVC_USER" >/dev/null 2>&1 || t_skip "no user $SVC_USER (User= of the unit) on this machine"
	getent group "$SVC_GROUP" >/dev/null || t_fail "no group $SVC_GROUP"
}
# pf_clamd_mx [MASTERLINES] -- the set-up of the tests of clamshim (run as its unit) behind
# Postfix with a real clamd: pf_svc_identity, $T/run for the daemon, the test database
# $T/db, SOCK, clamd's config in $T/clamd (its socket open to clamshim's user; started by
# the test: t_start_clamd "$T/clamd"), smtp-sink in $T/sink (SINK_PORT), and "mx" relaying
# to it, with the milter lines of contrib/postfix-main.cf and the main.cf lines on stdin,
# MASTERLINES added to its master.cf, started: MX_PORT (more ports: pf_port mx N)
pf_clamd_mx() {
	pf_svc_identity
	mkdir -p "$T/run" && chown "$SVC_USER:$SVC_GROUP" "$T/run" || t_fail "cannot make $T/run"
	t_mkdb "$T/db"
	SOCK=$T/run/clamshim.sock
	echo 'LocalSocketMode 666' | t_clamd_conf "$T/clamd"
	t_start_sink "$T/sink"
	{ pf_milter_lines "$SOCK"; cat; } | pf_make mx "$SINK_PORT"
	[ -z "${1:-}" ] || printf '%s\n' "$1" | pf_master_add mx
	trap 'pf_stop_all; t_cleanup' EXIT
	pf_start mx
	MX_PORT=$(pf_port mx)
}
# pf_svc_clamd [config lines on stdin] -- t_svc_start on $T/db with scanners = {"clamd"},
# the clamd of $T/clamd, retry_after 1 s, and the lines on stdin
pf_svc_clamd() {
	{ printf 'scanners = {"clamd"}\nclamd {\n  servers = {"unix:%s"}\n  retry_after = "1s"\n}\n' \
		"$T/clamd/clamd.sock"; cat; } > "$T/svc-more.conf"
	t_svc_start "$T/db" < "$T/svc-more.conf"
}
# pf_release_on_recovered -- the alert command $T/alert.sh (run as the daemon's user: each
# event a line "EVENT TIME" in $T/run/events; on "recovered" it asks what `systemctl start
# --no-block clamshim-release.service` would) and a root loop, started, that stands in for
# systemd: it runs $RELEASE -c $T/clamshim.conf -s $T/state on mx when asked ($T/release.log)
pf_release_on_recovered() {
	cat > "$T/alert.sh" <<EOF
#!/bin/sh
echo "\$CLAMSHIM_EVENT \$(date +%s.%N)" >> "$T/run/events"
[ "\$CLAMSHIM_EVENT" = recovered ] && date +%s.%N > "$T/run/release.request"
exit 0
EOF
	cat > "$T/starter.sh" <<EOF
#!/bin/sh
while :; do
	if [ -e "$T/run/release.request" ]; then
		rm -f "$T/run/release.request"
		echo "start \$(date +%s.%N)" >> "$T/release.log"
		MAIL_CONFIG="$T/mx/etc" "$RELEASE" -c "$T/clamshim.conf" -s "$T/state" >> "$T/release.log" 2>&1
		echo "exit \$? \$(date +%s.%N)" >> "$T/release.log"
	fi
	sleep 0.2
done
EOF
	chmod 755 "$T/alert.sh" "$T/starter.sh" || t_fail "cannot write $T/alert.sh, $T/starter.sh"
	t_bg sh "$T/starter.sh"
}
