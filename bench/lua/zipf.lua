-- wrk script (one thread, -t1): GETs over a catalogue of N objects chosen by a Zipf law (exponent s), from a
-- fixed seed so every target gets the same request sequence. After TOTAL answers it prints one ZIPF line (answers,
-- hits by the target's hit header, non-200s, seconds from the first request to the TOTAL-th answer) and stops;
-- bench/run.sh then ends wrk. A fixed count, not a fixed time, so the hit ratio from a cold cache is taken over
-- the same requests on fast and slow targets alike. If wrk's -d cap comes first, done() prints the line instead
-- with "complete": false.
-- Usage: wrk -t1 ... -s zipf.lua URL PREFIX N S TOTAL HEADER VALUES [STEADY]
--   PREFIX  path before the object name (/z/nginx/a1/);  HEADER  hit header (X-Cache);
--   VALUES  its values on a hit, comma-separated (HIT,COLLAPSED);
--   STEADY  hits are also counted apart over the answers after this many (default TOTAL / 2): the steady
--           hit ratio, once the cold start is behind (the disk-tier phase's measure)

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local function now()
   ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
   return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local prefix, n, s, total, header
local hit_values = {}
local cdf = {}
-- globals: done() reads them through thread:get
seen, hits, errors, steady_hits, steady_from = 0, 0, 0, 0, 0
reported = false
local started = nil
local worker = nil

function setup(thread)
   worker = thread
end

function init(args)
   prefix = args[1] or "/z/"
   n = tonumber(args[2] or "10000")
   s = tonumber(args[3] or "1.0")
   total = tonumber(args[4] or "30000")
   header = args[5] or "X-Cache"
   for v in string.gmatch(args[6] or "HIT", "[^,]+") do hit_values[v] = true end
   steady_from = tonumber(args[7] or tostring(math.floor(total / 2)))
   local sum = 0
   for k = 1, n do
      sum = sum + 1 / (k ^ s)
      cdf[k] = sum
   end
   for k = 1, n do
      cdf[k] = cdf[k] / sum
   end
   math.randomseed(7919)
end

local function pick()
   local u = math.random()
   local lo, hi = 1, n
   while lo < hi do
      local mid = math.floor((lo + hi) / 2)
      if cdf[mid] < u then lo = mid + 1 else hi = mid end
   end
   return lo
end

function request()
   if not started then started = now() end
   return wrk.format("GET", prefix .. "obj-" .. pick() .. ".bin")
end

local function report(complete)
   if reported then return end
   reported = true
   io.write(string.format(
      'ZIPF {"responses": %d, "hits": %d, "non200": %d, "seconds": %.4f, "complete": %s, "steady_from": %d, '
         .. '"steady_hits": %d}\n',
      seen, hits, errors, now() - (started or now()), complete and "true" or "false", steady_from, steady_hits))
   io.flush()
end

function response(status, headers, body)
   if reported then return end
   seen = seen + 1
   if status ~= 200 then errors = errors + 1 end
   local v = headers[header]
   if v ~= nil and hit_values[v] then
      hits = hits + 1
      if seen > steady_from then steady_hits = steady_hits + 1 end
   end
   if seen >= total then
      report(true)
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   -- wrk's main Lua state: the worker printed its line unless the -d cap came first
   if worker == nil or worker:get("reported") then return end
   io.write(string.format(
      'ZIPF {"responses": %d, "hits": %d, "non200": %d, "seconds": %.4f, "complete": false, "steady_from": %d, '
         .. '"steady_hits": %d}\n',
      worker:get("seen"), worker:get("hits"), worker:get("errors"), summary.duration / 1e6,
      worker:get("steady_from"), worker:get("steady_hits")))
end
