#!/usr/bin/env python3
"""Turns bench/run.sh's cells.jsonl into RESULTS.md and chart.png (gnuplot).

Usage: report.py OUT_DIR [--smoke]     (e.g. python3 bench/tools/report.py bench/results, after bench/jmh.sh)
Full runs write bench/RESULTS.md; smoke runs write OUT_DIR/RESULTS.md. bench/analysis.md (hand-written notes on
what limits the missed targets) and OUT_DIR/jmh.txt (bench/jmh.sh) are included when present.
"""
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchtool  # noqa: E402  (the same catalogue and LRU simulation run.sh uses)

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = {"outpost": "Outpost", "nginx": "nginx", "varnish": "Varnish", "ats": "ATS", "direct": "direct (no cache)",
         "baseline": "Outpost baseline (OUTPOST_BASELINE_JAR)", "nginx-cork": "nginx, tcp_nopush on",
         "outpost-disk": "Outpost + disk tier", "nginx-disk": "nginx, cache on disk",
         "outpost-shm": "Outpost + disk tier on tmpfs", "baseline-shm": "Outpost baseline + disk tier on tmpfs"}
ZIPFDISK_NAMES = {"outpost": "Outpost, memory 10 % only", "outpost-disk": "Outpost, memory 10 % + disk 100 %",
                  "outpost-shm": "Outpost, memory 10 % + disk 100 % on tmpfs",
                  "baseline-shm": "Outpost baseline (OUTPOST_BASELINE_JAR), the same on tmpfs",
                  "nginx": "nginx `proxy_cache` on tmpfs", "nginx-disk": "nginx `proxy_cache` on a real disk"}
MIB = 1024 * 1024


def med(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None, None
    return statistics.median(values), min(values), max(values)


def fmt(triple, digits=0, scale=1.0):
    m, lo, hi = triple
    if m is None:
        return "—"
    f = "%%.%df" % digits
    if lo == hi:
        return f % (m * scale)
    return (f + " (" + f + "–" + f + ")") % (m * scale, lo * scale, hi * scale)


def cpu_cell(cs):
    """CPU ms per 1000 answers, and the JVM's compile time during the cells where it was recorded."""
    cpu = fmt(med([c.get("cpu_ms_per_1k") for c in cs]), 1)
    jit = [c["jit_ms"] for c in cs if "jit_ms" in c]
    jit_cpu = [c["jit_cpu_ms"] for c in cs if "jit_cpu_ms" in c]
    gcs = [c["full_gcs"] for c in cs if "full_gcs" in c]
    gc = ", full GCs %s" % fmt(med(gcs)) if gcs else ""
    if jit_cpu:  # the compiler threads' own CPU; the elapsed compile time beside it includes waiting for the core
        # CPU per 1000 answers without the compiler's: the steadier figure for an A/B of two builds, since how much
        # a JVM still compiles inside a 5 s cell varies from one process to the next (bench/analysis.md)
        rest = [c["cpu_ms_per_1k"] - c["jit_cpu_ms"] * 1000.0 / c["responses"] for c in cs
                if "jit_cpu_ms" in c and c.get("cpu_ms_per_1k") is not None and c.get("responses")]
        return cpu + " (JIT CPU %s ms, elapsed %s ms%s; without the JIT's CPU %s)" % (
            fmt(med(jit_cpu)), fmt(med(jit)), gc, fmt(med(rest), 1))
    return cpu + (" (JIT %s ms)" % fmt(med(jit)) if jit else "")


def jmh_alloc(path, benchmark):
    """gc.alloc.rate.norm (B/op) of one benchmark in bench/jmh.sh's jmh.txt, or None; JMH prints ≈ 10⁻ⁿ for ~0."""
    if not os.path.exists(path):
        return None
    for line in open(path):
        fields = line.split()
        if fields and fields[0] == benchmark + ":gc.alloc.rate.norm":
            return 0.0 if fields[3] == "≈" else float(fields[3])
    return None


def main():
    out = sys.argv[1]
    ef = os.path.join(out, "elapsed")
    elapsed = int(open(ef).read().strip()) if os.path.exists(ef) else None  # absent: the run was interrupted
    smoke = "--smoke" in sys.argv
    cells = [json.loads(l) for l in open(os.path.join(out, "cells.jsonl")) if l.strip()]
    meta = json.load(open(os.path.join(out, "meta.json")))
    targets = [t for t in meta["targets"].split() if any(c["target"] == t for c in cells)]

    def pick(**kw):
        return [c for c in cells if all(c.get(k) == v for k, v in kw.items())]

    def paired(base, t, key="rps", **kw):
        """t's KEY over base's in the same repeat (both measured minutes apart in one run), per repeat."""
        out = []
        for c in pick(target=t, **kw):
            b = [x for x in pick(target=base, **kw) if x["rep"] == c["rep"]]
            if b and b[0].get(key) and c.get(key) is not None:
                out.append(c[key] / b[0][key])
        return med(out)

    L = []
    w = L.append
    full_phases = "hit zipfa herd purge memory zipfb zipfdisk cpurge alloc restart"
    # run.sh's default targets (the peers and the direct-from-origin sanity row) make a full run, with or without
    # the sanity row
    rerun = meta.get("phases", full_phases) != full_phases or \
        set(meta["targets"].split()) - {"direct"} != {"outpost", "nginx", "varnish", "ats"}
    status = "SMOKE RUN (a few seconds per cell, 1 repeat): numbers are not results" if smoke else (
        "PARTIAL: the run was interrupted; only the cells below were measured" if elapsed is None else
        ("re-measured phases `%s` for targets `%s` only (the last full run is kept below as previous)" % (
            meta.get("phases"), meta["targets"]) if rerun else "complete") if meta["repeats"] >= 3 else
        "PARTIAL (%d repeat(s))" % meta["repeats"])
    w("# Outpost edge vs nginx, Varnish and Apache Traffic Server — benchmark results")
    w("")
    w("Generated by `bench/run.sh` (issue 6) on %s; status: **%s**; measured in %s." % (
        meta["date"], status, "%d s" % elapsed if elapsed is not None else "—"))
    w("")
    w("## Machine and versions")
    w("")
    w("| | |")
    w("|---|---|")
    for k, label in (("cpu", "CPU"), ("cores", "cores"), ("mem", "memory"), ("kernel", "kernel"), ("os", "OS"),
                     ("java", "Java (Outpost)"), ("outpost", "Outpost commit"), ("nginx", "nginx"),
                     ("varnish", "Varnish"), ("ats", "Traffic Server"), ("wrk", "wrk")):
        w("| %s | %s |" % (label, str(meta.get(k, "")).strip()))
    w("")
    w("## How it was measured")
    w("")
    w("```sh")
    w("sudo bench/run.sh            # as root: installs what is missing (apt), runs everything, writes this file")
    w("bench/jmh.sh                 # JMH microbenchmarks (Maven profile -Pbench), writes bench/results/jmh.txt")
    w("```")
    w("")
    w("- **Pinning**: every target on core %s (`taskset -c %s`), the origin, wrk and the Python clients on core %s."
      % (meta["server_cpu"], meta["server_cpu"], meta["client_cpu"]))
    w("- **Origin**: a separate nginx (one worker) serving generated files from tmpfs with `Cache-Control: public, "
      "max-age=86400`, ETag and Last-Modified. Chosen over Outpost's own origin so that it costs the shared client "
      "core as little as possible, and because its access log counts every origin fetch per URL exactly, for every "
      "target alike. `/slow/…` answers after 1 s (nginx echo module) for the herd.")
    w("- **Targets**, each a caching reverse proxy on that one core, with a memory-backed cache of the same configured "
      "size (configs in `bench/conf/`): Outpost edge (`%s`, direct-buffer store, access log off); nginx (1 worker, "
      "`proxy_cache` on tmpfs with `max_size`, `proxy_cache_lock on`, upstream keep-alive, access log off); Varnish "
      "(defaults, `-s malloc,SIZE`; its waiting list collapses requests); ATS (1 net thread, storage span on tmpfs "
      "plus a RAM cache of the same size, read-while-writer with open-read retries, logging off)."
      % meta["outpost_java_opts"])
    w("- **Hit header** checked per target (`X-Cache`: Outpost's own; nginx `$upstream_cache_status`; Varnish "
      "`obj.hits > 0` in VCL; ATS `%{CACHE}` via header_rewrite). A hit-path cell runs only if the URL is a hit "
      "before, must still be one after, and the origin must see **zero** fetches of it during the cell; otherwise "
      "the run stops. Outpost's `COLLAPSED` counts as a hit, as do the other targets' collapsed waiters.")
    w("- **Interleaving**: every cell of every target in one run; the target order rotates each repeat; "
      "%d repeat(s); medians with (min–max)." % meta["repeats"])
    w("- **Durations** (shortened so the whole run fits in ~15 min): hit path %d s per cell after %d s warm-up "
      "(plus %d s per target and size before the first repeat), wrk `-t1 -c%d`; Zipf %d requests per cell "
      "(capped at %d s)."
      % (meta["hit_seconds"], meta["warm_seconds"], meta["first_warm_seconds"], meta["connections"],
         meta["zipf_requests"], meta["zipf_cap"]))
    w("- **Zipf**: s=%.1f over %d objects of 1–4 KiB (catalogue %.1f MiB), wrk Lua script `bench/lua/zipf.lua`, "
      "%d connections, the same seeded sequence for every target, **%d requests from a cold cache** per cell (a "
      "fixed count, so fast and slow targets are judged on the same requests; req/s = that count ÷ the time from "
      "the first request to the last answer). Hit ratio = answers with the hit header ÷ answers; *origin offload* "
      "= 1 − origin fetches (origin log) ÷ answers. (a) cache %d MiB (holds everything); (b) cache = 10%% of the "
      "catalogue's bytes = %.2f MiB, a fresh instance per target and repeat, warmed on one 1 KiB URL first."
      % (meta["zipf_s"], meta["objects"], meta["catalogue_bytes"] / MIB, meta["connections"],
         meta["zipf_requests"], meta["cache_big"] // MIB, meta["cache_small"] / MIB))
    w("- **Herd**: %d clients (Python threads, released by a barrier) GET one cold URL whose origin answers after "
      "1 s; origin fetches counted from the origin's log." % meta["herd_clients"])
    w("- **Purge**: %d rounds per repeat on one instance: GET (miss), GET (hit), purge through the target's API "
      "(Outpost `POST /_edge/purge` on its admin port; nginx `ngx_cache_purge` location; Varnish and ATS `PURGE`), "
      "then GET, which must be a miss. Reported: API call → acknowledged, and API call → end of that miss response."
      % meta["purge_rounds"])
    w("- **Memory**: peak RSS (VmHWM, summed over each target's processes) after the big-cache phase, whose last "
      "step pushes %d distinct 1 MiB objects (more than the cache holds) through every target; plus the cache "
      "bytes nginx and ATS hold on tmpfs (outside their RSS)." % meta["fill_objects"])
    w("")

    # ---------------------------------------------------------------- hit path
    w("## Results")
    w("")
    w("### 1. Hit path (wrk, %d connections)" % meta["connections"])
    w("")
    w("*÷ nginx (paired)*: the ratio within each repeat (the two cells minutes apart), median (min–max) over "
      "repeats: on a machine shared with other work this is steadier than the ratio of the medians. "
      "*CPU ms / 1000*: the target's processes' CPU time (user + system) over the cell per 1000 answers, which the "
      "machine's other load changes far less than req/s.")
    w("")
    w("| object | target | req/s | p50 ms | p99 ms | req/s ÷ nginx | ÷ nginx (paired) | CPU ms / 1000 |")
    w("|---|---|---|---|---|---|---|---|")
    hit_rps = {}
    hit_p99 = {}
    for size in ("1k", "100k", "1m"):
        n_rps = med([c["rps"] for c in pick(workload="hit", size=size, target="nginx")])[0]
        for t in targets:
            cs = pick(workload="hit", size=size, target=t)
            if not cs:
                continue
            rps = med([c["rps"] for c in cs])
            hit_rps[(size, t)] = rps[0]
            hit_p99[(size, t)] = med([c["p99_ms"] for c in cs])[0]
            ratio = "%.2f" % (rps[0] / n_rps) if n_rps else "—"
            w("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                {"1k": "1 KiB", "100k": "100 KiB", "1m": "1 MiB"}[size], NAMES[t], fmt(rps),
                fmt(med([c["p50_ms"] for c in cs]), 2), fmt(med([c["p99_ms"] for c in cs]), 2), ratio,
                fmt(paired("nginx", t, workload="hit", size=size), 2),
                fmt(med([c.get("cpu_ms_per_1k") for c in cs]), 1)))
    w("")
    if "direct" in targets:
        w("#### Sanity: each cache's hits against `direct` (nginx serving the file from tmpfs, no proxy)")
        w("")
        w("A peer more than 20 % below `direct` is misconfigured (bench/peers.md). Paired per repeat, "
          "median (min–max).")
        w("")
        w("| object | target | req/s ÷ direct | ≥ 0.8 |")
        w("|---|---|---|---|")
        for size in ("1k", "100k", "1m"):
            for t in targets:
                if t == "direct":
                    continue
                r = paired("direct", t, workload="hit", size=size)
                if r[0] is None:
                    continue
                w("| %s | %s | %s | %s |" % ({"1k": "1 KiB", "100k": "100 KiB", "1m": "1 MiB"}[size], NAMES[t],
                                            fmt(r, 2), "yes" if r[0] >= 0.8 else "**no**"))
        w("")

    if "nginx-cork" in targets and "nginx" in targets:
        w("#### nginx `tcp_nopush` A/B (issue 22)")
        w("")
        w("The same nginx configuration with `tcp_nopush %s` (target nginx, `NGINX_TCP_NOPUSH`) and `on` (target "
          "nginx-cork), interleaved in the same run; paired per repeat, median (min–max). *Better*: the one with the "
          "higher req/s when its CPU per hit is not higher (req/s alone swings with the machine's other load, CPU per "
          "hit far less); nginx's peer rows use the better one (bench/peers.md)." % meta.get("nginx_tcp_nopush", "off"))
        w("")
        w("| object | nginx ÷ nginx-cork, req/s | p50 ms nginx / cork | CPU ms / 1000 nginx / cork | better |")
        w("|---|---|---|---|---|")
        for size in ("1k", "100k", "1m"):
            a_, b_ = pick(workload="hit", size=size, target="nginx"), pick(workload="hit", size=size, target="nginx-cork")
            if not a_ or not b_:
                continue
            r = paired("nginx-cork", "nginx", workload="hit", size=size)
            cpu = paired("nginx-cork", "nginx", key="cpu_ms_per_1k", workload="hit", size=size)
            if r[0] > 1.05 and cpu[0] <= 1.05:
                better = "nginx (`tcp_nopush %s`)" % meta.get("nginx_tcp_nopush", "off")
            elif r[0] < 0.95 and cpu[0] >= 0.95:
                better = "nginx-cork (`tcp_nopush on`)"
            else:
                better = "no clear difference"
            w("| %s | %s | %s / %s | %s / %s | %s |" % (
                {"1k": "1 KiB", "100k": "100 KiB", "1m": "1 MiB"}[size], fmt(r, 2),
                fmt(med([c["p50_ms"] for c in a_]), 2), fmt(med([c["p50_ms"] for c in b_]), 2),
                fmt(med([c.get("cpu_ms_per_1k") for c in a_]), 1), fmt(med([c.get("cpu_ms_per_1k") for c in b_]), 1),
                better))
        w("")

    # ---------------------------------------------------------------- zipf
    w("### 2. Zipf, from a cold cache")
    w("")
    w("| case | target | hit ratio | origin offload | req/s | req/s ÷ nginx | ÷ nginx (paired) | CPU ms / 1000 | configured cache |")
    w("|---|---|---|---|---|---|---|---|---|")
    zipf_hr = {}
    zipf_rps = {}
    for case, label in (("a", "(a) holds all"), ("b", "(b) 10 %")):
        n_rps = med([c["rps"] for c in pick(workload="zipf", case=case, target="nginx")])[0]
        for t in targets:
            cs = pick(workload="zipf", case=case, target=t)
            if not cs:
                continue
            hr = med([c["hit_ratio"] for c in cs])
            off = med([1 - c["origin_fetches"] / c["responses"] for c in cs])
            if not all(c["complete"] for c in cs):
                size_note = " (cap reached before %d answers in %d of %d repeats)" % (
                    meta["zipf_requests"], sum(1 for c in cs if not c["complete"]), len(cs))
            else:
                size_note = ""
            rps = med([c["rps"] for c in cs])
            zipf_hr[(case, t)] = hr[0]
            zipf_rps[(case, t)] = rps[0]
            storage = cs[0].get("storage_bytes", cs[0]["cache_bytes"])
            size = "%.2f MiB" % (cs[0]["cache_bytes"] / MIB)
            if storage != cs[0]["cache_bytes"]:
                size += " (span %.0f MiB: ATS's minimum) †" % (storage / MIB)
            size += size_note
            w("| %s | %s | %s %% | %s %% | %s | %s | %s | %s | %s |" % (
                label, NAMES[t], fmt(hr, 1, 100), fmt(off, 1, 100), fmt(rps),
                "%.2f" % (rps[0] / n_rps) if n_rps else "—", fmt(paired("nginx", t, workload="zipf", case=case), 2),
                cpu_cell(cs), size))
    w("")
    if any(c.get("storage_bytes", c["cache_bytes"]) != c["cache_bytes"] for c in pick(workload="zipf", case="b")):
        w("† ATS 9.2 crashes at start with a storage span below 16 MiB (2.4, 4 and 8 MiB tried), so in (b) its "
          "disk (tmpfs) span is 16 MiB, 6.6× the others' cache, with a RAM cache of the configured size: its (b) "
          "hit ratio is not comparable.")
        w("")
    mem_small = {c["target"]: c for c in pick(workload="memory", phase="small")}
    nginx_over_bound = None
    if "nginx" in mem_small:
        nginx_over_bound = mem_small["nginx"]["tmpfs_kib"] * 1024 / meta["cache_small"]
        w("nginx's tmpfs use at the end of its last (b) run: %.1f MiB (%s objects) for a `max_size` of %.2f MiB: its "
          "cache manager trims in the background (it wakes every few seconds), so during a (b) run nginx is an "
          "unbounded cache, not an LRU at the bound."
          % (mem_small["nginx"]["tmpfs_kib"] / 1024, mem_small["nginx"].get("objects", "?"), meta["cache_small"] / MIB))
        w("")
    lru = lru_charged = None
    if ("b", "outpost") in zipf_hr:
        lru = benchtool.simulate_lru(meta["objects"], meta["zipf_s"], meta["zipf_requests"], meta["cache_small"])
        w("**Exact LRU at the same bound** (simulated: `bench/tools/benchtool.py simulate-lru`, %d traces of the same "
          "catalogue, law and count from a cold cache): charging body bytes only, %s %% holding %s objects; an "
          "unbounded cache on the same traces: %s %% (the measured (a) rows check the simulation)." % (
              lru["seeds"], fmt(med(lru["lru"]), 1, 100), fmt(med(lru["lru_objects"])), fmt(med(lru["unbounded"]), 1, 100)))
        held = mem_small.get("outpost", {}).get("objects")
        if held:
            # Per-entry charge beyond the body, as Outpost's weigher counts it (the heap an entry holds): the cache is
            # full at the end of a (b) run, and object sizes are drawn independently of popularity, so the held
            # objects' bodies average the catalogue's.
            overhead = max(0, int(meta["cache_small"] / held - statistics.mean(benchtool.zipf_sizes(meta["objects"]))))
            lru_charged = benchtool.simulate_lru(meta["objects"], meta["zipf_s"], meta["zipf_requests"],
                                                 meta["cache_small"], overhead)
            w("Charged as Outpost's weigher charges (%d B per entry beyond the body, from the %d objects Outpost held "
              "at the end of its last (b) run): %s %% holding %s objects." % (
                  overhead, held, fmt(med(lru_charged["lru"]), 1, 100), fmt(med(lru_charged["lru_objects"]))))
        w("")

    # ---------------------------------------------------------------- zipf with a disk tier
    zd = pick(workload="zipf", case="disk")
    zd_hr, zd_rps = {}, {}
    if zd:
        w("### 2b. Disk tier: Zipf with memory 10 % + disk 100 % of the catalogue, against nginx's own disk cache "
          "(issue 15)")
        w("")
        w("The Zipf law, seed and catalogue of (b), %d requests per cell from a cold cache, a fresh instance per "
          "target and repeat. Outpost is warmed on %d cacheable Zipf requests of a prefix of its own, then on rounds "
          "of %d more until one compiles for less than %d ms (at most %d rounds; `jit_settle`), then purged "
          "entirely (so its JIT has compiled the store and disk paths and both tiers start empty; the JIT time "
          "left in the cell is shown beside its CPU); nginx on the "
          "(b) phase's no-store warm-up. Outpost's memory tier is %.2f MiB (10 %%), its disk tier %.1f MiB "
          "(the catalogue plus 512 B a file for its head and metadata) under `%s` (a real disk), and on tmpfs "
          "for the row \"on tmpfs\" (the nginx row's medium); nginx's `max_size` "
          "holds the whole catalogue by its own count (whole file-system blocks), on tmpfs and on a real disk, with "
          "the page cache as its memory. *Steady hit ratio*: over the second half of the requests. *÷ nginx "
          "(paired)*: req/s over nginx-on-tmpfs's in the same repeat." % (
              meta.get("zipfdisk_requests", 0), meta["zipf_warm"], meta.get("jit_round_requests", 0),
              meta.get("jit_quiet_ms", 0), meta.get("jit_rounds", 0), meta["cache_small"] / MIB,
              (meta["catalogue_bytes"] + meta["objects"] * 512) / MIB, meta.get("zipfdisk_dir", "?")))
        w("")
        w("| target | steady hit ratio | hit ratio | origin offload | req/s | ÷ nginx (paired) | CPU ms / 1000 | held at the end |")
        w("|---|---|---|---|---|---|---|---|")
        for t in ("outpost", "outpost-disk", "outpost-shm", "baseline-shm", "nginx", "nginx-disk"):
            cs = [c for c in zd if c["target"] == t]
            if not cs:
                continue
            shr = med([c.get("steady_hit_ratio") for c in cs])
            zd_hr[t], zd_rps[t] = shr[0], med([c["rps"] for c in cs])[0]
            held = []
            for st in pick(workload="zipfdisk-state", target=t):
                if "edge_disk_entries" in st:
                    # disk hits of the cell: the counter less what the warm-up (purged before the cell) left on it
                    warm = [x for x in pick(workload="zipfdisk-warm", target=t) if x["rep"] == st["rep"]]
                    held.append("%d in memory, %d on disk (%.1f MiB), %d disk hits" % (
                        st.get("edge_store_entries", 0), st["edge_disk_entries"], st["edge_disk_bytes"] / MIB,
                        st.get("edge_disk_hits_total", 0) - (warm[0].get("edge_disk_hits_total", 0) if warm else 0)))
                elif "edge_store_entries" in st:
                    held.append("%d in memory" % st["edge_store_entries"])
                elif "cache_files" in st:
                    held.append("%d files, %.1f MiB" % (st["cache_files"], st["cache_kib"] / 1024))
            w("| %s | %s %% | %s %% | %s %% | %s | %s | %s | %s |" % (
                ZIPFDISK_NAMES[t], fmt(shr, 1, 100), fmt(med([c["hit_ratio"] for c in cs]), 1, 100),
                fmt(med([1 - c["origin_fetches"] / c["responses"] for c in cs]), 1, 100), fmt(med([c["rps"] for c in cs])),
                fmt(paired("nginx", t, workload="zipf", case="disk"), 2),
                cpu_cell(cs), "; ".join(held[:1]) + (
                    " (last repeat: %s)" % held[-1] if len(held) > 1 else "")))
        w("")

    # ---------------------------------------------------------------- herd
    w("### 3. Thundering herd (%d concurrent GETs of one cold URL, origin answers after 1 s)" % meta["herd_clients"])
    w("")
    w("| target | origin fetches (each repeat) | client p50 ms | client max ms | errors |")
    w("|---|---|---|---|---|")
    herd_fetches = {}
    for t in targets:
        cs = pick(workload="herd", target=t)
        if not cs:
            continue
        herd_fetches[t] = [c["origin_fetches"] for c in cs]
        w("| %s | %s | %s | %s | %d |" % (NAMES[t], ", ".join(str(f) for f in herd_fetches[t]),
                                         fmt(med([c["p50_ms"] for c in cs])), fmt(med([c["max_ms"] for c in cs])),
                                         sum(c["errors"] for c in cs)))
    w("")

    # ---------------------------------------------------------------- purge
    w("### 4. Purge on one instance (%d rounds per repeat)" % meta["purge_rounds"])
    w("")
    w("| target | API call → ack, p50 ms | max ms | API call → next request's miss, p50 ms | max ms | failures |")
    w("|---|---|---|---|---|---|")
    for t in targets:
        cs = pick(workload="purge", target=t)
        if not cs:
            continue
        w("| %s | %s | %s | %s | %s | %s |" % (
            NAMES[t], fmt(med([c["ack_p50_ms"] for c in cs]), 2), fmt(med([c["ack_max_ms"] for c in cs]), 2),
            fmt(med([c["miss_p50_ms"] for c in cs]), 2), fmt(med([c["miss_max_ms"] for c in cs]), 2),
            sum(len(c["failures"]) for c in cs) or "none"))
    w("")
    cp = pick(workload="cpurge", target="outpost")
    cp_p99 = None
    if cp:
        w("### 4b. Purge complete on six edges (Outpost's control plane, `SixEdgePurge`)")
        w("")
        w("A control plane (sqlite on disk) and six edges in one JVM on core %s, on loopback; %d purges one after "
          "the other after %d not recorded; each timed from `POST /api/v1/purges` to the answer of "
          "`GET /api/v1/purges/{id}?wait=10s` reporting `complete` on all six (client clock), and by the control "
          "plane's own `timeToLastAckMillis`. Heartbeat interval %d ms, so the number is the live push." % (
              meta["server_cpu"], cp[0]["purges"], meta.get("cpurge_warmup", 0), meta.get("cpurge_heartbeat_ms", 5000)))
        w("")
        w("| repeat | purges | not complete | call → complete p50 ms | p99 ms | max ms | control plane's p50 ms | p99 ms |")
        w("|---|---|---|---|---|---|---|---|")
        for c in cp:
            w("| %d | %d | %d | %.1f | %.1f | %.1f | %.0f | %.0f |" % (
                c["rep"], c["purges"], c["incomplete"], c["client_p50_ms"], c["client_p99_ms"], c["client_max_ms"],
                c["plane_p50_ms"], c["plane_p99_ms"]))
        cp_p99 = med([c["client_p99_ms"] for c in cp])
        w("| median | | | %s | %s | %s | | |" % (fmt(med([c["client_p50_ms"] for c in cp]), 1),
                                                fmt(cp_p99, 1), fmt(med([c["client_max_ms"] for c in cp]), 1)))
        w("")

    # ---------------------------------------------------------------- memory
    w("### 5. Memory: peak RSS against the configured cache size")
    w("")
    w("| target | phase | configured cache | peak RSS MiB | + cache on tmpfs MiB | objects held at the end | budget 1.5 × cache + 150 MiB |")
    w("|---|---|---|---|---|---|---|")
    rss_big, rss_small = {}, {}
    for phase in ("big", "small"):
        for t in targets:
            cs = pick(workload="memory", phase=phase, target=t)
            if not cs:
                continue
            rss = max(c["peak_rss_kib"] for c in cs) / 1024
            tmp = max(c["tmpfs_kib"] for c in cs) / 1024
            cache = cs[0]["cache_bytes"] / MIB
            (rss_big if phase == "big" else rss_small)[t] = rss + tmp
            objs = [c.get("objects") for c in cs if c.get("objects") is not None]
            w("| %s | %s | %.1f MiB | %.0f | %s | %s | %.0f MiB |" % (
                NAMES[t], "after fill" if phase == "big" else "(b) Zipf, max of repeats", cache, rss,
                "%.0f" % tmp if tmp else "—", "/".join(str(o) for o in objs) if objs else "—", 1.5 * cache + 150))
    w("")

    # ---------------------------------------------------------------- allocations
    al_edge = [c["bytes_per_hit"] for c in pick(workload="alloc", mode="edge")]
    al_floor = [c["bytes_per_hit"] for c in pick(workload="alloc", mode="undertow-only")]
    if al_edge and al_floor:
        w("### 6. Allocations per 1 KiB hit (`HitAllocations`)")
        w("")
        w("Bytes allocated per request on the server's threads (JVM per-thread counters), whole request: %d hits on "
          "one keep-alive connection after as many (at most 50,000) of warm-up. *Undertow alone* is a bare Undertow listener answering "
          "the same head and body from constants: the floor the target is measured against." % meta.get(
              "alloc_hits", 100000))
        w("")
        w("| server | bytes per hit (each repeat) | median |")
        w("|---|---|---|")
        w("| Outpost edge | %s | %.0f |" % (", ".join("%.0f" % v for v in al_edge), med(al_edge)[0]))
        w("| Undertow alone | %s | %.0f |" % (", ".join("%.0f" % v for v in al_floor), med(al_floor)[0]))
        w("| **beyond Undertow's own** | | **%.0f** |" % (med(al_edge)[0] - med(al_floor)[0]))
        w("")

    # ---------------------------------------------------------------- warm restart
    rs = pick(workload="restart")
    if rs:
        w("### 7. Warm restart of a disk tier, with a control plane (`bench/restart.sh`, issue 15)")
        w("")
        w("An edge (memory tier 64 MiB) fills its disk tier on a real disk with %d objects of %d KiB; it is killed "
          "with SIGKILL; %d of them are purged through the control plane while it is down (and the origin's copies "
          "change); it is started again on the same directory. *First disk hit*: from the start of the process to "
          "the first answer `Cache-Status: …; hit; …; detail=disk` for an object nobody asked for since (each probe "
          "another one; a restored object is revalidated until the edge has caught up with the control plane). "
          "Every purged object is asked for between probes and once more after: its old body must never come back."
          % (rs[0]["objects"], rs[0]["object_bytes"] // 1024, rs[0]["purged"]))
        w("")
        w("| repeat | on disk | start → first answer | start → first disk hit | probes | restored | purged objects fetched | old body served |")
        w("|---|---|---|---|---|---|---|---|")
        for c in rs:
            w("| %d | %d files, %.2f GiB | %d ms | %d ms | %d | %d | %d | %d |" % (
                c["rep"], c["disk_entries"], c["disk_bytes"] / 1024 ** 3, c["start_to_first_answer_ms"],
                c["start_to_first_disk_hit_ms"], c["probes"], c["restored_entries"], c["purged_fetches"],
                c["purged_served_old"]))
        w("")

    # ---------------------------------------------------------------- targets
    w("## Targets (issues 6, 15, 22)")
    w("")

    def verdict(ok):
        return "**met**" if ok else "**missed**"

    best = lambda size: max(((hit_rps.get((size, t)) or 0) for t in targets if t not in ("outpost", "baseline", "direct")), default=0)
    rows = []
    if ("1k", "outpost") in hit_rps and ("1k", "nginx") in hit_rps:
        ok = hit_rps[("1k", "outpost")] >= hit_rps[("1k", "nginx")] and hit_p99[("1k", "outpost")] <= hit_p99[("1k", "nginx")]
        rows.append(("1 KiB hits: req/s ≥ nginx, p99 ≤ nginx", "%.0f vs %.0f req/s, p99 %.2f vs %.2f ms" % (
            hit_rps[("1k", "outpost")], hit_rps[("1k", "nginx")], hit_p99[("1k", "outpost")],
            hit_p99[("1k", "nginx")]), verdict(ok)))
    for size, label in (("100k", "100 KiB"), ("1m", "1 MiB")):
        if (size, "outpost") in hit_rps and best(size):
            r = hit_rps[(size, "outpost")] / best(size)
            peers = [NAMES[t] for t in targets if t not in ("outpost", "baseline", "direct")]
            rows.append(("%s hits ≥ 0.9 × best peer" % label, "%.2f × best peer (of %s measured in this run)" % (
                r, ", ".join(peers)), verdict(r >= 0.9)))
    if ("b", "outpost") in zipf_hr and ("b", "nginx") in zipf_hr:
        d = (zipf_hr[("b", "outpost")] - zipf_hr[("b", "nginx")]) * 100
        unbounded = nginx_over_bound is not None and nginx_over_bound > 1.5
        rows.append(("Zipf (b) hit ratio ≥ nginx + 3 points", "%+.1f points%s" % (
            d, " (nginx held %.1f × its `max_size` at the end of the run)" % nginx_over_bound if unbounded else ""),
            "not comparable: nginx did not hold its bound" if unbounded else verdict(d >= 3)))
    if lru:
        d = (zipf_hr[("b", "outpost")] - med(lru["lru"])[0]) * 100
        text = "%+.1f points vs an LRU charging body bytes only" % d
        ok = d >= 3
        if lru_charged:
            d2 = (zipf_hr[("b", "outpost")] - med(lru_charged["lru"])[0]) * 100
            text += ", %+.1f vs an LRU charged as Outpost's weigher" % d2
            ok = d2 >= 3
        rows.append(("Zipf (b): W-TinyLFU ≥ exact LRU at the same bound + 3 points (simulated LRU)", text, verdict(ok)))
    if "outpost" in herd_fetches:
        rows.append(("Herd: exactly 1 origin fetch", ", ".join(map(str, herd_fetches["outpost"])),
                     verdict(all(f == 1 for f in herd_fetches["outpost"]))))
    if cp_p99 is not None:
        rows.append(("Purge complete on six edges p99 ≤ 50 ms", "p99 %.1f ms (median of repeats)" % cp_p99[0],
                     verdict(cp_p99[0] <= 50)))
    if "outpost" in rss_big:
        budget = 1.5 * meta["cache_big"] / MIB + 150
        full_a = all(ph in meta.get("phases", full_phases).split() for ph in ("hit", "zipfa", "herd", "purge"))
        rows.append(("Peak RSS ≤ 1.5 × cache + 150 MiB", "%.0f MiB vs %.0f MiB%s" % (
            rss_big["outpost"], budget, "" if full_a else " (after only the phases run here, not the full phase A)"),
            verdict(rss_big["outpost"] <= budget) if full_a else "not comparable: see the analysis"))
    if "outpost" in rss_small:
        budget = 1.5 * meta["cache_small"] / MIB + 150
        rows.append(("… with the %.1f MiB cache of Zipf (b)" % (meta["cache_small"] / MIB), "%.0f MiB vs %.0f MiB" % (
            rss_small["outpost"], budget), verdict(rss_small["outpost"] <= budget)))
    jmh_hit = jmh_alloc(os.path.join(out, "jmh.txt"), "HitPathBenchmark.hit")
    if jmh_hit is not None:
        rows.append(("Hit path allocates nothing beyond Undertow's (JMH `gc.alloc.rate.norm`, the issue's measure)",
                     "%s B/op (`HitPathBenchmark.hit`: lookup, freshness decision, conditionals; below)" % (
                         "%.0f" % jmh_hit if jmh_hit >= 0.5 else "0"), verdict(jmh_hit < 0.5)))
    if al_edge and al_floor:
        beyond = med(al_edge)[0] - med(al_floor)[0]
        rows.append(("… and the whole request: nothing beyond bare Undertow's (stricter, section 6)",
                     "%.0f B per hit beyond Undertow's own %.0f" % (beyond, med(al_floor)[0]), verdict(beyond <= 16)))
    else:
        rows.append(("… and the whole request: nothing beyond bare Undertow's (stricter, section 6)",
                     "not measured in this run (phase `alloc`)", "open"))
    if "outpost" in zd_hr and "outpost-disk" in zd_hr:
        d = (zd_hr["outpost-disk"] - zd_hr["outpost"]) * 100
        rows.append(("Disk tier (issue 15): steady hit ratio ≥ memory-only + 10 points", "%+.1f points (%.1f %% vs %.1f %%)"
                     % (d, zd_hr["outpost-disk"] * 100, zd_hr["outpost"] * 100), verdict(d >= 10)))
    for t, medium in (("outpost-shm", "Outpost's disk tier on tmpfs too"), ("outpost-disk", "Outpost's on a real disk")):
        if t in zd_rps and "nginx" in zd_rps:
            r = paired("nginx", t, workload="zipf", case="disk")[0]
            rows.append(("Disk tier (issue 15): req/s ≥ 0.8 × nginx `proxy_cache` on tmpfs (%s)" % medium,
                         "%.2f × (paired; %.0f vs %.0f req/s)" % (r, zd_rps[t], zd_rps["nginx"]), verdict(r >= 0.8)))
    if rs:
        old = sum(c["purged_served_old"] for c in rs)
        rows.append(("Warm restart (issue 15): zero purged objects served", "%d old bodies in %d fetches of purged "
                     "objects; first disk hit %s ms after start" % (old, sum(c["purged_fetches"] for c in rs),
                                                                  fmt(med([c["start_to_first_disk_hit_ms"] for c in rs]))),
                     verdict(old == 0)))
    w("| target | measured | |")
    w("|---|---|---|")
    for r in rows:
        w("| %s | %s | %s |" % r)
    w("")

    previous = os.path.join(out, "previous", "RESULTS.md")
    if os.path.exists(previous) and not smoke:
        # The last full run (every target, every phase), kept when a later run re-measured only some phases.
        text = open(previous).read()
        start, end = text.find("## Results"), text.find("## What the numbers say")
        w("## Previous full run (%s, kept for comparison)" % open(os.path.join(out, "previous", "LABEL")).read().strip())
        w("")
        w(text[start:end if end > 0 else len(text)].replace("\n## ", "\n#### ").replace("\n### ", "\n#### ")
          .replace("## Results", "").strip())
        w("")
    analysis = os.path.join(HERE, "analysis.md")
    if os.path.exists(analysis) and not smoke:
        w(open(analysis).read().rstrip())
        w("")
    jmh = os.path.join(out, "jmh.txt")
    if os.path.exists(jmh):
        w("## JMH microbenchmarks (`bench/jmh.sh`)")
        w("")
        w("```")
        w(open(jmh).read().rstrip())
        w("```")
        w("")
    w("## Chart")
    w("")
    w("![req/s relative to nginx, and Zipf hit ratios](results/chart.png)" if not smoke else "![chart](chart.png)")
    w("")
    w("Raw cells: `bench/results/cells.jsonl`; run parameters: `bench/results/meta.json`.")

    # A section whose table got no rows (a phase not run this time) is left out, not printed empty.
    kept = []
    i = 0
    while i < len(L):
        if L[i].startswith("### ") and i + 4 < len(L) and L[i + 1] == "" and L[i + 2].startswith("|") \
                and L[i + 3].startswith("|---") and not L[i + 4].startswith("|"):
            i += 4
            continue
        kept.append(L[i])
        i += 1
    L[:] = kept
    # Likewise a results section (### ...) whose tables have no rows, e.g. the hit path in PHASES=zipfdisk.
    targets_at = next((k for k, l in enumerate(L) if l.startswith("## Targets")), len(L))
    kept, i = [], 0
    while i < len(L):
        if L[i].startswith("### ") and i < targets_at:
            j = i + 1
            while j < len(L) and not L[j].startswith("### ") and not L[j].startswith("## "):
                j += 1
            seps = [k for k in range(i + 1, j) if L[k].startswith("|---")]
            if seps and not any(k + 1 < j and L[k + 1].startswith("|") for k in seps):
                i = j
                continue
        kept.append(L[i])
        i += 1
    L[:] = kept
    dest = os.path.join(out if smoke else HERE, "RESULTS.md")
    open(dest, "w").write("\n".join(L) + "\n")

    # ---------------------------------------------------------------- chart
    rows = [("1 KiB hit", lambda t: hit_rps.get(("1k", t)), "hit 1k"),
            ("100 KiB hit", lambda t: hit_rps.get(("100k", t)), "hit 100k"),
            ("1 MiB hit", lambda t: hit_rps.get(("1m", t)), "hit 1m"),
            ("Zipf (a)", lambda t: zipf_rps.get(("a", t)), "zipf a"),
            ("Zipf (b)", lambda t: zipf_rps.get(("b", t)), "zipf b")]
    dat = os.path.join(out, "chart-rps.dat")
    with open(dat, "w") as f:
        f.write("row " + " ".join(NAMES[t] for t in targets) + "\n")
        for label, get, _ in rows:
            base = get("nginx")
            f.write('"%s" ' % label + " ".join(
                "%.3f" % (get(t) / base) if base and get(t) else "0" for t in targets) + "\n")
    dat2 = os.path.join(out, "chart-hit.dat")
    with open(dat2, "w") as f:
        f.write("row " + " ".join(NAMES[t] for t in targets) + "\n")
        for case, label in (("a", "Zipf (a) holds all"), ("b", "Zipf (b) 10 %")):
            f.write('"%s" ' % label + " ".join("%.1f" % (100 * (zipf_hr.get((case, t)) or 0)) for t in targets) + "\n")
    png = os.path.join(out, "chart.png")
    n = len(targets)
    gp = """
set terminal pngcairo size 1400,520 font ",11"
set output '%s'
set multiplot layout 1,2 title "Outpost edge vs nginx, Varnish, ATS — one core each (%s)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left autotitle columnheader
set grid ytics
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set title "Throughput relative to nginx (median of repeats; nginx = 1)"
set ylabel "req/s ÷ nginx req/s"
plot for [i=2:%d] '%s' using i:xtic(1)
set title "Zipf s=1 hit ratio from a cold cache (%d requests)"
set ylabel "hit ratio %%"
set yrange [0:100]
plot for [i=2:%d] '%s' using i:xtic(1)
unset multiplot
""" % (png, meta["date"], n + 1, dat, meta["zipf_requests"], n + 1, dat2)
    r = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
    if r.returncode != 0:
        sys.exit("gnuplot failed: " + r.stderr)
    print(dest)


if __name__ == "__main__":
    main()
