#!/bin/sh
# tests/sigrules.sh -- signature rules (issue 13): signature "GLOB" { action }.
#
# The test's own database has, besides EICAR, a body signature named like a
# PUA (PUA.Test.Sig.X) and one named like a Sanesecurity junk signature
# (Sanesecurity.Junk.Test.Y); libclamav reports both with ".UNOFFICIAL"
# appended, unsigned .ndb as they are. With on_infected = reject and
#   signature "PUA.*"               { action = "tag" }
#   signature "Sanesecurity.Junk.*" { action = "ignore" }
# through the real daemon, once with the embedded engine and once with a real
# clamd: the PUA message is accepted tagged Infected (PUA...), the junk one is
# accepted as Clean with ignored="..." on its log line, EICAR (no rule) is
# still rejected.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
t_need "$CLAMSHIM" "$CLAMD" "$MTSEND" perl od
t_setup
fails=0
pua=clamshim-sigrules-pua-marker-5d1e
junk=clamshim-sigrules-junk-marker-a7c2
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
t_mkdb --eicar-only --sig "PUA.Test.Sig.X:$(hex "$pua")" \
	--sig "Sanesecurity.Junk.Test.Y:$(hex "$junk")" "$T/db"
expect() { if grep -Eq -- "$2" "$3"; then ok "$1"; else notok "$1: $(cat "$3")"; fi; }
logged() { grep -Eq -- "$1" "$T/clamshim.log"; }
send() { "$MTSEND" -t 120000 "unix:$T/clamshim.sock" "$@"; }

t_msg "$T/eicar.eml" eicar
for m in pua junk; do
	eval "marker=\$$m"
	printf 'From: <a@example.com>\nTo: <b@example.net>\nSubject: %s\n\nText %s text.\n' \
		"$m" "$marker" > "$T/$m.eml"
done

t_clamd_conf "$T/clamd" </dev/null
t_start_clamd "$T/clamd"

# run SCANNER -- the daemon on SCANNER with the rules; the three messages
run() {
	[ -n "${DAEMON_PID:-}" ] && t_stop_pid "$DAEMON_PID"
	: > "$T/clamshim.log"
	t_conf "$T/c.conf" <<EOC
scanners = {"$1"}
clamd {
  servers = {"unix:$T/clamd/clamd.sock"}
}
policy {
  on_infected = "reject"
}
signature "PUA.*"               { action = "tag" }
signature "Sanesecurity.Junk.*" { action = "ignore" }
EOC
	"$CLAMSHIM" -t -c "$T/c.conf" > "$T/t.out" 2>&1 && ok "$1: clamshim -t accepts the rules" ||
		notok "$1: clamshim -t: $(cat "$T/t.out")"
	t_start_daemon "$T/c.conf"

	send "$T/pua.eml" > "$T/out"
	expect "$1: PUA accepted" '^decision=(accept|continue)' "$T/out"
	expect "$1: PUA tagged Infected (PUA.Test.Sig.X...)" \
		'^header: X-Virus-Status: Infected \(PUA\.Test\.Sig\.X' "$T/out"
	logged "verdict=infected action=accept scanner=$1 .*virus=\"PUA\.Test\.Sig\.X" &&
		ok "$1: PUA logged as infected, accepted" || notok "$1: PUA log: $(grep verdict= "$T/clamshim.log")"

	send "$T/junk.eml" > "$T/out"
	expect "$1: junk accepted" '^decision=(accept|continue)' "$T/out"
	expect "$1: junk tagged Clean" '^header: X-Virus-Status: Clean$' "$T/out"
	grep -q '^header: X-Virus-Status: Infected' "$T/out" && notok "$1: junk tagged Infected" ||
		ok "$1: junk not tagged Infected"
	logged "verdict=clean action=accept scanner=$1 .*ignored=\"Sanesecurity\.Junk\.Test\.Y" &&
		ok "$1: junk logged with ignored=" || notok "$1: junk log: $(grep verdict= "$T/clamshim.log")"

	send "$T/eicar.eml" > "$T/out"
	expect "$1: EICAR (no rule) rejected by on_infected" '^decision=reject .*Virus found: Eicar' "$T/out"

	# --scan decides the same way: the ignored one is clean (exit 0 alone)
	"$CLAMSHIM" -c "$T/c.conf" --scan "$T/junk.eml" > "$T/scan.out" 2>&1
	rc=$?
	[ "$rc" = 0 ] && grep -q ": clean accept ignored=Sanesecurity.Junk.Test.Y" "$T/scan.out" &&
		ok "$1: --scan: junk clean, exit 0" || notok "$1: --scan: exit $rc: $(cat "$T/scan.out")"
}

run embedded
run clamd

echo "$fails failed"
[ "$fails" -eq 0 ]
