-- wrk script: each connection is one user cycling through the cached dashboard page and the
-- report API, pausing between requests like a person (BENCH_THINK_MS, uniform 0.5x to 1.5x).
local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS") or "/dashboard/", "[^,]+") do
  paths[#paths + 1] = path
end
local cookie = os.getenv("BENCH_COOKIE") or ""
local think = tonumber(os.getenv("BENCH_THINK_MS") or "0")
local counter = 0

function setup(thread)
  thread:set("id", math.random(1, 1000000))
end

function init(args)
  math.randomseed(os.time() + (id or 0))
  counter = math.random(0, #paths - 1)
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], { ["Cookie"] = cookie })
end

function delay()
  if think <= 0 then return 0 end
  return math.random(math.floor(think / 2), math.floor(think * 3 / 2))
end
