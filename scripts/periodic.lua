-- SPDX-License-Identifier: MIT
-- periodic.lua: profile DURATION seconds every EVERY seconds, write each profile to a
-- timestamped output, keep the newest KEEP files.
--
--   sudo profile-bee -c scripts/periodic.lua -- duration=10 every=300 keep=288 \
--        out=/var/lib/profile-bee/cpu-%Y%m%d-%H%M%S.svg
--   sudo profile-bee -p 1234 --dwarf -c scripts/periodic.lua -- out=s3://bucket/prefix
--
-- Arguments (key=value, all optional):
--   duration=10  seconds of sampling per profile
--   every=300    seconds from the start of one profile to the start of the next
--   keep=288     files of this series kept (the oldest go first); 0 keeps all
--   count=0      profiles to take, then stop; 0: until Ctrl-C
--   out=profile-%Y%m%d-%H%M%S.folded
--                where each profile goes. os.date fields (%Y, %H, ...) and {n} (the profile's
--                number, 000001...) make names unique; a name without them gets a timestamp
--                before its extension. The extension picks the format (.folded, .svg, .html,
--                .json); a URL (s3://, http://) or plugin name is handed each profile as is.
--   set=KEY=VALUE  a setting of that output, repeatable (set=title=web-1)
--   pid=PID[,PID]  profile these processes (default: -p, or every process)
-- What and how to sample otherwise follows the flags (-F, --dwarf, -p) and profile-bee.conf.
-- Ctrl-C ends the profile being taken, writes it, and stops.
local opts = pb.parse_args({ duration = 10, every = 300, keep = 288, count = 0,
	out = "profile-%Y%m%d-%H%M%S.folded", set = {}, pid = "" },
	"usage: profile-bee -c periodic.lua -- [duration=S] [every=S] [keep=N] [count=N]\n" ..
	"       [out=PATH] [set=K=V] [pid=PID]")

local settings = {}
for _, kv in ipairs(opts.set) do
	local k, v = kv:match("^([^=]+)=(.*)$")
	if not k then error(("set=%s: want set=KEY=VALUE"):format(kv), 0) end
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

local n = 0
while opts.count == 0 or n < opts.count do
	local started = pb.time()
	local p = assert(pb.profile{ duration = opts.duration, pid = pids })
	n = n + 1
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
	if opts.count > 0 and n >= opts.count then break end
	local wait = started + opts.every - pb.time()
	if wait > 0 then pb.sleep(wait) end
end
