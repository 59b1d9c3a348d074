-- eicar.lua: EICAR attached in base64 is rejected with 550 5.7.1 naming the signature.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start()
local conn = t.connect()
local r = t.send(conn, { multipart = true, body = t.mime("eicar.com", t.EICAR) })
t.check(r == SMFIR_REPLYCODE, "EICAR: expected a 550 reply, got " .. t.reply_name(r))
local log = t.wait_log("TESTQID: verdict=infected action=reject scanner=embedded", 10)
local name = log:match('virus="(Eicar%-Test%-Signature[^"]*)"')
t.check(name ~= nil, "log names the EICAR signature")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Virus found: " .. name),
	"reply text is 'Virus found: " .. name .. "'")
t.check(not mt.eom_check(conn, MT_HDRADD), "no headers added to a rejected message")
mt.disconnect(conn)
