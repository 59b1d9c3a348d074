-- quarantine.lua: on_infected = "quarantine" asks the MTA to hold the message,
-- with the reason, and tags it.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start('policy {\n  on_infected = "quarantine"\n}\n')
local conn = t.connect()
local r = t.send(conn, { multipart = true, body = t.mime("eicar.com", t.EICAR) })
t.expect_accept(r, "quarantined message")
t.check(mt.eom_check(conn, MT_QUARANTINE), "quarantine requested")
local status = t.header_value(conn, "X-Virus-Status")
t.check(status ~= nil and status:find("^Infected") ~= nil, "tagged Infected: " .. tostring(status))
t.wait_log("TESTQID: verdict=infected action=quarantine", 10)
mt.disconnect(conn)
