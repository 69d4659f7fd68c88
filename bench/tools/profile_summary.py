#!/usr/bin/env python3
"""Where an edge's CPU went, from an async-profiler collapsed profile (bench/miss-cost.sh PROFILE=DIR).

    python3 bench/tools/profile_summary.py FILE.collapsed [TOP]

Prints the share of samples per thread (numbers folded), in kernel frames, in the kernel's scheduler (a thread
switched in, counted at finish_task_switch), in socket system calls (the JDK's SocketDispatcher), in thread
hand-offs (futex waits and wakes), and the TOP (default 30) places in Outpost's own code: each sample goes to the
deepest dev/outpost frame on its stack, i.e. the Outpost method that was running, or whose call (into a library,
the JDK or the kernel) was.
"""
import collections
import re
import sys


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    total = 0
    threads = collections.Counter()
    places = collections.Counter()
    shares = collections.Counter()
    for line in open(path):
        stack, n = line.rstrip().rsplit(" ", 1)
        n = int(n)
        total += n
        frames = stack.split(";")
        threads[re.sub(r"\d+", "N", frames[0])] += n
        if frames[-1].endswith("_[k]"):
            shares["kernel frames (leaf)"] += n
        if "finish_task_switch" in stack:
            shares["scheduler: a thread switched in"] += n
        if "SocketDispatcher" in stack:
            shares["socket system calls (SocketDispatcher)"] += n
        if "futex" in stack or "pthread_cond" in stack or "lll_lock" in stack:
            shares["thread hand-offs (futex)"] += n
        if "CompilerThre" in frames[0]:
            shares["JIT compiler threads"] += n
        ours = [f for f in frames if f.startswith("dev/outpost")]
        places[ours[-1] if ours else "(no Outpost frame: " + frames[0][:30] + ")"] += n
    if total == 0:
        sys.exit("no samples in " + path)
    print("samples %d" % total)
    print("-- threads")
    for name, n in threads.most_common(10):
        print("%5.1f%%  %s" % (100.0 * n / total, name))
    print("-- shares (overlapping)")
    for name, n in shares.most_common():
        print("%5.1f%%  %s" % (100.0 * n / total, name))
    print("-- deepest Outpost frame")
    for name, n in places.most_common(top):
        print("%5.1f%%  %s" % (100.0 * n / total, name))


if __name__ == "__main__":
    main()
