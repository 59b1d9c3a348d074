-- reload.lua: SIGHUP re-reads the configuration. A broken new config is logged
-- and the running one kept; a good one applies to new connections.
local t = dofile(srcdir .. "/tests/lua/lib.lua")
t.start()
local conf = tmpdir .. "/clamshim.conf"
local good = t.readfile(conf)

-- a broken config: the running one (on_infected = reject) stays
local f = assert(io.open(conf, "w"))
f:write(good .. 'policy {\n  on_infected = "explode"\n}\n')
f:close()
mt.signal(1)
t.wait_log("keeping the running configuration", 10)
local conn = t.connect()
local r = t.send(conn, { qid = "AFTERBAD", multipart = true, body = t.mime("eicar.com", t.EICAR) })
t.check(r == SMFIR_REPLYCODE, "still rejecting after a broken reload, got " .. t.reply_name(r))
mt.disconnect(conn)

-- a good new config: on_infected = tag applies to new connections
f = assert(io.open(conf, "w"))
f:write(good .. 'policy {\n  on_infected = "tag"\n}\n')
f:close()
mt.signal(1)
t.wait_log("SIGHUP: reloading configuration", 10)
-- wait for the reload to be applied: the second SIGHUP line
local deadline = os.time() + 60
local applied = false
while os.time() <= deadline and not applied do
	conn = t.connect()
	r = t.send(conn, { qid = "AFTERGOOD", multipart = true, body = t.mime("eicar.com", t.EICAR) })
	mt.disconnect(conn)
	applied = (r == SMFIR_ACCEPT or r == SMFIR_CONTINUE)
	if not applied then mt.sleep(0.2) end
end
t.check(applied, "on_infected = tag applied after SIGHUP")
t.wait_log("AFTERGOOD: verdict=infected action=accept", 10)
