-- tests/lua/lib.lua: helpers for the miltertest scripts that drive the real
-- clamshim daemon. Globals from tests/run-lua.sh: clamshim, tmpdir, srcdir,
-- testfiles. Every helper fails the test with error() and a clear message.
local M = {}

M.sock = tmpdir .. "/clamshim.sock"
M.log_level = "debug"	-- a test may set another before M.start
M.log = tmpdir .. "/clamshim.log"
M.EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

-- M.check: fail the test unless cond holds
function M.check(cond, what)
	if not cond then
		error("check failed: " .. what, 2)
	end
end

-- M.readfile: the whole file, or nil
function M.readfile(path)
	local f = io.open(path, "rb")
	if f == nil then return nil end
	local s = f:read("a")
	f:close()
	return s
end

-- M.write_conf: the test config; extra is appended (libconfuse: later wins? no: we
-- only append options the base does not set, or whole sections)
function M.write_conf(extra, db)
	local conf = tmpdir .. "/clamshim.conf"
	local f = assert(io.open(conf, "w"))
	f:write(string.format([[
socket = "unix:%s"
user = ""
pid_file = "%s/clamshim.pid"
log_level = "%s"
spool_dir = "%s"
embedded {
  database = "%s"
  reload_check = "1s"
}
]], M.sock, tmpdir, M.log_level, tmpdir, db or (tmpdir .. "/db")))
	f:write(extra or "")
	f:close()
	return conf
end

-- M.wait_log: wait until the daemon log contains pattern (plain text); polls the
-- log again every 0.1 s. seconds is a bound for a loaded machine, never below 60
function M.wait_log(pattern, seconds)
	local deadline = os.time() + math.max(seconds or 60, 60)
	while os.time() <= deadline do
		local s = M.readfile(M.log)
		if s and s:find(pattern, 1, true) then return s end
		mt.sleep(0.1)
	end
	error("daemon log never showed: " .. pattern .. "\n" .. (M.readfile(M.log) or ""))
end

-- M.start: write the config, start the daemon, wait for its first signature
-- load (logged at info; below that level, until a probe message is Clean)
function M.start(extra, db)
	local conf = M.write_conf(extra, db)
	mt.startfilter("/bin/sh", "-c", 'exec "$0" -f -c "$1" 2>>"$2"', clamshim, conf, M.log)
	if M.log_level == "debug" or M.log_level == "info" then
		M.wait_log("first signature load finished", 60)
	else
		M.wait_clean(60)
	end
end

-- M.connect: a new milter connection with connection info sent: the client
-- address ip (default 127.0.0.1) and, when given, a {daemon_name} macro
function M.connect(ip, daemon)
	local conn = mt.connect("unix:" .. M.sock, 100, 0.1)
	M.check(conn ~= nil, "mt.connect to " .. M.sock)
	if daemon then
		M.check(mt.macro(conn, SMFIC_CONNECT, "{daemon_name}", daemon) == nil, "mt.macro daemon")
	end
	M.check(mt.conninfo(conn, "client.example", ip or "127.0.0.1") == nil, "mt.conninfo")
	return conn
end

-- base64 of a string, 76 columns, CRLF line ends
function M.base64(s)
	local t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	local out, line = {}, {}
	for i = 1, #s, 3 do
		local a, b, c = s:byte(i, i + 2)
		local n = (a << 16) | ((b or 0) << 8) | (c or 0)
		local q = {}
		for k = 3, 0, -1 do
			local idx = (n >> (6 * k)) & 63
			q[#q + 1] = t:sub(idx + 1, idx + 1)
		end
		if b == nil then q[3] = "=" end
		if c == nil then q[4] = "=" end
		line[#line + 1] = table.concat(q)
		if #line == 19 then
			out[#out + 1] = table.concat(line)
			line = {}
		end
	end
	if #line > 0 then out[#out + 1] = table.concat(line) end
	return table.concat(out, "\r\n")
end

-- M.mime: a multipart body with a text part and an attachment (base64)
function M.mime(name, content)
	return "--BOUNDARY\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n" ..
		"--BOUNDARY\r\nContent-Type: application/octet-stream; name=\"" .. name .. "\"\r\n" ..
		"Content-Transfer-Encoding: base64\r\n" ..
		"Content-Disposition: attachment; filename=\"" .. name .. "\"\r\n\r\n" ..
		M.base64(content) .. "\r\n--BOUNDARY--\r\n"
end

-- M.send: one message on conn. opts: headers {{name, value}}, body, qid,
-- auth (an {auth_authen} value), multipart (true when body is M.mime),
-- macros ({name, value, ...} more macros sent with MAIL FROM).
-- from (the MAIL FROM argument), rcpts (RCPT TO arguments; none by default).
-- Returns the milter's reply code (SMFIR_*).
function M.send(conn, opts)
	local macros = { "i", opts.qid or "TESTQID" }
	if opts.auth then
		macros[#macros + 1] = "{auth_authen}"
		macros[#macros + 1] = opts.auth
	end
	for _, m in ipairs(opts.macros or {}) do macros[#macros + 1] = m end
	M.check(mt.macro(conn, SMFIC_MAIL, table.unpack(macros)) == nil, "mt.macro")
	M.check(mt.mailfrom(conn, opts.from or "<sender@example.com>") == nil, "mt.mailfrom")
	for _, rcpt in ipairs(opts.rcpts or {}) do
		M.check(mt.rcptto(conn, rcpt) == nil, "mt.rcptto " .. rcpt)
	end
	M.check(mt.header(conn, "From", "sender@example.com") == nil, "mt.header From")
	M.check(mt.header(conn, "To", "rcpt@example.net") == nil, "mt.header To")
	M.check(mt.header(conn, "Subject", opts.subject or "test") == nil, "mt.header Subject")
	M.check(mt.header(conn, "MIME-Version", "1.0") == nil, "mt.header MIME-Version")
	if opts.multipart then
		M.check(mt.header(conn, "Content-Type",
			'multipart/mixed; boundary="BOUNDARY"') == nil, "mt.header Content-Type")
	end
	for _, h in ipairs(opts.headers or {}) do
		M.check(mt.header(conn, h[1], h[2]) == nil, "mt.header " .. h[1])
	end
	M.check(mt.eoh(conn) == nil, "mt.eoh")
	M.check(mt.bodystring(conn, opts.body or "Hello, this is a clean message.\r\n") == nil,
		"mt.bodystring")
	M.check(mt.eom(conn) == nil, "mt.eom")
	return mt.getreply(conn)
end

-- M.wait_clean: send probe messages (queue ids PROBE1, PROBE2, ...) until one
-- is accepted as Clean: the signatures are loaded
function M.wait_clean(seconds)
	local deadline = os.time() + (seconds or 60)
	local n = 0
	while os.time() <= deadline do
		n = n + 1
		local conn = M.connect()
		local r = M.send(conn, { qid = "PROBE" .. n })
		local status = M.header_value(conn, "X-Virus-Status")
		mt.disconnect(conn)
		if (r == SMFIR_ACCEPT or r == SMFIR_CONTINUE) and status == "Clean" then return n end
		mt.sleep(0.5)
	end
	error("no probe message was accepted as Clean\n" .. (M.readfile(M.log) or ""))
end

-- M.count: how many lines of the daemon log contain text (plain)
function M.count(text)
	local n = 0
	for line in ((M.readfile(M.log) or "") .. "\n"):gmatch("([^\n]*)\n") do
		if line:find(text, 1, true) then n = n + 1 end
	end
	return n
end

-- M.reply_name: a readable name for a reply code
function M.reply_name(r)
	local names = {
		[SMFIR_ACCEPT] = "accept", [SMFIR_CONTINUE] = "continue",
		[SMFIR_REJECT] = "reject", [SMFIR_TEMPFAIL] = "tempfail",
		[SMFIR_DISCARD] = "discard", [SMFIR_REPLYCODE] = "replycode",
	}
	return names[r] or tostring(r)
end

-- M.expect_accept: the message went on (continue or accept)
function M.expect_accept(r, what)
	M.check(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE,
		what .. ": expected accept, got " .. M.reply_name(r))
end

-- M.expect_header: our header was added with this exact value
function M.expect_header(conn, name, value)
	local got = mt.getheader(conn, name, 0)
	M.check(mt.eom_check(conn, MT_HDRADD, name, value),
		"header " .. name .. ": " .. value .. " (got " .. tostring(got) .. ")")
end

-- M.header_value: the value of an added header, or nil
function M.header_value(conn, name)
	return mt.getheader(conn, name, 0)
end

return M
