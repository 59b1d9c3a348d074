-- notag_unscanned.lua: no signatures and on_unavailable = "accept": the
-- message must carry "X-Virus-Status: Unscanned (...)". An MTA that does not
-- grant adding headers gets on_error instead (here reject), logged with why;
-- never an untagged, unscanned delivery (issue 11, point 6).
local t = dofile(srcdir .. "/tests/lua/lib.lua")
os.execute("mkdir -p " .. tmpdir .. "/emptydb")
t.start('policy {\n  on_unavailable = "accept"\n  on_error = "reject"\n}\nheaders {\n  add = false\n}\n',
	tmpdir .. "/emptydb")

local conn = mt.connect("unix:" .. t.sock, 100, 0.1)
t.check(conn ~= nil, "mt.connect")
-- every protocol option (SMFI_CURR_PROT), every action (SMFI_CURR_ACTS) but adding headers
t.check(mt.negotiate(conn, nil, 0x001FFFFF, 0x1FF & ~SMFIF_ADDHDRS) == nil, "mt.negotiate")
t.check(not mt.test_action(conn, SMFIF_ADDHDRS), "the filter did not get SMFIF_ADDHDRS")
t.check(mt.conninfo(conn, "client.example", "127.0.0.1") == nil, "mt.conninfo")
local r = t.send(conn, { qid = "UNTAGGED" })
t.check(r == SMFIR_REPLYCODE or r == SMFIR_REJECT, "expected reject, got " .. t.reply_name(r))
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Message could not be scanned"),
	"reply is 550 5.7.1 Message could not be scanned")
t.check(not mt.eom_check(conn, MT_HDRADD), "no header added")
t.wait_log('UNTAGGED: verdict=unavailable action=reject', 10)
t.wait_log('header_error="X-Virus-Status not added: the MTA did not grant adding headers"', 10)
mt.disconnect(conn)

-- the same message where the MTA grants it: accepted, tagged
conn = t.connect()
r = t.send(conn, { qid = "TAGGED" })
t.expect_accept(r, "unscanned message, headers granted")
local status = t.header_value(conn, "X-Virus-Status")
t.check(status ~= nil and status:find("^Unscanned %(.+%)$") ~= nil, "tagged Unscanned, got " .. tostring(status))
mt.disconnect(conn)
