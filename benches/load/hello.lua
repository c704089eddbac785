-- The bare handler, with the same connections and duration.
package.path = os.getenv("LOAD_DIR") .. "/?.lua;" .. package.path
require("common")

function done(summary, latency, requests)
  report("hello", summary, latency)
end
