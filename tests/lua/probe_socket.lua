-- probe_socket.lua: not a test on its own (not in LUA_TESTS): tests/service.sh
-- runs it against a daemon it started itself, whose socket is
-- tmpdir/clamshim.sock: a clean message is accepted and tagged Clean, an
-- EICAR attachment gets a 550 reply.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
local conn = t.connect()
local r = t.send(conn, { subject = "probe clean" })
t.expect_accept(r, "clean message")
local status = t.header_value(conn, "X-Virus-Status")
t.check(status == "Clean", "X-Virus-Status: Clean (got " .. tostring(status) .. ")")
mt.disconnect(conn)
conn = t.connect()
r = t.send(conn, { multipart = true, body = t.mime("eicar.com", t.EICAR) })
t.check(r == SMFIR_REPLYCODE, "EICAR: expected a 550 reply, got " .. t.reply_name(r))
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
	"Virus found: Eicar-Test-Signature.UNOFFICIAL"), "EICAR: 550 5.7.1 Virus found: Eicar-Test-Signature.UNOFFICIAL")
mt.disconnect(conn)
