-- wrk's requests for scripts/bench-api.py: a lost-property report posted to Kent, each request
-- with its own Idempotency-Key (a repeated key is a replay, answered without a write, and would
-- flatter the rate). BENCH_BODY is the JSON body; BENCH_PREFIX, different for each wrk process,
-- starts every key.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  prefix = os.getenv("BENCH_PREFIX") .. "-" .. id .. "-"
  count = 0
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BENCH_BODY")

function request()
  count = count + 1
  wrk.headers["Idempotency-Key"] = prefix .. count
  return wrk.format(nil, "/v1/forces/kent/forms/lost-property/submissions")
end
