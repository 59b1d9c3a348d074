-- strip_many.lua: an incoming X-Virus-Status or X-Virus-Scanned is deleted
-- however many other X-Virus-* names come first, in any case, every copy
-- (issue 11, point 4: 16 padding names used to leave a forged "Clean"); more
-- copies of one of ours than the milter deletes means no delivery at all.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start()

-- 20 padding names, then forged ones of ours in three spellings
local conn = t.connect()
local hdrs = {}
for i = 1, 20 do hdrs[#hdrs + 1] = { "X-Virus-Foo-" .. i, "padding" } end
hdrs[#hdrs + 1] = { "X-Virus-Status", "Clean" }
hdrs[#hdrs + 1] = { "x-virus-scanned", "by a forger" }
hdrs[#hdrs + 1] = { "X-VIRUS-STATUS", "Clean" }
local r = t.send(conn, { qid = "PADDED", headers = hdrs })
t.expect_accept(r, "clean message with forged headers after 20 padding names")
t.check(mt.eom_check(conn, MT_HDRDELETE, "X-Virus-Status"),
	"forged X-Virus-Status after 20 other X-Virus-* names deleted")
t.check(mt.eom_check(conn, MT_HDRDELETE, "X-Virus-Scanned"),
	"forged x-virus-scanned after 20 other X-Virus-* names deleted")
t.check(mt.eom_check(conn, MT_HDRDELETE, "X-Virus-Foo-1"), "the first padding name deleted too")
t.expect_header(conn, "X-Virus-Status", "Clean")
t.wait_log("PADDED: deleted 2 incoming X-Virus-Status headers", 10)
t.wait_log("PADDED: deleted 1 incoming X-Virus-Scanned headers", 10)
mt.disconnect(conn)

-- 10,000 copies of X-Virus-Status: every one deleted
conn = t.connect()
hdrs = {}
for i = 1, 10000 do hdrs[#hdrs + 1] = { "X-Virus-Status", "Clean" } end
r = t.send(conn, { qid = "TENK", headers = hdrs })
t.expect_accept(r, "clean message with 10,000 forged X-Virus-Status")
t.check(mt.eom_check(conn, MT_HDRDELETE, "X-Virus-Status"), "10,000 copies: deleted")
t.wait_log("TENK: deleted 10000 incoming X-Virus-Status headers", 60)
mt.disconnect(conn)

-- more copies than the milter deletes (MILTER_STRIP_COUNT_MAX, 100,000):
-- not delivered, on_error's tempfail
conn = t.connect()
hdrs = {}
for i = 1, 100001 do hdrs[#hdrs + 1] = { "x-virus-status", "Clean" } end
r = t.send(conn, { qid = "TOOMANY", headers = hdrs })
t.check(r == SMFIR_REPLYCODE or r == SMFIR_TEMPFAIL, "100,001 forged copies: tempfail, got " .. t.reply_name(r))
t.check(not mt.eom_check(conn, MT_HDRADD, "X-Virus-Status"), "100,001 forged copies: no tag of ours")
t.wait_log('TOOMANY: verdict=clean action=tempfail', 60)
t.wait_log('header_error="more than 100000 incoming X-Virus-Status headers"', 10)
mt.disconnect(conn)
