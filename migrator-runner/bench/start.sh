#!/usr/bin/env bash
# Benchmark: how long vmlift takes to start, beside a bare JVM printing "hello", in the same run.
#   `vmlift --help`, and `vmlift plan` on the bundled example (picocli, YAML, Jackson, the OVA's OVF and manifest),
#   both through the launcher (target/vmlift: the package step's class-data archive) and as `java -jar`.
# Every Tekton step and Jenkins step pays this. Usage: migrator-runner/bench/start.sh [runs]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${1:-10}
example="$bench_repo/examples/pipelines/ova"

cat > "$bench_work/Hello.java" <<'JAVA'
public class Hello { public static void main(String[] args) { System.out.println("hello"); } }
JAVA
javac -d "$bench_work" "$bench_work/Hello.java"
hello=$(bench_best "$runs" java -cp "$bench_work" Hello)
echo "bare JVM hello: ${hello} s (best of $runs)"
bench_record "vmlift --help" "JVM hello" "$hello" "$(bench_best "$runs" "$vmlift" --help)" 3
bench_record "vmlift plan (example)" "JVM hello" "$hello" "$(bench_best "$runs" "$vmlift" plan -f "$example")" 3
bench_record "java -jar vmlift.jar --help" "JVM hello" "$hello" \
  "$(bench_best "$runs" java -jar "$bench_module/target/vmlift.jar" --help)" 3
