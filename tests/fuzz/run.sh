#!/bin/sh
# tests/fuzz/run.sh -- build the libFuzzer targets with clang and run each for a bounded time.
#
# Usage: tests/fuzz/run.sh [--time SECONDS | --long SECONDS] [--dir DIR] [TARGET...]
#   --time N   fuzz each target N seconds (default 20; scripts/test uses this)
#   --long N   the same, for a long run (e.g. --long 600)
#   --dir DIR  build and work dir (default ${TMPDIR:-/tmp}/clamshim-fuzz)
#   TARGET     fuzz_conf fuzz_units fuzz_hdrs fuzz_clamd fuzz_status fuzz_milter ...
#              (default: all tests/fuzz/fuzz_*.c)
#
# Each target is compiled with -fsanitize=fuzzer,address,undefined against the
# sources in src/ directly (no configure needed), first replays its committed
# corpus tests/fuzz/corpus/TARGET/ (seeds and the inputs of past findings, kept
# as regression tests), then fuzzes for the given time with a private copy of
# the corpus. One line per target:
#   PASS: fuzz_conf (123456 runs in 20 s, corpus 40 -> 95)
#   FAIL: fuzz_conf (crash: DIR/fuzz_conf/crash-...) -- add the input to the corpus once fixed
# and at the end "N passed, N failed". Exit 0 when every target passed.
# Environment: CC (default clang), FUZZ_JOBS is not used: one target at a time.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
time=20
dir=${TMPDIR:-/tmp}/clamshim-fuzz
targets=
while [ $# -gt 0 ]; do
	case $1 in
	--time|--long) time=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) targets="$targets $1"; shift ;;
	esac
done
[ -n "$targets" ] || targets=$(cd "$top/tests/fuzz" && ls fuzz_*.c | sed 's/\.c$//')
CC=${CC:-clang}
case $CC in *clang*) ;; *) CC=clang ;; esac
command -v "$CC" >/dev/null 2>&1 || { echo "FAIL: fuzzing needs clang (scripts/deps installs it)"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$dir" || exit 1

# Sources each target links: the pure modules and what they log with.
SRCS="src/util.c src/log.c src/conf.c src/conf_options.c src/conf_types.c src/conf_scan.c src/policy.c src/hdrs.c src/scan.c src/status.c src/alert.c src/alert_rate.c src/alert_state.c"
[ -f "$top/src/mtclient.c" ] && SRCS="$SRCS src/mtclient.c src/mtclient_msg.c src/mtclient_file.c"
SRCS="$SRCS src/runner.c src/status_read.c"	# alert.c's command runner; the status reader
SRCS="$SRCS src/clamd_proto.c"	# fuzz_clamd, and conf_types.c checks clamd server specs with it
# target_srcs TARGET -- what one target links besides SRCS: fuzz_milter drives
# src/milter.c with the real chain and spool against a fake libmilter
target_srcs() {
	case $1 in
	fuzz_milter) echo "src/milter.c src/milter_apply.c src/milter_gate.c src/milter_log.c src/milter_strip.c src/chain.c src/chain_real.c src/spool.c tests/fuzz/fake_milter.c" ;;
	esac
}
version=$(sed -n 's/^AC_INIT(\[clamshim\], \[\([^]]*\)\].*/\1/p' "$top/configure.ac")
cat > "$dir/config.h" <<EOC
/* config.h for the fuzz build (tests/fuzz/run.sh) */
#define PACKAGE "clamshim"
#define PACKAGE_NAME "clamshim"
#define PACKAGE_VERSION "${version:-0}"
#define VERSION PACKAGE_VERSION
#define SYSCONFDIR "/etc"
EOC
CFLAGS_FUZZ="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-Wall -Wextra -Wno-unused-parameter -Werror -pthread -I$dir -I$top/src"
LIBS_FUZZ="$(pkg-config --libs libconfuse 2>/dev/null || echo -lconfuse) $(pkg-config --libs libclamav 2>/dev/null) -pthread"
CPPFLAGS_FUZZ="$(pkg-config --cflags libconfuse libclamav 2>/dev/null)"

pass=0 fail=0
# max_malloc_fill_size=0: conf.c reads into a 1 MB buffer per load; filling it costs a third
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:max_malloc_fill_size=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
for t in $targets; do
	bin=$dir/$t
	src=$top/tests/fuzz/$t.c
	if [ ! -f "$src" ]; then echo "FAIL: $t (no $src)"; fail=$((fail + 1)); continue; fi
	srcs=
	for s in $SRCS $(target_srcs "$t"); do srcs="$srcs $top/$s"; done
	# shellcheck disable=SC2086
	if ! $CC $CFLAGS_FUZZ $CPPFLAGS_FUZZ -o "$bin" "$src" $srcs $LIBS_FUZZ >"$dir/$t.build" 2>&1; then
		cat "$dir/$t.build" | head -30
		echo "FAIL: $t (does not build)"; fail=$((fail + 1)); continue
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
