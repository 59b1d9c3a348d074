#!/bin/sh
# NAME
#	mkdb.sh - write a tiny ClamAV signature database for the tests
# SUMMARY
#	tests/mkdb.sh [--eicar-only | --hash-only] [--name BASE] [--sig NAME:HEX]...
#		[--synthetic N [--body M] [--seed S]] [--cud VERSION[:STIME]] DIR
# DESCRIPTION
#	No official ClamAV database exists on a test machine, so tests make a
#	tiny one: DIR/BASE.ndb with the EICAR body signature and DIR/BASE.hdb
#	with the MD5 signature of the ClamAV test file clam.exe (made with
#	sigtool --md5), which also finds clam.exe inside clam.zip, the mbox
#	test files and so on. DIR is created when missing. Each file is
#	written to a temporary name and renamed into place, so a daemon that
#	reloads meanwhile never reads half a file.
#
#	--eicar-only	only the .ndb (no sigtool needed)
#	--hash-only	only the .hdb
#	--name BASE	file base name (default clamshim-test)
#	--sig NAME:HEX	one more body signature (any offset) in the .ndb
#	--synthetic N	also DIR/BASE-synth.hdb and DIR/BASE-synth.ndb with N
#			made-up MD5 and N made-up body signatures each, so that
#			loading and reloading cost something real (benchmarks,
#			reload-under-load tests); --seed S varies their content.
#			Each body signature has a one-byte wildcard in the
#			middle, as most real ones have wildcards: that puts it
#			in libclamav's Aho-Corasick trie, which is what makes
#			loading the official database slow and big (plain
#			strings would go to the cheap Boyer-Moore matcher).
#			--body M makes M body signatures instead of N: the
#			cost of scanning grows with their number, hardly with
#			the number of hashes (bench/run uses far fewer body
#			than hash signatures, as the official database has).
#	--cud VERSION[:STIME]
#			pack the files written into DIR/daily.cud instead, an
#			unsigned signature container of the format sigtool
#			--unsigned builds: a 512-byte header
#			"ClamAV-VDB:TIME:VERSION:SIGS:FLEVEL:MD5:DSIG:BUILDER:STIME"
#			and a tar.gz with COPYING, daily.info (the header again
#			plus name:size:sha256 of each file) and the files.
#			libclamav reads version and build time (STIME, unix
#			seconds, default now) from it as from daily.cvd; a
#			signed .cvd or .cld cannot be made without Talos' key.
#
#	The EICAR hex below was checked against the real 68-byte EICAR
#	string ("...7d2445494341522d..." = "}$EICAR-"): a copy with 2443
#	("$CICAR") loads fine but never matches anything.
#
#	SIGTOOL (default sigtool) and CLAMAV_TESTFILES (default
#	/usr/share/clamav-testfiles) may be set in the environment.
# DIAGNOSTICS
#	Exit 0 when done, 1 on a usage error or a failed command, 77 when
#	sigtool or the test files are missing (so a test can skip).
#	--cud needs tar, gzip and sha256sum.
set -eu

usage() {
	echo "usage: $0 [--eicar-only|--hash-only] [--name BASE] [--sig NAME:HEX]..." \
		"[--synthetic N [--body M] [--seed S]] [--cud VERSION[:STIME]] DIR" >&2
	exit 1
}

EICAR_HEX=58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e444152442d414e544956495255532d544553542d46494c452124482b482a
want_ndb=1
want_hdb=1
base=clamshim-test
extra=""
synth=0
body=
seed=1
cud=""
while [ $# -gt 0 ]; do
	case "$1" in
	--eicar-only) want_hdb=0 ;;
	--hash-only) want_ndb=0 ;;
	--name) [ $# -ge 2 ] || usage; base=$2; shift ;;
	--sig)
		[ $# -ge 2 ] || usage
		case "$2" in
		*:*) ;;
		*) usage ;;
		esac
		extra="$extra $2"; shift ;;
	--synthetic)
		[ $# -ge 2 ] || usage
		case "$2" in
		''|*[!0-9]*) usage ;;
		esac
		synth=$2; shift ;;
	--body)
		[ $# -ge 2 ] || usage
		case "$2" in
		''|*[!0-9]*) usage ;;
		esac
		body=$2; shift ;;
	--seed)
		[ $# -ge 2 ] || usage
		case "$2" in
		''|*[!0-9]*) usage ;;
		esac
		seed=$2; shift ;;
	--cud)
		[ $# -ge 2 ] || usage
		case "$2" in
		''|*[!0-9:]*|*:*:*|:*|*:) usage ;;
		esac
		cud=$2; shift ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 1 ] || usage
dir=$1
case "$base" in
*/*|"") usage ;;
esac
mkdir -p "$dir"

if [ "$want_ndb" = 1 ]; then
	tmp="$dir/.$base.ndb.tmp.$$"
	{
		echo "Eicar-Test-Signature:0:0:$EICAR_HEX"
		for s in $extra; do
			echo "${s%%:*}:0:*:${s#*:}"
		done
	} > "$tmp"
	mv -f "$tmp" "$dir/$base.ndb"
fi

if [ "$want_hdb" = 1 ]; then
	sigtool=${SIGTOOL:-sigtool}
	files=${CLAMAV_TESTFILES:-/usr/share/clamav-testfiles}
	if ! command -v "$sigtool" >/dev/null 2>&1; then
		echo "$0: $sigtool not found" >&2
		exit 77
	fi
	if [ ! -r "$files/clam.exe" ]; then
		echo "$0: $files/clam.exe not found (clamav-testfiles)" >&2
		exit 77
	fi
	tmp="$dir/.$base.hdb.tmp.$$"
	if ! "$sigtool" --md5 "$files/clam.exe" > "$tmp" || [ ! -s "$tmp" ]; then
		rm -f "$tmp"
		echo "$0: sigtool --md5 failed" >&2
		exit 1
	fi
	mv -f "$tmp" "$dir/$base.hdb"
fi

if [ "$synth" -gt 0 ]; then
	# hex digits from awk's generator: deterministic for one seed
	for kind in hdb ndb; do
		tmp="$dir/.$base-synth.$kind.tmp.$$"
		n=$synth
		[ "$kind" = ndb ] && [ -n "$body" ] && n=$body
		awk -v n="$n" -v seed="$seed" -v kind="$kind" '
		function hex(len,   s, i) {
			s = ""
			for (i = 0; i < len; i++)
				s = s substr("0123456789abcdef", int(rand() * 16) + 1, 1)
			return s
		}
		BEGIN {
			srand(seed + (kind == "ndb" ? 7919 : 0))
			for (i = 1; i <= n; i++) {
				if (kind == "hdb")
					printf "%s:%d:Clamshim.Synth.Hash-%d-%d\n", hex(32), 1000 + i, seed, i
				else
					printf "Clamshim.Synth.Body-%d-%d:0:*:%s??%s\n", seed, i, hex(16), hex(20)
			}
		}' > "$tmp"
		mv -f "$tmp" "$dir/$base-synth.$kind"
	done
fi

if [ -n "$cud" ]; then
	ver=${cud%%:*}
	stime=${cud#*:}
	[ "$stime" = "$cud" ] && stime=$(date +%s)
	work=$(mktemp -d "${TMPDIR:-/tmp}/mkdb-cud.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	names=""
	nsigs=0
	for f in "$base.hdb" "$base.ndb" "$base-synth.hdb" "$base-synth.ndb"; do
		[ -f "$dir/$f" ] || continue
		mv -f "$dir/$f" "$work/$f"
		names="$names $f"
		nsigs=$((nsigs + $(wc -l < "$work/$f")))
	done
	[ -n "$names" ] || { echo "$0: --cud: nothing to pack" >&2; exit 1; }
	hdr="ClamAV-VDB:$(LC_ALL=C date -u -d "@$stime" '+%d %b %Y %H-%M %z'):$ver:$nsigs:90:X:X:clamshim-test:$stime"
	{
		echo "$hdr"
		for f in $names; do
			echo "$f:$(wc -c < "$work/$f" | tr -d ' '):$(sha256sum < "$work/$f" | cut -d' ' -f1)"
		done
	} > "$work/daily.info"
	echo "clamshim test signatures, made by tests/mkdb.sh" > "$work/COPYING"
	tmp="$dir/.daily.cud.tmp.$$"
	printf '%-512s' "$hdr" > "$tmp"
	# shellcheck disable=SC2086
	(cd "$work" && tar --format=ustar --owner=0 --group=0 -cf - COPYING daily.info $names) |
		gzip -9n >> "$tmp"
	mv -f "$tmp" "$dir/daily.cud"
fi
exit 0
