-- wrk script: every request a distinct URL, so every request is a miss (bench/miss-cost.sh):
-- /m/<RUN>-<n>/obj-<k>.bin, k cycling over the 5000 files the origin serves
local n = 0
local run = os.getenv("RUN") or "r"
function request()
  n = n + 1
  return wrk.format("GET", "/m/" .. run .. "-" .. n .. "/obj-" .. ((n % 5000) + 1) .. ".bin")
end
