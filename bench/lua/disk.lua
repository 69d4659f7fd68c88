-- wrk script (one thread, -t1) for bench/disk-hit-cost.sh: GETs over a fixed set of N objects under one prefix,
-- /d/<PREFIX>/obj-<k>.bin, visited in a fixed order that steps through all N (k = (i * STEP) mod N + 1; STEP prime
-- to N), so every object is asked for equally often and a memory tier far smaller than the set holds few of them.
-- After TOTAL answers it prints one DISK line (answers, non-200s, seconds) and stops; bench/disk-hit-cost.sh ends
-- wrk then (its -d cap bounds the round if the target stalls).
-- Usage: wrk -t1 ... -s disk.lua URL PREFIX N STEP TOTAL
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } disk_timespec;
int clock_gettime(int clk, disk_timespec *ts);
]]
local ts = ffi.new("disk_timespec")
local function now()
   ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
   return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local prefix, n, step, total
local i = 0
local started = nil
seen, errors, reported = 0, 0, false

function init(args)
   prefix = args[1] or "p"
   n = tonumber(args[2] or "5000")
   step = tonumber(args[3] or "1")
   total = tonumber(args[4] or "5000")
end

function request()
   if not started then started = now() end
   local k = (i * step) % n + 1
   i = i + 1
   return wrk.format("GET", "/d/" .. prefix .. "/obj-" .. k .. ".bin")
end

function response(status, headers, body)
   if reported then return end
   seen = seen + 1
   if status ~= 200 then errors = errors + 1 end
   if seen >= total then
      reported = true
      io.write(string.format('DISK %d %d %.4f\n', seen, errors, now() - started))
      io.flush()
      wrk.thread:stop()
   end
end
