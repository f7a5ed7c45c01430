-- wrk script for the webhook-ingest scenarios: sends the pre-signed events of
-- BENCH_REQUESTS_FILE (lines "header<TAB>value<TAB>body", from bench/webhook_load.py) in
-- turn to BENCH_PATH, and prints a JSON summary line (prefixed "JSON ") when done.

local file = os.getenv("BENCH_REQUESTS_FILE")
local path = os.getenv("BENCH_PATH") or "/"
local requests = {}
local counter = 0

function init(args)
  for line in io.lines(file) do
    local a = line:find("\t", 1, true)
    local b = line:find("\t", a + 1, true)
    local headers = {}
    headers["Content-Type"] = "application/json"
    headers[line:sub(1, a - 1)] = line:sub(a + 1, b - 1)
    requests[#requests + 1] = wrk.format("POST", path, headers, line:sub(b + 1))
  end
end

function request()
  counter = counter + 1
  if counter > #requests then
    counter = 1 -- wrapped around: the service will see duplicates (reported by the bench)
  end
  return requests[counter]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %d, "duration_us": %d, "bytes": %d, "errors_connect": %d, ' ..
    '"errors_read": %d, "errors_write": %d, "errors_status": %d, "errors_timeout": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
