-- skipauth.lua: skip_authenticated = true lets mail from authenticated senders
-- through unscanned, but tagged; unauthenticated mail is still scanned.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start('policy {\n  skip_authenticated = true\n}\n')
local conn = t.connect()
local r = t.send(conn, { qid = "AUTHQID", auth = "alice", multipart = true,
	body = t.mime("eicar.com", t.EICAR) })
t.expect_accept(r, "authenticated sender")
local status = t.header_value(conn, "X-Virus-Status")
t.check(status ~= nil and status:find("^Unscanned %(") ~= nil, "tagged Unscanned: " .. tostring(status))
t.wait_log("AUTHQID: verdict=skipped action=accept", 10)
r = t.send(conn, { qid = "ANONQID", multipart = true, body = t.mime("eicar.com", t.EICAR) })
t.check(r == SMFIR_REPLYCODE, "unauthenticated EICAR is rejected, got " .. t.reply_name(r))
mt.disconnect(conn)
