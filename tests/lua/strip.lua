-- strip.lua: X-Virus-* headers that came with the message are deleted, so a
-- sender cannot pre-label mail "Clean"; ours are added.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start('policy {\n  on_infected = "tag"\n}\n')
local conn = t.connect()
local r = t.send(conn, { multipart = true, body = t.mime("eicar.com", t.EICAR),
	headers = { { "X-Virus-Status", "Clean" }, { "X-Virus-Scanned", "by a forger" },
		    { "x-virus-status", "Clean" } } })
t.expect_accept(r, "forged, tagged message")
t.check(mt.eom_check(conn, MT_HDRDELETE, "X-Virus-Status"), "forged X-Virus-Status deleted")
t.check(mt.eom_check(conn, MT_HDRDELETE, "X-Virus-Scanned"), "forged X-Virus-Scanned deleted")
local status = t.header_value(conn, "X-Virus-Status")
t.check(status ~= nil and status:find("^Infected") ~= nil, "ours says Infected: " .. tostring(status))
mt.disconnect(conn)
