-- SPDX-License-Identifier: MIT
-- filtered.lua: profile, then keep only the stacks that match a process name, a pid or a frame.
--
--   sudo profile-bee -c scripts/filtered.lua -- comm='^(nginx|envoy)$' frame='ssl|crypto' \
--        out=tls.svg
--   sudo profile-bee -c scripts/filtered.lua -- pid=1234 exclude='^__GI_' top=10
--
-- Arguments (key=value, all optional; regexes are POSIX extended):
--   duration=10  seconds of sampling
--   comm=REGEX   keep stacks of processes whose name matches
--   pid=PID[,PID]  profile only these processes (default: -p, or every process)
--   frame=REGEX  keep stacks with a function (frame) whose name matches
--   exclude=REGEX  then drop stacks with a function whose name matches
--   out=-        where the kept stacks go: - (folded on stdout), a file (.folded, .svg, ...), a
--                URL or plugin name
--   top=0        also print the N functions with the most samples of their own to stderr
-- Exits 1 when nothing matched.
local opts = pb.parse_args({ duration = 10, comm = "", pid = "", frame = "", exclude = "",
	out = "-", top = 0 },
	"usage: profile-bee -c filtered.lua -- [comm=RE] [pid=PID] [frame=RE] [exclude=RE]\n" ..
	"       [out=PATH] [top=N]")

local pids = pb.parse_pids(opts.pid)
-- Check the regexes before sampling for seconds.
for _, re in ipairs({ opts.comm, opts.frame, opts.exclude }) do
	if re ~= "" then pb.match(re, "") end
end

local p = assert(pb.profile{ duration = opts.duration, pid = pids })
local all = p:total()
if opts.comm ~= "" then
	p = p:filter(function(stack) return pb.match(opts.comm, stack.comm) end)
end
if opts.frame ~= "" then p = p:grep(opts.frame) end
if opts.exclude ~= "" then p = p:exclude(opts.exclude) end

pb.log(("kept %d of %d samples"):format(p:total(), all))
if opts.top > 0 then
	for i, f in ipairs(p:top(opts.top)) do
		pb.log(("%2d. %-40s self %6d  total %6d"):format(i, f.name, f.self, f.total))
	end
end
assert(p:write(opts.out))
if p:total() == 0 then return 1 end
