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

-- A stated request rate (the run script's --rate): each connection waits a random time
-- with this mean before each request, as a person does between pages, instead of sending
-- the next one the moment the last one was answered (without it, wrk measures the server
-- at saturation). Uniform up to twice the mean, so that connections do not fall into
-- step and no wait outlasts the server's keep-alive (a longer one would measure
-- reconnections) or wrk's timeout (which counts a waiting connection as timed out).
local interval_ms = tonumber(os.getenv("LOAD_INTERVAL_MS") or "")
if interval_ms then
  function delay()
    return math.random(0, 2 * interval_ms)
  end
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
