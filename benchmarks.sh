#!/usr/bin/env bash
# benchmarks.sh: spawn latency, throughput, stage breakdown, CLI start-up and seccomp cost (issue 7); the
# user-mode network's cost; pre-warmed sandboxes (issue 15).
#
# Builds what the harness needs (tests skipped), brings sandbox-ctl and its CDS archive up to date outside the
# measurement, then runs dev.sandbox4j.bench.SpawnBench, NetworkBench and PrewarmBench, each in one JVM, and
# writes their figures into BENCHMARKS.md (between each one's marker comments; the text around them is kept).
# About 5 minutes on 2 cores.
#
#   ./benchmarks.sh            full run, figures into BENCHMARKS.md
#   ./benchmarks.sh --smoke    a few iterations of everything, printed only (what CI runs inside mvn verify)
#   ./benchmarks.sh --prewarm [--smoke] [--pool N]
#                              only the pre-warmed sandboxes against cold ones and ProcessBuilder, printed only
#
# Environment: JAVA_HOME (which java), MVN (Maven command, e.g. "mvn -o").
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
cd "$here"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

main=dev.sandbox4j.bench.SpawnBench
args=(--write BENCHMARKS.md)
if [[ "${1:-}" == "--prewarm" ]]; then
    main=dev.sandbox4j.bench.PrewarmBench
    shift
    args=("$@")
elif [[ "${1:-}" == "--smoke" ]]; then
    args=(--smoke)
elif [[ $# -gt 0 ]]; then
    echo "usage: $0 [--smoke] | --prewarm [--smoke] [--pool N]" >&2
    exit 2
fi

echo "benchmarks: building (tests skipped)..." >&2
classpath_file="$here/integration-tests/target/bench.classpath"
${MVN:-mvn} -B -q -DskipTests -pl integration-tests -am package dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$classpath_file" >&2
# The first start after a build rebuilds the CLI's class-data archive: not something to measure.
./sandbox-ctl --version >/dev/null

echo "benchmarks: measuring (the machine's load is recorded with the figures)..." >&2
if [[ "$main" == dev.sandbox4j.bench.PrewarmBench ]]; then
    exec "$java" -cp "integration-tests/target/test-classes:$(cat "$classpath_file")" "$main" "${args[@]}"
fi
"$java" -cp "integration-tests/target/test-classes:$(cat "$classpath_file")" \
    dev.sandbox4j.bench.SpawnBench "${args[@]}"
# What --network user adds, interleaved with --network none (BENCHMARKS.md, "User-mode networking").
"$java" -cp "integration-tests/target/test-classes:$(cat "$classpath_file")" \
    dev.sandbox4j.bench.NetworkBench "${args[@]}"
# Pre-warmed sandboxes against cold ones and ProcessBuilder (BENCHMARKS.md, "Pre-warmed sandboxes").
exec "$java" -cp "integration-tests/target/test-classes:$(cat "$classpath_file")" \
    dev.sandbox4j.bench.PrewarmBench "${args[@]}"
