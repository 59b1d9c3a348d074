#!/bin/sh
# tests/fuzz/run.sh -- build the libFuzzer targets with Automake and run each for a bounded time.
#
# Usage: tests/fuzz/run.sh [--time SECONDS | --long SECONDS] [--dir DIR] [--build BUILDDIR] [TARGET...]
#   --time N        fuzz each target N seconds (default 20; scripts/test uses this)
#   --long N        the same, for a long run (e.g. --long 600)
#   --dir DIR       work dir (default ${TMPDIR:-/tmp}/clamshim-fuzz)
#   --build BUILD   a build dir configured with CC=clang --enable-fuzz to use
#                   (default: DIR/build, configured here; kept between runs)
#   TARGET          fuzz_conf fuzz_units fuzz_hdrs fuzz_clamd fuzz_status fuzz_milter ...
#                   (default: all tests/fuzz/fuzz_*.c)
#
# The targets are Makefile.am's FUZZ_TARGETS: this configures a build dir with
# `configure CC=clang CFLAGS='-g -O1' --enable-fuzz` (unless --build names
# one) and makes tests/fuzz/TARGET there, which compiles with
# -fsanitize=fuzzer,address,undefined (a source tree configured in place is
# built from a copy made by its `make distdir`). Each target first replays its
# committed corpus tests/fuzz/corpus/TARGET/ (seeds and the inputs of past
# findings, kept as regression tests), then fuzzes for the given time with a
# private copy of the corpus. One line per target:
#   PASS: fuzz_conf (123456 runs in 20 s, corpus 40 -> 95)
#   FAIL: fuzz_conf (crash: DIR/fuzz_conf/crash-...) -- add the input to the corpus once fixed
# and at the end "N passed, N failed". Exit 0 when every target passed.
# Environment: CC (default clang), JOBS (parallel make, default 2); one
# target is fuzzed at a time.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
time=20
dir=${TMPDIR:-/tmp}/clamshim-fuzz
build=
targets=
while [ $# -gt 0 ]; do
	case $1 in
	--time|--long) time=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	-h|--help) sed -n '2,26p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) targets="$targets $1"; shift ;;
	esac
done
[ -n "$targets" ] || targets=$(cd "$top/tests/fuzz" && ls fuzz_*.c | sed 's/\.c$//')
CC=${CC:-clang}
case $CC in *clang*) ;; *) CC=clang ;; esac
JOBS=${JOBS:-2}
# setup_fail WHAT LOG -- no target can be built: one FAIL line and the summary
setup_fail() {
	[ -f "$2" ] && tail -30 "$2"
	echo "FAIL: fuzz ($1)"; echo "0 passed, 1 failed"; exit 1
}
command -v "$CC" >/dev/null 2>&1 || setup_fail "fuzzing needs clang (scripts/deps installs it)" /dev/null
mkdir -p "$dir" || exit 1
dir=$(cd "$dir" && pwd)

# fuzz_enabled BUILD -- is BUILD configured with --enable-fuzz?
fuzz_enabled() {
	[ -f "$1/Makefile" ] && [ -x "$1/config.status" ] &&
		"$1/config.status" --config | grep -qE "(^| |')--enable-fuzz(=yes)?('| |\$)"
}

# The build dir: the one given, the source tree when it is configured in
# place for fuzzing, else DIR/build configured here (again when it was made
# from another source tree or without --enable-fuzz).
if [ -n "$build" ]; then
	build=$(cd "$build" 2>/dev/null && pwd) || setup_fail "no build dir $build" /dev/null
	fuzz_enabled "$build" || setup_fail "$build is not configured with CC=clang --enable-fuzz" /dev/null
elif fuzz_enabled "$top"; then
	build=$top
else
	src=$top
	if [ -f "$top/config.status" ]; then	# configured in place: no VPATH build from it
		src=$dir/src
		rm -rf "$src"
		make -C "$top" distdir distdir="$src" >"$dir/distdir.out" 2>&1 ||
			setup_fail "make distdir in $top failed: $dir/distdir.out" "$dir/distdir.out"
	elif [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ] ||
	     [ "$top/Makefile.am" -nt "$top/Makefile.in" ]; then
		(cd "$top" && autoreconf -fi) >"$dir/autoreconf.out" 2>&1 ||
			setup_fail "autoreconf failed: $dir/autoreconf.out" "$dir/autoreconf.out"
	fi
	build=$dir/build
	made_from=$(sed -n 's/^abs_top_srcdir = //p' "$build/Makefile" 2>/dev/null)
	if [ "$made_from" != "$src" ] || ! fuzz_enabled "$build"; then
		rm -rf "$build"; mkdir -p "$build"
		(cd "$build" && "$src/configure" -q CC="$CC" CFLAGS="-g -O1" --enable-fuzz) \
			>"$dir/configure.out" 2>&1 ||
			setup_fail "configure --enable-fuzz failed: $dir/configure.out" "$dir/configure.out"
	fi
fi

pass=0 fail=0
# max_malloc_fill_size=0: conf.c reads into a 1 MB buffer per load; filling it costs a third
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:max_malloc_fill_size=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
for t in $targets; do
	bin=$build/tests/fuzz/$t
	if ! make -C "$build" -j"$JOBS" "tests/fuzz/$t" >"$dir/$t.build" 2>&1; then
		grep -E 'error|No rule' "$dir/$t.build" | head -30
		hint=
		grep -q 'No rule to make target' "$dir/$t.build" && hint="; is it in FUZZ_TARGETS of Makefile.am?"
		echo "FAIL: $t (does not build: $dir/$t.build$hint)"
		fail=$((fail + 1)); continue
	fi
	seeds=$top/tests/fuzz/corpus/$t
	work=$dir/$t.corpus
	rm -rf "$work" "$dir/$t.art"; mkdir -p "$work" "$dir/$t.art" "$seeds"
	n0=$(ls "$seeds" | wc -l)
	# 1. the committed corpus once: seeds and past findings must pass
	# (a scratch output dir first: libFuzzer writes reduced inputs into the first dir)
	rm -rf "$dir/$t.scratch"; mkdir -p "$dir/$t.scratch"
	if ! "$bin" -runs=0 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$dir/$t.art/" \
		"$dir/$t.scratch" "$seeds" >"$dir/$t.replay" 2>&1; then
		tail -30 "$dir/$t.replay"
		echo "FAIL: $t (a committed corpus input fails: $dir/$t.replay)"; fail=$((fail + 1)); continue
	fi
	# 2. fuzz for the given time; new inputs go to the private copy only
	"$bin" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
		-print_final_stats=1 -artifact_prefix="$dir/$t.art/" "$work" "$seeds" \
		>"$dir/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/$t.log" | tail -1)
	n1=$(ls "$work" | wc -l)
	art=$(ls "$dir/$t.art" 2>/dev/null | head -1)
	if [ "$rc" -ne 0 ] || [ -n "$art" ]; then
		grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x' "$dir/$t.log" | head -25
		echo "FAIL: $t (exit $rc; input: $dir/$t.art/$art) -- fix, then add it to tests/fuzz/corpus/$t/"
		fail=$((fail + 1))
		continue
	fi
	echo "PASS: $t (${runs:-?} runs in $time s, corpus $n0 -> $((n0 + n1)))"
	pass=$((pass + 1))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
