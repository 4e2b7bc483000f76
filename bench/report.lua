-- wrk script for bench/run.py. Environment:
--   BENCH_PATHS_FILE  paths to request, one a line, taken in turn (default: the URL's own path)
--   BENCH_UNIQUE      a nonce: adds "_=<nonce>-<thread>-<n>" to every path, so no two requests share a cache key
--   BENCH_BODY        POST this body (form-encoded); "{uuid}" in it becomes a UUID unique to the request
-- At the end it prints one line wrk's own summary lacks: the 50th, 95th and 99th latency percentiles (µs).
local paths, unique, body = {}, os.getenv("BENCH_UNIQUE"), os.getenv("BENCH_BODY")
local file = os.getenv("BENCH_PATHS_FILE")
if file then
  for line in io.lines(file) do
    if line ~= "" then paths[#paths + 1] = line end
  end
end

local threads, counter = {}, 0
setup = function(thread)
  counter = counter + 1
  thread:set("id", counter)
  threads[#threads + 1] = thread
end

local n = 0
init = function(args)
  if body then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
end

request = function()
  n = n + 1
  local path = wrk.path
  if #paths > 0 then
    -- Threads start at different places in the list, so that they do not ask for the same thing at once.
    path = paths[(n - 1 + (id - 1) * 7) % #paths + 1]
  end
  if unique then
    local sep = "?"
    if string.find(path, "?", 1, true) then sep = "&" end
    path = path .. sep .. "_=" .. unique .. "-" .. id .. "-" .. n
  end
  local payload = nil
  if body then
    local uuid = string.format("%s-%04x-4000-8000-%012x", unique or "0b0b0b0b", id, n)
    payload = string.gsub(body, "{uuid}", uuid)
  end
  return wrk.format(nil, path, nil, payload)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d socket_errors=%d bad_status=%d p50=%d p95=%d p99=%d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
