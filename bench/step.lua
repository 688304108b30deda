-- One step of the benchmark for wrk, configured by bench/run.py through
-- environment variables (wrk hands arguments only to the running threads,
-- while setup and done run elsewhere; the environment reaches all three).
--
--   BENCH_METHOD, BENCH_PATH, BENCH_BODY   the request; in BENCH_BODY "{csrf}" and
--                                          "{answer}" are filled in per student
--   BENCH_HEADERS                          extra headers, "Name: value" joined by "|"
--   BENCH_ITEMS                            file of students, one per line:
--                                          session cookie, a tab, CSRF token
--   BENCH_COUNT                            with BENCH_QUOTA=1: number of requests when
--                                          there is no items file
--   BENCH_QUOTA=1                          every student (or request) exactly once, then
--                                          the threads stop; else round robin until -d
--   BENCH_COLLECT=cookie|cookie+csrf       keep what the responses hand out
--   BENCH_EXPECT                           accepted statuses, comma separated
--   BENCH_THREADS                          the -t given to wrk
--   BENCH_OUT                              where done() writes its figures
--
--   BENCH_FILLER_PATH, BENCH_FILLER_TYPE   see below
--
-- With BENCH_QUOTA, once every student has had their request, the connections
-- still waiting for the last responses of others get a filler request (a
-- static file, recognised by its Content-Type). The thread stops when every
-- counted request has its response, so no counted request is left in flight:
-- every answer the server stored was also acknowledged to the load generator.
-- Fillers are counted apart and left out of the request rate. The thread
-- then sends wrk SIGINT, as Ctrl-C would, because wrk otherwise sleeps out
-- its whole --duration. Such steps use one wrk thread: a thread that stops
-- early would keep its sockets open until wrk exits, holding sync workers.

local function env(name, default)
  local value = os.getenv(name)
  if value == nil or value == "" then
    return default
  end
  return value
end

local quota_mode = env("BENCH_QUOTA", "0") == "1"
local ffi = require("ffi")
ffi.cdef([[
int kill(int pid, int sig);
int getpid(void);
]])
local SIGINT = 2
local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local function split(text, separator)
  local parts = {}
  for part in string.gmatch(text, "([^" .. separator .. "]+)") do
    table.insert(parts, part)
  end
  return parts
end

function init(args)
  local nthreads = tonumber(env("BENCH_THREADS", "1"))
  local method = env("BENCH_METHOD", "GET")
  local path = env("BENCH_PATH", "/")
  local body = env("BENCH_BODY", nil)
  local base_headers = {}
  for _, line in ipairs(split(env("BENCH_HEADERS", ""), "|")) do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then
      base_headers[name] = value
    end
  end
  if body then
    base_headers["Content-Type"] = "application/x-www-form-urlencoded"
  end

  local function build(cookie, csrf, index)
    local headers = {}
    for name, value in pairs(base_headers) do
      headers[name] = value
    end
    if cookie and cookie ~= "" then
      headers["Cookie"] = "session=" .. cookie
    end
    local filled = nil
    if body then
      filled = body:gsub("{csrf}", csrf or ""):gsub("{answer}", tostring(index % 5 + 1))
    end
    return wrk.format(method, path, headers, filled)
  end

  requests = {}
  local items_file = env("BENCH_ITEMS", nil)
  if items_file then
    local index = 0
    for line in io.lines(items_file) do
      if index % nthreads == tid then
        local cookie, csrf = line:match("^([^\t]*)\t?(.*)$")
        table.insert(requests, build(cookie, csrf, index))
      end
      index = index + 1
    end
  end
  if quota_mode and not items_file then
    local count = tonumber(env("BENCH_COUNT", "0"))
    quota = math.floor(count / nthreads)
    if tid < count % nthreads then
      quota = quota + 1
    end
    local single = build(nil, nil, 0)
    requests = setmetatable({}, { __index = function() return single end })
  elseif quota_mode then
    quota = #requests
  end
  if #requests == 0 and not quota_mode then
    table.insert(requests, build(nil, nil, 0))
  end
  filler = wrk.format("GET", env("BENCH_FILLER_PATH", "/"), base_headers)
  filler_type = env("BENCH_FILLER_TYPE", "image/svg+xml")

  expected = {}
  for _, status in ipairs(split(env("BENCH_EXPECT", "200"), ",")) do
    expected[tonumber(status)] = true
  end
  collect = env("BENCH_COLLECT", "")
  collected = {}
  statuses = {}
  responses = 0
  unexpected = 0
  sent = 0
  fillers = 0
  filler_responses = 0
  counted_responses = 0
  cursor = 0
  -- wrk calls request() once on the first thread, before it starts, to check
  -- that it builds a valid request; that call must not use up a student.
  checking = tid == 0
end

function request()
  if checking then
    checking = false
    return filler
  end
  if quota_mode then
    if sent >= quota then
      fillers = fillers + 1
      return filler
    end
    sent = sent + 1
    return requests[sent]
  end
  cursor = cursor % #requests + 1
  return requests[cursor]
end

function response(status, headers, body)
  responses = responses + 1
  local content_type = headers["Content-Type"] or ""
  if fillers > 0 and content_type:sub(1, #filler_type) == filler_type then
    filler_responses = filler_responses + 1
    return
  end
  counted_responses = counted_responses + 1
  statuses[status] = (statuses[status] or 0) + 1
  if not expected[status] then
    unexpected = unexpected + 1
  end
  if collect ~= "" then
    local cookie = headers["Set-Cookie"]
    cookie = cookie and cookie:match("session=([^;]*)")
    local csrf = ""
    if collect == "cookie+csrf" then
      csrf = body:match('name="csrf_token"[^>]-value="([^"]+)"') or ""
    end
    -- Without a Set-Cookie the session did not change; run.py matches a token
    -- to its phone through the session's raw CSRF value, which both carry.
    if cookie or csrf ~= "" then
      collected[#collected + 1] = (cookie or "") .. "\t" .. csrf
    end
  end
  if quota_mode and counted_responses >= quota and not stopped then
    stopped = true
    wrk.thread:stop()
    ffi.C.kill(ffi.C.getpid(), SIGINT)
  end
end

function done(summary, latency, _requests)
  local out = assert(io.open(env("BENCH_OUT", "bench-step.txt"), "w"))
  local errors = summary.errors
  out:write(string.format("duration_us %d\n", summary.duration))
  out:write(string.format("requests %d\n", summary.requests))
  out:write(string.format("socket_errors %d\n",
    errors.connect + errors.read + errors.write + errors.timeout))
  out:write(string.format("status_errors %d\n", errors.status))
  out:write(string.format("p50_us %d\n", latency:percentile(50.0)))
  out:write(string.format("p90_us %d\n", latency:percentile(90.0)))
  out:write(string.format("p99_us %d\n", latency:percentile(99.0)))
  out:write(string.format("max_us %d\n", latency.max))
  local items = nil
  if env("BENCH_COLLECT", "") ~= "" then
    items = assert(io.open(env("BENCH_OUT", "bench-step.txt") .. ".items", "w"))
  end
  local total_unexpected, total_fillers, total_responses = 0, 0, 0
  local total_filler_responses = 0
  local by_status = {}
  for _, thread in ipairs(threads) do
    total_unexpected = total_unexpected + thread:get("unexpected")
    total_fillers = total_fillers + thread:get("fillers")
    total_responses = total_responses + thread:get("responses")
    total_filler_responses = total_filler_responses + thread:get("filler_responses")
    for status, count in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + count
    end
    if items then
      for _, line in ipairs(thread:get("collected")) do
        items:write(line, "\n")
      end
    end
  end
  if items then
    items:close()
  end
  out:write(string.format("responses %d\n", total_responses))
  out:write(string.format("unexpected %d\n", total_unexpected))
  out:write(string.format("fillers %d\n", total_fillers))
  out:write(string.format("filler_responses %d\n", total_filler_responses))
  for status, count in pairs(by_status) do
    out:write(string.format("code_%d %d\n", status, count))
  end
  out:close()
end
