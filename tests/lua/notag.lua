-- notag.lua: an MTA that does not grant header changes (issue 11, point 6).
-- A message that needs its tag (here Infected, on_infected = "tag") or that
-- carries a forged X-Virus-Status to delete is never delivered without them:
-- it gets on_error (tempfail by default), logged with the reason. A clean
-- message may go without the informational "Clean" header.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start('policy {\n  on_infected = "tag"\n}\n')

local MTA_STEPS = 0x001FFFFF		-- SMFI_CURR_PROT: every protocol option offered
local MTA_ACTIONS = 0x1FF		-- SMFI_CURR_ACTS: every action offered

-- connect_granting: a connection whose MTA offers these actions only
local function connect_granting(actions, what)
	local conn = mt.connect("unix:" .. t.sock, 100, 0.1)
	t.check(conn ~= nil, "mt.connect")
	t.check(mt.negotiate(conn, nil, MTA_STEPS, actions) == nil, "mt.negotiate " .. what)
	t.check(mt.conninfo(conn, "client.example", "127.0.0.1") == nil, "mt.conninfo")
	return conn
end

local function expect_tempfail(conn, r, what)
	t.check(r == SMFIR_REPLYCODE or r == SMFIR_TEMPFAIL, what .. ": expected tempfail, got " .. t.reply_name(r))
	t.check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1", "Virus scanner unavailable, try again later"),
		what .. ": reply 451 4.7.1 with the tempfail text")
	t.check(not mt.eom_check(conn, MT_HDRADD), what .. ": no header added")
end

-- no SMFIF_ADDHDRS
local conn = connect_granting(MTA_ACTIONS & ~SMFIF_ADDHDRS, "without SMFIF_ADDHDRS")
t.check(not mt.test_action(conn, SMFIF_ADDHDRS), "the filter did not get SMFIF_ADDHDRS")
t.check(mt.test_action(conn, SMFIF_CHGHDRS), "the filter got SMFIF_CHGHDRS")
local r = t.send(conn, { qid = "NOADD1", multipart = true, body = t.mime("eicar.com", t.EICAR) })
expect_tempfail(conn, r, "EICAR to be tagged, no add-header action")
t.wait_log('NOADD1: verdict=infected action=tempfail', 10)
t.wait_log('header_error="X-Virus-Status not added: the MTA did not grant adding headers"', 10)
r = t.send(conn, { qid = "NOADD2" })
t.expect_accept(r, "clean message, no add-header action")
t.check(not mt.eom_check(conn, MT_HDRADD), "clean message, no add-header action: no header")
t.wait_log('NOADD2: verdict=clean action=accept', 10)
mt.disconnect(conn)

-- no SMFIF_CHGHDRS: a forged X-Virus-Status cannot be deleted
conn = connect_granting(MTA_ACTIONS & ~SMFIF_CHGHDRS, "without SMFIF_CHGHDRS")
t.check(not mt.test_action(conn, SMFIF_CHGHDRS), "the filter did not get SMFIF_CHGHDRS")
r = t.send(conn, { qid = "NOCHG1", headers = { { "X-Virus-Status", "Clean" } } })
expect_tempfail(conn, r, "forged X-Virus-Status, no change-header action")
t.wait_log('NOCHG1: verdict=clean action=tempfail', 10)
t.wait_log('header_error="incoming X-Virus-Status not deleted: the MTA did not grant header changes"', 10)
r = t.send(conn, { qid = "NOCHG2" })
t.expect_accept(r, "clean message without forged headers, no change-header action")
t.expect_header(conn, "X-Virus-Status", "Clean")
mt.disconnect(conn)
