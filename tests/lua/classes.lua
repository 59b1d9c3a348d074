-- classes.lua: class "NAME" { ... } picks the policy by origin and
-- destination (issue 13): networks by the client address (IPv4 and IPv6),
-- authenticated by {auth_authen} and daemons by {daemon_name} together,
-- senders ("<>" = the null sender), recipients (every one must match: a
-- message to abuse@ and to someone else gets the stricter top-level
-- policy); scan = false is accepted unscanned, tagged Unscanned (class
-- NAME); a class's max_size bounds its messages; the log line names the
-- class (class=NAME) only when one matched.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start([[
class "lan" {
  networks = {"192.0.2.0/24", "2001:db8::/32"}
  scan = false
}
class "submission" {
  authenticated = true
  daemons = {"ORIGINATING"}
  policy { on_infected = "tag" }
}
class "bounces" {
  senders = {"<>"}
  policy { on_infected = "discard" }
}
class "abuse" {
  recipients = {"abuse@example.org", "postmaster@*"}
  policy {
    on_infected = "tag"
  }
}
class "small" {
  senders = {"*@small.example"}
  policy { max_size = "100"
    on_limit = "reject" }
}
]])
local EICAR = t.mime("eicar.com", t.EICAR)

-- expect_reject: a 5xx reply
local function expect_reject(r, what)
	t.check(r == SMFIR_REPLYCODE or r == SMFIR_REJECT, what .. ": expected reject, got " .. t.reply_name(r))
end

-- line: the daemon's line for qid (waits for it)
local function line(qid)
	local log = t.wait_log(qid .. ": verdict=", 60)
	return log:match(qid .. ": (verdict=[^\n]*)")
end

-- networks, IPv4: not scanned, tagged, logged with the class
local conn = t.connect("192.0.2.10")
local r = t.send(conn, { qid = "LAN4", multipart = true, body = EICAR, rcpts = { "<bob@example.org>" } })
t.expect_accept(r, "lan IPv4 EICAR")
t.expect_header(conn, "X-Virus-Status", "Unscanned (class lan)")
local l = line("LAN4")
t.check(l:find("^verdict=skipped action=accept ") and l:find(" class=lan"), "LAN4 line: " .. l)
mt.disconnect(conn)

-- networks, IPv6
conn = t.connect("2001:db8::25")
r = t.send(conn, { qid = "LAN6", multipart = true, body = EICAR, rcpts = { "<bob@example.org>" } })
t.expect_accept(r, "lan IPv6 EICAR")
t.expect_header(conn, "X-Virus-Status", "Unscanned (class lan)")
l = line("LAN6")
t.check(l:find(" class=lan"), "LAN6 line: " .. l)
mt.disconnect(conn)

-- outside the networks: scanned, rejected by the top-level policy, no class
conn = t.connect("198.51.100.7")
r = t.send(conn, { qid = "FAR1", multipart = true, body = EICAR, rcpts = { "<bob@example.org>" } })
expect_reject(r, "EICAR from outside every class")
l = line("FAR1")
t.check(l:find("^verdict=infected action=reject ") and not l:find("class="), "FAR1 line: " .. l)
mt.disconnect(conn)

-- authenticated on the ORIGINATING daemon: tagged, delivered
conn = t.connect("198.51.100.7", "ORIGINATING")
r = t.send(conn, { qid = "SUB1", auth = "alice", multipart = true, body = EICAR,
	rcpts = { "<bob@example.org>" } })
t.expect_accept(r, "authenticated submission EICAR")
local status = t.header_value(conn, "X-Virus-Status")
t.check(status ~= nil and status:find("^Infected %(Eicar") ~= nil, "SUB1 tagged Infected, got " .. tostring(status))
l = line("SUB1")
t.check(l:find("^verdict=infected action=accept ") and l:find(" class=submission"), "SUB1 line: " .. l)
mt.disconnect(conn)

-- ORIGINATING but not authenticated, and authenticated on another daemon: both criteria are needed
conn = t.connect("198.51.100.7", "ORIGINATING")
expect_reject(t.send(conn, { qid = "SUB2", multipart = true, body = EICAR, rcpts = { "<bob@example.org>" } }),
	"ORIGINATING without AUTH")
mt.disconnect(conn)
conn = t.connect("198.51.100.7", "MTA")
expect_reject(t.send(conn, { qid = "SUB3", auth = "alice", multipart = true, body = EICAR,
	rcpts = { "<bob@example.org>" } }), "AUTH on the MTA daemon")
mt.disconnect(conn)
t.check(not line("SUB2"):find("class="), "SUB2 has no class")
t.check(not line("SUB3"):find("class="), "SUB3 has no class")

-- the null sender: discarded
conn = t.connect("198.51.100.7")
r = t.send(conn, { qid = "BOUNCE1", from = "<>", multipart = true, body = EICAR, rcpts = { "<bob@example.org>" } })
t.check(r == SMFIR_DISCARD, "null sender EICAR: expected discard, got " .. t.reply_name(r))
l = line("BOUNCE1")
t.check(l:find("^verdict=infected action=discard ") and l:find(" class=bounces"), "BOUNCE1 line: " .. l)
mt.disconnect(conn)

-- every recipient abuse@ or postmaster@ (any case): tagged
conn = t.connect("198.51.100.7")
r = t.send(conn, { qid = "ABUSE1", multipart = true, body = EICAR,
	rcpts = { "<Abuse@Example.ORG>", "<postmaster@example.net>" } })
t.expect_accept(r, "EICAR to abuse@ and postmaster@")
l = line("ABUSE1")
t.check(l:find("^verdict=infected action=accept ") and l:find(" class=abuse"), "ABUSE1 line: " .. l)
mt.disconnect(conn)

-- abuse@ and someone else: the top-level policy, rejected
conn = t.connect("198.51.100.7")
r = t.send(conn, { qid = "ABUSE2", multipart = true, body = EICAR,
	rcpts = { "<abuse@example.org>", "<bob@example.org>" } })
expect_reject(r, "EICAR to abuse@ and bob@")
l = line("ABUSE2")
t.check(l:find("^verdict=infected action=reject ") and not l:find("class="), "ABUSE2 line: " .. l)
mt.disconnect(conn)

-- a clean message in a class is still scanned and logged with it
conn = t.connect("198.51.100.7")
r = t.send(conn, { qid = "ABUSE3", rcpts = { "<abuse@example.org>" } })
t.expect_accept(r, "clean to abuse@")
t.expect_header(conn, "X-Virus-Status", "Clean")
l = line("ABUSE3")
t.check(l:find("^verdict=clean action=accept ") and l:find(" class=abuse"), "ABUSE3 line: " .. l)
mt.disconnect(conn)

-- a class's own max_size: over it, limit(size), on_limit of the class
conn = t.connect("198.51.100.7")
r = t.send(conn, { qid = "SMALL1", from = "<big@small.example>", rcpts = { "<bob@example.org>" },
	body = string.rep("a clean line of text\r\n", 20) })
expect_reject(r, "a message over the class's max_size")
l = line("SMALL1")
t.check(l:find("^verdict=limit action=reject ") and l:find("limit=size") and l:find(" class=small"),
	"SMALL1 line: " .. l)
mt.disconnect(conn)
conn = t.connect("198.51.100.7")
t.expect_accept(t.send(conn, { qid = "BIG1", rcpts = { "<bob@example.org>" },
	body = string.rep("a clean line of text\r\n", 20) }), "the same size outside the class")
mt.disconnect(conn)
