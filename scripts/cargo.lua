-- SPDX-License-Identifier: MIT
-- cargo profile-bee: builds with cargo, profiles the binary, test or bench, opens the flame graph.
--
--   profile-bee -c cargo.lua -- [OPTIONS] [-- [build|run|test|bench] [CARGO_ARGS] [-- ARGS]]
--
-- The cargo-profile-bee executable runs this for "cargo profile-bee"; its --help lists the
-- options. Executables come from cargo's JSON messages, never from guessed paths.
local pb = require("profilebee")

local function say(fmt, ...)
	io.stderr:write("cargo-profile-bee: ", fmt:format(...), "\n")
end

-- Usage errors end the script with status 2, as on profile-bee's command line.
local usage = {}
local function usage_error(fmt, ...)
	error(setmetatable({ msg = fmt:format(...) }, usage), 0)
end

--- Arguments -------------------------------------------------------------------------------

local with_value = {
	["--svg"] = "svg", ["-o"] = "output", ["--output"] = "output", ["-F"] = "frequency",
	["--frequency"] = "frequency", ["-d"] = "duration", ["--duration"] = "duration",
	["--unwinder"] = "unwinder",
}
local switches = {
	["--tui"] = function(o) o.tui = true end,
	["--dwarf"] = function(o) o.unwinder = "dwarf" end,
	["--open"] = function(o) o.open = "always" end,
	["--no-open"] = function(o) o.open = "never" end,
}
local commands = { build = "build", b = "build", run = "build", r = "build", test = "test",
	t = "test", bench = "bench" }

local function parse(args)
	local o = { outputs = {}, open = "auto", cargo = {}, program = {} }
	local i = 1
	while i <= #args and args[i] ~= "--" do
		local a = args[i]
		local flag, inline = a:match("^(%-%-[%w-]+)=(.*)$")
		local key = with_value[flag or a]
		if key then
			local v = inline
			if not v then
				i = i + 1
				v = args[i] or usage_error("%s needs a value", a)
			end
			if key == "output" then table.insert(o.outputs, v) else o[key] = v end
		elseif switches[a] then
			switches[a](o)
		elseif a:sub(1, 1) == "-" then
			usage_error("unknown option '%s'", a)
		else
			usage_error("'%s': cargo's arguments go after '--' "
				.. "(cargo profile-bee -- %s ...)", a, a)
		end
		i = i + 1
	end
	-- After the first "--": cargo's words up to a second "--", then the program's.
	local into = o.cargo
	for j = i + 1, #args do
		if args[j] == "--" and into == o.cargo then into = o.program
		else table.insert(into, args[j]) end
	end
	local first = o.cargo[1]
	o.mode = "build"
	if first and first:sub(1, 1) ~= "-" then
		o.mode = commands[first] or usage_error(
			"'%s' is not a cargo command this profiles: build (implied), run, test "
			.. "or bench", first)
		table.remove(o.cargo, 1)
	end
	if o.frequency and not math.tointeger(tonumber(o.frequency)) then
		usage_error("-F: '%s' is not a whole number", o.frequency)
	end
	if o.duration and not tonumber(o.duration) then
		usage_error("-d: '%s' is not a number of seconds", o.duration)
	end
	if not o.svg and #o.outputs == 0 and not o.tui then o.svg = "flamegraph.svg" end
	return o
end

--- cargo's JSON messages ---------------------------------------------------------------------

-- A JSON decoder for cargo's messages (one object a line); Lua has none built in.
local json_escapes = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n",
	r = "\r", t = "\t" }

local function json_fail(i, what) error(("bad JSON at byte %d: %s"):format(i, what), 0) end
local function skip_space(s, i) return s:find("[^ \t\r\n]", i) or #s + 1 end

local function json_string(s, i)
	local parts, j = {}, i + 1
	while true do
		local k = s:find('["\\]', j) or json_fail(i, "unterminated string")
		parts[#parts + 1] = s:sub(j, k - 1)
		if s:sub(k, k) == '"' then return table.concat(parts), k + 1 end
		local c = s:sub(k + 1, k + 1)
		if c == "u" then
			local cp = tonumber(s:sub(k + 2, k + 5), 16)
				or json_fail(k, "bad \\u escape")
			j = k + 6
			local lo = s:sub(j, j + 1) == "\\u" and tonumber(s:sub(j + 2, j + 5), 16)
			if cp >= 0xD800 and cp < 0xDC00 and lo and lo >= 0xDC00 and lo < 0xE000 then
				cp, j = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00), j + 6
			end
			parts[#parts + 1] = utf8.char(cp)
		else
			parts[#parts + 1] = json_escapes[c] or json_fail(k, "bad escape")
			j = k + 2
		end
	end
end

local json_value

-- Objects and arrays: items separated by ',' up to the closing bracket.
local function json_items(s, i, close, item)
	i = skip_space(s, i + 1)
	if s:sub(i, i) == close then return i + 1 end
	while true do
		i = skip_space(s, item(i))
		local c = s:sub(i, i)
		if c == close then return i + 1 end
		if c ~= "," then json_fail(i, "expected ',' or '" .. close .. "'") end
		i = skip_space(s, i + 1)
	end
end

function json_value(s, i)
	i = skip_space(s, i)
	local c = s:sub(i, i)
	if c == "{" then
		local obj = {}
		i = json_items(s, i, "}", function(j)
			if s:sub(j, j) ~= '"' then json_fail(j, "expected a key") end
			local key, k = json_string(s, j)
			k = skip_space(s, k)
			if s:sub(k, k) ~= ":" then json_fail(k, "expected ':'") end
			obj[key], k = json_value(s, k + 1)
			return k
		end)
		return obj, i
	elseif c == "[" then
		local arr, n = {}, 0
		i = json_items(s, i, "]", function(j)
			local v
			v, j = json_value(s, j)
			n = n + 1
			arr[n] = v
			return j
		end)
		return arr, i
	elseif c == '"' then
		return json_string(s, i)
	end
	local num = s:match("^-?%d[%d.eE+-]*", i)
	if num then return tonumber(num), i + #num end
	if s:sub(i, i + 3) == "true" then return true, i + 4 end
	if s:sub(i, i + 4) == "false" then return false, i + 5 end
	if s:sub(i, i + 3) == "null" then return nil, i + 4 end
	json_fail(i, "unexpected '" .. c .. "'")
end

local function has(list, want)
	for _, v in ipairs(list or {}) do
		if v == want then return true end
	end
	return false
end

-- build: binaries and examples; test and bench: the harnesses (profile.test).
local function wanted(mode, msg)
	local is_test = msg.profile and msg.profile.test == true
	if mode ~= "build" then return is_test end
	local kinds = msg.target and msg.target.kind
	return not is_test and (has(kinds, "bin") or has(kinds, "example"))
end

local function executables(mode, output)
	local exes, seen = {}, {}
	for line in output:gmatch("[^\n]+") do
		local ok, msg = pcall(json_value, line, 1)
		if ok and type(msg) == "table" and msg.reason == "compiler-artifact"
			and type(msg.executable) == "string" and wanted(mode, msg)
			and not seen[msg.executable] then
			seen[msg.executable] = true
			table.insert(exes, { path = msg.executable,
				name = msg.target and msg.target.name or "?",
				dir = (msg.manifest_path or "./x"):match("^(.*)/[^/]*$") })
		end
	end
	return exes
end

--- The build -------------------------------------------------------------------------------

local function quote(word) return "'" .. word:gsub("'", "'\\''") .. "'" end

-- Frame pointers unless the unwinder reads .eh_frame; added to the user's flags, which cargo
-- reads from CARGO_ENCODED_RUSTFLAGS first.
local function rustflags_setting()
	local enc, plain = os.getenv("CARGO_ENCODED_RUSTFLAGS"), os.getenv("RUSTFLAGS")
	if enc and enc ~= "" then
		return "CARGO_ENCODED_RUSTFLAGS=" .. enc .. "\x1f-Cforce-frame-pointers=yes"
	end
	local sep = (plain and plain ~= "") and " " or ""
	return "RUSTFLAGS=" .. (plain or "") .. sep .. "-C force-frame-pointers=yes"
end

-- Debug info in every profile cargo may use (and a custom --profile); a value set wins.
local function debug_settings(cargo_args)
	local profiles = { "DEV", "RELEASE", "TEST", "BENCH" }
	for j, a in ipairs(cargo_args) do
		local name = a:match("^%-%-profile=(.+)$")
			or (a == "--profile" and cargo_args[j + 1])
		if name then table.insert(profiles, (name:upper():gsub("-", "_"))) end
	end
	local settings = {}
	for _, p in ipairs(profiles) do
		local var = "CARGO_PROFILE_" .. p .. "_DEBUG"
		if not os.getenv(var) then table.insert(settings, var .. "=true") end
	end
	return settings
end

local function build(o)
	local fp = not o.unwinder or o.unwinder == "fp"
	-- env(1) sets the variables for cargo alone.
	local argv = { "env" }
	for _, s in ipairs(debug_settings(o.cargo)) do table.insert(argv, s) end
	if fp then table.insert(argv, rustflags_setting()) end
	local cargo = os.getenv("CARGO") -- set by cargo for the subcommands it runs
	for _, a in ipairs({ cargo ~= "" and cargo or "cargo", o.mode,
		"--message-format=json-render-diagnostics" }) do
		table.insert(argv, a)
	end
	if o.mode ~= "build" then table.insert(argv, "--no-run") end
	for _, a in ipairs(o.cargo) do table.insert(argv, a) end
	say("building with debug info (CARGO_PROFILE_*_DEBUG=true) %s", fp
		and "and frame pointers (RUSTFLAGS += -C force-frame-pointers=yes)"
		or "without forcing frame pointers (the unwinder reads .eh_frame)")
	-- stdout carries the messages; cargo's diagnostics and progress stay on stderr.
	local status, output = pb.run(argv)
	if not status then
		say("%s", output)
		return nil, 1
	end
	if status ~= 0 then return nil, status end
	local exes = executables(o.mode, output)
	if #exes == 0 then
		say("cargo built no %s to run%s", o.mode == "build" and "binary" or "harness",
			o.mode == "build" and " (is there a [[bin]]? --bin NAME, --example NAME)"
			or "")
		return nil, 1
	end
	if o.mode == "build" and #exes > 1 then
		local names = {}
		for _, e in ipairs(exes) do table.insert(names, e.name) end
		say("cargo built %d binaries, choose one with --bin NAME or --example NAME: %s",
			#exes, table.concat(names, " "))
		return nil, 2
	end
	return exes
end

--- Profiling ---------------------------------------------------------------------------------

-- The binary runs as cargo run would; cargo test runs every harness in its package's directory
-- with the same arguments and fails when one does: a shell does the same under one profile.
local function command(o, exes)
	local args = { table.unpack(o.program) }
	if o.mode == "bench" then table.insert(args, "--bench") end -- as cargo bench passes it
	if o.mode == "build" then return { exes[1].path, table.unpack(args) } end
	local script
	if #exes == 1 then
		script = ("cd %s && exec %s \"$@\""):format(quote(exes[1].dir), quote(exes[1].path))
	else
		local parts = { "st=0;" }
		for _, e in ipairs(exes) do
			table.insert(parts, ("cd %s && %s \"$@\" || st=$?;"):format(quote(e.dir),
				quote(e.path)))
		end
		table.insert(parts, "exit $st")
		script = table.concat(parts, " ")
	end
	return { "/bin/sh", "-c", script, "cargo-profile-bee", table.unpack(args) }
end

local function write_outputs(o, p)
	local targets = {}
	if o.svg then table.insert(targets, o.svg) end
	for _, t in ipairs(o.outputs) do table.insert(targets, t) end
	if o.tui then table.insert(targets, "tui") end
	local ok = true
	for _, t in ipairs(targets) do
		local done, err = p:write(t)
		if not done then
			say("%s", err)
			ok = false
		end
	end
	return ok
end

--- Opening the flame graph -------------------------------------------------------------------

local function svg_output(o)
	if o.svg then return o.svg end
	for _, t in ipairs(o.outputs) do
		if not t:find("://", 1, true) and (t:match("%.svg$") or t:match("%.html$")) then
			return t
		end
	end
end

local function absolute(path)
	if path:sub(1, 1) == "/" then return path end
	local pwd = io.popen("pwd"):read("l")
	return (pwd or ".") .. "/" .. path:gsub("^%./", "")
end

-- $BROWSER is a ':'-separated list of commands by convention; the first one is used.
local function opener()
	local browser = os.getenv("BROWSER")
	if browser and browser ~= "" then return browser:match("^[^:]*") end
	if os.execute("command -v xdg-open >/dev/null 2>&1") then return "xdg-open" end
end

local function show(o)
	local path = svg_output(o)
	local f = path and io.open(path, "r")
	if not f then return end
	f:close()
	path = absolute(path)
	local display = (os.getenv("DISPLAY") or "") .. (os.getenv("WAYLAND_DISPLAY") or "")
	if o.open == "never" or (o.open == "auto" and display == "") then
		say("flame graph: %s", path)
		return
	end
	local cmd = opener()
	if not cmd then
		say("flame graph: %s (no $BROWSER or xdg-open to open it)", path)
		return
	end
	say("opening %s with %s", path, cmd)
	-- The browser may run as long as its window is open: not waited for, kept off the terminal.
	os.execute(("setsid %s %s </dev/null >/dev/null 2>&1 &"):format(cmd, quote(path)))
end

--- The workflow ------------------------------------------------------------------------------

local parsed, o = pcall(parse, pb.args)
if not parsed then
	if getmetatable(o) ~= usage then error(o, 0) end
	say("%s", o.msg)
	io.stderr:write("Try 'cargo profile-bee --help' for more information.\n")
	return 2
end
local exes, status = build(o)
if not exes then return status end
local p
p, status = pb.profile({ cmd = command(o, exes), unwinder = o.unwinder,
	frequency = o.frequency and math.tointeger(tonumber(o.frequency)),
	duration = o.duration and tonumber(o.duration) })
if not p then
	say("%s", status)
	return 1
end
local written = write_outputs(o, p)
show(o)
if status and status ~= 0 then
	say("%s exited with status %d", #exes > 1 and "the " .. o.mode .. " harnesses"
		or exes[1].name, status)
	return status
end
return written and 0 or 1
