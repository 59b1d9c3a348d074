-- clean.lua: a clean message is accepted with X-Virus-Status: Clean and
-- X-Virus-Scanned naming clamshim and the engine.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start()
local conn = t.connect()
local r = t.send(conn, {})
t.expect_accept(r, "clean message")
t.expect_header(conn, "X-Virus-Status", "Clean")
local scanned = t.header_value(conn, "X-Virus-Scanned")
t.check(scanned ~= nil and scanned:find("^clamshim %S+ %(ClamAV [%d%.]+/%d+%) on %S+$") ~= nil,
	"X-Virus-Scanned format: " .. tostring(scanned))
mt.disconnect(conn)
t.wait_log("TESTQID: verdict=clean action=accept scanner=embedded", 10)
