# tests/hold.sh -- on_unavailable = "hold" behind a real Postfix (issue 16, the
# daemon's side), on loopback.
#
# A private Postfix (tests/postfix-lib.sh) with the milter lines of
# contrib/postfix-main.cf relays to smtp-sink. clamshim runs as its systemd
# unit would (User= of contrib/clamshim.service.in, Group= of
# contrib/clamshim-postfix.conf) with scanners = {"clamd"} and no clamd
# running, on_unavailable = "hold", hold.dir inside its runtime directory (the
# daemon makes it). 20 clean and 2 EICAR messages are answered 250 and sit in
# Postfix's hold queue (postqueue -j: queue_name "hold"), nothing is delivered;
# each carries X-Clamshim-Hold: TOKEN and X-Virus-Status: Unscanned (held: ...)
# (postcat -q), and hold.dir has one ledger file TOKEN per message naming its
# queue id; the status file counts 22 held. With hold.max_messages reached,
# the next message gets 451 4.7.1 and stays with the client.
# Needs root (a Postfix queue is set up as root); skips (77) without it.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/postfix-lib.sh"
t_need "$CLAMSHIM" "$SIGTOOL" perl postfix postconf postqueue postcat smtp-sink swaks ss setpriv
[ "$(id -u)" = 0 ] || t_skip "a private Postfix instance must be started as root"
id postfix >/dev/null 2>&1 || t_skip "no postfix user on this machine"
t_setup
pf_svc_identity
NCLEAN=20
NEICAR=2
NHELD=$((NCLEAN + NEICAR))

mkdir -p "$T/run"
chown "$SVC_USER:$SVC_GROUP" "$T/run"
t_mkdb "$T/db"
SOCK=$T/run/clamshim.sock
HELD=$T/run/held

t_start_sink "$T/sink"
pf_milter_lines "$SOCK" | pf_make mx "$SINK_PORT"
trap 'pf_stop_all; t_cleanup' EXIT
pf_start mx
MX_PORT=$(pf_port mx)
sink_count() { ls "$T/sink" 2>/dev/null | wc -l; }

# clamd down: its socket never exists
t_svc_start "$T/db" <<EOF
scanners = {"clamd"}
clamd {
  servers = {"unix:$T/noclamd/clamd.sock"}
  retry_after = "1s"
}
policy {
  on_unavailable = "hold"
}
hold {
  dir = "$HELD"
  max_messages = $NHELD
}
EOF
[ "$(stat -c %U:%a "$HELD" 2>/dev/null)" = "$SVC_USER:700" ] && ok "hold.dir made at start: $SVC_USER, 0700" ||
	notok "hold.dir is $(stat -c %U:%a "$HELD" 2>&1), wanted $SVC_USER:700"

printf 'X5O!P%%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$T/eicar.com"
# send OUTFILE [swaks options] -- one message to mx; the SMTP dialogue in OUTFILE
send() {
	out=$1; shift
	swaks --server "127.0.0.1:$MX_PORT" --helo client.clamshim.test \
		--from sender@clamshim.test --to rcpt@example.test \
		--timeout 120 "$@" > "$out" 2>&1
}

# ---- 20 clean and 2 EICAR messages while clamd is down: 250, then held
answered=0
i=1
while [ $i -le $NCLEAN ]; do
	send "$T/clean$i.out" --header "Subject: clean $i" --body "Clean message $i."
	grep -Eq '^<- +250 .*queued as' "$T/clean$i.out" && answered=$((answered + 1))
	i=$((i + 1))
done
i=1
while [ $i -le $NEICAR ]; do
	send "$T/eicar$i.out" --header "Subject: eicar $i" --attach "$T/eicar.com"
	grep -Eq '^<- +250 .*queued as' "$T/eicar$i.out" && answered=$((answered + 1))
	i=$((i + 1))
done
[ "$answered" -eq $NHELD ] && ok "$NHELD messages answered 250 with clamd down" ||
	notok "$answered of $NHELD messages answered 250; the first dialogue: $(tail -5 "$T/clean1.out")"

t_wait_for 60 pf_queue_is mx hold $NHELD && ok "$NHELD messages in mx's hold queue" ||
	notok "$(pf_queue_count mx hold) messages in mx's hold queue, wanted $NHELD"
t_wait_for 60 pf_settled mx && ok "nothing else in mx's queues" ||
	notok "mx still has mail on its way: $(postqueue -c "$T/mx/etc" -p 2>&1 | tail -3)"
postqueue -c "$T/mx/etc" -j > "$T/queue.json" 2>&1
n=$(grep -c '"queue_name": *"hold"' "$T/queue.json")
all=$(grep -c '"queue_id"' "$T/queue.json")
[ "$n" -eq $NHELD ] && [ "$all" -eq $NHELD ] && ok "postqueue -j: $NHELD messages, every one queue_name \"hold\"" ||
	notok "postqueue -j: $n of $all messages in \"hold\", wanted $NHELD of $NHELD"
[ "$(sink_count)" -eq 0 ] && ok "nothing delivered" || notok "$(sink_count) messages delivered"
c=$(grep -c 'milter-hold: END-OF-MESSAGE from [^:]*: milter triggers HOLD action' "$T/mx/maillog")
[ "$c" -eq $NHELD ] && ok "mx logged $NHELD milter HOLD actions" || notok "mx logged $c milter HOLD actions"
c=$(grep -c ': verdict=unavailable action=hold scanner=clamd ' "$T/clamshim.log")
[ "$c" -eq $NHELD ] && ok "clamshim logged $NHELD action=hold lines" || notok "clamshim logged $c action=hold lines"

# ---- each held message: the mark, the tag, and its ledger file
sed -n 's/.*"queue_id": *"\([0-9A-Za-z]*\)".*/\1/p' "$T/queue.json" > "$T/qids"
marked=0 tagged=0 recorded=0
while read -r qid; do
	postcat -c "$T/mx/etc" -hq "$qid" > "$T/held.$qid" 2>&1
	tok=$(sed -n 's/^X-Clamshim-Hold: \([0-9a-f]\{32\}\)$/\1/p' "$T/held.$qid")
	[ -n "$tok" ] && [ "$(grep -c '^X-Clamshim-Hold:' "$T/held.$qid")" -eq 1 ] && marked=$((marked + 1))
	grep -Eq '^X-Virus-Status: Unscanned \(held: .+\)$' "$T/held.$qid" && tagged=$((tagged + 1))
	[ -n "$tok" ] && grep -qx "queue_id=$qid" "$HELD/$tok" 2>/dev/null &&
		grep -qx 'mta=postfix' "$HELD/$tok" && grep -Eqx 'time=[0-9]+' "$HELD/$tok" &&
		recorded=$((recorded + 1))
done < "$T/qids"
[ "$marked" -eq $NHELD ] && ok "every held message carries one X-Clamshim-Hold: TOKEN" ||
	notok "$marked of $NHELD held messages carry the mark; one: $(head -20 "$T/held.$(head -1 "$T/qids")")"
[ "$tagged" -eq $NHELD ] && ok "every held message is tagged X-Virus-Status: Unscanned (held: ...)" ||
	notok "$tagged of $NHELD held messages tagged"
[ "$recorded" -eq $NHELD ] && ok "every held message has its ledger file TOKEN with its queue id" ||
	notok "$recorded of $NHELD ledger files match; hold.dir: $(ls "$HELD" | head -5)"
n=$(ls "$HELD" | grep -c '^[0-9a-f]\{32\}$')
[ "$n" -eq $NHELD ] && [ "$(ls "$HELD" | wc -l)" -eq $NHELD ] && ok "hold.dir holds exactly $NHELD ledger files" ||
	notok "hold.dir holds $(ls "$HELD" | wc -l) files ($n tokens)"
held_metric() { grep -qx "clamshim_held_messages $NHELD" "$T/run/metrics.prom"; }
t_wait_for 60 held_metric && ok "status file: clamshim_held_messages $NHELD" ||
	notok "status file: $(grep '^clamshim_held' "$T/run/metrics.prom")"

# ---- hold.max_messages ($NHELD) reached: 451 4.7.1, the message stays with the client
send "$T/full.out" --header "Subject: one too many" --body "Over the cap."
grep -Eq '^<\*\* +451 4\.7\.1 Virus scanner unavailable' "$T/full.out" &&
	ok "hold.max_messages reached: 451 4.7.1" || notok "over the cap: $(tail -5 "$T/full.out")"
grep -q "not held: hold.max_messages ($NHELD) messages are held already: tempfail instead" "$T/clamshim.log" &&
	ok "clamshim logged why it did not hold" || notok "no max_messages line in clamshim's log"
t_wait_for 60 pf_settled mx || notok "mx has mail on its way after the tempfail"
pf_queue_is mx hold $NHELD && [ "$(sink_count)" -eq 0 ] && ok "still $NHELD held, nothing delivered" ||
	notok "$(pf_queue_count mx hold) held, $(sink_count) delivered"

t_svc_stop
pf_stop_all
echo "$fails failed"
[ "$fails" -eq 0 ]
