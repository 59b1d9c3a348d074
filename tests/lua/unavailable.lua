-- unavailable.lua: no signatures -> 451 4.7.1 by default (on_unavailable = tempfail).
local t = dofile(srcdir .. "/tests/lua/lib.lua")
os.execute("mkdir -p " .. tmpdir .. "/emptydb")
t.start(nil, tmpdir .. "/emptydb")
local conn = t.connect()
local r = t.send(conn, {})
t.check(r == SMFIR_REPLYCODE or r == SMFIR_TEMPFAIL, "expected tempfail, got " .. t.reply_name(r))
t.check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1",
	"Virus scanner unavailable, try again later"), "reply is 451 4.7.1 with the tempfail text")
t.wait_log("TESTQID: verdict=unavailable action=tempfail", 10)
mt.disconnect(conn)
