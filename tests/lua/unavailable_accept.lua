-- unavailable_accept.lua: no signatures, on_unavailable = "accept" -> accepted
-- and tagged X-Virus-Status: Unscanned (...), never silently.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
os.execute("mkdir -p " .. tmpdir .. "/emptydb")
t.start('policy {\n  on_unavailable = "accept"\n}\nheaders {\n  add = false\n}\n', tmpdir .. "/emptydb")
local conn = t.connect()
local r = t.send(conn, {})
t.expect_accept(r, "unscanned message")
local status = t.header_value(conn, "X-Virus-Status")
t.check(status ~= nil and status:find("^Unscanned %(.+%)$") ~= nil,
	"X-Virus-Status: Unscanned (...) even with headers.add = false, got " .. tostring(status))
t.wait_log("TESTQID: verdict=unavailable action=accept", 10)
mt.disconnect(conn)
