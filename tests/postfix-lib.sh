# tests/postfix-lib.sh -- a private Postfix instance on loopback for the tests
# (sourced after tests/lib.sh; $T set). The same setup as tests/postfix.sh:
# postfix -c DIR, its own queue, nothing chrooted, DNS off, 127.0.0.1 only,
# retries an hour apart (a test flushes when it wants a retry).

# pf_make NAME PORT RELAYPORT [main.cf lines on stdin] -- an instance under $T/NAME
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
relayhost = [127.0.0.1]:$3
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
127.0.0.1:$2 inet n - n - - smtpd
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
# made by pf_make (e.g. a second smtpd port with its own -o options)
pf_master_add() { cat >> "$T/$1/etc/master.cf"; }

PF_STARTED=
# pf_listening PORT -- 0 when something listens on 127.0.0.1:PORT
pf_listening() { ss -Htln "sport = :$1" | grep -q .; }
# pf_start NAME PORT -- start it and wait for its smtpd port
pf_start() {
	script -qec "postfix -c $T/$1/etc start" /dev/null > "$T/$1.start" 2>&1 ||
		{ cat "$T/$1.start" "$T/$1/maillog" 2>/dev/null >&2; t_fail "postfix $1 did not start"; }
	PF_STARTED="$PF_STARTED $1"
	t_wait_for 60 pf_listening "$2" || t_fail "postfix $1 does not listen on 127.0.0.1:$2"
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
