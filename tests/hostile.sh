# tests/hostile.sh -- malformed and hostile mail through the real daemon.
#
# Generates a set of malformed messages (unterminated MIME boundaries, ten
# thousand nested multiparts, a megabyte header line, NUL bytes, bare CR,
# broken base64/QP/uuencode, a deep archive, twenty thousand headers, empty
# and header-only messages, ...) and pushes each through a private clamshim
# with tests/mtsend (the milter client), one connection per message, with a
# queue id of its own. A megabyte header at the top level and a milter packet
# over libmilter's limit are sent raw: those connections are dropped by
# libmilter, which the daemon must survive.
#
# Checks: the daemon is alive at the end; every message got a decision from
# the client's view and exactly one "QID: verdict=" log line; each message's
# decision is the one written down for it in the table under "checks"
# (verdict, action, virus name or reason, and the X-Virus-Status header the
# client got); forged X-Virus-Status headers are all deleted; the daemon's
# peak memory (VmHWM) stays under a bound;
# no spool file is left in spool_dir and no deleted file stays open; no
# sanitizer report in the daemon's log (the asan build runs this too).
# HOSTILE_KEEP=1 keeps the messages in $T/msgs for a look.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
MTSEND=${MTSEND:-$top_builddir/tests/mtsend}
t_need "$CLAMSHIM" "$MTSEND" awk head tr od perl
t_setup
# EICAR, and a marker that may sit anywhere: the bytes behind a NUL were scanned
AFTERNUL=clamshim-after-a-nul-byte-5d0c
t_mkdb --eicar-only --sig "Clamshim.Test.AfterNul:$(printf '%s' "$AFTERNUL" | od -An -tx1 -v | tr -d ' \n')" "$T/db"
mkdir -p "$T/msgs" "$T/spool"
M=$T/msgs
fails=0
nok() { echo "not ok: $*"; fails=$((fails + 1)); }

# ---- the messages ----
CRLF=$(printf '\r\n')
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
hdr() {	# hdr FILE [extra header lines...] -- the usual top of a message
	f=$1; shift
	{ printf 'From: sender@example.com\r\nTo: rcpt@example.net\r\nSubject: hostile %s\r\n' "$(basename "$f")"
	  printf 'MIME-Version: 1.0\r\n'
	  for h in "$@"; do printf '%s\r\n' "$h"; done
	  printf '\r\n'; } > "$f"
}
b64() { od -An -v -tu1 | awk '	# base64 on stdin, 76 columns, CRLF
	BEGIN { t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" }
	{ for (i = 1; i <= NF; i++) b[n++] = $i }
	END { for (i = 0; i < n; i += 3) {
		v = b[i] * 65536 + (i + 1 < n ? b[i + 1] * 256 : 0) + (i + 2 < n ? b[i + 2] : 0)
		s = s substr(t, int(v / 262144) % 64 + 1, 1) substr(t, int(v / 4096) % 64 + 1, 1)
		s = s (i + 1 < n ? substr(t, int(v / 64) % 64 + 1, 1) : "=") (i + 2 < n ? substr(t, v % 64 + 1, 1) : "=")
		if (length(s) >= 76) { printf "%s\r\n", s; s = "" } }
	      if (s != "") printf "%s\r\n", s }'; }

# 01 control: EICAR attached, well formed (the daemon scans at all)
hdr "$M/01-eicar" 'Content-Type: multipart/mixed; boundary="B"'
{ printf -- '--B\r\nContent-Type: application/octet-stream; name="e.com"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
  printf '%s' "$EICAR" | b64; printf -- '--B--\r\n'; } >> "$M/01-eicar"
# 02 unterminated boundaries: parts opened, never closed, base64 cut mid-line
hdr "$M/02-unterminated" 'Content-Type: multipart/mixed; boundary="OPEN"'
{ printf -- '--OPEN\r\nContent-Type: multipart/alternative; boundary="INNER"\r\n\r\n--INNER\r\n'
  printf 'Content-Type: text/plain\r\n\r\nno end\r\n--OPEN\r\nContent-Type: application/octet-stream\r\n'
  printf 'Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\nTVqQAAM'; } >> "$M/02-unterminated"
# 03 ten thousand nested multiparts
hdr "$M/03-nested10k" 'Content-Type: multipart/mixed; boundary="n0"'
awk 'BEGIN { for (i = 1; i <= 10000; i++) printf "--n%d\r\nContent-Type: multipart/mixed; boundary=\"n%d\"\r\n\r\n", i - 1, i
	printf "--n10000\r\nContent-Type: text/plain\r\n\r\ndeep\r\n"
	for (i = 10000; i >= 0; i--) printf "--n%d--\r\n", i }' >> "$M/03-nested10k"
# 04 a megabyte header line inside a MIME part, and a 60 KB top-level header
long60k=$(head -c 61000 /dev/zero | tr '\0' 'S')
hdr "$M/04-longheader" "X-Long: $long60k" 'Content-Type: multipart/mixed; boundary="L"'
{ printf -- '--L\r\nContent-Type: text/plain; name="'; head -c 1048576 /dev/zero | tr '\0' 'A'
  printf '"\r\n\r\nbody\r\n--L--\r\n'; } >> "$M/04-longheader"
# 05 NUL bytes: in the body, in a MIME part header, around EICAR in an
# unencoded part. libclamav deletes NUL bytes from the lines of a part it
# decodes (and also scans the raw message, NULs and all): EICAR is found.
hdr "$M/05-nul" 'Content-Type: multipart/mixed; boundary="Z"'
{ printf -- '--Z\r\nContent-Type: text/plain;\0 charset=us-ascii\r\n\r\n'; head -c 70000 /dev/zero
  printf '\r\n--Z\r\nContent-Type: application/octet-stream\r\n\r\n\0\0\0%s\0\r\n--Z--\r\n' "$EICAR"; } >> "$M/05-nul"
# 06 a NUL in a header value (the milter protocol ends the value there) and
# in a plain body: nothing in it, so clean -- honest because 06b, the same
# message with a marker right behind the NUL, is found
printf 'From: a@example.com\r\nX-Nul: in\0side\r\n\r\nbody\0body\r\n' > "$M/06-nulheader"
printf 'From: a@example.com\r\nX-Nul: in\0side\r\n\r\nbody\0%s\r\n' "$AFTERNUL" > "$M/06b-nul-marker"
# 07 bare CR line ends everywhere (ambiguous: the reading where CR is no
# line end cannot be scanned; issue 14), and a body of bare CRs (Clean: a
# bare CR inside data changes no structure)
printf 'From: a@example.com\rSubject: bare CR\rContent-Type: multipart/mixed; boundary="C"\r\r--C\rContent-Type: text/plain\r\rtext\r--C--\r' > "$M/07-barecr"
hdr "$M/08-barecr-body" 'Content-Type: text/plain'
awk 'BEGIN { for (i = 0; i < 50000; i++) printf "line %d\r", i }' >> "$M/08-barecr-body"
# 09 broken base64, QP and uuencode
hdr "$M/09-broken-enc" 'Content-Type: multipart/mixed; boundary="E"'
{ printf -- '--E\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'
  printf '====\r\n!!!!@@@@####\r\nQUJD=RE\r\nYW=Jj\r\n%s\r\nA\r\nAB\r\nABC\r\n' "$(head -c 3000 /dev/zero | tr '\0' '=')"
  printf -- '--E\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
  printf '=XY=4=\r\n=0D=0A=00=FF=\r\n=%s=\r\n=' "$(head -c 5000 /dev/zero | tr '\0' '=')"
  printf '\r\n--E\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n'
  printf 'begin 644 x.bin\r\nM86)C9&5F9VAI:FML;6YO<\r\n`\r\nbegin 777\r\nend\r\nend\r\nbegin 644\r\n'
  printf '%s\r\n' "$(head -c 2000 /dev/zero | tr '\0' 'M')"
  printf -- '--E\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'
  printf '%s' "$EICAR" | b64 | tr 'A' '*'; printf -- '--E\r\n'; } >> "$M/09-broken-enc"
# 09b the same broken parts, then EICAR well encoded: the parser gets past them
{ cat "$M/09-broken-enc"; printf 'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'
  printf '%s' "$EICAR" | b64; printf -- '--E--\r\n'; } > "$M/09b-broken-enc-eicar"
# 10 a deep archive: 24 nested zips, EICAR at the bottom (committed; max_recursion is 16)
hdr "$M/10-deepzip" 'Content-Type: multipart/mixed; boundary="D"'
{ printf -- '--D\r\nContent-Type: application/zip; name="deep.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
  b64 < "$top_srcdir/tests/hostile/deep24.zip"; printf -- '--D--\r\n'; } >> "$M/10-deepzip"
# 11 twenty thousand headers, 25 forged X-Virus-Status among them (25
# deletions and 2 added headers: within what mtsend shows, 32 changes)
awk 'BEGIN { printf "From: a@example.com\r\n"
	for (i = 0; i < 20000; i++)
		if (i % 800 == 0) printf "X-Virus-Status: Clean\r\n"; else printf "X-H%d: v%d\r\n", i, i
	printf "\r\nbody\r\n" }' > "$M/11-headers20k"
# 12 empty; 13 header-only (no blank line, no body); 14 only a blank line
: > "$M/12-empty"
printf 'From: a@example.com\r\nSubject: header only' > "$M/13-headeronly"
printf '\r\n' > "$M/14-blank"
# 15 one body line of two megabytes, no line end at all
hdr "$M/15-longline" 'Content-Type: text/plain'
head -c 2097152 /dev/zero | tr '\0' 'x' >> "$M/15-longline"
# 16 fifty thousand empty MIME parts side by side
hdr "$M/16-manyparts" 'Content-Type: multipart/mixed; boundary="P"'
awk 'BEGIN { for (i = 0; i < 50000; i++) printf "--P\r\n\r\n"; printf "--P--\r\n" }' >> "$M/16-manyparts"
# 17 control bytes and 8-bit bytes in headers, a header name that is all junk
printf 'From: a@example.com\r\nSubject: \033[31mred\007\001\002 \377\376\r\n\377\200: x\r\nX-Fold: a\r\n\t\r\n \r\n\r\nbody\r\n' > "$M/17-junkheaders"
# 18 a zip bomb: 40 MB of zeros in a 39 KB zip (committed: zip need not be installed)
hdr "$M/18-zipbomb" 'Content-Type: multipart/mixed; boundary="Q"'
{ printf -- '--Q\r\nContent-Type: application/zip; name="bomb.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
  b64 < "$top_srcdir/tests/hostile/bomb40m.zip"; printf -- '--Q--\r\n'; } >> "$M/18-zipbomb"
# 19 MIME headers that never end, RFC 2231 continuations without end, a huge boundary
hdr "$M/19-mimejunk" "Content-Type: multipart/mixed; boundary=\"$(head -c 5000 /dev/zero | tr '\0' 'b')\"; name*0=\"a\"; name*99999999999=\"b\"; name*=''%%%"
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "Content-Type: text/plain; charset=\"x%d\"\r\n", i }' >> "$M/19-mimejunk"

# ---- the daemon ----
cat > "$T/clamshim.conf" <<EOC
socket = "unix:$T/clamshim.sock"
user = ""
pid_file = "$T/clamshim.pid"
log_level = "info"
spool_dir = "$T/spool"
memory_limit = "256K"
max_scans = 2
embedded {
  database = "$T/db"
  reload_check = "0"
  max_recursion = 16
  max_file_size = "64M"		# libclamav trims an archive member to max_file_size
  max_scan_size = "20M"		# silently (doc/security.md); max_scan_size is reported
  max_scan_time = "60s"
}
status {
  file = ""
}
policy {
  max_size = "50M"
  on_limit = "accept"
  on_error = "tempfail"
}
EOC
t_start_daemon "$T/clamshim.conf"
pid=$DAEMON_PID
sock="unix:$T/clamshim.sock"
rss_kb() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
base_rss=$(rss_kb "$pid" VmRSS)
echo "daemon $pid started, VmRSS ${base_rss} kB"

# ---- send each ----
n=0 sent=0
for f in "$M"/*; do
	n=$((n + 1)); qid=$(printf 'HOSTILE%02d' "$n"); name=$(basename "$f")
	echo "$qid $name" >> "$T/qids"
	start=$(date +%s)
	"$MTSEND" -t 180000 -q "$qid" "$sock" "$f" > "$T/out.$qid" 2>&1
	rc=$?
	sent=$((sent + 1))
	if [ "$rc" -ne 0 ] || ! grep -q '^decision=' "$T/out.$qid"; then
		nok "$name ($qid): no decision (mtsend exit $rc): $(head -3 "$T/out.$qid")"
	else
		echo "ok: $name ($qid): $(head -1 "$T/out.$qid" | cut -d' ' -f1,3) in $(( $(date +%s) - start ))s, daemon VmRSS $(rss_kb "$pid" VmRSS) kB"
	fi
	kill -0 "$pid" 2>/dev/null || { nok "daemon died on $name"; break; }
done

# ---- raw protocol abuse: packets over libmilter's limit (the connection is dropped) ----
raw() {	# raw LENGTH BYTES -- OPTNEG, then a packet claiming LENGTH with BYTES of data; perl-base only
	perl -MIO::Socket::UNIX -e '
		my ($path, $len, $bytes) = @ARGV;
		my $s = IO::Socket::UNIX->new(Peer => $path) or exit 2;
		local $SIG{ALRM} = sub { exit 0 }; alarm 5;
		print $s pack("NaNNN", 13, "O", 6, 0x1ff, 0);
		my $r; sysread($s, $r, 4096);
		$s->send(pack("Na", $len, "L") . ("H" x $bytes));
		while (sysread($s, $r, 4096)) { }
		exit 0' "$T/clamshim.sock" "$1" "$2" >/dev/null 2>&1
}
for spec in "1048577 1048576" "4294967295 100000" "0 0"; do
	t0=$(date +%s); raw $spec; echo "raw packet ($spec): $(( $(date +%s) - t0 ))s"
done
kill -0 "$pid" 2>/dev/null && echo "ok: a 1 MB header packet, a 4 GB length and a zero length were refused, daemon alive" ||
	nok "daemon died on an oversized milter packet"

# ---- checks ----
kill -0 "$pid" 2>/dev/null || nok "daemon is not running at the end"
# a clean message still works afterwards, promptly
printf 'From: a@example.com\r\nSubject: after\r\n\r\nclean\r\n' > "$T/after"
"$MTSEND" -t 30000 -q HOSTILEAFTER "$sock" "$T/after" > "$T/out.after" 2>&1 &&
	grep -q '^decision=accept' "$T/out.after" && grep -q '^header: X-Virus-Status: Clean' "$T/out.after" ||
	nok "a clean message after the hostile ones: $(cat "$T/out.after")"
t_wait_for 60 grep -q "HOSTILEAFTER: verdict=" "$T/clamshim.log" || nok "no log line for the message after the hostile ones"
while read -r qid name; do
	c=$(grep -c "$qid: verdict=" "$T/clamshim.log")
	[ "$c" -eq 1 ] || nok "$name ($qid): $c log lines with its decision, wanted 1"
done < "$T/qids"
# ---- each message's decision, written down ----
# expect NAME VERDICT ACTION [ERE] -- the log line of NAME says VERDICT and
# ACTION (its virus= or reason= matching ERE), and the client saw that: a 550
# reply for reject; for accept exactly one X-Virus-Status, Clean for clean,
# "Unscanned (REASON)" otherwise. ACTION "policy": what the limit policy of
# the day decides (on_limit), accept tagged or reject, as long as the client
# saw the same.
expect() {
	name=$1 verdict=$2 action=$3 what=${4:-}
	qid=$(awk -v n="$name" '$2 == n { print $1 }' "$T/qids")
	[ -n "$qid" ] || { nok "$name: no such message was sent"; return; }
	out=$T/out.$qid
	line=$(grep "$qid: verdict=" "$T/clamshim.log" | head -1)
	v=$(printf '%s\n' "$line" | sed -n 's/.* verdict=\([a-z]*\) .*/\1/p')
	a=$(printf '%s\n' "$line" | sed -n 's/.* action=\([a-z]*\) .*/\1/p')
	detail=$(printf '%s\n' "$line" | sed -n 's/.* \(virus\|reason\)="\([^"]*\)".*/\2/p')
	bad=
	[ "$v" = "$verdict" ] || bad="$bad verdict $v, wanted $verdict;"
	[ -z "$what" ] || printf '%s\n' "$detail" | grep -Eq -- "$what" || bad="$bad detail '$detail' does not match /$what/;"
	if [ "$action" = policy ]; then
		case $a in accept|reject) action=$a ;; *) bad="$bad action $a, wanted accept or reject;" ;; esac
	fi
	[ "$a" = "$action" ] || bad="$bad action $a, wanted $action;"
	status=$(grep -c '^header: X-Virus-Status: ' "$out")
	case $action in
	reject)
		grep -q '^decision=reject .*reply="550 5\.7\.1 ' "$out" || bad="$bad the client got no 550 5.7.1;"
		[ "$verdict" != infected ] || grep -q "^decision=reject .*Virus found: $detail\"" "$out" ||
			bad="$bad the reply does not name $detail;"
		[ "$status" -eq 0 ] || bad="$bad X-Virus-Status added to a rejected message;" ;;
	accept)
		grep -q '^decision=accept ' "$out" || bad="$bad the client got no accept;"
		[ "$status" -eq 1 ] || bad="$bad $status X-Virus-Status headers added, wanted 1;"
		if [ "$verdict" = clean ]; then
			grep -qx 'header: X-Virus-Status: Clean' "$out" || bad="$bad not tagged Clean;"
		else
			tag=$detail	# a limit is tagged with its kind: "limit KIND: REASON"
			[ "$verdict" != limit ] || tag="limit $(printf '%s\n' "$line" | sed -n 's/.* limit=\([a-z]*\) .*/\1/p'): $detail"
			[ "$verdict" != ambiguous ] || tag="ambiguous: $detail"
			grep -qF "header: X-Virus-Status: Unscanned ($tag)" "$out" || bad="$bad not tagged Unscanned ($tag);"
		fi
		grep -q '^header: X-Virus-Scanned: clamshim ' "$out" || bad="$bad no X-Virus-Scanned;" ;;
	esac
	grep -q '^changes: more than' "$out" && bad="$bad more header changes than the client shows;"
	if [ -n "$bad" ]; then
		nok "$name ($qid):$bad log: ${line#*: }; client: $(head -1 "$out")"
	else
		echo "ok: $name: $verdict $a${detail:+ ($detail)}"
	fi
}
#	name			verdict		action	virus name or reason
expect	01-eicar		infected	reject	'^Eicar-Test-Signature'
expect	02-unterminated		clean		accept
expect	03-nested10k		limit		policy	'Heuristics\.Limits\.Exceeded\.MaxRecursion'
expect	04-longheader		clean		accept
expect	05-nul			infected	reject	'^Eicar-Test-Signature'
expect	06-nulheader		clean		accept
expect	06b-nul-marker		infected	reject	'^Clamshim\.Test\.AfterNul'
expect	07-barecr		ambiguous	accept	'^bare CR line ends$'
expect	08-barecr-body		clean		accept
expect	09-broken-enc		clean		accept
expect	09b-broken-enc-eicar	infected	reject	'^Eicar-Test-Signature'
expect	10-deepzip		limit		policy	'Heuristics\.Limits\.Exceeded\.MaxRecursion'
expect	11-headers20k		clean		accept
expect	12-empty		clean		accept
expect	13-headeronly		clean		accept
expect	14-blank		clean		accept
expect	15-longline		clean		accept
expect	16-manyparts		clean		accept
expect	17-junkheaders		clean		accept
expect	18-zipbomb		limit		policy	'Heuristics\.Limits\.Exceeded\.MaxScanSize'
expect	19-mimejunk		clean		accept
n_expected=$(grep -c "^expect	" "$top_srcdir/tests/hostile.sh")
[ "$n_expected" -eq "$sent" ] || nok "$sent messages sent, $n_expected decisions written down: give each message its line"
# the 25 forged X-Virus-Status of 11-headers20k: each deleted, last first
qid=$(awk '$2 == "11-headers20k" { print $1 }' "$T/qids")
got=$(sed -n 's/^delete: X-Virus-Status\[\([0-9]*\)\]$/\1/p' "$T/out.$qid" | tr '\n' ' ')
want=$(awk 'BEGIN { for (i = 25; i >= 1; i--) printf "%d ", i }')
[ "$got" = "$want" ] && echo "ok: 11-headers20k: the 25 forged X-Virus-Status deleted" ||
	nok "11-headers20k: X-Virus-Status deletions '$got', wanted '$want'"
# memory: peak bounded, generous for the sanitizer build (ASan's shadow and quarantine)
hwm=$(rss_kb "$pid" VmHWM) rss=$(rss_kb "$pid" VmRSS)
# The bound over the starting RSS: 150 MB, 400 MB for a sanitizer build
# (ASan keeps up to 256 MB of freed memory in quarantine).
mb=150
grep -q __asan_init "$CLAMSHIM" 2>/dev/null && mb=400
limit=$(( base_rss + ${HOSTILE_MEM_MB:-$mb} * 1024 ))
echo "memory: VmRSS at start ${base_rss} kB, now ${rss} kB, peak VmHWM ${hwm} kB (bound ${limit} kB)"
[ "$hwm" -le "$limit" ] || nok "peak memory ${hwm} kB over the bound ${limit} kB"
# no spool file left, none open
left=$( (ls -A "$T/spool" | grep -v '^clamshim-emb\.'; find "$T/spool"/clamshim-emb.* -mindepth 1 2>/dev/null) | wc -l)	# the engine's temp dir stays, empty
[ "$left" -eq 0 ] || nok "$left files left in spool_dir: $(ls -A "$T/spool" | head -5)"
open=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c '(deleted)')
[ "$open" -eq 0 ] || nok "$open deleted files still open in the daemon"
# stops on SIGTERM
kill -TERM "$pid"
t_wait_for 60 t_gone "$pid" || nok "daemon did not stop within 60 s of SIGTERM"
if grep -qE 'Sanitizer|runtime error:' "$T/clamshim.log"; then
	nok "sanitizer report in the daemon log"; grep -E -A20 'Sanitizer|runtime error:' "$T/clamshim.log" | head -60
fi
[ -n "${HOSTILE_KEEP:-}" ] && KEEP=1 && echo "messages kept in $M"
echo "hostile: $sent messages sent, $fails problems"
[ "$fails" -eq 0 ] || { echo "---- daemon log (tail)"; tail -40 "$T/clamshim.log"; exit 1; }
exit 0
