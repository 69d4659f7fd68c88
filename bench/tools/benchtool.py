#!/usr/bin/env python3
"""Helpers for bench/run.sh: origin data, the herd and purge clients, cache filling, wrk parsing, the report.

Standard library only. Every client loop is bounded in count and time and talks to 127.0.0.1 only.
"""
import bisect
import collections
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time

KIB = 1024


def _catalogue(objects, seed=42):
    """(relative path, bytes) of every origin file, in order, from one seeded generator: the same files every run."""
    rnd = random.Random(seed)
    for name, size in (("1k", KIB), ("100k", 100 * KIB), ("1m", 1024 * KIB)):
        yield os.path.join("hit", name + ".bin"), rnd.randbytes(size)
    for k in range(1, objects + 1):
        size = rnd.randint(KIB, 4 * KIB)
        yield os.path.join("zipf", "obj-%d.bin" % k), rnd.randbytes(size)


def mkdata(data_dir, objects):
    """hit/1k.bin, hit/100k.bin, hit/1m.bin and zipf/obj-1..N.bin of 1-4 KiB; prints the catalogue's bytes."""
    os.makedirs(os.path.join(data_dir, "hit"), exist_ok=True)
    os.makedirs(os.path.join(data_dir, "zipf"), exist_ok=True)
    total = 0
    for path, data in _catalogue(objects):
        if path.startswith("zipf"):
            total += len(data)
        with open(os.path.join(data_dir, path), "wb") as f:
            f.write(data)
    print(total)


def zipf_sizes(objects):
    """Body sizes of zipf/obj-1..N.bin, in order (index k-1 is obj-k), as mkdata writes them."""
    return [len(data) for path, data in _catalogue(objects) if path.startswith("zipf")]


def simulate_lru(objects, s, requests, capacity, overhead=0, seeds=5):
    """Hit ratios of an exact LRU bounded by `capacity` body bytes, and of an unbounded cache, on Zipf traces like
    bench/lua/zipf.lua's (same catalogue, law and count; Python's generator, so not its exact sequence), from cold.

    The baseline the Zipf (b) target means ("W-TinyLFU against LRU") when a peer does not hold its bound during a
    run. With `overhead` 0 it charges body bytes only, the most generous accounting for LRU; Outpost's weigher
    charges the heap each entry holds beside its body (`overhead` ≈ that charge compares like with like)."""
    sizes = zipf_sizes(objects)
    cdf, total = [], 0.0
    for k in range(1, objects + 1):
        total += 1 / k ** s
        cdf.append(total)
    out = {"capacity": capacity, "requests": requests, "seeds": seeds, "lru": [], "lru_objects": [], "unbounded": []}
    for seed in range(1, seeds + 1):
        rnd = random.Random(seed)
        lru, used, hits, seen, seen_hits = collections.OrderedDict(), 0, 0, set(), 0
        for _ in range(requests):
            k = bisect.bisect_left(cdf, rnd.random() * total)
            seen_hits += k in seen
            seen.add(k)
            if k in lru:
                hits += 1
                lru.move_to_end(k)
                continue
            if sizes[k] + overhead > capacity:
                continue
            lru[k] = True
            used += sizes[k] + overhead
            while used > capacity:
                used -= sizes[lru.popitem(last=False)[0]] + overhead
        out["lru"].append(hits / requests)
        out["lru_objects"].append(len(lru))
        out["unbounded"].append(seen_hits / requests)
    return out


def _get(port, path, method="GET", headers=None, timeout=30.0):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        c.close()


def herd(port, path, clients, hit_header):
    """`clients` concurrent GETs of one URL, released together; prints statuses and client latency (ms)."""
    barrier = threading.Barrier(clients)
    lat, statuses, labels, errors = [], [], [], []
    lock = threading.Lock()

    def one():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            c.connect()
            barrier.wait(timeout=30)
            t0 = time.monotonic()
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            t = (time.monotonic() - t0) * 1000
            with lock:
                lat.append(t)
                statuses.append(r.status)
                labels.append(r.getheader(hit_header, "-"))
        except Exception as e:  # reported, never hidden
            with lock:
                errors.append(repr(e))
        finally:
            c.close()

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    lat.sort()
    out = {
        "ok": sum(1 for s in statuses if s == 200),
        "errors": len(errors) + sum(1 for s in statuses if s != 200),
        "p50_ms": statistics.median(lat) if lat else None,
        "max_ms": lat[-1] if lat else None,
        "labels": {l: labels.count(l) for l in sorted(set(labels))},
    }
    print(json.dumps(out))


def purge(target, port, admin_port, token, prefix, rounds, hit_header, hit_pattern):
    """Warm a URL until it is a hit, purge it through the target's API, then check the next request is a miss.

    Prints the time from the API call to its acknowledgement and to the end of that next (miss) response, in ms.
    """
    pat = re.compile(hit_pattern)
    ack, to_miss, failures = [], [], []
    deadline = time.monotonic() + 60
    for i in range(rounds):
        if time.monotonic() > deadline:
            failures.append("time bound reached after %d rounds" % i)
            break
        path = "%sp-%d.bin" % (prefix, i)
        _get(port, path)
        _, h, _ = _get(port, path)
        if not pat.search(h.get(hit_header.lower(), "")):
            failures.append("%s: second GET not a hit (%s)" % (path, h.get(hit_header.lower())))
            continue
        t0 = time.monotonic()
        if target == "outpost":
            body = json.dumps({"urls": ["http://127.0.0.1" + path]})
            st, _, b = _post(admin_port, "/_edge/purge", body,
                             {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        elif target == "nginx":
            st, _, b = _get(port, "/_purge" + path)
        else:
            st, _, b = _get(port, path, "PURGE")
        t1 = time.monotonic()
        if st >= 300:
            failures.append("%s: purge answered %d %r" % (path, st, b[:200]))
            continue
        _, h, _ = _get(port, path)
        t2 = time.monotonic()
        if pat.search(h.get(hit_header.lower(), "")):
            failures.append("%s: still a hit after the purge" % path)
            continue
        ack.append((t1 - t0) * 1000)
        to_miss.append((t2 - t0) * 1000)
    ack.sort()
    to_miss.sort()
    print(json.dumps({
        "rounds": len(ack),
        "ack_p50_ms": statistics.median(ack) if ack else None,
        "ack_max_ms": ack[-1] if ack else None,
        "miss_p50_ms": statistics.median(to_miss) if to_miss else None,
        "miss_max_ms": to_miss[-1] if to_miss else None,
        "failures": failures[:5],
    }))


def _post(port, path, body, headers):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("POST", path, body=body.encode(), headers=headers)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def fill(port, prefix, count):
    """GETs `count` distinct 1 MiB URLs over one keep-alive connection (bounded: 120 s)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    deadline = time.monotonic() + 120
    done = 0
    bad = 0
    for i in range(count):
        if time.monotonic() > deadline:
            break
        try:
            c.request("GET", "%sf-%d.bin" % (prefix, i))
            r = c.getresponse()
            r.read()
            if r.status != 200:
                bad += 1
            reconnect = r.getheader("Connection", "").lower() == "close"
        except (http.client.HTTPException, OSError):
            bad += 1  # e.g. a body cut short: counted, and the fill goes on on a new connection
            reconnect = True
        if reconnect:
            c.close()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        done += 1
    c.close()
    print(json.dumps({"fetched": done, "non200": bad}))


def parse_wrk(path):
    """wrk --latency output → req/s, p50/p99 (ms), errors."""
    text = open(path).read()

    def ms(v):
        m = re.match(r"([\d.]+)(us|ms|s|m)", v)
        n, u = float(m.group(1)), m.group(2)
        return n / 1000 if u == "us" else n if u == "ms" else n * 1000 if u == "s" else n * 60000

    out = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))}
    m = re.search(r"(\d+) requests in", text)
    out["requests"] = int(m.group(1))
    for q in ("50", "99"):
        m = re.search(r"^\s+%s(?:\.000)?%%\s+(\S+)" % q, text, re.M)
        out["p%s_ms" % q] = ms(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    print(json.dumps(out))


def parse_zipf(path):
    """The ZIPF line of bench/lua/zipf.lua → answers, hits, hit ratio, req/s over the counted requests."""
    text = open(path).read()
    m = re.search(r"^ZIPF (\{.*\})$", text, re.M)
    z = json.loads(m.group(1))
    z["hit_ratio"] = z["hits"] / z["responses"] if z["responses"] else 0.0
    z["rps"] = z["responses"] / z["seconds"] if z["seconds"] > 0 else 0.0
    steady = z["responses"] - z.get("steady_from", 0)
    z["steady_hit_ratio"] = z["steady_hits"] / steady if "steady_hits" in z and steady > 0 else None
    print(json.dumps(z))


def hwm(pids):
    """Sum of VmHWM (peak RSS) over the given PIDs and their children, in KiB."""
    seen = set()
    todo = [p for p in pids if p]
    total = 0
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in open("/proc/%s/status" % p):
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
        try:
            kids = subprocess.run(["pgrep", "-P", str(p)], capture_output=True, text=True).stdout.split()
            todo.extend(kids)
        except OSError:
            pass
    print(total)


def steal_ms(cpu):
    """Time the hypervisor ran something else while core CPU wanted to run (steal, /proc/stat), in ms so far. A cell
    whose server core lost time this way measured a slower machine than its neighbours did: the ratios of one run
    are paired, but a JVM target (threads waking each other) and a single-threaded event loop need not lose alike."""
    hz = os.sysconf("SC_CLK_TCK")
    for line in open("/proc/stat"):
        fields = line.split()
        if fields and fields[0] == "cpu%s" % cpu:
            print(int(fields[8]) * 1000 // hz)  # user nice system idle iowait irq softirq steal
            return
    sys.exit("no cpu%s in /proc/stat" % cpu)


def cpu_ms(pids):
    """CPU time (user + system) used so far by the given PIDs and their children, in ms. On a machine shared with
    other work, a target's req/s falls with the CPU it is given, while the CPU it spends per request does not:
    cells record both (cpu_ms_per_1k = this difference over a cell, per 1000 answers)."""
    seen = set()
    todo = [p for p in pids if p]
    ticks = 0
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            fields = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
        except (OSError, IndexError, ValueError):
            continue
        try:
            todo.extend(subprocess.run(["pgrep", "-P", str(p)], capture_output=True, text=True).stdout.split())
        except OSError:
            pass
    print(round(ticks * 1000 / os.sysconf("SC_CLK_TCK")))


def jit_cpu_ms(pid):
    """CPU time (user + system) used so far by a JVM's JIT compiler threads ("C1 CompilerThre…", "C2 CompilerThre…"),
    in ms. jstat's compile time is elapsed time: on the one contended server core it counts the time a compile waits
    for the core too, so it overstates what the compiler takes from the requests; this is what it takes."""
    ticks = 0
    for task in os.listdir("/proc/%s/task" % pid):
        try:
            stat = open("/proc/%s/task/%s/stat" % (pid, task)).read()
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            if name.startswith(("C1 CompilerThre", "C2 CompilerThre")):
                fields = stat.rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            continue  # a compiler thread that ended meanwhile
    print(round(ticks * 1000 / os.sysconf("SC_CLK_TCK")))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "mkdata":
        mkdata(args[0], int(args[1]))
    elif cmd == "herd":
        herd(int(args[0]), args[1], int(args[2]), args[3])
    elif cmd == "purge":
        purge(args[0], int(args[1]), int(args[2]), args[3], args[4], int(args[5]), args[6], args[7])
    elif cmd == "fill":
        fill(int(args[0]), args[1], int(args[2]))
    elif cmd == "parse-wrk":
        parse_wrk(args[0])
    elif cmd == "parse-zipf":
        parse_zipf(args[0])
    elif cmd == "zipf-sizes":
        print("\n".join(str(size) for size in zipf_sizes(int(args[0]))))
    elif cmd == "simulate-lru":
        print(json.dumps(simulate_lru(int(args[0]), float(args[1]), int(args[2]), int(args[3]),
                                      int(args[4]) if len(args) > 4 else 0)))
    elif cmd == "hwm":
        hwm(args)
    elif cmd == "cpu-ms":
        cpu_ms(args)
    elif cmd == "steal-ms":
        steal_ms(args[0])
    elif cmd == "jit-cpu-ms":
        jit_cpu_ms(args[0])
    else:
        sys.exit("unknown command " + cmd)
