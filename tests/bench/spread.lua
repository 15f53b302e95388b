-- spread.lua - GET /raw/<id>, each request for a random one of many pastes.
-- BENCH_IDS: a file with one paste id per line (the same ids exist as static files in
-- nginx's root, so both servers get the very same requests).
dofile((os.getenv("BENCH_LUA") or "tests/bench") .. "/report.lua")

local reqs = {}

function init(args)
   math.randomseed(os.time() * 1000 + (tid or 0))
   local path = os.getenv("BENCH_IDS")
   assert(path, "BENCH_IDS not set")
   local f = assert(io.open(path))
   for id in f:lines() do
      if #id > 0 then reqs[#reqs + 1] = wrk.format("GET", "/raw/" .. id) end
   end
   f:close()
   assert(#reqs > 0, "no ids in BENCH_IDS")
end

function request()
   return reqs[math.random(#reqs)]
end
