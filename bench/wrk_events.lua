-- Sends pre-signed Stripe events, each once: thread k of n takes lines k, k+n, k+2n, ...
-- The events file has one "signature<TAB>body" per line.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  events = {}
  for line in io.lines(args[1]) do
    local tab = line:find("\t", 1, true)
    events[#events + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
  end
  step = tonumber(args[2])
  index = id + 1
end

function request()
  local event = events[index]
  if event == nil then
    -- Out of events: wrk is stopped, and this request is never counted as an event.
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  index = index + step
  return wrk.format("POST", "/webhook", {
    ["Content-Type"] = "application/json",
    ["Stripe-Signature"] = event[1],
  }, event[2])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
