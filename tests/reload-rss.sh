# tests/reload-rss.sh -- twenty reloads in a row: RSS comes back to its one-engine level.
#
# The daemon runs on a generated database (mkdb.sh --synthetic,
# RELOAD_RSS_SYNTH per kind, default 25000: about 50,000 signatures, an
# engine of some tens of MB, so that one engine leaked per reload could
# not hide). Twenty times: SIGHUP, wait for the "reloaded" log line, a
# clean and an EICAR message through the new engine, wait for the log
# line saying the old engine was freed, then VmRSS from /proc. The RSS after the last reload must be within RELOAD_RSS_SLACK_KB
# (default 16384) of the RSS after the first. Prints every figure, the
# peak (VmHWM) and the size of one engine (RSS growth of the first load).
# At the end ten SIGHUPs in a burst must coalesce into at most three
# reloads (each SIGHUP also re-reads the configuration).
#
# Skipped (77) for a sanitizer build: ASan's quarantine keeps freed
# memory resident on purpose, so RSS says nothing about leaks there
# (the sanitizer's leak checker covers that build).
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/reload-lib.sh"
t_need "$CLAMSHIM" "$MTSEND"
grep -qa -e AddressSanitizer -e __asan_init "$CLAMSHIM" &&
	t_skip "a sanitizer build: ASan keeps freed memory (quarantine), RSS cannot show leaks"
[ -r /proc/self/status ] || t_skip "no /proc/PID/status here"
t_setup
N=${RELOAD_RSS_SYNTH:-25000}
SLACK=${RELOAD_RSS_SLACK_KB:-16384}
t_mkdb --synthetic "$N" "$T/db"
t_conf "$T/c.conf" <<EOC
embedded {
  reload_check = "0"
}
EOC
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar
# rss KEY -- VmRSS or VmHWM of the daemon in kB
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DAEMON_PID/status"; }
# reload -- SIGHUP and wait for one more "reloaded" line; 1 when none came within 60 s
reload() {
	had=$(r_reloads)
	kill -HUP "$DAEMON_PID"
	t_wait_for 60 sh -c "[ \$(grep -c 'embedded: reloaded ' '$T/clamshim.log') -gt $had ]"
}
# settled K -- wait until K retired engines have been freed (the loader frees them after the swap)
settled() { t_wait_for 60 sh -c "[ \$(grep -c 'embedded: freed the retired engine' '$T/clamshim.log') -ge $1 ]"; }

t_bg "$CLAMSHIM" -f -c "$T/c.conf" 2>>"$T/clamshim.log"
DAEMON_PID=$!
t_wait_for 60 test -S "$T/clamshim.sock" || t_fail "daemon did not bind"
base=$(rss VmRSS)
t_wait_for 60 grep -q "first signature load finished" "$T/clamshim.log" || t_fail "no first load"
sleep 0.5
loaded=$(rss VmRSS)
echo "RSS before the first load ${base} kB, after it ${loaded} kB: one engine ~$(( (loaded - base) / 1024 )) MB"

i=0
first=""
while [ $i -lt 20 ]; do
	i=$((i + 1))
	reload || { notok "reload $i: no reloaded line within 60 s"; break; }
	r_decided "$T/eicar.eml" reject "Virus found: Eicar" || notok "reload $i: EICAR: $(cat "$T/out")"
	r_decided "$T/clean.eml" accept || notok "reload $i: clean: $(cat "$T/out")"
	settled "$i" || { notok "reload $i: the old engine was not freed within 60 s"; break; }
	now=$(rss VmRSS)
	[ -z "$first" ] && first=$now
	echo "reload $i: VmRSS $now kB"
done
last=$now
hwm=$(rss VmHWM)
echo "after reload 1: $first kB, after reload $i: $last kB, growth $((last - first)) kB (bound $SLACK kB), peak $hwm kB"
[ "$i" -eq 20 ] && [ $((last - first)) -le "$SLACK" ] &&
	ok "RSS after 20 reloads within $SLACK kB of its level after the first ($((last - first)) kB)" ||
	notok "RSS grew $((last - first)) kB over $i reloads (bound $SLACK kB)"
# at most two engines: the peak stays under the one-engine level plus two engines' worth
engine=$((loaded - base))
[ "$hwm" -le $((first + 2 * engine)) ] && ok "peak $hwm kB: no more than two engines at once" ||
	notok "peak $hwm kB over $((first + 2 * engine)) kB"

# a SIGHUP storm coalesces
before=$(r_reloads)
for k in 1 2 3 4 5 6 7 8 9 10; do kill -HUP "$DAEMON_PID"; done
t_wait_for 60 sh -c "[ \$(grep -c 'embedded: reloaded ' '$T/clamshim.log') -gt $before ]"
sleep 3
m=$(( $(r_reloads) - before ))
[ "$m" -ge 1 ] && [ "$m" -le 3 ] && ok "ten SIGHUPs in a burst: $m reload(s)" || notok "ten SIGHUPs gave $m reloads"
r_decided "$T/eicar.eml" reject "Virus found: Eicar" && ok "EICAR rejected after the storm" ||
	notok "EICAR after the storm: $(cat "$T/out")"
r_finish
