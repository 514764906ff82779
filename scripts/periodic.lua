-- SPDX-License-Identifier: MIT
-- periodic.lua: profile DURATION seconds every EVERY seconds, write each profile to a
-- timestamped output, keep the newest KEEP files.
--
--   sudo profile-bee -c scripts/periodic.lua -- duration=10 every=300 keep=288 \
--        out=/var/lib/profile-bee/cpu-%Y%m%d-%H%M%S.svg
--   sudo profile-bee -p 1234 --dwarf -c scripts/periodic.lua -- out=s3://bucket/prefix
--
-- Arguments (key=value, all optional):
--   duration=10  seconds of sampling per profile (more than 0, at most every)
--   every=300    seconds from the start of one profile to the start of the next (more than 0)
--   keep=288     files of this series kept (the oldest go first); 0 keeps all
--   count=0      profiles to take, then stop; 0: until Ctrl-C
--   out=profile-%Y%m%d-%H%M%S.folded
--                where each profile goes. os.date fields (%Y, %H, ...) and {n} (the profile's
--                number, 000001...) make names unique; a name without them gets a timestamp
--                before its extension. The extension picks the format (.folded, .svg, .html,
--                .json); a URL (s3://, http://) or plugin name is handed each profile as is.
--   set=KEY=VALUE  a setting of that output, repeatable (set=title=web-1)
--   pid=PID[,PID]  profile these processes (default: -p, or every process)
-- What and how to sample otherwise follows the flags (-F, --dwarf, -p) and profile-bee.conf;
-- -d SECONDS ends the whole run after that long.
--
-- Every profile is a window of one session: BPF is loaded and caches are built once. Between
-- profiles sampling is paused (no samples, no cost); with duration = every it never pauses and
-- each profile starts where the last one ended. A bad argument ends the script at once (exit
-- 2). Ctrl-C ends the profile being taken, writes it, and stops. Once every target (pid=, -p)
-- has exited, the profile it was in is written and the script ends (exit 0). A profile that
-- cannot be taken or written is logged and counted, and the next one still comes (it keeps
-- its number); the script then exits 1.
local opts = pb.parse_args({ duration = 10, every = 300, keep = 288, count = 0,
	out = "profile-%Y%m%d-%H%M%S.folded", set = {}, pid = "" },
	"usage: profile-bee -c periodic.lua -- [duration=S] [every=S] [keep=N] [count=N]\n" ..
	"       [out=PATH] [set=K=V] [pid=PID]")

local function bad(name, why)
	pb.usage_error(("argument '%s': %s"):format(name, why))
end
if opts.duration <= 0 then bad("duration", ("%g is not more than 0"):format(opts.duration)) end
if opts.every <= 0 then bad("every", ("%g is not more than 0"):format(opts.every)) end
if opts.duration > opts.every then
	bad("duration", ("%g is longer than every=%g"):format(opts.duration, opts.every))
end
if opts.keep < 0 then bad("keep", ("%g is less than 0"):format(opts.keep)) end
if opts.count < 0 then bad("count", ("%g is less than 0"):format(opts.count)) end
local settings = {}
for _, kv in ipairs(opts.set) do
	local k, v = kv:match("^([^=]+)=(.*)$")
	if not k then pb.usage_error(("set=%s: want set=KEY=VALUE"):format(kv)) end
	settings[k] = v
end
local pids = pb.parse_pids(opts.pid)

-- A file series (pruned) or a destination that takes every profile itself.
local is_file = not opts.out:find("://") and opts.out:find("[./]") ~= nil
local template = opts.out
if is_file and not template:find("%%%a") and not template:find("{n}") then
	local stem, ext = template:match("^(.*)(%.[^./]*)$")
	template = (stem or template) .. "-%Y%m%d-%H%M%S" .. (ext or "")
end
local dir, base = pb.split_path(template)
-- The names this series writes: date fields and {n} become "anything", the rest is literal.
local pattern = base:gsub("{n}", "\0"):gsub("%%%a", "\0")
pattern = "^" .. pattern:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0"):gsub("%z", ".-") .. "$"

-- Writes profile n (taken from started on), prunes the series; false when it failed.
local function deliver(p, n, started)
	local target = opts.out
	if is_file then
		target = os.date(template:gsub("{n}", ("%06d"):format(n)), math.floor(started))
	end
	local ok, err = p:write(target, settings)
	if ok then
		pb.log(("wrote %s (%d samples)"):format(target, p:total()))
	else
		pb.log(("cannot write %s: %s"):format(target, err))
	end
	if is_file and opts.keep > 0 then
		pb.prune(dir, pattern, opts.keep)
	end
	return ok
end

-- duration = 0 here: the session lasts as long as the script (a -d on the command line wins).
local s, err = pb.session{ pid = pids, duration = 0 }
local ok = s ~= nil
if ok then ok, err = s:start{ paused = true } end
if not ok then
	pb.log(("cannot profile: %s"):format(err))
	return 1
end
local continuous = opts.duration == opts.every
local n, failed = 0, 0
local started = pb.time()
while (opts.count == 0 or n < opts.count) and not s:done() do
	n = n + 1
	-- Continuous windows end on a fixed beat; each ends where the next begins.
	local seconds = opts.duration
	if continuous then seconds = math.max(0, started + opts.every - pb.time()) end
	local p, why_not = s:window(seconds, { pause = not continuous })
	local done, why = s:done()
	if not p then
		failed = failed + 1
		pb.log(("profile %d: cannot take it: %s"):format(n, why_not))
	elseif p:total() > 0 or why ~= "ended" then -- not the empty rest after the targets exited
		if not deliver(p, n, started) then failed = failed + 1 end
	end
	if done or (opts.count > 0 and n >= opts.count) then break end
	local due = started + opts.every
	if not continuous and due > pb.time() then pb.sleep(due - pb.time()) end
	started = continuous and due or pb.time()
end
local _, why = s:done()
s:stop()
if why == "ended" then
	pb.log(("sampling ended after %d profiles: the targets exited, or -d passed"):format(n))
elseif why and why:find("^failed") then
	pb.log(("sampling %s after %d profiles"):format(why, n))
	return 1
end
if failed > 0 then
	pb.log(("%d of %d profiles could not be taken or written"):format(failed, n))
	return 1
end
