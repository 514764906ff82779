-- SPDX-License-Identifier: MIT
-- The prelude: Lua helpers compiled into profile-bee and loaded before every script.
local pb = pb

-- pb.parse_args(defaults [, usage]): script arguments "key=value" into a table.
-- Each value takes the type of its default (number, boolean, string); a default of {} collects
-- every value given for the key into a list. Unknown keys and bad values end the script as a
-- usage error (pb.usage_error: the message with usage, exit status 2).
function pb.parse_args(defaults, usage)
	local opts, bad = {}, nil
	for k, v in pairs(defaults) do
		if type(v) == "table" then opts[k] = {} else opts[k] = v end
	end
	usage = usage and ("\n" .. usage) or ""
	for i, arg in ipairs(pb.args) do
		local k, v = arg:match("^([%w_%-]+)=(.*)$")
		if not k then
			pb.usage_error(("argument %d ('%s') is not key=value%s"):format(i, arg,
				usage))
		end
		k = k:gsub("%-", "_")
		local want = defaults[k]
		if want == nil then
			local known = {}
			for name in pairs(defaults) do known[#known + 1] = name end
			table.sort(known)
			pb.usage_error(("unknown argument '%s' (known: %s)%s"):format(k,
				table.concat(known, ", "), usage))
		elseif type(want) == "number" then
			opts[k] = tonumber(v)
			bad = opts[k] == nil and "a number"
		elseif type(want) == "boolean" then
			local b = ({ ["true"] = true, yes = true, ["1"] = true, on = true,
				["false"] = false, no = false, ["0"] = false, off = false })[v]
			opts[k] = b
			bad = b == nil and "true or false"
		elseif type(want) == "table" then
			table.insert(opts[k], v)
		else
			opts[k] = v
		end
		if bad then
			pb.usage_error(("argument '%s': '%s' is not %s%s"):format(k, v, bad, usage))
		end
	end
	return opts
end

-- pb.parse_pids(text): the list of pids in "PID[,PID...]" (the pid= argument), nil for "".
-- A part that is not a number is a usage error (exit 2).
function pb.parse_pids(text)
	if text == "" then return nil end
	local pids = {}
	for p in text:gmatch("[^,]+") do
		pids[#pids + 1] = math.tointeger(tonumber(p))
			or pb.usage_error(("pid=%s: not a pid"):format(p))
	end
	return pids
end

-- pb.timestamp([t]): "20240131-235959" (local time), sortable as text.
function pb.timestamp(t)
	return os.date("%Y%m%d-%H%M%S", t and math.floor(t) or nil)
end

-- pb.split_path(path): directory ("." when none) and file name.
function pb.split_path(path)
	local dir, base = path:match("^(.*)/([^/]*)$")
	if not dir then return ".", path end
	return dir == "" and "/" or dir, base
end

-- pb.prune(dir, pattern, keep): removes the oldest files of dir whose names match the Lua
-- pattern, keeping the newest keep (by name: timestamped names sort by time). Returns the
-- names removed.
function pb.prune(dir, pattern, keep)
	local names = assert(pb.dir(dir))
	local matching, removed = {}, {}
	for _, name in ipairs(names) do
		if name:match(pattern) then matching[#matching + 1] = name end
	end
	for i = 1, #matching - keep do
		local path = dir .. "/" .. matching[i]
		if os.remove(path) then removed[#removed + 1] = matching[i] end
	end
	return removed
end

-- The module is also reachable as require("profilebee").
return pb
