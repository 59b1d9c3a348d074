-- tests/lua/run.lua: runs the test script named by the global "script" and
-- prints why it failed (miltertest itself only sets the exit status).
local ok, err = pcall(dofile, script)
if not ok then
	mt.echo("FAIL: " .. tostring(err))
	error(err)
end
mt.echo("PASS: " .. script)
