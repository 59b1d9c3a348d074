# tests/limits.sh -- limits by kind through the real daemon (issue 11, point 5).
#
# A zip nested 17 levels with EICAR at the bottom (under 2 KB, built here
# with python3's zipfile) used to be accepted, tagged only, because any hit
# limit went to on_limit ("accept" by default). Now each limit has a kind
# and a policy option of its own:
#
# 1. defaults (on_limit_nesting "reject"), with on_limit_size = "tempfail":
#    the deep zip is rejected 550 5.7.1 and logged limit=nesting with
#    libclamav's MaxRecursion; the same EICAR 3 levels deep is infected; a
#    message over max_size gets on_limit_size's tempfail, not on_limit's
#    accept, and is logged limit=size; clamshim --scan names the kind.
# 2. on_limit = "reject", on_limit_nesting = "accept", on_limit_size =
#    "accept": both are accepted, tagged with their kind
#    (Unscanned (limit nesting: Heuristics.Limits.Exceeded.MaxRecursion),
#    Unscanned (limit size: N bytes over max_size)).
# 3. through a real clamd with AlertExceedsMax yes: the deep zip is
#    rejected as limit=nesting with scanner=clamd.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
t_need "$CLAMSHIM" "$MTSEND" "$CLAMD" python3
t_setup
t_mkdb "$T/db"
fails=0
expect() {	# expect WHAT PATTERN FILE
	if grep -Eq -- "$2" "$3"; then ok "$1"; else notok "$1: $(cat "$3")"; fi
}

# mkzip DEPTH FILE -- a message with EICAR zipped DEPTH times, attached (base64)
mkzip() {
	python3 - "$1" > "$2" <<'EOP' || t_fail "python3 could not build the nested zip"
import base64, io, sys, zipfile
# EICAR, reversed here so that this file is no test virus itself
eicar = '*H+H$!ELIF-TSET-SURIVITNA-DRADNATS-RACIE$}7)CC7)^P(45XZP\\4[PA@%P!O5X'[::-1].encode()
depth = int(sys.argv[1])
data, name = eicar, 'eicar.com'
for level in range(depth, 0, -1):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    data, name = buf.getvalue(), 'level%d.zip' % level
b64 = base64.b64encode(data).decode()
out = ['From: <a@example.com>', 'To: <b@example.net>', 'Subject: nested %d' % depth,
       'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '',
       '--b1', 'Content-Type: text/plain', '', 'see the attachment', '--b1',
       'Content-Type: application/zip; name="nested.zip"',
       'Content-Transfer-Encoding: base64', '']
out += [b64[i:i + 76] for i in range(0, len(b64), 76)]
out += ['--b1--', '']
sys.stdout.write('\r\n'.join(out))
EOP
}
mkzip 17 "$T/deep17.eml"
mkzip 3 "$T/deep3.eml"
size=$(wc -c < "$T/deep17.eml")
[ "$size" -lt 4096 ] && ok "the 17-level zip message is $size bytes" ||
	notok "the 17-level zip message is $size bytes, expected under 4 KB"
{	# a clean message of about 100 KB, over max_size 64K
	printf 'From: <a@example.com>\r\nTo: <b@example.net>\r\nSubject: big\r\n\r\n'
	awk 'BEGIN { for (i = 0; i < 2000; i++) printf "line %05d of a clean but long message.\r\n", i }'
} > "$T/big.eml"
bigsize=$(wc -c < "$T/big.eml")
t_msg "$T/clean.eml"

# start NAME [config lines on stdin] -- a private daemon: $T/NAME.sock, $T/NAME.log
start() {
	cat > "$T/$1.conf" <<EOC
socket = "unix:$T/$1.sock"
user = ""
pid_file = "$T/$1.pid"
log_level = "info"
spool_dir = "$T"
embedded {
  database = "$T/db"
  reload_check = "0"
}
status {
  file = ""
}
EOC
	cat >> "$T/$1.conf"
	t_bg "$CLAMSHIM" -f -c "$T/$1.conf" 2>>"$T/$1.log"
	DAEMON_PID=$!
	t_wait_for 60 grep -q "first signature load finished" "$T/$1.log" ||
		{ cat "$T/$1.log" >&2; t_fail "$1: the daemon did not finish its first load"; }
}
send() {	# send NAME QID FILE -- mtsend's decision and headers in $T/out
	"$MTSEND" -t 120000 -q "$2" "unix:$T/$1.sock" "$3" > "$T/out" 2>&1 ||
		notok "$1: mtsend $2 failed: $(cat "$T/out")"
}
logline() {	# logline NAME WHAT PATTERN -- the daemon's line matches (waits for it)
	if t_wait_for 10 grep -Eq -- "$3" "$T/$1.log"; then ok "$2"
	else notok "$2: no line matches $3 in: $(grep 'verdict=' "$T/$1.log")"; fi
}

# ---- 1. the defaults: a nesting limit is rejected ----
start def <<EOC
policy {
  max_size = "64K"
  on_limit_size = "tempfail"
}
EOC
send def LIMQ1 "$T/deep17.eml"
expect "default: 17 nested zips rejected" '^decision=reject .*reply="550 5.7.1 Message could not be scanned"' "$T/out"
logline def "default: the log line names the kind" \
	'LIMQ1: verdict=limit action=reject scanner=embedded .* limit=nesting reason="Heuristics\.Limits\.Exceeded\.MaxRecursion"$'
send def LIMQ2 "$T/deep3.eml"
expect "default: EICAR 3 zips deep rejected as a virus" '^decision=reject .*reply="550 5.7.1 Virus found: Eicar-Test-Signature' "$T/out"
send def LIMQ3 "$T/big.eml"
expect "on_limit_size tempfail decides over max_size (on_limit is accept)" '^decision=tempfail .*reply="451 4.7.1 ' "$T/out"
logline def "over max_size: limit=size in the log" \
	"LIMQ3: verdict=limit action=tempfail scanner=none .* limit=size reason=\"$bigsize bytes over max_size\"\$"
send def LIMQ4 "$T/clean.eml"
expect "default: a clean message is Clean" '^header: X-Virus-Status: Clean$' "$T/out"
"$CLAMSHIM" -c "$T/def.conf" --scan "$T/deep17.eml" > "$T/scan.out" 2>"$T/scan.err"
rc=$?
[ "$rc" -eq 2 ] && ok "--scan exits 2 on a limit" || notok "--scan exit $rc: $(cat "$T/scan.err")"
expect "--scan names the kind" "^$T/deep17.eml: limit reject nesting: Heuristics\\.Limits\\.Exceeded\\.MaxRecursion\$" "$T/scan.out"
t_stop_pid "$DAEMON_PID"

# ---- 2. each kind's own option decides, whatever on_limit says ----
start acc <<EOC
policy {
  max_size = "64K"
  on_limit = "reject"
  on_limit_nesting = "accept"
  on_limit_size = "accept"
}
EOC
send acc LIMQ5 "$T/deep17.eml"
expect "on_limit_nesting accept: 17 nested zips accepted" '^decision=(accept|continue) ' "$T/out"
expect "the tag names the kind and the limit" \
	'^header: X-Virus-Status: Unscanned \(limit nesting: Heuristics\.Limits\.Exceeded\.MaxRecursion\)$' "$T/out"
logline acc "accepted nesting limit logged with its kind" \
	'LIMQ5: verdict=limit action=accept scanner=embedded .* limit=nesting reason="Heuristics\.Limits\.Exceeded\.MaxRecursion"$'
send acc LIMQ6 "$T/big.eml"
expect "on_limit_size accept: over max_size accepted (on_limit is reject)" '^decision=(accept|continue) ' "$T/out"
expect "the tag names kind size" "^header: X-Virus-Status: Unscanned \\(limit size: $bigsize bytes over max_size\\)\$" "$T/out"
t_stop_pid "$DAEMON_PID"

# ---- 3. clamd's MaxRecursion (AlertExceedsMax yes) is a nesting limit too ----
t_clamd_conf "$T/cd" <<EOC
AlertExceedsMax yes
EOC
t_start_clamd "$T/cd"
start cl <<EOC
scanners = {"clamd"}
clamd {
  servers = {"unix:$T/cd/clamd.sock"}
}
EOC
send cl LIMQ7 "$T/deep17.eml"
expect "clamd: 17 nested zips rejected by default" '^decision=reject .*reply="550 5.7.1 Message could not be scanned"' "$T/out"
logline cl "clamd: the log line names the kind" \
	'LIMQ7: verdict=limit action=reject scanner=clamd .* limit=nesting reason="Heuristics\.Limits\.Exceeded\.MaxRecursion"$'
t_stop_pid "$DAEMON_PID"
t_stop_pid "$CLAMD_PID"

if grep -qE 'Sanitizer|runtime error:' "$T"/*.log; then
	notok "sanitizer report in a daemon log"; grep -E -A20 'Sanitizer|runtime error:' "$T"/*.log | head -60
fi
echo "limits: $fails problems"
[ "$fails" -eq 0 ]
