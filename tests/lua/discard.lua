-- discard.lua: on_infected = "discard" drops the message (and logs it).
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start('policy {\n  on_infected = "discard"\n}\n')
local conn = t.connect()
local r = t.send(conn, { multipart = true, body = t.mime("eicar.com", t.EICAR) })
t.check(r == SMFIR_DISCARD, "expected discard, got " .. t.reply_name(r))
t.wait_log("TESTQID: verdict=infected action=discard", 10)
mt.disconnect(conn)
