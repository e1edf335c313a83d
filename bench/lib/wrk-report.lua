-- wrk's summary as one JSON line, for bench/lib/load.js: the same numbers wrk prints (latency
-- with its coordinated-omission correction, as `wrk --latency` shows it), without parsing units.
-- Only `done` is defined: a `response` function would run Lua on every response and slow wrk.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nwrk-report {"durationUs":%d,"requests":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d}\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
