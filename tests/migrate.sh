# tests/migrate.sh -- clamshim --migrate (issue 13): Debian's clamav-milter.conf
# and clamd.conf as installed, and a clamav-milter.conf with every option
# clamav-milter.conf(5) documents, converted; the output passes clamshim -t;
# then the old setup (the real clamav-milter) and clamshim with the migrated
# configuration, both on one real clamd, get the same messages: a clean one,
# EICAR, and a clean one with clamd stopped. Their decisions must agree.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
: "${MTSEND:=$top_builddir/tests/mtsend}"
MILTER=${CLAMAV_MILTER:-/usr/sbin/clamav-milter}
DEB_MILTER=/etc/clamav/clamav-milter.conf
DEB_CLAMD=/etc/clamav/clamd.conf
t_need "$CLAMSHIM" "$CLAMD" "$MTSEND" "$MILTER" "$DEB_MILTER" "$DEB_CLAMD" man perl
t_setup
t_mkdb "$T/db"

# supported WHAT LINES -- 0 when clamshim -t takes this configuration
# (classes, headers.hostname and log_addresses come with other parts of
# issue 13: until they are in the option table, -t is run without them)
supported() { printf '%s\n' "$2" > "$T/probe.conf"; "$CLAMSHIM" -t -c "$T/probe.conf" >/dev/null; }
# checkable IN OUT -- IN without what this build's option table lacks
checkable() {
	note=
	if ! supported class 'class "p" { scan = false }'; then
		note="$note, without class sections"
		awk '/^class /{skip=1} !skip{print} skip && /^}/{skip=0}' "$1" > "$2.tmp"
	else cp "$1" "$2.tmp"; fi
	supported hostname 'headers { hostname = "x" }' || { note="$note, without headers.hostname"
		sed -i '/^  hostname = /d' "$2.tmp"; }
	supported log_addresses 'log_addresses = "all"' || { note="$note, without log_addresses"
		sed -i '/^log_addresses = /d' "$2.tmp"; }
	mv "$2.tmp" "$2"
}
# dropped_agree OUT ERR -- each stderr line has its comment under "Not carried over"
dropped_agree() {
	a=$(grep -c ': not carried over: ' "$2")
	b=$(sed -n '/^# Not carried over:$/,$p' "$1" | grep -c '^# [^N]')
	[ "$a" -eq "$b" ] && [ "$a" -gt 0 ]
}

# 1. Debian's files as installed
"$CLAMSHIM" --migrate "$DEB_MILTER" "$DEB_CLAMD" > "$T/deb.conf" 2> "$T/deb.err"
rc=$?
[ $rc -eq 2 ] && ok "Debian's files: exit 2 (some not carried over)" || notok "Debian's files: exit $rc: $(cat "$T/deb.err")"
echo "---- migrated Debian configuration:"; cat "$T/deb.conf"; echo "---- stderr:"; cat "$T/deb.err"
grep -q '^scanners = {"clamd"}' "$T/deb.conf" && grep -q '"unix:/var/run/clamav/clamd.ctl"' "$T/deb.conf" &&
	grep -q '^  on_infected = "quarantine"' "$T/deb.conf" && grep -q '^  on_unavailable = "tempfail"' "$T/deb.conf" &&
	ok "Debian's files: clamd chain, quarantine, tempfail" || notok "Debian's files: $(cat "$T/deb.conf")"
grep -q 'LogFile .*: not carried over' "$T/deb.err" && ok "Debian's files: LogFile listed on stderr" || notok "stderr: $(cat "$T/deb.err")"
dropped_agree "$T/deb.conf" "$T/deb.err" && ok "Debian's files: a comment for each line on stderr" || notok "comments and stderr differ"
"$CLAMSHIM" -t -c "$T/deb.conf" > "$T/deb.t"
rc=$?; cat "$T/deb.t"
[ $rc -eq 0 ] && ok "Debian's files: clamshim -t says 0 errors, 0 warnings" || notok "clamshim -t exit $rc"

# 2. every option clamav-milter.conf(5) documents
grp=$(id -gn)
printf 'From:^postmaster@example\\.org$\nTo:abuse@example.org\n# a comment\n' > "$T/allow"
cat > "$T/all.conf" <<EOC
Example
MilterSocket inet:$(t_free_port)@127.0.0.1
MilterSocketGroup $grp
MilterSocketMode 660
FixStaleSocket yes
User clamav
ReadTimeout 90
Foreground yes
Chroot /var/empty
PidFile $T/all.pid
TemporaryDirectory $T
ClamdSocket unix:/run/clamav/clamd.ctl
ClamdSocket tcp:127.0.0.1:3310
ClamdSocket tcp:127.0.0.2
LocalNet local
LocalNet 127.0.0.0/8
LocalNet ::1
AllowList $T/allow
SkipAuthenticated ^.*$
MaxFileSize 30M
OnClean Accept
OnInfected Reject
OnFail Defer
RejectMsg Virus found: %v
AddHeader Replace
ReportHostname mx.example.org
VirusAction /usr/local/bin/virus-notify
LogFile $T/all.log
LogFileUnlock no
LogFileMaxSize 1M
LogTime yes
LogSyslog yes
LogFacility LOG_MAIL
LogVerbose no
LogInfected Full
LogClean Basic
SupportMultipleRecipients yes
EOC
MANWIDTH=200 man clamav-milter.conf 2>/dev/null | col -b |
	sed -n 's/^ \{7\}\([A-Z][A-Za-z]*\) \(STRING\|BOOL\|SIZE\|NUMBER\)$/\1/p' > "$T/documented"
[ "$(wc -l < "$T/documented")" -ge 30 ] || t_fail "clamav-milter.conf(5) lists only $(wc -l < "$T/documented") options"
missing=
while read -r o; do grep -q "^$o " "$T/all.conf" || missing="$missing $o"; done < "$T/documented"
[ -z "$missing" ] && ok "the test config has all $(wc -l < "$T/documented") documented options" || notok "not in the test config:$missing"
"$CLAMSHIM" --migrate "$T/all.conf" > "$T/all.out" 2> "$T/all.err"
rc=$?
echo "---- every option:"; cat "$T/all.out"; echo "---- stderr:"; cat "$T/all.err"
[ $rc -eq 2 ] && ok "every option: exit 2" || notok "every option: exit $rc"
unaccounted=
while read -r o; do grep -Eq "# $o \(|: $o " "$T/all.out" || unaccounted="$unaccounted $o"; done < "$T/documented"
[ -z "$unaccounted" ] && ok "every documented option is carried over or commented" || notok "not accounted for:$unaccounted"
grep -q 'not an option of' "$T/all.out" && notok "an option unknown to the migration" || ok "no option unknown to the migration"
for d in 'LocalNet local' Chroot VirusAction LogFile; do
	grep -q "$d.*: not carried over" "$T/all.err" && ok "every option: $d listed as not carried over" || notok "every option: $d not listed"
done
grep -q '^  on_infected = "reject"' "$T/all.out" && grep -q '^  reject_message = "Virus found: %v"' "$T/all.out" &&
	grep -q '^  scan_timeout = "90s"' "$T/all.out" && grep -q '"tcp:127.0.0.2:3310"' "$T/all.out" &&
	grep -q '^class "localnet"' "$T/all.out" && grep -q '^class "allowlist-senders"' "$T/all.out" &&
	grep -q '^class "skip-authenticated"' "$T/all.out" && grep -q '"postmaster@example.org"' "$T/all.out" &&
	ok "every option: values and classes written" || notok "every option: output"
dropped_agree "$T/all.out" "$T/all.err" && ok "every option: a comment for each line on stderr" || notok "comments and stderr differ"
checkable "$T/all.out" "$T/all.t.conf"
"$CLAMSHIM" -t -c "$T/all.t.conf" > "$T/all.t"
rc=$?; cat "$T/all.t"
[ $rc -eq 0 ] && ok "every option: clamshim -t exit 0${note}" || notok "every option: clamshim -t exit $rc"

# 3. the old setup and the migrated one on the same messages
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar
t_clamd_conf "$T/cd" </dev/null
grep -v '^User ' "$DEB_CLAMD" >> "$T/cd/clamd.conf"	# Debian's scanning settings; the first setting wins
# decision SOCKET FILE -- "accept", "quarantine", "reject REPLY" or "tempfail"
decision() {
	"$MTSEND" -t 120000 "$1" "$2" > "$T/sent" 2>&1 || { echo "error"; return; }
	if grep -q '^quarantine: ' "$T/sent"; then echo quarantine
	else sed -n 's/^decision=\([a-z]*\) .*reply="\(.*\)"$/\1 \2/p' "$T/sent" |
		sed -e 's/^continue/accept/' -e 's/^\(accept\|tempfail\) .*/\1/' -e 's/ $//'; fi
}
# same NAME WANT OLD NEW -- both decided alike (the first word) and as WANT (a regex) says
same() {
	[ "${3%% *}" = "${4%% *}" ] && echo "$3" | grep -Eq "^$2\$" && echo "$4" | grep -Eq "^$2\$" &&
		ok "$1: both $3" || notok "$1: clamav-milter \"$3\", clamshim \"$4\", want \"$2\""
}
# compare NAME EICAR DOWN [SED-EXPR...] -- Debian's clamav-milter.conf edited by the
# SED-EXPRs (its sockets, log and pid files always point into $T and User is
# dropped) run by clamav-milter, and the migration of it run by clamshim, both on
# one clamd: a clean message must be accepted by both, EICAR decided as EICAR
# says (a regex), a clean message with clamd stopped as DOWN says
compare() {
	name=$1 want_eicar=$2 want_down=$3; shift 3
	sed -e "s|^ClamdSocket .*|ClamdSocket unix:$T/cd/clamd.sock|" -e '/^User /d' \
	    -e 's|^Foreground .*|Foreground true|' -e "s|^LogFile .*|LogFile $T/old.log|" \
	    -e "s|^PidFile .*|PidFile $T/old.pid|" "$@" "$DEB_MILTER" > "$T/old.conf"
	sed "s|^MilterSocket .*|MilterSocket $T/new.sock|" "$T/old.conf" > "$T/new-src.conf"
	sed -i "s|^MilterSocket .*|MilterSocket $T/old.sock|" "$T/old.conf"
	"$CLAMSHIM" --migrate "$T/new-src.conf" "$T/cd/clamd.conf" > "$T/new.conf" 2> "$T/new.err"
	rc=$?
	[ $rc -eq 2 ] && ok "$name: --migrate exit 2" || notok "$name: --migrate exit $rc: $(cat "$T/new.err")"
	cat >> "$T/new.conf" <<EOC
user = ""
pid_file = "$T/new.pid"
status {
  file = "$T/metrics.prom"
}
EOC
	"$CLAMSHIM" -t -c "$T/new.conf" > "$T/new.t" && ok "$name: clamshim -t exit 0" ||
		notok "$name: clamshim -t: $(cat "$T/new.t")"
	t_start_clamd "$T/cd"
	t_bg "$MILTER" -c "$T/old.conf" >> "$T/old.out" 2>&1
	old_pid=$!
	: > "$T/clamshim.log"
	t_start_daemon "$T/new.conf"
	t_wait_for 60 test -S "$T/old.sock" || { cat "$T/old.out" >&2; t_fail "clamav-milter did not start"; }
	same "$name: clean" accept "$(decision "unix:$T/old.sock" "$T/clean.eml")" \
		"$(decision "unix:$T/new.sock" "$T/clean.eml")"
	same "$name: EICAR" "$want_eicar" "$(decision "unix:$T/old.sock" "$T/eicar.eml")" \
		"$(decision "unix:$T/new.sock" "$T/eicar.eml")"
	t_stop_pid "$CLAMD_PID"
	same "$name: clamd down" "$want_down" "$(decision "unix:$T/old.sock" "$T/clean.eml")" \
		"$(decision "unix:$T/new.sock" "$T/clean.eml")"
	t_stop_pid "$old_pid"
	t_stop_pid "$DAEMON_PID"
	rm -f "$T/old.sock" "$T/new.sock"
}
compare "Debian's settings" quarantine tempfail
compare "reject, accept on failure" 'reject 550 5\.7\.1 Virus found: Eicar-Test-Signature[.A-Z]*' accept \
	-e 's/^OnInfected .*/OnInfected Reject/' -e 's/^OnFail .*/OnFail Accept/' \
	-e '$a RejectMsg Virus found: %v'
# without RejectMsg clamav-milter leaves the reply text to the MTA
compare "reject, reject on failure" 'reject( 550 .*)?' 'reject( 550 .*)?' \
	-e 's/^OnInfected .*/OnInfected Reject/' -e 's/^OnFail .*/OnFail Reject/'
[ "$fails" -eq 0 ] || exit 1
