-- wrk script: cycle through the tile paths in TILES_TXT (replaced by scripts/bench-http).
local paths = {}
for line in io.lines("TILES_TXT") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Accept-Encoding"] = "gzip" })
end
