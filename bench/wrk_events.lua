-- Sends pre-signed Stripe events, each once: thread k of n takes lines k, k+n, k+2n, ...
-- Arguments: the events file (one "signature<TAB>body" per line), the thread count, the path. Each thread counts what it sent and
-- the 2xx answers it read, so requests still in flight when wrk stops are known.
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
  path = args[3] or "/webhook"
  index = id + 1
  sent, answered, ok = 0, 0, 0
end

function request()
  local event = events[index]
  if event == nil then
    -- Out of events: stop this thread; this last request is a harmless GET, never an event.
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  index = index + step
  sent = sent + 1
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Stripe-Signature"] = event[1],
  }, event[2])
end

function response(status, headers, body)
  answered = answered + 1
  if status >= 200 and status < 300 then
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local total_sent, total_answered, total_ok = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    total_answered = total_answered + thread:get("answered")
    total_ok = total_ok + thread:get("ok")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "sent": %d, "answered": %d, "ok": %d, ' ..
    '"socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, total_sent, total_answered, total_ok,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
