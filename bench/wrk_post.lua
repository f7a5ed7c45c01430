-- wrk script for the benchmark: POSTs a fixed body, optionally with a fresh
-- Idempotency-Key per request, and prints a JSON summary line (prefixed "JSON ") when done.
--
-- Environment: BENCH_PATH, BENCH_BODY_FILE, BENCH_CONTENT_TYPE, BENCH_AUTH (a full
-- Authorization header value, optional), BENCH_IDEMPOTENCY ("1": a unique key per request).

local path = os.getenv("BENCH_PATH") or "/"
local body_file = os.getenv("BENCH_BODY_FILE")
local body = nil
if body_file then
  local f = assert(io.open(body_file, "rb"))
  body = f:read("*a")
  f:close()
end
local headers = {}
headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then
  headers["Authorization"] = auth
end
local idempotency = os.getenv("BENCH_IDEMPOTENCY") == "1"
local method = body and "POST" or "GET"

local counter = 0
local prefix = ""

function setup(thread)
  thread:set("prefix", string.format("%x-%x-", os.time(), math.random(0, 0xffffff)))
end

function init(args)
  prefix = prefix .. tostring(math.random(0, 0xffffff)) .. "-"
end

function request()
  if idempotency then
    counter = counter + 1
    headers["Idempotency-Key"] = prefix .. counter
  end
  return wrk.format(method, path, headers, body)
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
