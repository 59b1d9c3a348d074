-- zip.lua: clam.zip (the ClamAV test file zipped) attached is rejected.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start()
local zip = t.readfile(testfiles .. "/clam.zip")
t.check(zip ~= nil, "reading " .. testfiles .. "/clam.zip")
local conn = t.connect()
local r = t.send(conn, { multipart = true, body = t.mime("clam.zip", zip) })
t.check(r == SMFIR_REPLYCODE, "clam.zip: expected a 550 reply, got " .. t.reply_name(r))
local log = t.wait_log("TESTQID: verdict=infected action=reject", 10)
local name = log:match('TESTQID: verdict=infected[^\n]* virus="([^"]+)"')
t.check(name ~= nil, "the log names the signature")
-- miltertest matches a reply only on all three of code, extended code and text
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Virus found: " .. name),
	"reply is 550 5.7.1 Virus found: " .. name)
mt.disconnect(conn)
