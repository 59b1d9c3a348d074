-- unknown_option.lua: an unknown option never stops the daemon: it logs the file
-- and line, runs on, and filters mail (the incident that started clamshim).
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start('\n# an option from a newer or older release\nbogus_option_from_the_future = "yes"\n')
local conf = t.readfile(tmpdir .. "/clamshim.conf")
local line = 0
for l in conf:gmatch("([^\n]*)\n") do
	line = line + 1
	if l:find("bogus_option_from_the_future", 1, true) then break end
end
t.wait_log("clamshim.conf:" .. line .. ":", 10)
local conn = t.connect()
local r = t.send(conn, { multipart = true, body = t.mime("eicar.com", t.EICAR) })
t.check(r == SMFIR_REPLYCODE, "EICAR rejected despite the unknown option, got " .. t.reply_name(r))
r = t.send(conn, { qid = "CLEANQID" })
t.expect_accept(r, "clean message")
mt.disconnect(conn)
