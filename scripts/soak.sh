#!/usr/bin/env bash
# The soak benchmark: 10,000 lossy all-reduce steps (4 ranks, 4096 floats, 10 % loss dropped by nftables in a network
# namespace) and 1,000 Helix decode steps in one JVM, with RSS, NMT and open descriptors before and after each part.
# The heap is fixed and pre-touched (512 MiB), so RSS growth is native memory, not the GC sizing its heap.
# Needs root (network namespace). Usage: scripts/soak.sh [allreduce-steps] [decode-steps] [loss]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
./kiln build >/dev/null
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export LD_PRELOAD="$JAVA_HOME/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
exec "$JAVA_HOME/bin/java" --enable-native-access=dev.kiln.core -XX:NativeMemoryTracking=summary -XX:+UseParallelGC -Xms512m -Xmx512m -XX:+AlwaysPreTouch -Xss4m \
  --module-path "runtime-java/kiln-cli/target/kiln-cli.jar:runtime-java/kiln-cli/target/lib" \
  -m dev.kiln.cli/dev.kiln.cli.SoakBench "$@" 2> >(grep -v "WARNING: Using incubator modules" >&2)
