-- Everything but sign-ins: task lists, application pages, scoring saves, evidence
-- uploads and certificate verification, by the weights below.
package.path = os.getenv("LOAD_DIR") .. "/?.lua;" .. package.path
require("common")

local boundary = "certcaseloadboundary"
local pdf = "%PDF-1.4\n" .. string.rep("certcase load test evidence\n", 700)
local upload_body = table.concat({
  "--" .. boundary,
  'Content-Disposition: form-data; name="description"',
  "",
  "load test upload",
  "--" .. boundary,
  'Content-Disposition: form-data; name="file"; filename="load.pdf"',
  "Content-Type: application/pdf",
  "",
  pdf,
  "--" .. boundary .. "--",
  "",
}, "\r\n")
local score_body = '{"level": 3, "comment": "load test: evidence reviewed", "submit": false}'

function request()
  local r = math.random(100)
  if r <= 35 then
    -- The home page: the signed-in person's task list.
    return wrk.format("GET", "/", {Cookie = pick(data.sessions)})
  elseif r <= 70 then
    local a = pick(data.app_pages)
    return wrk.format("GET", "/applications/" .. a.id, {Cookie = a.cookie})
  elseif r <= 85 then
    local s = pick(data.scores)
    return wrk.format("PUT", "/api/v1/applications/" .. s.id .. "/scores/" .. s.item,
      {Authorization = "Bearer " .. s.token, ["Content-Type"] = "application/json"}, score_body)
  elseif r <= 97 then
    local d = pick(data.drafts)
    return wrk.format("POST", "/api/v1/applications/" .. d.id .. "/items/" .. d.item .. "/evidence",
      {Authorization = "Bearer " .. d.token,
       ["Content-Type"] = "multipart/form-data; boundary=" .. boundary}, upload_body)
  else
    return wrk.format("GET", "/api/v1/verify/" .. pick(data.verify))
  end
end

function done(summary, latency, requests)
  report("pages", summary, latency)
end
