-- tag.lua: on_infected = "tag" accepts infected mail tagged Infected (NAME).
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start('policy {\n  on_infected = "tag"\n}\n')
local conn = t.connect()
local r = t.send(conn, { multipart = true, body = t.mime("eicar.com", t.EICAR) })
t.expect_accept(r, "tagged infected message")
local status = t.header_value(conn, "X-Virus-Status")
t.check(status ~= nil and status:find("^Infected %(Eicar%-Test%-Signature[^)]*%)$") ~= nil,
	"X-Virus-Status: Infected (Eicar-Test-Signature...), got " .. tostring(status))
t.wait_log("TESTQID: verdict=infected action=accept", 10)
mt.disconnect(conn)
