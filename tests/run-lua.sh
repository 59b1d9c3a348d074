# tests/run-lua.sh -- run one miltertest Lua script against the real daemon.
# Gives the script: clamshim (binary), tmpdir (private), srcdir, testfiles,
# script (the test, run by tests/lua/run.lua which reports why it failed).
# The script writes its config and starts the daemon (tests/lua/lib.lua).
# A sanitizer report in the daemon's log fails the test too.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
t_need "$MILTERTEST" "$CLAMSHIM" "$SIGTOOL"
t_setup
t_mkdb "$T/db"
script=$1
"$MILTERTEST" -D clamshim="$CLAMSHIM" -D tmpdir="$T" -D srcdir="$top_srcdir" \
	-D testfiles="$TESTFILES" -D script="$script" -s "$top_srcdir/tests/lua/run.lua" \
	2>"$T/miltertest.err"
rc=$?
cat "$T/miltertest.err" >&2
if [ -f "$T/clamshim.log" ]; then
	echo "---- daemon log" >&2
	cat "$T/clamshim.log" >&2
	if grep -qE 'Sanitizer|runtime error:' "$T/clamshim.log"; then
		echo "FAIL: sanitizer report in the daemon log" >&2
		rc=1
	fi
fi
exit $rc
