-- One page of issue #19's table (benches/load/pages19): the request is wrk's own (URL and
-- -H headers); this adds the RESULT line the script reads.
package.path = os.getenv("LOAD_DIR") .. "/?.lua;" .. package.path
require("common")

function done(summary, latency, requests)
  report(os.getenv("PAGE_NAME") or "page", summary, latency)
end
