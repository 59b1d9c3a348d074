# tests/cli.sh -- the command line: -V, -t exit codes and messages, --scan.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
t_need "$CLAMSHIM" "$SIGTOOL" "$TESTFILES/clam.exe"
t_setup
t_mkdb "$T/db"
fails=0
check() {	# check DESCRIPTION EXPECTED_RC CMD...
	what=$1 want=$2; shift 2
	"$@" >"$T/out" 2>&1; rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "not ok: $what: exit $rc, wanted $want"; sed 's/^/    /' "$T/out"; fails=$((fails + 1))
	else
		echo "ok: $what"
	fi
}
expect_out() {	# expect_out DESCRIPTION EXTENDED-REGEX (in $T/out)
	if grep -Eq -- "$2" "$T/out"; then echo "ok: $1"; else
		echo "not ok: $1: no line matches /$2/"; sed 's/^/    /' "$T/out"; fails=$((fails + 1)); fi
}

check "-V exits 0" 0 "$CLAMSHIM" -V
expect_out "-V names clamshim" '^clamshim [0-9]+\.[0-9]+'
expect_out "-V names libclamav" '^libclamav [0-9]+\.[0-9]+'
expect_out "-V names the signatures" '^signatures '
check "--version" 0 "$CLAMSHIM" --version

t_conf "$T/good.conf" </dev/null
check "-t on a clean config exits 0" 0 "$CLAMSHIM" -t -c "$T/good.conf"
check "--check-config long form" 0 "$CLAMSHIM" --check-config --config "$T/good.conf"

t_conf "$T/unknown.conf" <<'EOC'
# a comment
frobnicate_level = 7
EOC
line=$(grep -n frobnicate "$T/unknown.conf" | cut -d: -f1)
check "-t with an unknown option exits 1" 1 "$CLAMSHIM" -t -c "$T/unknown.conf"
expect_out "-t names file and line of the unknown option" "^$T/unknown.conf:$line: error: .*frobnicate_level"

t_conf "$T/unknownsec.conf" <<'EOC'
embedded {
  max_recursion = 10
  scan_pdf_harder = yes
}
EOC
line=$(grep -n scan_pdf_harder "$T/unknownsec.conf" | cut -d: -f1)
check "-t with an unknown option in a section exits 1" 1 "$CLAMSHIM" -t -c "$T/unknownsec.conf"
expect_out "-t names its line" "^$T/unknownsec.conf:$line: error: .*scan_pdf_harder"

t_conf "$T/depr.conf" <<'EOC'
max_threads = 4
EOC
check "-t with only a deprecated option exits 2" 2 "$CLAMSHIM" -t -c "$T/depr.conf"
expect_out "-t reports the deprecated option as a warning" "^$T/depr.conf:[0-9]+: warning: .*max_threads"

t_conf "$T/bad.conf" <<'EOC'
policy {
  on_infected = "explode"
}
EOC
check "-t with a bad value exits 1" 1 "$CLAMSHIM" -t -c "$T/bad.conf"
expect_out "-t names the bad value" "^$T/bad.conf:[0-9]+: error: .*on_infected"
check "the daemon refuses a bad value at start" 1 "$CLAMSHIM" -f -c "$T/bad.conf"
expect_out "and says why" "on_infected"

# a socket_mode the MTA's group cannot connect with (no group write bit)
t_conf "$T/mode.conf" <<'EOC'
socket_group = "mail"
socket_mode = "0640"
EOC
line=$(grep -n socket_mode "$T/mode.conf" | cut -d: -f1)
check "-t with socket_mode 0640 exits 1" 1 "$CLAMSHIM" -t -c "$T/mode.conf"
expect_out "-t names file and line of socket_mode" "^$T/mode.conf:$line: error: socket_mode: \"0640\" leaves the socket's group"
check "the daemon refuses socket_mode 0640 at start" 1 timeout 60 "$CLAMSHIM" -f -c "$T/mode.conf"
expect_out "and says why" "socket_mode: \"0640\" leaves the socket's group"

printf 'socket = "unix:%s/x.sock"\nembedded {\n  database = "unterminated\n' "$T" > "$T/syntax.conf"
check "-t with a syntax error exits 1" 1 "$CLAMSHIM" -t -c "$T/syntax.conf"
check "-t with a missing file exits 1" 1 "$CLAMSHIM" -t -c "$T/nonexistent.conf"

# --scan: every ClamAV test file is infected with the test database
check "--scan of every clamav test file exits 1" 1 "$CLAMSHIM" -c "$T/good.conf" --scan "$TESTFILES"/*
n=$(ls "$TESTFILES" | wc -l)
inf=$(grep -c ': infected reject ' "$T/out")
if [ "$inf" -eq "$n" ]; then echo "ok: all $n test files infected"; else
	echo "not ok: $inf of $n test files infected"; grep -v ': infected ' "$T/out" | sed 's/^/    /'; fails=$((fails + 1)); fi

printf 'From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nHello.\r\n' > "$T/clean.eml"
check "--scan of a clean message exits 0" 0 "$CLAMSHIM" -c "$T/good.conf" --scan "$T/clean.eml"
expect_out "--scan prints FILE: clean accept" "^$T/clean.eml: clean accept$"

mkdir "$T/emptydb"
sed "s|$T/db|$T/emptydb|" "$T/good.conf" > "$T/empty.conf"
check "--scan with no signatures exits 2" 2 "$CLAMSHIM" -c "$T/empty.conf" --scan "$T/clean.eml"
expect_out "--scan says unavailable and the action" "^$T/clean.eml: unavailable tempfail "

check "--scan mixing infected and clean exits 1" 1 "$CLAMSHIM" -c "$T/good.conf" --scan "$T/clean.eml" "$TESTFILES/clam.exe"

echo "$fails failed"
[ "$fails" -eq 0 ]
