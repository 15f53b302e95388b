-- mix.lua - 90 % reads, 10 % creates: GET /raw/<random id of BENCH_IDS>, or a POST / like
-- post.lua. Answers that are not 2xx are counted.
dofile((os.getenv("BENCH_LUA") or "tests/bench") .. "/post.lua")

local reqs = {}
local post_init = init

function init(args)
   post_init(args)
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
   if math.random(10) == 1 then return create_request() end
   return reqs[math.random(#reqs)]
end
