-- report.lua - the common end of every wrk script in tests/bench (`make bench`).
-- Alone, it is the script of the static scenarios (one fixed GET, no Lua per request,
-- so wrk runs at full speed). done() prints one machine-readable line:
--   BENCH requests=N duration_us=D p50_us=.. p90_us=.. p99_us=.. p999_us=.. max_us=.. connect=.. read=..
--         write=.. status=.. timeout=.. non2xx=..
-- status is wrk's own count of answers with a status >= 400; non2xx is counted exactly
-- (any status outside 200-299) by the scripts that define response(), else -1.
-- Latencies are wrk's (microseconds, from each request's send to its answer).

local threads = {}

function setup(thread)
   thread:set("tid", #threads + 1)
   table.insert(threads, thread)
end

function done(summary, latency, requests)
   local non2xx = -1
   for _, t in ipairs(threads) do
      local n = t:get("non2xx")
      if n ~= nil then non2xx = math.max(non2xx, 0) + n end
   end
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d non2xx=%d\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9), latency.max,
      e.connect, e.read, e.write, e.status, e.timeout, non2xx))
end
