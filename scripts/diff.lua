-- SPDX-License-Identifier: MIT
-- diff.lua: profile before and after a change, and write a differential flame graph (red: more
-- samples after, blue: fewer).
--
--   Two commands, each profiled to its end:
--     sudo profile-bee -c scripts/diff.lua -- before='./old/app --bench' after='./new/app --bench'
--   A running process, before and after a command that changes it:
--     sudo profile-bee -p 1234 -c scripts/diff.lua -- duration=10 change='systemctl reload app'
--   ... or after a signal: profile, wait for `kill -USR1 <profile-bee's pid>`, profile again:
--     sudo profile-bee -p 1234 -c scripts/diff.lua -- signal=USR1
--
-- Arguments (key=value):
--   before=CMD, after=CMD   the two commands (run through /bin/sh)
--   change=CMD   run between the two profiles of -p / pid= (or of every process)
--   signal=USR1  wait for this signal (USR1, USR2, HUP) between the two profiles
--   pid=PID[,PID]  the processes to profile (default: -p, or every process)
--   duration=10  seconds of each profile (not with before/after)
--   out=diff.svg the flame graph (.svg or .html); the two profiles are written beside it as
--                NAME.before.folded and NAME.after.folded
--   normalize=false  scale the before profile to the after profile's total first
local opts = pb.parse_args({ before = "", after = "", change = "", signal = "", pid = "",
	duration = 10, out = "diff.svg", normalize = false },
	"usage: profile-bee -c diff.lua -- (before=CMD after=CMD | [pid=PID] [change=CMD |\n" ..
	"       signal=USR1]) [duration=S] [out=diff.svg] [normalize=true]")

local stem = opts.out:match("^(.*)%.svg$") or opts.out:match("^(.*)%.html?$")
if not stem then
	error(("out=%s: the differential flame graph is an .svg or .html file"):format(opts.out), 0)
end
if (opts.before ~= "") ~= (opts.after ~= "") then
	error("give both before=CMD and after=CMD, or neither", 0)
end
local pids = pb.parse_pids(opts.pid)

local before, after
if opts.before ~= "" then
	before = assert(pb.profile{ cmd = opts.before })
	after = assert(pb.profile{ cmd = opts.after })
else
	before = assert(pb.profile{ duration = opts.duration, pid = pids })
	if opts.change ~= "" then
		local status, output = pb.run(opts.change)
		if status == nil then error(output, 0) end
		io.stderr:write(output)
		pb.log(("the change (%s) exited with %d"):format(opts.change, status))
	elseif opts.signal ~= "" then
		pb.log(("before: %d samples; waiting for SIG%s (kill -%s %s)"):format(before:total(),
			opts.signal, opts.signal, io.open("/proc/self/stat"):read("n") or "PID"))
		pb.wait_signal(opts.signal)
	end
	after = assert(pb.profile{ duration = opts.duration, pid = pids })
end

local before_path, after_path = stem .. ".before.folded", stem .. ".after.folded"
assert(before:write(before_path))
assert(after:write(after_path))
assert(after:write(opts.out, { ["diff-base"] = before_path, ["diff-normalize"] = opts.normalize }))
pb.log(("wrote %s (before %d samples, after %d)"):format(opts.out, before:total(), after:total()))
