-- wrk script: each connection cycles through the cached dashboard page and the report API.
local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS") or "/dashboard/", "[^,]+") do
  paths[#paths + 1] = path
end
local cookie = os.getenv("BENCH_COOKIE") or ""
local counter = 0

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], { ["Cookie"] = cookie })
end
