-- POST each checkout's /complete once: the paths are the lines of BENCH_PATHS_FILE, split between
-- wrk's threads (thread n takes every n-th), each with a fresh Idempotency-Key and the token in
-- BENCH_TOKEN. Like reconnect.lua, each connection is closed every 50th request. A thread that
-- runs out of checkouts starts over (those answer 409 and count as non-2xx).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
  thread:set("thread_count", 0)
end

function init(args)
  token = "Token " .. os.getenv("BENCH_TOKEN")
  body = os.getenv("BENCH_BODY")
  prefix = os.getenv("BENCH_RUN") .. "-" .. thread_number .. "-"
  local count = tonumber(os.getenv("BENCH_THREADS"))
  paths = {}
  local index = 0
  for line in io.lines(os.getenv("BENCH_PATHS_FILE")) do
    if index % count == thread_number - 1 then
      table.insert(paths, line)
    end
    index = index + 1
  end
  sent = 0
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
  return wrk.format("POST", paths[(sent - 1) % #paths + 1], headers, body)
end
