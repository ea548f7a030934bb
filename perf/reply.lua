-- Replies: each request POSTs a new reply to the URL's thread, as the member whose bearer token
-- is given with -H; the RESULT line of report.lua at the end (201 counts as a success).
dofile("perf/report.lua")
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local body = string.format(
    '{"body":"Thank you for sharing this, it helps to read how others cope. (reply %d)"}', counter)
  return wrk.format(nil, nil, nil, body)
end
