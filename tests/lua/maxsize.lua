-- maxsize.lua: a message over policy.max_size is not scanned: on_limit decides
-- (default accept, tagged Unscanned); on_limit = "reject" in a second daemon run
-- is covered by maxsize_reject.lua.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start('memory_limit = "1K"\npolicy {\n  max_size = "2K"\n}\n')
local conn = t.connect()
local r = t.send(conn, { body = string.rep("This line makes the message big.\r\n", 200) })
t.expect_accept(r, "oversized message, on_limit = accept")
local status = t.header_value(conn, "X-Virus-Status")
t.check(status ~= nil and status:find("^Unscanned %(.*size.*%)$") ~= nil,
	"X-Virus-Status: Unscanned (size ...), got " .. tostring(status))
t.wait_log("TESTQID: verdict=limit action=accept", 10)
-- a small one on the same connection is scanned normally
r = t.send(conn, { qid = "SMALLQID" })
t.expect_accept(r, "small message")
t.expect_header(conn, "X-Virus-Status", "Clean")
mt.disconnect(conn)
