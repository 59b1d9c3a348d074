# tests/evasions.sh -- MIME that mail clients read one way and libclamav another (issue 14).
#
# tests/evasions.pl writes one message per class (declared boundary unused,
# bare CR and mixed line ends, two Content-Type or Content-Transfer-Encoding
# headers, an encoded multipart, RFC 2231 and doubled boundary parameters,
# boundary parameters with odd quoting and white space, header folding that
# hides the boundary, message/partial, a stray '=' in base64, uuencode
# without end (in a text body, in a text part, in a base64 text part),
# TNEF winmail.dat, yEnc with and without =yend) and payload (EICAR and
# clam.exe in base64, clam.zip in base64, EICAR and clam.exe unencoded).
# Each goes through
#   1. clamshim --scan (embedded engine),
#   2. the real daemon with the embedded engine, through tests/mtsend,
#   3. the real daemon with a real clamd as its only scanner,
# and none may come back Clean: each is infected or ambiguous (tagged
# "Unscanned (ambiguous: REASON)"), yEnc included (libclamav does not
# decode it; the MIME check scans the files its blocks hold). A message with a bare LF
# (the unencoded clam.exe, *-exe-plain, and TNEF holding it) goes through
# --scan only: a milter client, like an MTA, sends its bare LF bytes as
# CRLF, so what arrives (and what the recipient would save) is no longer
# clam.exe. Then a well-formed corpus (bench/mkcorpus, no test viruses,
# EVASIONS_CORPUS messages, default 300) through --scan and through both
# daemons: every message Clean, no ambiguous verdict at all.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
MKCORPUS=${MKCORPUS:-$top_builddir/bench/mkcorpus}
t_need "$CLAMSHIM" "$MTSEND" "$CLAMD" "$MKCORPUS" perl "$TESTFILES/clam.exe" "$TESTFILES/clam.zip"
t_setup
fails=0
nok() { echo "not ok: $*"; fails=$((fails + 1)); }
t_mkdb "$T/db"
perl "$top_srcdir/tests/evasions.pl" "$T/ev" "$TESTFILES" || t_fail "evasions.pl"
"$MKCORPUS" -n "${EVASIONS_CORPUS:-300}" -s 14 -i 0 -M 200K "$T/corpus" >/dev/null || t_fail "mkcorpus"
rm -f "$T/corpus/MANIFEST"
n_ev=$(ls "$T/ev" | wc -l)
# the messages an MTA would change (a bare LF): --scan only
(cd "$T/ev" && perl -0777 -ne 'print "$ARGV\n" if /(^|[^\r])\n/' *) > "$T/nomta"
n_mta=$(ls "$T/ev" | grep -cvxF -f "$T/nomta")
echo "$n_ev evasion messages, $(ls "$T/corpus" | wc -l) well-formed ones"

# ---- 1. --scan ----
t_conf "$T/scan.conf" <<EOC
EOC
"$CLAMSHIM" -c "$T/scan.conf" --scan "$T"/ev/* > "$T/scan.out" 2>"$T/scan.err"
while read -r f v a rest; do
	case $v in
	infected|ambiguous) ;;
	*) nok "--scan: ${f##*/} $v $a $rest" ;;
	esac
done < "$T/scan.out"
[ "$(wc -l < "$T/scan.out")" -eq "$n_ev" ] || nok "--scan: $(wc -l < "$T/scan.out") lines for $n_ev messages"
echo "--scan: $(grep -c ' infected ' "$T/scan.out") infected, $(grep -c ' ambiguous ' "$T/scan.out") ambiguous, $(grep -c ' clean ' "$T/scan.out") clean"
"$CLAMSHIM" -c "$T/scan.conf" --scan "$T"/corpus/* > "$T/corpus.out" 2>&1
bad=$(grep -vc ': clean accept$' "$T/corpus.out")
[ "$bad" -eq 0 ] || nok "--scan: $bad well-formed messages not clean: $(grep -v ': clean accept$' "$T/corpus.out" | head -3)"

# ---- 2. and 3. the daemon, embedded and clamd ----
t_clamd_conf "$T/clamd" </dev/null
t_start_clamd "$T/clamd"
# daemon_run NAME SCANNER-LINES -- start a daemon, send every message, check the decisions, stop it
daemon_run() {
	name=$1
	rm -f "$T/clamshim.log"
	t_conf "$T/$name.conf" <<EOC
$2
policy {
  on_ambiguous = "tag"
}
EOC
	t_start_daemon "$T/$name.conf"
	n=0
	for f in "$T"/ev/* "$T"/corpus/*; do
		grep -qxF "${f##*/}" "$T/nomta" && case $f in "$T"/ev/*) continue ;; esac
		n=$((n + 1)); qid=$(printf '%s%04d' "$(echo "$name" | tr a-z A-Z)" "$n")
		out=$T/out.$name.$n
		"$MTSEND" -t 120000 -q "$qid" "unix:$T/clamshim.sock" "$f" > "$out" 2>&1 ||
			{ nok "$name: ${f##*/}: mtsend failed: $(head -2 "$out")"; continue; }
		case $f in
		"$T"/ev/*)
			if grep -q '^header: X-Virus-Status: Clean' "$out"; then
				nok "$name: ${f##*/} delivered as Clean"
			elif grep -q '^decision=accept' "$out" &&
			     ! grep -q '^header: X-Virus-Status: Unscanned (ambiguous: ' "$out"; then
				nok "$name: ${f##*/} accepted without the ambiguous tag: $(grep X-Virus-Status "$out")"
			fi ;;
		*)
			grep -q '^header: X-Virus-Status: Clean' "$out" ||
				nok "$name: well-formed ${f##*/} not Clean: $(head -1 "$out"; grep X-Virus-Status "$out")" ;;
		esac
	done
	t_wait_for 60 grep -q "$(echo "$name" | tr a-z A-Z)$(printf '%04d' "$n"): verdict=" "$T/clamshim.log" ||
		nok "$name: no log line for the last message"
	amb=$(grep -c ' verdict=ambiguous ' "$T/clamshim.log")
	inf=$(grep -c ' verdict=infected ' "$T/clamshim.log")
	[ $((amb + inf)) -eq "$n_mta" ] ||
		nok "$name: $inf infected + $amb ambiguous, wanted $n_mta"
	t_wait_for 30 grep -q "clamshim_messages_total{verdict=\"ambiguous\"} $amb" "$T/metrics.prom" ||
		nok "$name: the status file does not count $amb ambiguous: $(grep messages_total "$T/metrics.prom")"
	echo "$name: $inf infected, $amb ambiguous, the well-formed ones Clean"
	t_stop_pid "$DAEMON_PID"
}
daemon_run embedded 'scanners = {"embedded"}'
daemon_run clamd "scanners = {\"clamd\"}
clamd {
  servers = {\"unix:$T/clamd/clamd.sock\"}
}"
t_stop_pid "$CLAMD_PID"
echo "evasions: $fails problems"
[ "$fails" -eq 0 ] || exit 1
exit 0
