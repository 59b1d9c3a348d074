# tests/detection.sh -- the detection options of the embedded engine (issue 13).
#
# A private clamshim on a tiny database: the EICAR .ndb, a PUA signature in
# a .ndu file (libclamav loads .ndu/.hdu/.ldu files only with CL_DB_PUA:
# readdb.c cli_load; a PUA.* name in a plain .ndb would be loaded either
# way), and synthetic signatures so that building an engine takes a while.
#
# 1. alert_encrypted_archive = false, detect_pua = false: an encrypted zip
#    (zip -P) and the PUA marker are both Clean.
# 2. Both switched on in the file, then SIGHUP: while the new engine is
#    built, messages are sent one after another without a pause; every one
#    must get a decision, each within a generous bound (a stall would hold
#    them until the load ends).
# 3. After the reload: the encrypted zip is Heuristics.Encrypted.Zip, the
#    PUA marker is PUA.Win.Tool.ClamshimDetect.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/reload-lib.sh"
t_need "$CLAMSHIM" "$MTSEND" od awk
command -v zip >/dev/null 2>&1 || t_skip "needs zip (zip -P) to make an encrypted archive"
t_setup

PUA_MARK=clamshim-pua-detect-marker-7f3a
BOUND=10	# seconds one message may take while the engine is rebuilt (normal: milliseconds)
t_mkdb --eicar-only --synthetic "${DETECTION_SYNTH:-20000}" "$T/db"
printf 'PUA.Win.Tool.ClamshimDetect:0:*:%s\n' "$(r_hex "$PUA_MARK")" > "$T/db/clamshim-pua.ndu"

# the encrypted zip, attached; the PUA marker in a plain body; a clean message
printf 'nothing to see here, just an encrypted file\n' > "$T/secret.txt"
(cd "$T" && zip -q -P pw -j enc.zip secret.txt) || t_fail "zip -P failed"
b64() { od -An -v -tu1 | awk '
	BEGIN { t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" }
	{ for (i = 1; i <= NF; i++) b[n++] = $i }
	END { for (i = 0; i < n; i += 3) {
		v = b[i] * 65536 + (i + 1 < n ? b[i + 1] * 256 : 0) + (i + 2 < n ? b[i + 2] : 0)
		s = s substr(t, int(v / 262144) % 64 + 1, 1) substr(t, int(v / 4096) % 64 + 1, 1)
		s = s (i + 1 < n ? substr(t, int(v / 64) % 64 + 1, 1) : "=") (i + 2 < n ? substr(t, v % 64 + 1, 1) : "=")
		if (length(s) >= 76) { printf "%s\r\n", s; s = "" } }
	      if (s != "") printf "%s\r\n", s }'; }
{ printf 'From: <a@example.com>\r\nTo: <b@example.net>\r\nSubject: encrypted\r\nMIME-Version: 1.0\r\n'
  printf 'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n'
  printf -- '--B\r\nContent-Type: application/zip; name="enc.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
  b64 < "$T/enc.zip"; printf -- '--B--\r\n'; } > "$T/enc.eml"
r_marker_msg "$T/pua.eml" "$PUA_MARK"
r_marker_msg "$T/clean.eml" "nothing-at-all"

# conf ON_OFF -- the config with both switches at ON_OFF
conf() {
	cat > "$T/clamshim.conf" <<EOC
socket = "unix:$T/clamshim.sock"
user = ""
pid_file = "$T/clamshim.pid"
log_level = "debug"
spool_dir = "$T"
embedded {
  database = "$T/db"
  reload_check = "0"
  alert_encrypted_archive = $1
  detect_pua = $1
}
policy { on_infected = "tag" }
EOC
}

# status FILE -- the X-Virus-Status the client got for FILE
status() { r_send "$1"; sed -n 's/^header: X-Virus-Status: //p' "$T/out" | tr -d '\r'; }

conf false
t_start_daemon "$T/clamshim.conf"
s=$(status "$T/enc.eml"); [ "$s" = "Clean" ] && ok "encrypted zip Clean with alert_encrypted_archive = false" ||
	notok "encrypted zip with alert_encrypted_archive = false: '$s'"
s=$(status "$T/pua.eml"); [ "$s" = "Clean" ] && ok "PUA marker Clean with detect_pua = false" ||
	notok "PUA marker with detect_pua = false: '$s'"
r_send "$T/clean.eml"; grep -q '^decision=' "$T/out" || notok "clean message: no decision"

# switch both on, SIGHUP, and keep sending until the new engine is in
conf true
before=$(r_reloads)
: > "$T/times"
kill -HUP "$DAEMON_PID"
t0=$(t_now)
n=0
while [ "$(r_reloads)" -le "$before" ]; do
	a=$(t_now)
	if r_send "$T/clean.eml" && grep -q '^decision=' "$T/out"; then
		printf '%s\n' "$(t_elapsed "$a" "$(t_now)")" >> "$T/times"
	else
		notok "message $n during the rebuild got no decision: $(head -3 "$T/out")"
	fi
	n=$((n + 1))
	awk -v e="$(t_elapsed "$t0" "$(t_now)")" 'BEGIN { exit !(e > 300) }' && { notok "no reload within 300s"; break; }
done
grep -q "embedded: engine settings changed, reloading" "$T/clamshim.log" &&
	ok "SIGHUP with changed detection options rebuilds the engine" ||
	notok "no 'engine settings changed' in the log"
slow=$(awk -v b="$BOUND" '$1 > b' "$T/times" | wc -l)
max=$(sort -n "$T/times" | tail -1)
[ "$n" -ge 1 ] && [ "$slow" -eq 0 ] &&
	ok "$n messages during the rebuild ($(t_elapsed "$t0" "$(t_now)")s), all decided, slowest ${max:-?}s (bound ${BOUND}s)" ||
	notok "$n messages during the rebuild, $slow over ${BOUND}s (slowest ${max:-?}s)"

s=$(status "$T/enc.eml"); [ "$s" = "Infected (Heuristics.Encrypted.Zip)" ] &&
	ok "encrypted zip found as Heuristics.Encrypted.Zip after SIGHUP" ||
	notok "encrypted zip with alert_encrypted_archive = true: '$s'"
s=$(status "$T/pua.eml"); [ "$s" = "Infected (PUA.Win.Tool.ClamshimDetect.UNOFFICIAL)" ] &&
	ok "PUA marker found with detect_pua = true" ||
	notok "PUA marker with detect_pua = true: '$s'"
r_finish
