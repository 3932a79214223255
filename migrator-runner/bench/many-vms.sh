#!/usr/bin/env bash
# Benchmark: one plan of N VMs (default 200) migrated with 20 in flight, in a JVM sized as a 512 MiB pod
# (-XX:MaxRAM=512m), into the folder target and into the test cluster (bench_start_cluster in lib.sh). Each VM is
# an OVF package with one streamOptimized disk of 64 MiB virtual, 4 MiB of data. Records the wall times and the
# peak resident memory (GNU time) of each migrate against the pod's 512 MiB.
# Usage: migrator-runner/bench/many-vms.sh [vms]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
vms=${1:-200}
work=$bench_work
export VMLIFT_JAVA_OPTS="-XX:MaxRAM=512m"

echo "making $vms packages in $work ..."
head -c $((4 * 1024 * 1024)) /dev/urandom > "$work/data.raw"
truncate -s 64M "$work/data.raw"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$work/data.raw" "$work/disk.vmdk"
names=()
for i in $(seq 1 "$vms"); do
  names+=("$(printf 'vm-%04d' "$i")")
  bench_package "$work/share" "${names[-1]}" "$work/disk.vmdk" 67108864 "$(printf '00:50:56:%02x:%02x:01' $((i / 256)) $((i % 256)))"
done

# measure WHAT COMMAND...: one run; records its peak memory against the pod's and prints its time.
measure() {
  local what=$1 once
  shift
  once=$(bench_once "$@")
  echo "$what: ${once% *} s"
  bench_record "$what, peak RSS" "512 MiB pod" 512 "${once#* }" 1.0 MiB
}

bench_plan "$work/docs" "$work/share" wave "" "${names[@]}"
measure "migrate $vms VMs, 20 in flight, into folder" \
  "$vmlift" migrate -f "$work/docs" --output-dir "$work/out" --max-in-flight 20 --progress none
completed=$(grep -o '"phase" : "Completed"' "$work/out/docs.status.json" | wc -l)
echo "completed VMs: $completed of $vms"
[ "$completed" = "$vms" ] || exit 1

bench_start_cluster
bench_plan "$work/cdocs" "$work/share" migrated standard "${names[@]}"
measure "migrate $vms VMs, 20 in flight, into cluster" \
  "$vmlift" migrate -f "$work/cdocs" --kubeconfig "$bench_kubeconfig" --upload-proxy-ca "$bench_upload_ca" \
    --max-in-flight 20 --progress none
completed=$("$vmlift" status -f "$work/cdocs" --kubeconfig "$bench_kubeconfig" -o json \
  | grep -o '"phase" *: *"Completed"' | wc -l)
echo "completed VMs: $completed of $vms"
[ "$completed" = "$vms" ] || exit 1
