-- wrk script for scripts/bench-tiles: fetch every path of PATHS_TXT once,
-- the list dealt round-robin to wrk's threads, then stop. Prints the tiles
-- fetched, the seconds from the first thread's start to the last thread's
-- last answer (wrk itself always runs for its whole -d) and the answers
-- that were not 200/204.
local threads = {}
local counter = 0

local function now()
  local f = io.popen("date +%s.%N")
  local t = tonumber(f:read("*l"))
  f:close()
  return t
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(args[1]) or 1
  paths = {}
  local n = 0
  for line in io.lines("PATHS_TXT") do
    if n % nthreads == id then paths[#paths + 1] = line end
    n = n + 1
  end
  sent, received, bad = 0, 0, 0
  started, finished = now(), 0
end

function request()
  sent = sent + 1
  local p = paths[sent] or "/health"
  return wrk.format("GET", p, { ["Accept-Encoding"] = "gzip" })
end

function response(status, headers, body)
  received = received + 1
  if status ~= 200 and status ~= 204 then bad = bad + 1 end
  if received == #paths then
    finished = now()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total, wrong, first, last = 0, 0, math.huge, 0
  for _, t in ipairs(threads) do
    total = total + #(t:get("paths"))
    wrong = wrong + t:get("bad")
    first = math.min(first, t:get("started"))
    last = math.max(last, t:get("finished"))
  end
  io.write(string.format("%d %.3f %d\n", total, last - first, wrong))
end
