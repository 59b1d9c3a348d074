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
# Then, with the socket and pid file in a directory nobody owns: links to
# root-only files planted at those names (before the start, and between
# bind() and what follows) leave the targets untouched (see below).
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
left=$( (ls -A "$T/spool" | grep -v '^clamshim-emb\.'; find "$T/spool"/clamshim-emb.* -mindepth 1 2>/dev/null) | wc -l)	# the engine's temp dir stays, empty
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
	sed -e 's/^user = "nobody"$/user = "nobody"\nsocket_group = "postfix"\nsocket_mode = "0660"/' \
		"$T/clamshim.conf" > "$T/group.conf"
	t_start_daemon "$T/group.conf"
	ls -ln "$T/clamshim.sock" > "$T/sockls"
	read -r mode _ owner group _ < "$T/sockls"
	[ "$mode" = "srw-rw----" ] && [ "$owner" = "$uid" ] && [ "$group" = "$(getent group postfix | cut -d: -f3)" ] &&
		ok "socket_group postfix, socket_mode 0660: $mode $owner:$group" ||
		nok "socket_group/socket_mode: $mode $owner:$group"
	# the MTA's side: another user whose only group is postfix connects
	if id "$other" >/dev/null 2>&1; then
		setpriv --reuid="$(id -u "$other")" --regid="$(getent group postfix | cut -d: -f3)" \
			--clear-groups "$MTSEND" -t 10000 "$sock" "$T/clean.eml" > "$T/out" 2>&1 &&
			grep -q '^decision=accept' "$T/out" &&
			ok "a user in group postfix only sends through the socket" ||
			nok "a user in group postfix only: $(cat "$T/out")"
	fi
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

# ---- links planted where the daemon's user can write (issue 11) ----
# The runtime directory $T/run is nobody's, as /run/clamshim is clamav's.
# Two root-only files stand for /etc/shadow; whoever runs as nobody puts
# links to them at the pid file's and the socket's names: before the start
# (pid file), and between libmilter's bind() and what root does next
# (socket; tests/preload.so pauses the daemon there, so the race is won
# every time). Hard links to a root file cannot be made by nobody here
# (fs.protected_hardlinks); root plants those, as an attacker could where
# that protection is off. After each start and stop, each target must have
# the same owner, group, mode, size and content.
PRELOAD=${PRELOAD:-$top_builddir/tests/preload.so}
t_need "$PRELOAD"
asan=$(ldd "$CLAMSHIM" 2>/dev/null | awk '/libasan/ { print $3; exit }')
preload="${asan:+$asan:}$PRELOAD"
mkdir -m 0700 "$T/secret"
for f in a b; do printf 'root only %s\n' "$f" > "$T/secret/$f"; chmod 0600 "$T/secret/$f"; done
mkdir -m 1777 "$T/pause"
fp() { echo "$(stat -c '%u:%g %a %s' "$1") $(md5sum < "$1")"; }
fp_a=$(fp "$T/secret/a") fp_b=$(fp "$T/secret/b")
asnobody() { setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"; }
untouched() {	# untouched WHAT: both targets as they were
	[ "$(fp "$T/secret/a")" = "$fp_a" ] && [ "$(fp "$T/secret/b")" = "$fp_b" ] &&
		ok "$1: the root-only targets are untouched" ||
		nok "$1: a target changed: a '$(fp "$T/secret/a")' (was '$fp_a'), b '$(fp "$T/secret/b")' (was '$fp_b')"
}
sed -e "s|^socket = .*|socket = \"unix:$T/run/clamshim.sock\"|" \
	-e "s|^pid_file = .*|pid_file = \"$T/run/clamshim.pid\"|" "$T/clamshim.conf" > "$T/links.conf"
gone() { ! kill -0 "$1" 2>/dev/null; }
# links_run LOG [env ...] -- start the daemon on links.conf (in the background: $lpid)
links_run() {
	llog=$1; shift
	: > "$llog"
	t_bg env "$@" "$CLAMSHIM" -f -c "$T/links.conf" 2>>"$llog"
	lpid=$!
}
# links_stop -- wait until it started or gave up; stop it; its exit status in $lrc
links_stop() {
	t_wait_for 60 sh -c "grep -q 'first signature load finished' '$llog' || ! kill -0 $lpid 2>/dev/null"
	kill -TERM "$lpid" 2>/dev/null
	t_wait_for 30 gone "$lpid" || nok "daemon $lpid did not stop"
	wait "$lpid"; lrc=$?
}
links_clean() { rm -f "$T/run/clamshim.pid" "$T/run/clamshim.sock" "$T/pause/bound"; }

# a symbolic link, then a hard link, at the pid file's name before the start
links_clean
asnobody ln -s "$T/secret/a" "$T/run/clamshim.pid"
links_run "$T/links1.log"
links_stop
untouched "symlink at the pid file"
[ "$lrc" -ne 0 ] && grep -q "pid file $T/run/clamshim.pid is a symbolic link: left untouched" "$T/links1.log" &&
	ok "symlink at the pid file: start refused, saying why" ||
	nok "symlink at the pid file: exit $lrc, log: $(tail -3 "$T/links1.log")"
links_clean
ln "$T/secret/b" "$T/run/clamshim.pid"
links_run "$T/links2.log"
links_stop
untouched "hard link at the pid file"
[ "$lrc" -ne 0 ] && grep -q "pid file $T/run/clamshim.pid is a file with 2 names (hard links)" "$T/links2.log" &&
	ok "hard link at the pid file: start refused, saying why" ||
	nok "hard link at the pid file: exit $lrc, log: $(tail -3 "$T/links2.log")"

# the socket swapped for a symbolic link, then for a hard link, right after bind()
links_clean
links_run "$T/links3.log" LD_PRELOAD="$preload" PRELOAD_BIND_PAUSE="$T/pause/bound"
t_wait_for 30 test -e "$T/pause/bound" || nok "the daemon did not pause after bind(): $(cat "$T/links3.log")"
ls -ln "$T/run/clamshim.sock" > "$T/sockls"
read -r mode _ owner group _ < "$T/sockls"
[ "$mode" = "srw-rw----" ] && [ "$owner" = "$uid" ] && [ "$group" = "$gid" ] &&
	ok "socket in nobody's directory born as nobody, mode $mode: nothing left for root to change" ||
	nok "socket right after bind(): $mode $owner:$group"
asnobody ln -sfn "$T/secret/a" "$T/run/clamshim.sock"
rm -f "$T/pause/bound"
links_stop
untouched "socket swapped for a symlink after bind()"
[ "$lrc" -ne 0 ] && grep -q "clamshim.sock is no longer the socket clamshim bound" "$T/links3.log" &&
	ok "socket swapped for a symlink: start refused, saying why" ||
	nok "socket swapped for a symlink: exit $lrc, log: $(tail -3 "$T/links3.log")"
links_clean
links_run "$T/links4.log" LD_PRELOAD="$preload" PRELOAD_BIND_PAUSE="$T/pause/bound"
t_wait_for 30 test -e "$T/pause/bound" || nok "the daemon did not pause after bind(): $(cat "$T/links4.log")"
ln -f "$T/secret/b" "$T/run/clamshim.sock"
rm -f "$T/pause/bound"
links_stop
untouched "socket swapped for a hard link after bind()"
[ "$lrc" -ne 0 ] && grep -q "clamshim.sock is no longer the socket clamshim bound" "$T/links4.log" &&
	ok "socket swapped for a hard link: start refused, saying why" ||
	nok "socket swapped for a hard link: exit $lrc, log: $(tail -3 "$T/links4.log")"

# a pid file replaced by nobody's own file while the daemon runs is left at exit
links_clean
links_run "$T/links5.log"
t_wait_for 60 grep -q "first signature load finished" "$T/links5.log" || nok "no start: $(tail -3 "$T/links5.log")"
asnobody sh -c "echo 999 > '$T/run/other' && mv -f '$T/run/other' '$T/run/clamshim.pid'"
links_stop
[ "$lrc" -eq 0 ] && [ "$(cat "$T/run/clamshim.pid" 2>/dev/null)" = 999 ] &&
	grep -q "pid file $T/run/clamshim.pid was replaced since clamshim wrote it: left in place" "$T/links5.log" &&
	ok "a pid file replaced while running is left at exit, with a warning" ||
	nok "the replaced pid file: exit $lrc, '$(cat "$T/run/clamshim.pid" 2>/dev/null)', log: $(tail -3 "$T/links5.log")"
links_clean
for l in "$T"/links[1-5].log; do
	if grep -qE 'Sanitizer|runtime error:' "$l"; then
		nok "sanitizer report in $l"; grep -E -A20 'Sanitizer|runtime error:' "$l" | head -40
	fi
done
[ "$fails" -eq 0 ] || { echo "---- daemon log"; tail -n 30 "$T/clamshim.log"; exit 1; }
exit 0
