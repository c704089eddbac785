-- Shared by the wrk scripts: the prepared data, per-thread status counts, and a result
-- line the run script reads ("RESULT name p50_ms p99_ms req_per_s 2xx 4xx 5xx errors").
data = dofile(os.getenv("LOAD_DATA") or "/dev/null")
counts = {}
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
end

function pick(list)
  return list[math.random(#list)]
end

function response(status, headers, body)
  local class = math.floor(status / 100) .. "xx"
  counts[class] = (counts[class] or 0) + 1
  counts[status] = (counts[status] or 0) + 1
end

function report(name, summary, latency)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("counts")) do
      total[k] = (total[k] or 0) + v
    end
  end
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout
  local seconds = summary.duration / 1e6
  local others = {}
  for k, v in pairs(total) do
    if type(k) == "number" and k >= 400 then
      table.insert(others, k .. "x" .. v)
    end
  end
  table.sort(others)
  io.write(string.format("RESULT %s %.1f %.1f %.0f %d %d %d %d %s\n", name,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests / seconds,
    total["2xx"] or 0, total["4xx"] or 0, total["5xx"] or 0, errors,
    table.concat(others, ",")))
end
