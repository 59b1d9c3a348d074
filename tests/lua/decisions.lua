-- decisions.lua: with log_level = "warning", every message that reached MAIL
-- FROM still gets exactly one line (issue 11, point 7): decided ones, one
-- aborted by the MTA, connections that ended mid-message (one dropped by
-- libmilter for a packet over its size limit), and a message whose
-- callbacks came before CONNECT (tempfail). No second line when an abort is
-- followed by close, or end of message by close.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.log_level = "warning"
t.start()

-- connect: a connection on which every step waits for the filter's reply:
-- libmilter drops the commands it has not read yet when the peer hangs up,
-- so a test of what happens at close must know which steps were seen
local NR = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA |
	SMFIP_NR_UNKN | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY
local function connect()
	local conn = mt.connect("unix:" .. t.sock, 100, 0.1)
	t.check(conn ~= nil, "mt.connect")
	-- SMFI_CURR_PROT but the "no reply" options; every action (SMFI_CURR_ACTS)
	t.check(mt.negotiate(conn, nil, 0x001FFFFF & ~NR, 0x1FF) == nil, "mt.negotiate")
	t.check(not mt.test_option(conn, SMFIP_NR_BODY), "replies to every step")
	t.check(mt.conninfo(conn, "client.example", "127.0.0.1") == nil, "mt.conninfo")
	return conn
end

-- begin: MAIL FROM, a header and the end of headers of a message
local function begin(conn, qid)
	t.check(mt.macro(conn, SMFIC_MAIL, "i", qid) == nil, "mt.macro " .. qid)
	t.check(mt.mailfrom(conn, "<a@example.com>") == nil, "mt.mailfrom " .. qid)
	t.check(mt.header(conn, "Subject", "unfinished") == nil, "mt.header " .. qid)
	t.check(mt.eoh(conn) == nil, "mt.eoh " .. qid)
end

-- a clean message, then close
local conn = connect()
t.expect_accept(t.send(conn, { qid = "CLEAN1" }), "clean message")
mt.disconnect(conn)

-- EICAR, then close
conn = connect()
local r = t.send(conn, { qid = "EICAR1", multipart = true, body = t.mime("eicar.com", t.EICAR) })
t.check(r == SMFIR_REPLYCODE or r == SMFIR_REJECT, "EICAR: expected reject, got " .. t.reply_name(r))
mt.disconnect(conn)

-- aborted by the MTA after the headers; the next message on the connection is a new one
conn = connect()
begin(conn, "ABORT1")
t.check(mt.abort(conn) == nil, "mt.abort")
t.expect_accept(t.send(conn, { qid = "NEXT1" }), "the message after an abort")
mt.disconnect(conn)

-- aborted after the headers, then the connection closes
conn = connect()
begin(conn, "ABORT2")
t.check(mt.abort(conn) == nil, "mt.abort")
mt.disconnect(conn)

-- the connection closes in the middle of the body (QUIT, no end of message)
conn = connect()
begin(conn, "LOST1")
t.check(mt.bodystring(conn, "half a body\r\n") == nil, "mt.bodystring")
mt.disconnect(conn)

-- the connection breaks in the middle of the headers (no QUIT)
conn = connect()
t.check(mt.macro(conn, SMFIC_MAIL, "i", "LOST2") == nil, "mt.macro")
t.check(mt.mailfrom(conn, "<a@example.com>") == nil, "mt.mailfrom")
t.check(mt.header(conn, "Subject", "cut") == nil, "mt.header")
mt.disconnect(conn, false)

-- a raw client (perl): "early" negotiates and sends a message without CONNECT;
-- "big" connects, sends MAIL FROM, then a header packet over libmilter's size
-- limit (libmilter drops the connection)
local pl = tmpdir .. "/raw.pl"
local f = assert(io.open(pl, "w"))
f:write([[
use strict; use warnings; use IO::Socket::UNIX;
my ($path, $qid, $mode) = @ARGV;
my $s = IO::Socket::UNIX->new(Peer => $path) or die "connect $path: $!\n";
$SIG{ALRM} = sub { print "timeout\n"; exit 0 }; alarm 60;
sub put { my ($cmd, $data) = @_; $data = "" unless defined $data;
	syswrite($s, pack("N", 1 + length $data) . $cmd . $data) or die "write: $!\n"; }
sub readn { my $n = shift; my $b = "";
	while (length $b < $n) { my $r = sysread($s, $b, $n - length $b, length $b); return undef unless $r; }
	return $b; }
sub reply { while (1) { my $h = readn(4); return "eof" unless defined $h;
	my $b = readn(unpack("N", $h)); return "eof" unless defined $b;
	my $c = substr($b, 0, 1); return $c if $c =~ /^[cartdy]$/; } }
# version 6, every action; protocol: no HELO, RCPT, unknown, DATA; a reply to each step
# (clamshim asks for RCPT, as an MTA always sends it)
put("O", pack("NNN", 6, 0x1ff, 0x2 | 0x8 | 0x100 | 0x200));
my $h = readn(4) or die "no negotiation reply\n"; readn(unpack("N", $h));
if ($mode eq "big") {
	put("C", "client.example\0" . "4" . pack("n", 25) . "127.0.0.1\0"); print "connect ", reply(), "\n";
}
put("D", "Mi\0$qid\0");
put("M", "<a\@example.com>\0"); print "mail ", reply(), "\n";
put("R", "<b\@example.com>\0"); print "rcpt ", reply(), "\n";
if ($mode eq "big") {
	put("L", "Subject\0" . ("x" x 1048576) . "\0"); print "big ", reply(), "\n";
	exit 0;
}
put("L", "Subject\0early\0"); print "header ", reply(), "\n";
put("N"); print "eoh ", reply(), "\n";
put("B", "early body\r\n"); print "body ", reply(), "\n";
put("E"); print "eom ", reply(), "\n";
put("Q");
]])
f:close()
local function raw(qid, mode)
	local p = assert(io.popen("perl '" .. pl .. "' '" .. t.sock .. "' " .. qid .. " " .. mode .. " 2>&1"))
	local out = p:read("a")
	p:close()
	return out
end
local out = raw("EARLY1", "early")
t.check(out:find(" t\n") ~= nil and out:find("timeout") == nil and out:find("eof") == nil,
	"callbacks before CONNECT: a tempfail reply, got:\n" .. out)
out = raw("BIG1", "big")
t.check(out:find("mail c\n", 1, true) ~= nil and out:find("big eof", 1, true) ~= nil,
	"a packet over libmilter's limit: connection dropped after MAIL FROM, got:\n" .. out)

-- every line, then no second one for any message
local want = {
	"CLEAN1: verdict=clean action=accept",
	"EICAR1: verdict=infected action=reject",
	"ABORT1: no decision: aborted by the MTA at eoh",
	"NEXT1: verdict=clean action=accept",
	"ABORT2: no decision: connection lost at eoh",
	"LOST1: no decision: connection lost at body",
	"LOST2: no decision: connection lost at header",
	"BIG1: no decision: connection lost at mail",
	'EARLY1: verdict=error action=tempfail scanner=none size=0 time=0.000s reason="milter callbacks before CONNECT"',
}
for _, line in ipairs(want) do t.wait_log(line, 30) end
conn = connect()			-- a last message after every close above
t.expect_accept(t.send(conn, { qid = "LAST1" }), "the last message")
mt.disconnect(conn)
t.wait_log("LAST1: verdict=clean action=accept", 30)
mt.sleep(2)				-- a close still on its way would write now
for _, qid in ipairs({ "CLEAN1", "EICAR1", "ABORT1", "NEXT1", "ABORT2", "LOST1", "LOST2", "BIG1", "EARLY1", "LAST1" }) do
	local n = t.count(qid .. ": verdict=") + t.count(qid .. ": no decision:")
	t.check(n == 1, qid .. ": " .. n .. " decision lines, wanted exactly 1")
end
t.check(t.count("[info]") == 0, "log_level = warning: no info lines")
