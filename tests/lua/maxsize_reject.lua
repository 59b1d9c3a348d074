-- maxsize_reject.lua: on_limit = "reject" -> 550 5.7.1 Message could not be scanned.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start('policy {\n  max_size = "2K"\n  on_limit = "reject"\n}\n')
local conn = t.connect()
local r = t.send(conn, { body = string.rep("This line makes the message big.\r\n", 200) })
t.check(r == SMFIR_REPLYCODE, "expected a reject reply, got " .. t.reply_name(r))
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Message could not be scanned"),
	"reply is 550 5.7.1 Message could not be scanned")
t.wait_log("TESTQID: verdict=limit action=reject", 10)
mt.disconnect(conn)
