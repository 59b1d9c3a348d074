# tests/cache.sh -- embedded.cache: repeats get cheaper, and a full temp dir never makes it lie.
#
# libclamav's clean-result cache once lied: with its temp dir full it drops
# a MIME part it cannot write, says clean and caches that, so every later
# copy passed unscanned even once the disk had room again (doc/security.md,
# finding 1). Needs root: spool_dir is a 48 MB tmpfs that the test fills.
#
# 1. Speed: clamshim --scan of 12 copies of a clean message whose zip
#    attachment inflates to 8 MB, with cache = true and false: the cached run
#    takes under half the time of the other (the true ratio is far larger).
# 2. The private temp dir: the daemon's engine writes to
#    spool_dir/clamshim-emb.XXXXXX, mode 0700, removed when the daemon stops.
# 3. The tmp-full fault, cache on: with the spool file system full, ten
#    EICAR messages are not accepted (no room can be reserved: tempfail);
#    with room again, ten more copies of the same message are rejected
#    (nothing false was cached).
# 4. An engine error poisons the cache: a small message whose zip inflates
#    to 20 MB into 14 MB of room (the reservation passes, the write fails)
#    is not accepted, the log says the cache is bypassed and a fresh engine
#    is built, which replaces the old one; with room again the same message
#    is rejected for the signature behind the 20 MB.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/reload-lib.sh"
t_need "$CLAMSHIM" "$MTSEND" zip perl
[ "$(id -u)" = 0 ] || t_skip "needs root to mount a small tmpfs as spool_dir (the full temp dir fault)"
t_setup
MOUNTED=
c_cleanup() { t_cleanup_pids; [ -n "$MOUNTED" ] && umount "$SPOOL" 2>/dev/null; [ -n "${T:-}" ] && rm -rf "$T"; }
t_cleanup_pids() { for p in $T_PIDS; do kill "$p" 2>/dev/null; done
	for p in $T_PIDS; do t_wait_for 20 t_gone "$p" || kill -9 "$p" 2>/dev/null; done; T_PIDS=; }
trap c_cleanup EXIT
SPOOL="$T/spool"
mkdir -p "$SPOOL"
mount -t tmpfs -o size=48m,mode=0755 tmpfs "$SPOOL" 2>/dev/null && MOUNTED=1 ||
	t_skip "cannot mount a tmpfs on $SPOOL"
MARK=CLAMSHIM-CACHE-TEST-MARKER-7f3a9
t_mkdb --eicar-only --sig "Clamshim.Test.Deep:$(r_hex "$MARK")" "$T/db"
t_msg "$T/eicar.eml" eicar

# zipmsg FILE MB [TEXT] -- a message with a zip attachment: MB megabytes of zeros, then TEXT (the marker)
zipmsg() {
	perl -e 'print "\0" x ($ARGV[0] * 1048576), "$ARGV[1]\n"' "$2" "${3:-$MARK}" > "$T/payload.bin"
	rm -f "$T/payload.zip"; (cd "$T" && zip -q -j payload.zip payload.bin) || t_fail "zip"
	{ printf 'From: <a@example.com>\nTo: <b@example.net>\nSubject: zipped\nMIME-Version: 1.0\n'
	  printf 'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nsee attachment\n\n'
	  printf -- '--b1\nContent-Type: application/zip; name="p.zip"\nContent-Transfer-Encoding: base64\n\n'
	  perl -MMIME::Base64 -0777 -ne 'print encode_base64($_)' "$T/payload.zip"
	  printf -- '--b1--\n'; } > "$1"
}
zipmsg "$T/clean8.eml" 8 "nothing to see here"
zipmsg "$T/deep20.eml" 20

# config CACHE -- the daemon's configuration with embedded.cache = CACHE
config() {
	t_conf "$T/c.conf" <<EOC
memory_limit = "16M"
max_scans = 2
embedded {
  reload_check = "0"
  cache = $1
}
policy {
  on_error = "tempfail"
}
EOC
	sed -i "s|^spool_dir = .*|spool_dir = \"$SPOOL\"|; s|^log_level = .*|log_level = \"info\"|" "$T/c.conf"
}

# ---- 1. speed ----
set --
i=0; while [ $i -lt 12 ]; do set -- "$@" "$T/clean8.eml"; i=$((i + 1)); done
config false
t0=$(t_now); "$CLAMSHIM" -c "$T/c.conf" --scan "$@" > "$T/scan.off" 2>&1; t1=$(t_now)
config true
"$CLAMSHIM" -c "$T/c.conf" --scan "$@" > "$T/scan.on" 2>&1; t2=$(t_now)
off=$(t_elapsed "$t0" "$t1") on=$(t_elapsed "$t1" "$t2")
n_off=$(grep -c ': clean accept' "$T/scan.off") n_on=$(grep -c ': clean accept' "$T/scan.on")
echo "12 copies of a message with 8 MB zipped: ${off} s without the cache, ${on} s with it"
[ "$n_off" -eq 12 ] && [ "$n_on" -eq 12 ] && ok "all 12 copies clean both ways" ||
	notok "clean copies: $n_off without the cache, $n_on with it: $(head -3 "$T/scan.on")"
awk -v a="$on" -v b="$off" 'BEGIN { exit !(a * 2 < b) }' &&
	ok "the cache makes repeats cheaper: ${on} s against ${off} s (bound: under half)" ||
	notok "no speedup from the cache: ${on} s against ${off} s"
ls -A "$SPOOL" | grep -q . && notok "--scan left in the spool: $(ls -A "$SPOOL")" || ok "--scan left nothing in spool_dir"

# ---- 2. the daemon's private temp dir ----
t_start_daemon "$T/c.conf"
dir=$(ls -d "$SPOOL"/clamshim-emb.* 2>/dev/null | head -1)
[ -n "$dir" ] && [ "$(stat -c '%a %u' "$dir")" = "700 $(id -u)" ] &&
	ok "the engine's temp dir $dir: mode 700, owned by the daemon's user" ||
	notok "no private temp dir under the spool: $(ls -la "$SPOOL")"

# ---- 3. the tmp-full fault, cache on ----
full() { dd if=/dev/zero of="$SPOOL/filler" bs=64k 2>/dev/null; sync; }
# leave MB -- fill the spool file system to MB megabytes free
leave() {
	rm -f "$SPOOL/filler"; avail=$(df -Pk "$SPOOL" | awk 'NR == 2 { print $4 }')
	dd if=/dev/zero of="$SPOOL/filler" bs=1k count=$((avail - $1 * 1024)) 2>/dev/null
}
full
bad=0; tf=0
for k in 1 2 3 4 5 6 7 8 9 10; do
	"$MTSEND" -q "FULL$k" "unix:$T/clamshim.sock" "$T/eicar.eml" > "$T/out" 2>&1
	grep -q '^decision=accept' "$T/out" && bad=$((bad + 1))
	grep -q '^decision=tempfail' "$T/out" && tf=$((tf + 1))
done
[ "$bad" -eq 0 ] && ok "temp dir full: none of 10 EICAR messages accepted ($tf tempfailed)" ||
	notok "temp dir full: $bad of 10 EICAR messages accepted: $(cat "$T/out")"
rm -f "$SPOOL/filler"
bad=0
for k in 1 2 3 4 5 6 7 8 9 10; do
	r_decided "$T/eicar.eml" reject "Virus found: Eicar" || bad=$((bad + 1))
done
[ "$bad" -eq 0 ] && ok "room again: the same EICAR message rejected 10 times out of 10" ||
	notok "room again: $bad of 10 copies not rejected (a false clean cached?): $(cat "$T/out")"

# ---- 4. an engine error poisons the cache ----
before=$(r_reloads)
leave 14
r_send "$T/deep20.eml"
grep -q '^decision=accept' "$T/out" && notok "20 MB inflated into 14 MB of room: accepted: $(cat "$T/out")" ||
	ok "20 MB inflated into 14 MB of room: not accepted ($(head -1 "$T/out" | cut -d' ' -f1))"
grep -q 'clean-result cache of engine .* is bypassed from now on' "$T/clamshim.log" &&
	grep -q 'building a fresh engine to replace .* and its poisoned cache' "$T/clamshim.log" &&
	ok "the engine error poisoned the cache" || notok "no poisoning logged"
rm -f "$SPOOL/filler"
reloaded() { [ "$(r_reloads)" -gt "$before" ]; }
t_wait_for 60 reloaded && ok "a fresh engine replaced the poisoned one" || notok "no fresh engine within 60 s"
r_decided "$T/deep20.eml" reject "Clamshim.Test.Deep" && ok "room again: the marker behind 20 MB found" ||
	notok "room again: $(cat "$T/out")"
r_decided "$T/eicar.eml" reject "Virus found: Eicar" && ok "EICAR rejected by the fresh engine" ||
	notok "EICAR with the fresh engine: $(cat "$T/out")"

t_stop_pid "$DAEMON_PID"
ls -d "$SPOOL"/clamshim-emb.* >/dev/null 2>&1 && notok "temp dir left after the daemon stopped: $(ls -A "$SPOOL")" ||
	ok "the engine's temp dir removed when the daemon stopped"
DAEMON_PID=
r_finish
