#!/usr/bin/env bash
# Benchmark: vmlift's streamOptimized VMDK -> raw conversion against `qemu-img convert`, same images, same run.
#   A: 4 GiB virtual, 1 GiB allocated (25%), streamOptimized
#   B: 1 GiB virtual, fully allocated with the same kind of data, streamOptimized
# Prints the best of N runs of each tool per image, the vmlift/qemu-img time ratio (below 1 = vmlift faster),
# and vmlift's A/B ratio (near 1 = time follows allocated bytes, not virtual size). Times are whole processes,
# so vmlift's include JVM start-up. Usage: migrator-runner/bench/disk-convert.sh [runs]   (needs qemu-img)
set -euo pipefail
runs=${1:-3}
repo=$(cd "$(dirname "$0")/../.." && pwd)
jar="$repo/migrator-runner/target/vmlift.jar"
[ -f "$jar" ] || (cd "$repo" && mvn -q -B -pl migrator-runner -am package -DskipTests)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mib=$((1024 * 1024))

# Compressible data (base64 text deflates to about 3/4), so inflating grains costs what it does on real disks.
make_data() { head -c $(($1 * 3 / 4)) /dev/urandom | base64 -w0 | head -c "$1"; }

echo "making images in $work ..."
truncate -s 4G "$work/a.raw"
for i in $(seq 0 63); do  # 64 runs of 16 MiB, one every 64 MiB: 1 GiB of data in 4 GiB
  make_data $((16 * mib)) | dd of="$work/a.raw" bs=1M seek=$((i * 64)) conv=notrunc status=none
done
make_data $((1024 * mib)) > "$work/b.raw"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$work/a.raw" "$work/a.vmdk"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$work/b.raw" "$work/b.vmdk"

best() {  # best wall time in seconds of running "$@" $runs times
  local best=""
  for _ in $(seq "$runs"); do
    local start end t
    start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  printf '%.3f' "$best"
}

declare -A vmlift qemu
for image in a b; do
  qemu[$image]=$(best qemu-img convert -f vmdk -O raw "$work/$image.vmdk" "$work/$image.qemu.raw")
  vmlift[$image]=$(best java -jar "$jar" convert -O raw "$work/$image.vmdk" "$work/$image.vmlift.raw")
  qemu-img compare -q "$work/$image.qemu.raw" "$work/$image.vmlift.raw" || { echo "MISMATCH on $image"; exit 1; }
done

echo
echo "image                              qemu-img   vmlift   vmlift/qemu-img"
printf 'A  4 GiB virtual, 1 GiB data    %8ss %8ss   %.2f\n' "${qemu[a]}" "${vmlift[a]}" "$(echo "${vmlift[a]} / ${qemu[a]}" | bc -l)"
printf 'B  1 GiB virtual, 1 GiB data    %8ss %8ss   %.2f\n' "${qemu[b]}" "${vmlift[b]}" "$(echo "${vmlift[b]} / ${qemu[b]}" | bc -l)"
printf 'vmlift A/B (1.00 = time follows allocated bytes): %.2f\n' "$(echo "${vmlift[a]} / ${vmlift[b]}" | bc -l)"
echo "outputs identical (qemu-img compare): yes; cores: $(nproc); runs per cell: $runs (best)"
