# Shared by the benchmarks (sourced, not run): the vmlift launcher, best-of-N timing, peak memory, OVF packages,
# the test cluster as a process, and one results file that bench/all.sh prints as a table of ratios.
# Every time is a whole process (JVM start-up included), taken in the same run as its reference.

bench_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_module="$bench_repo/migrator-runner"
# The launcher the package phase writes beside the jar; it uses the jar's class-data archive.
vmlift="$bench_module/target/vmlift"
[ -x "$vmlift" ] || (cd "$bench_repo" && mvn -q -B -pl migrator-runner -am package -DskipTests)

bench_work=$(mktemp -d)
bench_pids=()
bench_cleanup() {
  local pid
  for pid in "${bench_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$bench_work"
}
trap bench_cleanup EXIT

# bench_best RUNS COMMAND...: the best wall time in seconds of RUNS runs; stops the benchmark if one fails. Each run
# starts with no dirty pages (sync, untimed), so that none pays for the writeback of the one before, and after the
# command in the array bench_untimed, when one is set (what clears the way for the next run).
bench_untimed=()
bench_best() {
  local runs=$1 best="" start end t
  shift
  for _ in $(seq "$runs"); do
    if [ ${#bench_untimed[@]} -gt 0 ]; then
      "${bench_untimed[@]}" >/dev/null 2>&1 || { echo "failed: ${bench_untimed[*]}" >&2; exit 1; }
    fi
    sync
    start=$(date +%s.%N)
    "$@" >"$bench_work/last.out" 2>"$bench_work/last.err" || { echo "failed: $*" >&2; cat "$bench_work/last.err" >&2; exit 1; }
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  printf '%.3f' "$best"
}

# bench_once COMMAND...: one run under GNU time; prints its wall time in seconds and its peak resident memory in
# MiB ("SECONDS MIB"); stops the benchmark if it fails.
bench_once() {
  local seconds kib
  /usr/bin/time -f '%e %M' -o "$bench_work/time" "$@" >/dev/null 2>"$bench_work/last.err" \
    || { echo "failed: $*" >&2; cat "$bench_work/last.err" >&2; exit 1; }
  read -r seconds kib < "$bench_work/time"
  echo "$seconds $((kib / 1024))"
}

# bench_record WHAT REFERENCE REFERENCE_VALUE VMLIFT_VALUE GOAL [UNIT]: one row of the table; the ratio is
# vmlift / reference and the goal is the highest ratio that meets it.
bench_record() {
  local ratio met
  ratio=$(printf '%.2f' "$(echo "$4 / $3" | bc -l)")
  # Met on the exact ratio: a rounded 1.00 may be over the goal.
  met=$([ "$(echo "$4 <= $5 * $3" | bc -l)" = 1 ] && echo yes || echo NO)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${6:-s}" "$ratio" "$5" "$met" \
    | tee -a "${BENCH_RESULTS:-/dev/null}"
}

# bench_package SHARE NAME VMDK CAPACITY [MAC]: an OVF package of one VM with VMDK (streamOptimized) as its disk.
bench_package() {
  local share=$1 name=$2 vmdk=$3 capacity=$4 mac=${5:-00:50:56:00:00:01}
  mkdir -p "$share/$name"
  cp "$vmdk" "$share/$name/$name-disk1.vmdk"
  sed -e "s/@NAME@/$name/g" -e "s/@FILE_SIZE@/$(stat -c %s "$vmdk")/" -e "s/@CAPACITY@/$capacity/" \
    -e "s/@SUBFORMAT@/streamOptimized/" -e "s/@MAC@/$mac/" \
    "$bench_module/src/test/resources/ovf/one-disk-vm.ovf" > "$share/$name/$name.ovf"
}

# bench_plan DOCS SHARE NAMESPACE STORAGE_CLASS VM...: providers, maps and a plan in DOCS, named after DOCS (no
# storage class when it is "").
bench_plan() {
  local docs=$1 share=$2 namespace=$3 class=$4 args=()
  shift 4
  mkdir -p "$docs"
  cat > "$docs/providers.yaml" <<EOF
apiVersion: forklift.konveyor.io/v1beta1
kind: Provider
metadata: {name: share}
spec: {type: ova, url: $share}
---
apiVersion: forklift.konveyor.io/v1beta1
kind: Provider
metadata: {name: host}
spec: {type: openshift}
EOF
  local storage=()
  [ -n "$class" ] && storage=(--storage-class "$class")
  "$vmlift" map -f "$docs/providers.yaml" --target-namespace "$namespace" "${storage[@]}" \
    --output-file "$docs/maps.yaml" >/dev/null
  for vm in "$@"; do args+=(--vm "$vm"); done
  "$vmlift" plan -f "$docs" "${args[@]}" --name "$(basename "$docs")" --target-namespace "$namespace" --plan-file "$docs/plan.yaml" \
    >/dev/null
}

# bench_start_cluster [LATENCY_MS]: the tests' fabric8 mock API server with FakeKubevirt's controller and CDI upload
# proxy, as a process (io.vmlift.testing.MockCluster), answering each API request LATENCY_MS later (default 0); sets
# bench_kubeconfig, and bench_upload_ca to the CA of its upload proxy, which serves TLS as CDI's does. It serves
# until the benchmark ends.
bench_start_cluster() {
  local dir="$bench_work/cluster"
  mkdir -p "$dir"
  (cd "$bench_repo" && mvn -q -B -pl migrator-runner test-compile dependency:build-classpath \
    -Dmdep.outputFile="$dir/cp.txt")
  mkfifo "$dir/in"
  java -cp "$bench_module/target/test-classes:$bench_module/target/classes:$(cat "$dir/cp.txt")" \
    io.vmlift.testing.MockCluster "$dir" "${1:-0}" <"$dir/in" >"$dir/log" 2>&1 &
  bench_pids+=($!)
  exec 7>"$dir/in" # holding its input open keeps it serving; kill ends it
  until grep -q '^ready' "$dir/log"; do
    kill -0 "${bench_pids[-1]}" 2>/dev/null || { cat "$dir/log" >&2; exit 1; }
    sleep 0.2
  done
  bench_kubeconfig="$dir/kubeconfig"
  bench_upload_ca="$dir/upload-proxy-ca.pem"
}

# bench_compressible BYTES: base64 text, which deflates to about 3/4, as real disks' data roughly does.
bench_compressible() { head -c $(($1 * 3 / 4)) /dev/urandom | base64 -w0 | head -c "$1"; }
