-- POSTs a GraphQL body read from the file in WRK_BODY (one line of JSON) to every request.
-- In the body, {{ID}} becomes the next id of the file in WRK_IDS (one a line; every thread walks
-- the whole list from its own offset, so every server gets the same ids) and {{N}} a number
-- unique to the request (WRK_RUN, then the thread and its counter), for writes.
-- WRK_AUTH, when set, is the Authorization header. At the end prints one line:
--   RESULT requests=N seconds=S rps=R p50_ms=X p95_ms=Y non2xx=A socket_errors=B graphql_errors=C
-- graphql_errors counts answers with an "errors" member (GraphQL answers 200 with them).

local function read_all(path)
  local f = assert(io.open(path, "r"), "cannot open " .. path)
  local text = f:read("*a")
  f:close()
  return text
end

local template = read_all(assert(os.getenv("WRK_BODY"), "WRK_BODY is not set")):gsub("%s+$", "")
local ids = {}
local ids_path = os.getenv("WRK_IDS")
if ids_path and ids_path ~= "" then
  for line in io.lines(ids_path) do
    if line ~= "" then ids[#ids + 1] = line end
  end
end
local run = os.getenv("WRK_RUN") or "0"

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("WRK_AUTH")
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end

local threads = {}
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  threads[#threads + 1] = thread
end

local counter = 0
-- Global, not local: done() reads it from each thread's state.
graphql_errors = 0
local dynamic = template:find("{{", 1, true) ~= nil

function init(args)
  counter = (tid or 1) * 7919
end

function request()
  if not dynamic then
    return wrk.format(nil, nil, nil, template)
  end
  counter = counter + 1
  local body = template
  if #ids > 0 then
    body = body:gsub("{{ID}}", ids[(counter % #ids) + 1])
  end
  body = body:gsub("{{N}}", run .. "-" .. tostring(tid or 1) .. "-" .. tostring(counter))
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if body and body:find('"errors":[', 1, true) and not body:find('"errors":[]', 1, true) then
    graphql_errors = graphql_errors + 1
  end
end

function done(summary, latency, requests)
  local errors = 0
  for _, thread in ipairs(threads) do
    errors = errors + (thread:get("graphql_errors") or 0)
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.2f p50_ms=%.3f p95_ms=%.3f non2xx=%d socket_errors=%d graphql_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    errors))
end
