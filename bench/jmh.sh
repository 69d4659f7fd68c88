#!/usr/bin/env bash
# JMH microbenchmarks of the edge's hit path (bench/ Maven module: compiled by every build, run only by hand):
# store lookup, cache-key normalization, the freshness decision; ns/op and gc.alloc.rate.norm (-prof gc).
# Short runs by default (JMH_ARGS to change): 2 × 1 s warm-up, 3 × 1 s measurement, 1 fork — expect wide errors on
# ns/op; the allocation numbers are exact. Output: bench/results/jmh.txt (and the full log beside it).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
. "$root/scripts/find-jdk.sh"
OUTPOST_NEED_JAVAC=1 outpost_find_jdk
cd "$root"
"$root/mvnw" -B -q -pl bench -am package -DskipTests
mkdir -p "$here/results"
taskset -c "${SERVER_CPU:-1}" "$JAVA_HOME/bin/java" -jar bench/target/benchmarks.jar ${JMH_ARGS:--wi 2 -i 3 -w 1 -r 1 -f 1} \
    -prof gc 2>&1 | tee "$here/results/jmh.log" |
    grep -E '^(Benchmark|[A-Za-z]+Benchmark\.)' | grep -vE 'gc\.(count|time)|alloc\.rate +avgt' >"$here/results/jmh.txt"
cat "$here/results/jmh.txt"
