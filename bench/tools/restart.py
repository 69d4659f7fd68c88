#!/usr/bin/env python3
"""Warm restart of an edge's disk tier, with a control plane (issue 15). Run through bench/restart.sh.

1. Starts an origin (nginx serving OBJECTS files of OBJECT_BYTES from tmpfs, each a hard link to one "v1" body),
   a control plane (SQLite on the work directory, a real disk) and one edge registered with it whose disk tier
   (on the work directory) holds them all: it fetches every object once, paced so the disk writer's queue never
   declines a write, and waits until the disk tier holds them.
2. Kills the edge with SIGKILL. While it is down: purges PURGED of the objects through the control plane's API,
   and the origin's copy of each becomes a "v2" body (another file: another ETag and Last-Modified).
3. Starts the edge again on the same disk and configuration, and from the moment the process is started, probes
   it: each probe a different object that was not purged (a restored object nobody has asked for since), until one
   is answered from disk (`Cache-Status: ...; hit; ...detail=disk`). Between probes, and once more after that, it
   asks for every purged object: each answer must carry the v2 body; any v1 body is a purged object served.

Prints one JSON line (bench/run.sh phase `restart` records it): objects and bytes on disk, start → first answer,
start → first disk hit, the purged objects' fetches and how many of them served the old body (must be 0).
Every process it starts is stopped by PID (SIGTERM, then SIGKILL) before it returns.
"""
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

HOST = "www.example.test"
OPS_TOKEN = "bench-ops-token-0123456789"
NODE_TOKEN = "bench-node-token-0123456789"
EDGE_ADMIN_TOKEN = "bench-edge-admin-token-0123456789"


def env_int(name, default):
    return int(os.environ.get(name, default))


JAR = os.environ["OUTPOST_JAR"]
JAVA = os.path.join(os.environ["JAVA_HOME"], "bin", "java")
TOTAL_BYTES = env_int("RESTART_BYTES", 1024 ** 3)
OBJECT_BYTES = env_int("RESTART_OBJECT_BYTES", 64 * 1024)
OBJECTS = TOTAL_BYTES // OBJECT_BYTES
PURGED = min(env_int("RESTART_PURGED", 500), OBJECTS // 4)
WORK = os.environ.get("RESTART_DIR", "/var/tmp/outpost-bench-restart")  # a real disk: the tier's files
ORIGIN = os.environ.get("RESTART_ORIGIN_DIR", "/dev/shm/outpost-bench-restart-origin")  # tmpfs: the origin's
SERVER_CPU = os.environ.get("SERVER_CPU", "1")
CLIENT_CPU = os.environ.get("CLIENT_CPU", "0")
CP_PORT, EDGE_PORT, EDGE_ADMIN_PORT, ORIGIN_PORT = (env_int("RESTART_CP_PORT", 18090), env_int("RESTART_EDGE_PORT", 18091),
                                                    env_int("RESTART_EDGE_ADMIN_PORT", 19091),
                                                    env_int("RESTART_ORIGIN_PORT", 18092))
MEMORY_BYTES = 64 * 1024 * 1024
PROCS = {}


def log(msg):
    print(time.strftime("%H:%M:%S ", time.gmtime()) + msg, file=sys.stderr, flush=True)


def start(name, argv, cpu):
    out = open(os.path.join(WORK, name + ".log"), "ab")
    PROCS[name] = subprocess.Popen(["taskset", "-c", cpu] + argv, stdout=out, stderr=subprocess.STDOUT)
    return PROCS[name]


def stop(name, sig=signal.SIGTERM):
    p = PROCS.pop(name, None)
    if p is None or p.poll() is not None:
        return
    p.send_signal(sig)
    try:
        p.wait(15)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(15)


def request(port, path, method="GET", body=None, headers=None, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def wait_for(what, check, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        for name, p in PROCS.items():
            if p.poll() is not None:
                raise SystemExit("%s exited (rc %s) while waiting for %s: see %s/%s.log" % (
                    name, p.returncode, what, WORK, name))
        time.sleep(0.05)
    raise SystemExit("timed out after %d s waiting for %s (logs in %s)" % (seconds, what, WORK))


def metrics():
    _, _, body = request(EDGE_PORT, "/_edge/metrics", timeout=5)
    return {k: float(v) for k, v in re.findall(r"^(edge_[a-z_]+) (\S+)$", body.decode(), re.M)}


def edge_argv():
    return [JAVA, "-Xms256m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:MaxDirectMemorySize=%d" % (MEMORY_BYTES * 2),
            "-jar", JAR, "edge", "--config", os.path.join(WORK, "edge.yml")]


def edge_get(i, timeout=30):
    return request(EDGE_PORT, "/o/%d.bin" % i, headers={"Host": HOST}, timeout=timeout)


def setup():
    shutil.rmtree(WORK, ignore_errors=True)
    shutil.rmtree(ORIGIN, ignore_errors=True)
    os.makedirs(os.path.join(ORIGIN, "o"))
    os.makedirs(os.path.join(WORK, "tmp"))
    v1, v2 = os.urandom(OBJECT_BYTES), os.urandom(OBJECT_BYTES)
    open(os.path.join(ORIGIN, "v1.bin"), "wb").write(v1)
    open(os.path.join(ORIGIN, "v2.bin"), "wb").write(v2)
    for i in range(OBJECTS):
        os.link(os.path.join(ORIGIN, "v1.bin"), os.path.join(ORIGIN, "o", "%d.bin" % i))
    open(os.path.join(WORK, "origin.conf"), "w").write("""
worker_processes 1;
pid %(w)s/origin.pid;
error_log %(w)s/origin-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    default_type application/octet-stream;
    client_body_temp_path %(w)s/tmp; proxy_temp_path %(w)s/tmp; fastcgi_temp_path %(w)s/tmp;
    uwsgi_temp_path %(w)s/tmp; scgi_temp_path %(w)s/tmp;
    server {
        listen 127.0.0.1:%(p)d;
        root %(o)s;
        add_header Cache-Control "public, max-age=86400" always;
    }
}
""" % {"w": WORK, "p": ORIGIN_PORT, "o": ORIGIN})
    open(os.path.join(WORK, "cp.yml"), "w").write("""listen: 127.0.0.1:%d
data: %s/cp
tokens:
  - {name: ops, token: %s, scopes: [read, "purge:all", push]}
  - {name: nodes, token: %s, scopes: [node]}
edgeToken: %s
regions: [{name: eu, cidrs: [127.0.0.0/8]}]
rateLimits: {purgesPerMinute: 100000}
""" % (CP_PORT, WORK, OPS_TOKEN, NODE_TOKEN, EDGE_ADMIN_TOKEN))
    open(os.path.join(WORK, "edge.yml"), "w").write("""id: restart-1
region: eu
listen: 127.0.0.1:%d
admin: {listen: 127.0.0.1:%d, token: %s}
services:
  - {name: site, hosts: [%s], origins: ["http://127.0.0.1:%d"]}
cache:
  maxBytes: %d
  disk:
    dir: %s/disk
    maxBytes: %d
controlPlane: {url: "http://127.0.0.1:%d", token: %s}
accessLog: {destination: none}
""" % (EDGE_PORT, EDGE_ADMIN_PORT, EDGE_ADMIN_TOKEN, HOST, ORIGIN_PORT, MEMORY_BYTES, WORK,
       TOTAL_BYTES + TOTAL_BYTES // 4, CP_PORT, NODE_TOKEN))
    return hashlib.sha256(v1).hexdigest(), hashlib.sha256(v2).hexdigest()


def caught_up():
    status, _, body = request(CP_PORT, "/api/v1/nodes", headers={"Authorization": "Bearer " + OPS_TOKEN}, timeout=5)
    return status == 200 and re.search(rb'"id":"restart-1".*?"healthy":true,"caughtUp":true', body) is not None


def fill(v1):
    """Every object once through the edge, in batches the disk writer keeps up with (its queue declines past 64 MiB)."""
    batch = max(1, (16 * 1024 * 1024) // OBJECT_BYTES)
    lock = threading.Lock()
    nxt = [0]
    bad = []

    def worker(end):
        while True:
            with lock:
                i = nxt[0]
                if i >= end:
                    return
                nxt[0] += 1
            status, _, body = edge_get(i)
            if status != 200 or hashlib.sha256(body).hexdigest() != v1:
                bad.append(i)

    for start_at in range(0, OBJECTS, batch):
        end = min(OBJECTS, start_at + batch)
        threads = [threading.Thread(target=worker, args=(end,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wait_for("the disk writer", lambda: (lambda m: m.get("edge_disk_writes_total", 0)
                                             + m.get("edge_disk_rejections_total", 0) >= end)(metrics()), 120)
    if bad:
        raise SystemExit("fill: %d objects answered wrongly, e.g. %s" % (len(bad), bad[:5]))
    m = metrics()
    return int(m.get("edge_disk_entries", 0)), int(m.get("edge_disk_bytes", 0)), int(m.get("edge_disk_rejections_total", 0))


def main():
    v1, v2 = setup()
    log("origin: %d objects of %d B (%.2f GiB); work dir %s" % (OBJECTS, OBJECT_BYTES, OBJECTS * OBJECT_BYTES / 1024 ** 3, WORK))
    start("origin", ["nginx", "-c", os.path.join(WORK, "origin.conf"), "-g", "daemon off;"], CLIENT_CPU)
    start("cp", [JAVA, "-Xms128m", "-Xmx256m", "-jar", JAR, "control-plane", "--config", os.path.join(WORK, "cp.yml")],
          CLIENT_CPU)
    wait_for("the origin", lambda: request(ORIGIN_PORT, "/o/0.bin", timeout=2)[0] == 200, 30)
    wait_for("the control plane", lambda: request(CP_PORT, "/api/v1/nodes", timeout=2,
                                                   headers={"Authorization": "Bearer " + OPS_TOKEN})[0] == 200, 120)
    start("edge", edge_argv(), SERVER_CPU)
    wait_for("the edge to register", caught_up, 120)
    t = time.monotonic()
    entries, disk_bytes, rejections = fill(v1)
    log("filled in %.1f s: %d objects, %.1f MiB on disk, %d writes declined" % (
        time.monotonic() - t, entries, disk_bytes / 1024 ** 2, rejections))
    if entries < OBJECTS * 0.95:
        raise SystemExit("the disk tier holds only %d of %d objects" % (entries, OBJECTS))

    stop("edge", signal.SIGKILL)
    log("edge killed (SIGKILL)")
    step = OBJECTS // PURGED
    purged = [k * step for k in range(PURGED)]
    purged_set = set(purged)
    for k in range(0, len(purged), 100):
        urls = ["http://%s/o/%d.bin" % (HOST, i) for i in purged[k:k + 100]]
        status, _, body = request(CP_PORT, "/api/v1/purges", "POST", json.dumps({"urls": urls}),
                                  {"Authorization": "Bearer " + OPS_TOKEN, "Content-Type": "application/json"})
        if status != 202:
            raise SystemExit("purge: HTTP %d %s" % (status, body[:200]))
    for i in purged:
        path = os.path.join(ORIGIN, "o", "%d.bin" % i)
        os.unlink(path)
        shutil.copyfile(os.path.join(ORIGIN, "v2.bin"), path)
    log("%d objects purged through the control plane while the edge was down; the origin now has v2 of them" % PURGED)

    started = time.monotonic()
    start("edge", edge_argv(), SERVER_CPU)
    first_answer = first_disk_hit = None
    probes = purged_fetches = purged_old = purged_errors = 0
    probe_ids = (i for i in range(OBJECTS) if i not in purged_set)
    probe = None
    cycle = 0

    def check_purged(i):
        nonlocal purged_fetches, purged_old, purged_errors
        status, _, body = edge_get(i)
        purged_fetches += 1
        digest = hashlib.sha256(body).hexdigest()
        if digest == v1:
            purged_old += 1
        elif status != 200 or digest != v2:
            purged_errors += 1

    deadline = started + 300
    while first_disk_hit is None:
        if time.monotonic() > deadline:
            raise SystemExit("no disk hit within 300 s of the restart (logs in %s)" % WORK)
        if PROCS["edge"].poll() is not None:
            raise SystemExit("the restarted edge exited (rc %s): %s/edge.log" % (PROCS["edge"].returncode, WORK))
        i = probe if probe is not None else next(probe_ids, None)
        if i is None:
            raise SystemExit("every object that was not purged was probed and none was a disk hit (logs in %s)" % WORK)
        try:
            status, headers, _ = edge_get(i, timeout=10)
        except ConnectionRefusedError:
            probe = i  # not listening yet: the same object next time (it was never asked)
            time.sleep(0.005)
            continue
        except OSError:
            probe = None  # asked, but no answer: the next probe takes another object
            time.sleep(0.005)
            continue
        probe = None
        now = time.monotonic()
        probes += 1
        if first_answer is None:
            first_answer = now
        cs = headers.get("cache-status", "")
        if status == 200 and "; hit" in cs and "detail=disk" in cs:
            first_disk_hit = now
            break
        check_purged(purged[cycle % len(purged)])  # a purged object asked for while catching up
        cycle += 1
    for i in purged:  # and every one of them once the edge serves from disk again
        check_purged(i)
    m = metrics()
    result = {"objects": OBJECTS, "object_bytes": OBJECT_BYTES, "disk_entries": entries, "disk_bytes": disk_bytes,
              "fill_rejections": rejections, "start_to_first_answer_ms": round((first_answer - started) * 1000),
              "start_to_first_disk_hit_ms": round((first_disk_hit - started) * 1000), "probes": probes,
              "restored_entries": int(m.get("edge_disk_entries", 0)), "purged": PURGED,
              "purged_fetches": purged_fetches, "purged_served_old": purged_old, "purged_errors": purged_errors}
    log("restart: %s" % json.dumps(result))
    print(json.dumps(result))


if __name__ == "__main__":
    try:
        main()
    finally:
        for name in list(PROCS):
            stop(name)
        if os.environ.get("RESTART_KEEP") != "1":
            shutil.rmtree(ORIGIN, ignore_errors=True)
            shutil.rmtree(os.path.join(WORK, "disk"), ignore_errors=True)
