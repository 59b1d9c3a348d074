-- hold.lua: scanners down and on_unavailable = "hold" (issue 16, the daemon's
-- side). A message is accepted into the MTA's hold queue: quarantined with
-- "clamshim hold TOKEN", tagged Unscanned (held: ...), marked X-Clamshim-Hold:
-- TOKEN, and the ledger file TOKEN appears in hold.dir (made at start). An
-- incoming X-Clamshim-Hold is deleted. hold.max_messages reached: tempfail,
-- and the log says why. A rescan by clamshim-release ({daemon_name}) is never
-- held. TOKEN.done-clean is counted (clamshim_released_total) and removed, the
-- held count follows the directory, so a message can be held again. Once the
-- signatures are back, a rescan is tagged Clean and loses its mark.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
local held = tmpdir .. "/lib/held"
local metrics = tmpdir .. "/metrics.prom"
os.execute("mkdir -p " .. tmpdir .. "/emptydb")
t.start('policy {\n  on_unavailable = "hold"\n}\n' ..
	'hold {\n  max_messages = 2\n  dir = "' .. held .. '"\n  max_age = "1h"\n}\n' ..
	'status {\n  file = "' .. metrics .. '"\n  interval = "1s"\n}\n', tmpdir .. "/emptydb")

-- ledger: the file names in hold.dir
local function ledger()
	local names = {}
	local p = io.popen('ls -a "' .. held .. '" 2>/dev/null')
	for n in p:lines() do
		if n ~= "." and n ~= ".." then names[#names + 1] = n end
	end
	p:close()
	table.sort(names)
	return names
end

-- hold_one: a message that must be held; its token
local function hold_one(qid, headers)
	local conn = t.connect()
	local r = t.send(conn, { qid = qid, headers = headers })
	t.expect_accept(r, qid .. ": held message")
	local tok = t.header_value(conn, "X-Clamshim-Hold")
	t.check(tok ~= nil and tok:find("^%x+$") ~= nil and #tok == 32 and tok == tok:lower(),
		qid .. ": X-Clamshim-Hold is 32 lowercase hex, got " .. tostring(tok))
	t.check(mt.eom_check(conn, MT_QUARANTINE, "clamshim hold " .. tok),
		qid .. ": quarantined with \"clamshim hold " .. tok .. "\"")
	local status = t.header_value(conn, "X-Virus-Status")
	t.check(status ~= nil and status:find("^Unscanned %(held: .+%)$") ~= nil,
		qid .. ": X-Virus-Status: Unscanned (held: ...), got " .. tostring(status))
	t.wait_log(qid .. ": verdict=unavailable action=hold", 10)
	mt.disconnect(conn)
	local text = t.readfile(held .. "/" .. tok)
	t.check(text ~= nil, qid .. ": ledger file " .. tok .. " in hold.dir")
	t.check(text:find("queue_id=" .. qid .. "\n", 1, true) ~= nil and
		text:find("\ntime=%d+\n") ~= nil and text:find("\nmta=postfix\n", 1, true) ~= nil,
		qid .. ": ledger lines, got " .. text)
	return tok
end

-- the metric's value in the status file, or nil
local function metric(line)
	local s = t.readfile(metrics) or ""
	local v = s:match("\n" .. line:gsub("[%p]", "%%%0") .. " ([%d.]+)\n")
	return v and tonumber(v)
end

-- wait_metric: until the status file says name = want
local function wait_metric(name, want)
	local deadline = os.time() + 60
	while os.time() <= deadline do
		if metric(name) == want then return end
		mt.sleep(0.2)
	end
	error(name .. " never became " .. want .. ", status file:\n" .. (t.readfile(metrics) or ""))
end

-- 1. held, with a forged mark deleted
local tok1 = hold_one("HOLD1", { { "X-Clamshim-Hold", "0123456789abcdef0123456789abcdef" },
	{ "x-clamshim-hold", "forged" } })
local mode = io.popen('stat -c %a "' .. held .. '"'):read("l")
t.check(mode == "700", "hold.dir made at start, mode 0700, got " .. tostring(mode))
-- (the forged copies: deleted, our mark added once)
do
	local conn = t.connect()
	local r = t.send(conn, { qid = "HOLD2", headers = { { "X-Clamshim-Hold", "forged" } } })
	t.expect_accept(r, "HOLD2: held message")
	t.check(mt.eom_check(conn, MT_HDRDELETE, "X-Clamshim-Hold"), "HOLD2: incoming X-Clamshim-Hold deleted")
	t.check(mt.eom_check(conn, MT_HDRADD, "X-Clamshim-Hold"), "HOLD2: our mark added")
	t.check(t.header_value(conn, "X-Clamshim-Hold") ~= "forged", "HOLD2: the mark is not the forged one")
	mt.disconnect(conn)
end
t.wait_log("HOLD1: deleted 2 incoming X-Clamshim-Hold headers", 10)
t.check(#ledger() == 2, "two ledger files, got " .. table.concat(ledger(), " "))

-- 2. hold.max_messages (2) reached: tempfail, no ledger file, the log says why
do
	local conn = t.connect()
	local r = t.send(conn, { qid = "FULL" })
	t.check(r == SMFIR_REPLYCODE or r == SMFIR_TEMPFAIL, "FULL: tempfail, got " .. t.reply_name(r))
	t.check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1",
		"Virus scanner unavailable, try again later"), "FULL: 451 4.7.1")
	t.check(not mt.eom_check(conn, MT_QUARANTINE), "FULL: not quarantined")
	mt.disconnect(conn)
	t.wait_log("FULL: not held: hold.max_messages (2) messages are held already: tempfail instead", 10)
	t.wait_log("FULL: verdict=unavailable action=tempfail", 10)
	t.check(#ledger() == 2, "still two ledger files, got " .. table.concat(ledger(), " "))
end

-- 3. a rescan by clamshim-release with the scanners still down: tempfail, not held
do
	local conn = t.connect()
	local r = t.send(conn, { qid = "RESCAN1", macros = { "{daemon_name}", "clamshim-release" },
		headers = { { "X-Clamshim-Hold", tok1 } } })
	t.check(r == SMFIR_REPLYCODE or r == SMFIR_TEMPFAIL, "RESCAN1: tempfail, got " .. t.reply_name(r))
	t.check(not mt.eom_check(conn, MT_QUARANTINE), "RESCAN1: not quarantined")
	mt.disconnect(conn)
	t.wait_log("RESCAN1: not held: a rescan by clamshim-release is never held: tempfail instead", 10)
	t.check(#ledger() == 2, "no ledger file for a rescan, got " .. table.concat(ledger(), " "))
	-- the macro sent with CONNECT (as Postfix sends {daemon_name}) counts for every message
	conn = mt.connect("unix:" .. t.sock, 100, 0.1)
	t.check(conn ~= nil, "mt.connect")
	t.check(mt.macro(conn, SMFIC_CONNECT, "{daemon_name}", "clamshim-release") == nil, "mt.macro CONNECT")
	t.check(mt.conninfo(conn, "localhost", "127.0.0.1") == nil, "mt.conninfo")
	r = t.send(conn, { qid = "RESCAN1B" })
	t.check(r == SMFIR_REPLYCODE or r == SMFIR_TEMPFAIL, "RESCAN1B: tempfail, got " .. t.reply_name(r))
	mt.disconnect(conn)
	t.wait_log("RESCAN1B: not held: a rescan by clamshim-release is never held", 10)
	t.check(#ledger() == 2, "no ledger file for a rescan, got " .. table.concat(ledger(), " "))
	-- check_clamshim's probe (clamshim's milter client, {daemon_name} mtclient): not held either
	conn = t.connect()
	r = t.send(conn, { qid = "PROBE", macros = { "{daemon_name}", "mtclient" } })
	t.check(r == SMFIR_REPLYCODE or r == SMFIR_TEMPFAIL, "PROBE: tempfail, got " .. t.reply_name(r))
	mt.disconnect(conn)
	t.wait_log("PROBE: not held: a probe by clamshim's milter client (mtclient) is never held", 10)
	t.check(#ledger() == 2, "no ledger file for a probe, got " .. table.concat(ledger(), " "))
end

-- 4. clamshim-release is done with HOLD1: counted, removed; the count follows
wait_metric("clamshim_held_messages", 2)
t.check((metric("clamshim_held_oldest_seconds") or -1) >= 0, "clamshim_held_oldest_seconds there")
t.check(metric('clamshim_actions_total{action="hold"}') == 2, "clamshim_actions_total{action=\"hold\"} 2")
os.rename(held .. "/" .. tok1, held .. "/" .. tok1 .. ".done-clean")
wait_metric('clamshim_released_total{result="clean"}', 1)
wait_metric("clamshim_held_messages", 1)
t.check(t.readfile(held .. "/" .. tok1 .. ".done-clean") == nil, "the done file was removed")
local tok3 = hold_one("HOLD3", {})
t.check(tok3 ~= tok1, "a new token for each hold")

-- 5. signatures back: a rescan is Clean and loses its mark, no ledger file
os.execute("cp " .. tmpdir .. "/db/* " .. tmpdir .. "/emptydb/")
mt.signal(1)
t.wait_clean(120)
do
	local before = #ledger()
	local conn = t.connect()
	local r = t.send(conn, { qid = "RESCAN2", macros = { "{daemon_name}", "clamshim-release" },
		headers = { { "X-Clamshim-Hold", tok3 }, { "X-Virus-Status", "Unscanned (held: x)" } } })
	t.expect_accept(r, "RESCAN2: clean rescan")
	t.expect_header(conn, "X-Virus-Status", "Clean")
	t.check(mt.eom_check(conn, MT_HDRDELETE, "X-Clamshim-Hold"), "RESCAN2: the mark deleted")
	t.check(mt.eom_check(conn, MT_HDRDELETE, "X-Virus-Status"), "RESCAN2: the held tag deleted")
	t.check(not mt.eom_check(conn, MT_HDRADD, "X-Clamshim-Hold"), "RESCAN2: no new mark")
	t.check(not mt.eom_check(conn, MT_QUARANTINE), "RESCAN2: not quarantined")
	mt.disconnect(conn)
	t.wait_log("RESCAN2: verdict=clean action=accept", 10)
	t.check(#ledger() == before, "no ledger file for a clean rescan")
end
