#!/usr/bin/env bash
# Benchmark: one VM's disk, a streamOptimized VMDK, moved by `vmlift migrate` into the folder target (qcow2)
# beside `qemu-img convert -f vmdk -O qcow2` of the same VMDK; then the same plan into the test cluster (qcow2
# streamed over HTTPS to its CDI upload proxy) beside the folder. Same images, same run:
#   A: 4 GiB virtual, 1 GiB of compressible data (64 runs of 16 MiB, one every 64 MiB)
#   B: 1 GiB virtual, 1 GiB of compressible data
#   C: 1 GiB virtual, 1 GiB of incompressible data (random bytes)
# vmlift's time for A over its time for B near 1 means time follows allocated bytes, not virtual size. Each
# output is compared with qemu-img's (`qemu-img compare`). Usage: migrator-runner/bench/disk.sh [runs] [--no-cluster]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${1:-3}
cluster=$([ "${2:-}" = --no-cluster ] && echo no || echo yes)
work=$bench_work
mib=$((1024 * 1024))

echo "making images in $work ..."
truncate -s 4G "$work/a.raw"
for i in $(seq 0 63); do
  bench_compressible $((16 * mib)) | dd of="$work/a.raw" bs=1M seek=$((i * 64)) conv=notrunc status=none
done
bench_compressible $((1024 * mib)) > "$work/b.raw"
head -c $((1024 * mib)) /dev/urandom > "$work/c.raw"
for image in a b c; do
  capacity=$(stat -c %s "$work/$image.raw")
  qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$work/$image.raw" "$work/$image.vmdk"
  rm "$work/$image.raw"
  bench_package "$work/share" "vm-$image" "$work/$image.vmdk" "$capacity" "00:50:56:00:00:$(printf %02x "'$image")"
  bench_plan "$work/docs-$image" "$work/share" wave "" "vm-$image"
done

# Both write a new file each run; removing the previous one is not timed (qemu-img overwriting its own output
# would reuse allocated blocks; a rerun of vmlift into the same folder would find the VM migrated).
declare -A folder
for image in a b c; do
  bench_untimed=(rm -f "$work/$image.qemu.qcow2")
  qemu=$(bench_best "$runs" qemu-img convert -f vmdk -O qcow2 "$work/$image.vmdk" "$work/$image.qemu.qcow2")
  bench_untimed=(rm -rf "$work/out")
  folder[$image]=$(bench_best "$runs" "$vmlift" migrate -f "$work/docs-$image" --output-dir "$work/out" --progress none)
  written=$(find "$work/out" -name '*.qcow2' | head -1)
  qemu-img compare -q "$work/$image.qemu.qcow2" "$written" || { echo "MISMATCH on image $image" >&2; exit 1; }
  rm "$work/$image.qemu.qcow2"
  bench_record "disk $image into folder" "qemu-img convert -O qcow2" "$qemu" "${folder[$image]}" 0.7
done
printf 'vmlift A/B (1.00 = time follows allocated bytes): %.2f\n' "$(echo "${folder[a]} / ${folder[b]}" | bc -l)"

[ "$cluster" = yes ] || exit 0
# BENCH_API_LATENCY_MS: the test cluster answers each API request that much later, as one across a network does.
bench_start_cluster "${BENCH_API_LATENCY_MS:-0}"
rollback_if_migrated() {
  "$vmlift" status -f "$1" --kubeconfig "$bench_kubeconfig" >/dev/null 2>&1 || return 0
  "$vmlift" rollback -f "$1" --kubeconfig "$bench_kubeconfig"
}
for image in b c; do
  bench_plan "$work/cdocs-$image" "$work/share" migrated standard "vm-$image"
  # Each run starts from nothing on the cluster: the one before is rolled back, untimed.
  bench_untimed=(rollback_if_migrated "$work/cdocs-$image")
  upload=$(bench_best "$runs" "$vmlift" migrate -f "$work/cdocs-$image" --kubeconfig "$bench_kubeconfig" \
    --upload-proxy-ca "$bench_upload_ca" --progress none)
  bench_record "disk $image into cluster" "the same into folder" "${folder[$image]}" "$upload" 1.1
done
