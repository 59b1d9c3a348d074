# tests/reload-load.sh -- the database is replaced three times under load: no tempfail, nothing missed.
#
# The daemon starts on a generated database of 200,002 signatures
# (mkdb.sh --synthetic 100000: 100,000 MD5 and 100,000 body signatures,
# plus EICAR and clam.exe). tests/mtload keeps four connections busy
# with clean and EICAR messages for the whole test. Three times a new
# generation (other synthetic signatures, plus one new body signature
# for a random marker string) is written to a staging directory and
# moved into the database directory, as an updater would; the daemon
# sees it within reload_check (1s). For each generation: the marker
# message is accepted before and rejected, by its new name, after the
# reload; the previous generation's marker is no longer detected; mail
# was decided while the new engine was being built. At the end: every
# message of the load got its decision (zero tempfails, every EICAR
# rejected, no connection error), three or more reloads, none failed.
#
# RELOAD_SYNTH (default 100000) sets the generated signatures per kind.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/reload-lib.sh"
t_need "$CLAMSHIM" "$MTSEND" "$MTLOAD" od
t_setup
N=${RELOAD_SYNTH:-100000}
t_mkdb --synthetic "$N" --seed 1 "$T/db"
t_conf "$T/c.conf" </dev/null
t_start_daemon "$T/c.conf"
grep -q "embedded: loaded $((2 * N + 2)) signatures" "$T/clamshim.log" &&
	ok "first load: $((2 * N + 2)) signatures" || notok "first load did not have $((2 * N + 2)) signatures"
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar

# the load: until $T/stop exists (or 400 s), every decision judged
t_bg "$MTLOAD" -c 4 -p 2 -d 400 -s "$T/stop" -l "$T/load.log" "unix:$T/clamshim.sock" \
	accept:"$T/clean.eml" reject:"$T/eicar.eml" > "$T/load.sum" 2> "$T/load.err"
LOAD_PID=$!
t_wait_for 60 grep -q ': verdict=' "$T/clamshim.log" || notok "the load did not start within 60 s"

prev=""
for g in 1 2 3; do
	marker="clamshim-marker-$g-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
	r_marker_msg "$T/marker$g.eml" "$marker"
	r_decided "$T/marker$g.eml" accept &&
		ok "gen $g: marker accepted before its signature exists" ||
		notok "gen $g: marker before the reload: $(cat "$T/out")"
	rm -rf "$T/stage"
	t_mkdb --synthetic "$N" --seed $((g + 1)) --sig "Clamshim.Test.Marker$g:$(r_hex "$marker")" "$T/stage"
	before=$(r_reloads)
	t0=$(t_now)
	for f in "$T"/stage/*; do mv -f "$f" "$T/db/"; done
	if t_wait_for 90 r_decided "$T/marker$g.eml" reject "Virus found: Clamshim.Test.Marker$g"; then
		ok "gen $g: new signature detected $(t_elapsed "$t0" "$(t_now)") s after the files were replaced"
	else
		notok "gen $g: marker not rejected within 90 s of the update"
	fi
	[ "$(r_reloads)" -gt "$before" ] && ok "gen $g: reload logged" || notok "gen $g: no reload logged"
	if [ -n "$prev" ]; then
		r_decided "$prev" accept &&
			ok "gen $g: the previous generation's marker is gone with its database" ||
			notok "gen $g: previous marker: $(cat "$T/out")"
	fi
	prev="$T/marker$g.eml"
done
sleep 1
touch "$T/stop"
wait "$LOAD_PID"
load_rc=$?
cat "$T/load.sum"
[ -s "$T/load.err" ] && sed 's/^/    /' "$T/load.err"
[ "$load_rc" -eq 0 ] && ok "every load message got its expected decision" || notok "mtload exit $load_rc"
grep -q ' tempfail=0 ' "$T/load.sum" && ok "zero tempfails" || notok "tempfails under load"
grep -q ' errors=0 unexpected=0 ' "$T/load.sum" && ok "no connection errors, no wrong decision" ||
	notok "errors or wrong decisions"
nrej=$(sed -n 's/.* reject=\([0-9]*\) .*/\1/p' "$T/load.sum")
[ "${nrej:-0}" -ge 100 ] && ok "$nrej EICAR messages, each rejected" || notok "only ${nrej:-0} EICAR messages"

# mail was decided while each new engine was being built
awk '/embedded: signature change seen/ { on = 1; n = 0; next }
     on && /: verdict=/ { n++ }
     on && /embedded: reloaded / { print n; on = 0 }' "$T/clamshim.log" > "$T/during"
nwin=$(grep -c . "$T/during")
if [ "$nwin" -ge 3 ] && ! grep -qx 0 "$T/during"; then
	ok "messages decided during each of the $nwin reloads: $(tr '\n' ' ' < "$T/during")"
else
	notok "messages during the reloads: $(tr '\n' ' ' < "$T/during")"
fi
grep -q "signature reload failed" "$T/clamshim.log" && notok "a reload failed" || ok "no reload failed"
kill -USR1 "$DAEMON_PID"
t_wait_for 60 r_metric_ge 'clamshim_db_reloads_total{result="ok"}' 3
r_metric_ge 'clamshim_db_reloads_total{result="ok"}' 3 &&
	r_metric_is 'clamshim_db_reloads_total{result="failed"}' 0 &&
	ok "status file: $(r_metric 'clamshim_db_reloads_total{result="ok"}') reloads ok, 0 failed" ||
	notok "status file reload counters: $(grep db_reloads "$T/metrics.prom")"
r_finish
