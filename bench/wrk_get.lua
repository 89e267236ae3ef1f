-- GETs the one URL given on wrk's command line; at the end prints one RESULT line of JSON:
-- requests, answers that were not 2xx or 3xx, socket errors, and p50 and p99 latency (µs).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "bad_status": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
