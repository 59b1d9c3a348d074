# tests/privdrop.sh -- started as root with user = "nobody": privileges dropped after bind, socket guarded.
#
# Runs a private clamshim as root with user = "nobody" and checks, from
# /proc/PID/status, that every uid and gid (real, effective, saved,
# filesystem) is nobody's, that the supplementary groups are nobody's
# only and that no capability is left; that the socket, bound as root
# before the drop, belongs to nobody with mode 0660 (srw-rw----) and still
# works (a clean message accepted, EICAR rejected); that a user who is
# neither nobody nor root cannot connect; that the pid file names the
# daemon; that spool files are never visible (a large message is spooled
# to an unlinked 0600 file); and that SIGHUP still works after the drop.
# Skips (77) when not run as root or when there is no user nobody.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
t_need "$CLAMSHIM" "$MTSEND" awk
[ "$(id -u)" = 0 ] || t_skip "needs root to start as root and drop to nobody"
id nobody >/dev/null 2>&1 || t_skip "no user nobody"
command -v setpriv >/dev/null 2>&1 || t_skip "needs setpriv (util-linux) to connect as another user"
t_setup
t_mkdb --eicar-only "$T/db"
mkdir -p "$T/spool" "$T/run"
chown nobody "$T/spool" && chmod 0700 "$T/spool"
chown nobody "$T/run"
fails=0
ok() { echo "ok: $*"; }
nok() { echo "not ok: $*"; fails=$((fails + 1)); }
uid=$(id -u nobody) gid=$(id -g nobody)
cat > "$T/clamshim.conf" <<EOC
socket = "unix:$T/clamshim.sock"
user = "nobody"
pid_file = "$T/clamshim.pid"
log_level = "info"
spool_dir = "$T/spool"
memory_limit = "16K"
embedded {
  database = "$T/db"
  reload_check = "0"
}
status {
  file = "$T/run/metrics.prom"
  interval = "1s"
}
EOC
t_start_daemon "$T/clamshim.conf"
pid=$DAEMON_PID
sock="unix:$T/clamshim.sock"

# identity
st() { awk -v k="$2:" '$1 == k { $1 = ""; print substr($0, 2) }' "/proc/$1/status"; }
want="$uid $uid $uid $uid"
[ "$(st "$pid" Uid)" = "$want" ] && ok "Uid: $(st "$pid" Uid)" || nok "Uid is '$(st "$pid" Uid)', wanted '$want'"
want="$gid $gid $gid $gid"
[ "$(st "$pid" Gid)" = "$want" ] && ok "Gid: $(st "$pid" Gid)" || nok "Gid is '$(st "$pid" Gid)', wanted '$want'"
groups=$(st "$pid" Groups | tr -s ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ *$//')
wantg=$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ *$//')
[ "$groups" = "$wantg" ] && ok "supplementary groups: $groups" || nok "groups '$groups', wanted nobody's '$wantg' (root's groups kept?)"
for cap in CapEff CapPrm; do
	v=$(st "$pid" $cap)
	[ "$v" = 0000000000000000 ] && ok "$cap empty" || nok "$cap is $v"
done
for t in /proc/"$pid"/task/*; do	# every thread, not only the main one
	u=$(awk '$1 == "Uid:" { print $2 $3 $4 $5 }' "$t/status")
	[ "$u" = "$uid$uid$uid$uid" ] || nok "thread $(basename "$t") has Uid $u"
done
grep -q "running as user nobody (uid $uid)" "$T/clamshim.log" && ok "the log says who it runs as" ||
	nok "no 'running as user nobody' log line"

# the socket: bound before the drop, handed over, guarded
ls -ln "$T/clamshim.sock" > "$T/sockls"
read -r mode _ owner group _ < "$T/sockls"
[ "$mode" = "srw-rw----" ] && ok "socket mode $mode" || nok "socket mode $mode, wanted srw-rw----"
[ "$owner" = "$uid" ] && [ "$group" = "$gid" ] && ok "socket owned by nobody:$(id -gn nobody)" ||
	nok "socket owned by $owner:$group, wanted $uid:$gid"
[ "$(cat "$T/clamshim.pid" 2>/dev/null)" = "$pid" ] && ok "pid file names the daemon" || nok "pid file: $(cat "$T/clamshim.pid" 2>/dev/null)"

t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar
{ cat "$T/clean.eml"; awk 'BEGIN { for (i = 0; i < 2000; i++) printf "a line that makes the message spill to the disk spool %d\n", i }'; } > "$T/big.eml"
"$MTSEND" -t 10000 "$sock" "$T/clean.eml" > "$T/out" 2>&1 && grep -q '^header: X-Virus-Status: Clean' "$T/out" &&
	ok "the socket works after the drop: clean accepted" || nok "clean message: $(cat "$T/out")"
"$MTSEND" -t 10000 "$sock" "$T/eicar.eml" > "$T/out" 2>&1 && grep -q '^decision=reject' "$T/out" &&
	ok "EICAR rejected after the drop" || nok "EICAR: $(cat "$T/out")"
"$MTSEND" -t 10000 "$sock" "$T/big.eml" > "$T/out" 2>&1 && grep -q '^header: X-Virus-Status: Clean' "$T/out" &&
	ok "a message spooled to disk by nobody scanned" || nok "big message: $(cat "$T/out")"
other=daemon
id "$other" >/dev/null 2>&1 || other=bin
if id "$other" >/dev/null 2>&1; then
	ou=$(id -u "$other") og=$(id -g "$other")
	if setpriv --reuid="$ou" --regid="$og" --clear-groups "$MTSEND" -t 5000 "$sock" "$T/clean.eml" > "$T/out" 2>&1; then
		nok "user $other could send through the socket: $(cat "$T/out")"
	else
		grep -qi 'permission denied' "$T/out" && ok "user $other cannot connect (permission denied)" ||
			nok "user $other failed for another reason: $(cat "$T/out")"
	fi
else
	echo "note: no user daemon or bin: the other-user check is skipped"
fi
left=$(ls -A "$T/spool" | wc -l)
[ "$left" -eq 0 ] && ok "nothing visible in spool_dir" || nok "$left files in spool_dir: $(ls -lA "$T/spool")"

# SIGHUP after the drop: reload works (database readable as nobody), still nobody
kill -HUP "$pid"
t_wait_for 60 grep -q 'reloaded' "$T/clamshim.log" && ok "SIGHUP reload after the drop" ||
	nok "no reload after SIGHUP: $(tail -5 "$T/clamshim.log")"
[ "$(st "$pid" Uid)" = "$uid $uid $uid $uid" ] || nok "Uid changed after SIGHUP: $(st "$pid" Uid)"
t_wait_for 60 test -f "$T/run/metrics.prom" && ok "status file written as nobody" || nok "no status file in a dir nobody owns"
kill -TERM "$pid"
t_wait_for 60 t_gone "$pid" && ok "stopped on SIGTERM" || nok "did not stop within 60 s"
if grep -qE 'Sanitizer|runtime error:' "$T/clamshim.log"; then
	nok "sanitizer report in the daemon log"; grep -E -A20 'Sanitizer|runtime error:' "$T/clamshim.log" | head -40
fi

# socket_group and socket_mode: the socket for an MTA in another group (Postfix)
if getent group postfix >/dev/null 2>&1; then
	: > "$T/clamshim.log"
	sed -e 's/^user = "nobody"$/user = "nobody"\nsocket_group = "postfix"\nsocket_mode = "0640"/' \
		"$T/clamshim.conf" > "$T/group.conf"
	t_start_daemon "$T/group.conf"
	ls -ln "$T/clamshim.sock" > "$T/sockls"
	read -r mode _ owner group _ < "$T/sockls"
	[ "$mode" = "srw-r-----" ] && [ "$owner" = "$uid" ] && [ "$group" = "$(getent group postfix | cut -d: -f3)" ] &&
		ok "socket_group postfix, socket_mode 0640: $mode $owner:$group" ||
		nok "socket_group/socket_mode: $mode $owner:$group"
	t_stop_pid "$DAEMON_PID"
	sed -e 's/^user = "nobody"$/user = "nobody"\nsocket_group = "no-such-group-here"/' \
		"$T/clamshim.conf" > "$T/nogroup.conf"
	"$CLAMSHIM" -f -c "$T/nogroup.conf" > "$T/out" 2>&1 && nok "a missing socket_group was accepted" ||
		{ grep -q 'socket_group "no-such-group-here" does not exist' "$T/out" &&
			ok "a missing socket_group stops the start with a clear message" ||
			nok "missing socket_group: $(cat "$T/out")"; }
else
	echo "note: no group postfix: the socket_group check is skipped"
fi
[ "$fails" -eq 0 ] || { echo "---- daemon log"; tail -30 "$T/clamshim.log"; exit 1; }
exit 0
