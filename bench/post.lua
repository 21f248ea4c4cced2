-- POST with the token in BENCH_TOKEN and a fresh Idempotency-Key per request:
-- "<BENCH_RUN>-<thread>-<counter>". Like reconnect.lua, each connection is closed every 50th request.
-- Bodies: the lines of BENCH_BODIES (one JSON document a line), taken in turn.
-- Paths: the URL given to wrk, or with BENCH_PATHS_FILE its lines, split between the BENCH_THREADS
-- threads (thread n takes every n-th); a thread that runs out starts over (bench/checkout.py: those
-- checkouts are completed, so they answer 409 and count as non-2xx).
-- With BENCH_ERRORS=1 the first non-2xx answer is printed as "first error: <status> <body>" (off
-- otherwise: reading every answer's body costs the load generator, which shares the server's cores).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  prefix = os.getenv("BENCH_RUN") .. "-" .. thread_number .. "-"
  token = "Token " .. os.getenv("BENCH_TOKEN")
  bodies = {}
  for line in string.gmatch(os.getenv("BENCH_BODIES"), "[^\n]+") do
    table.insert(bodies, line)
  end
  paths = {}
  local file = os.getenv("BENCH_PATHS_FILE")
  if file ~= nil then
    local count = tonumber(os.getenv("BENCH_THREADS"))
    local index = 0
    for line in io.lines(file) do
      if index % count == thread_number - 1 then
        table.insert(paths, line)
      end
      index = index + 1
    end
  end
  sent = 0
  first_error = nil
end

function request()
  sent = sent + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = token,
    ["Idempotency-Key"] = prefix .. sent,
  }
  if sent % 50 == 0 then
    headers["Connection"] = "close"
  end
  local path = nil
  if #paths > 0 then
    path = paths[(sent - 1) % #paths + 1]
  end
  return wrk.format("POST", path, headers, bodies[sent % #bodies + 1])
end

if os.getenv("BENCH_ERRORS") == "1" then
  function response(status, headers, body)
    if first_error == nil and (status < 200 or status > 299) then
      first_error = status .. " " .. string.sub(body, 1, 600)
    end
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local error = thread:get("first_error")
    if error ~= nil then
      io.write("first error: " .. error .. "\n")
      return
    end
  end
end
