-- post.lua - create pastes: POST / with a raw text/plain body of BENCH_BODY's bytes.
-- Each request's body starts with a different 16-character tag (thread, sequence), so
-- every paste is distinct but has the same size. Answers that are not 2xx are counted.
dofile((os.getenv("BENCH_LUA") or "tests/bench") .. "/report.lua")

non2xx = 0
local body, seq = nil, 0

function init(args)
   local path = os.getenv("BENCH_BODY")
   assert(path, "BENCH_BODY not set")
   local f = assert(io.open(path, "rb"))
   body = f:read("*a")
   f:close()
   assert(#body > 16, "BENCH_BODY too short")
end

local post_headers = { ["Content-Type"] = "text/plain" }

function create_request()
   seq = seq + 1
   local tag = string.format("%02d%014d", (tid or 0) % 100, seq)
   return wrk.format("POST", "/", post_headers, tag .. body:sub(17))
end

function request()
   return create_request()
end

function response(status, headers, b)
   if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
