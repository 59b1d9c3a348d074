# tests/bench-smoke.sh -- bench/run --smoke --plot end to end: every contestant measured, every target line printed
# (the MIME check's cost with and without it, no ambiguous verdict on the corpus), the charts drawn;
# bench/pool --smoke: the pool of three clamds with one slowed, both picks measured.
# Not a measurement (tiny sizes, a loaded test machine): it checks that the benchmark pipeline works.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
t_need "$CLAMSHIM" "$CLAMD" "$SIGTOOL" "$TESTFILES/clam.exe" "$top_builddir/bench/milter-load" \
	"$top_builddir/bench/raw-scan" "$top_builddir/bench/mkcorpus" gnuplot
grep -q -- '-fsanitize=' "$top_builddir/Makefile" 2>/dev/null &&
	t_skip "a sanitizer build: the benchmark pipeline is checked in the normal build"
t_setup
sh "$top_srcdir/bench/run" --smoke --plot --build "$top_builddir" --out "$T/report" >"$T/out" 2>&1
rc=$?
cat "$T/out"
[ "$rc" -eq 0 ] || t_fail "bench/run --smoke exited $rc"
fails=0
expect() {	# expect EXTENDED-REGEX -- a line of the report matches
	if grep -Eq -- "$1" "$T/report"; then echo "ok: /$1/"; else echo "not ok: no line matches /$1/"; fails=$((fails + 1)); fi
}
num='[0-9]+\.[0-9]+'
expect "^machine: [0-9]+ CPUs"
expect "^raw libclamav \([0-9]+ threads\) +$num +$num"
expect "^clamshim embedded +$num +$num"
expect "^clamshim -> clamd +$num +$num"
if command -v clamav-milter >/dev/null 2>&1 || [ -x /usr/sbin/clamav-milter ]; then
	expect "^clamav-milter -> clamd +$num +$num"
	expect "clamd refused, clamav-milter: [0-9]+ msgs"
	expect "clamd hung \(SIGSTOP\), clamav-milter: [0-9]+ msgs"
fi
expect "clamshim embedded / raw libclamav +$num +$num +target CPU >= 0.95"
expect "^throughput, the [0-9]+ messages under 20 KB"
expect "^throughput, the bulk corpus \([0-9]+ messages, 50% campaign mail\)"
expect "^bulk corpus: .* [0-9]+ campaign messages"
expect "clamshim embedded / clamav-milter\+clamd +$num +$num +target >= 1.5"
expect "^MIME check cost, the whole corpus, clamshim embedded"
expect "^check on \(as shipped\) +$num +$num +$num +0$"
expect "^check off \(CLAMSHIM_MIME_CHECK=off\) +$num +$num +$num +0$"
expect "^  end to end, the daemon's CPU per message on/off: [-+]$num% \(on/off $num"
expect "^  the check alone, in process \(raw-scan -m, thread CPU clock\): $num ms per message against $num ms for the scan: \+$num% +target < 5%: (met|MISSED)"
expect "^  ambiguous verdicts on the well-formed corpus, all runs with the check: 0 +target 0: met"
expect "^memory: clamshim embedded peak"
expect "clamd refused, clamshim: [0-9]+ msgs .*tempfail: [1-9]"
expect "clamd hung \(SIGSTOP\), clamshim: [0-9]+ msgs .*tempfail [1-9]"
expect "^reproduce: bench/run "
expect "^charts: .*bench-throughput.svg"
for f in bench-throughput bench-cpu bench-latency; do	# a whole SVG document with the contestants in it
	if [ -s "$T/$f.svg" ] && grep -q '<svg' "$T/$f.svg" && tail -c 200 "$T/$f.svg" | grep -q '</svg>' &&
	   grep -q 'clamshim' "$T/$f.svg"; then echo "ok: $f.svg"; else echo "not ok: $f.svg missing or cut"; fails=$((fails + 1)); fi
done
sh "$top_srcdir/bench/pool" --smoke --build "$top_builddir" --out "$T/pool" >"$T/pool.out" 2>&1
rc=$?
cat "$T/pool.out"
[ "$rc" -eq 0 ] || t_fail "bench/pool --smoke exited $rc"
expectp() {	# expectp EXTENDED-REGEX -- a line of the pool report matches
	if grep -Eq -- "$1" "$T/pool"; then echo "ok: /$1/"; else echo "not ok: no line matches /$1/"; fails=$((fails + 1)); fi
}
for pick in "round-robin" "fewest in flight"; do
	for cond in healthy slow; do expectp "^$pick +$cond +$num +$num +$num"; done
done
expectp "^p99 slow / p99 healthy: round-robin $num, fewest in flight $num +target <= 1.5"
[ "$fails" -eq 0 ] || t_fail "$fails report lines missing"
echo "bench-smoke: ok"
