-- Login flood: POST /api/v1/sessions with the seeded accounts in turn (argon2 per request).
-- USERS (environment) is the number of seeded accounts; their password is the seed password.
local users = tonumber(os.getenv("USERS") or "100")
local password = os.getenv("SEED_PASSWORD") or "butterfly-seed-password-2026"
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local id = (counter % users) + 1
  local body = string.format('{"email":"member%d@seed.butterfly.test","password":"%s"}', id, password)
  return wrk.format("POST", "/api/v1/sessions", nil, body)
end
done = function(summary, latency, requests)
  io.write(string.format("LOGIN %.1f req/s p50 %.1f ms p99 %.1f ms status>399 %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status))
end
