-- API sign-ins of the seeded enterprises' members (each one argon2 hash check).
package.path = os.getenv("LOAD_DIR") .. "/?.lua;" .. package.path
require("common")
local password = os.getenv("LOAD_PASSWORD")

function request()
  local body = string.format('{"email":"%s","password":"%s"}', pick(data.emails), password)
  return wrk.format("POST", "/api/v1/auth/login", {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  report("signins", summary, latency)
end
