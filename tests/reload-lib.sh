# tests/reload-lib.sh -- helpers of the signature lifecycle tests (sourced after tests/lib.sh).
#
# ok/notok count results; the test ends with r_finish. r_alert_conf
# writes an alert command that appends "EVENT DETAIL" lines to
# $T/alerts.log; r_events counts one kind there. r_metric reads one
# sample from the status file. r_reloads counts the daemon's "reloaded"
# log lines. r_hex gives the hex of a string (for --sig).

: "${MTSEND:=$top_builddir/tests/mtsend}"
: "${MTLOAD:=$top_builddir/tests/mtload}"
: "${CHECK_CLAMSHIM:=$top_builddir/check_clamshim}"
R_FAILS=0

ok() { echo "ok: $*"; }
notok() { echo "not ok: $*"; R_FAILS=$((R_FAILS + 1)); }

# r_finish -- stop the daemon (a sanitizer report in its log fails the test);
# on failure show the alerts and the end of the daemon log; exit 0 or 1
r_finish() {
	if [ -n "${DAEMON_PID:-}" ]; then
		t_stop_pid "$DAEMON_PID"
		if grep -qE 'Sanitizer|runtime error:' "$T/clamshim.log"; then
			notok "sanitizer report in the daemon log:"
			grep -A40 -E 'Sanitizer|runtime error:' "$T/clamshim.log" | head -60
		fi
	fi
	if [ "$R_FAILS" -ne 0 ]; then
		[ -f "$T/alerts.log" ] && { echo "---- alerts"; cat "$T/alerts.log"; }
		echo "---- daemon log (last 80 lines, scan lines left out)"
		grep -v -e ': verdict=' -e 'chain: embedded unavailable' "$T/clamshim.log" | tail -80
	fi
	exit $((R_FAILS > 0))
}

# r_alert_conf -- the alert section: every event appended to $T/alerts.log
r_alert_conf() {
	cat > "$T/alert.sh" <<EOS
#!/bin/sh
printf '%s %s\n' "\$CLAMSHIM_EVENT" "\$CLAMSHIM_DETAIL" >> "$T/alerts.log"
EOS
	printf 'alert {\n  command = "sh %s/alert.sh"\n  min_interval = "%s"\n}\n' "$T" "${1:-5m}"
}

# r_events KIND -- how many times the alert command ran for KIND
r_events() { [ -f "$T/alerts.log" ] || { echo 0; return; }; grep -c "^$1 " "$T/alerts.log"; }

# r_metric NAME_WITH_LABELS -- its value in the status file ("" when missing)
r_metric() { awk -v n="$1" '$1 == n { print $2; exit }' "$T/metrics.prom" 2>/dev/null; }

# r_metric_is NAME VALUE -- 0 when the status file says NAME VALUE
r_metric_is() { [ "$(r_metric "$1")" = "$2" ]; }

# r_metric_ge NAME N -- 0 when the status file's NAME is an integer >= N
r_metric_ge() { v=$(r_metric "$1"); [ -n "$v" ] && [ "$v" -ge "$2" ] 2>/dev/null; }

# r_reloads -- successful signature reloads the daemon logged so far
r_reloads() { grep -c "embedded: reloaded " "$T/clamshim.log"; }

# r_hex STRING -- lower-case hex of STRING
r_hex() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }

# r_send FILE -- one message through the daemon with mtsend; output in $T/out
r_send() { "$MTSEND" "unix:$T/clamshim.sock" "$1" > "$T/out" 2>&1; }

# r_decided FILE DECISION [REPLY_REGEX] -- send FILE; 0 when it got DECISION (and a matching reply)
r_decided() { r_send "$1" && grep -q "^decision=$2 ${3:+.*$3}" "$T/out"; }

# r_marker_msg FILE TEXT -- a message whose body line is TEXT
r_marker_msg() {
	printf 'From: <a@example.com>\nTo: <b@example.net>\nSubject: marker\n\nThis line carries %s for the test.\n' "$2" > "$1"
}
