-- Posts one-item invoices to /invoices for a few customers in turn (known after their first).
-- Arguments: the JSON body without "email" (an object), the number of customers.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  body = args[1]
  customers = tonumber(args[2])
  index = id
  sent, answered, ok = 0, 0, 0
end

function request()
  index = index + 1
  sent = sent + 1
  local email = string.format('{"email": "bench%d@example.com", ', index % customers)
  return wrk.format("POST", "/invoices", { ["Content-Type"] = "application/json" },
    email .. body:sub(2))
end

function response(status, headers, body)
  answered = answered + 1
  if status == 201 then
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
