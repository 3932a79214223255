#!/usr/bin/env bash
# Every benchmark, then one table: each row is vmlift beside its reference in the same run, the ratio
# vmlift / reference, and the goal (the highest ratio that meets it). The references are installed (qemu-img,
# GNU time, bc, Go and govmomi from Debian, when run as root) or built here (the govmomi reader and the vSphere
# simulator, a bare JVM hello). Run it on a quiet machine. Usage: migrator-runner/bench/all.sh [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${1:-3}
if [ "$(id -u)" = 0 ] && ! command -v qemu-img go bc /usr/bin/time >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends qemu-utils golang-go golang-github-vmware-govmomi-dev bc time >/dev/null
fi
for tool in qemu-img go bc /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install qemu-utils golang-go golang-github-vmware-govmomi-dev bc time" >&2; exit 1; }
done
export BENCH_RESULTS
BENCH_RESULTS=$(mktemp)
trap 'rm -f "$BENCH_RESULTS"' EXIT
"$here/start.sh" 10
"$here/disk.sh" "$runs"
"$here/vsphere-inventory.sh" 5000 "$runs"
"$here/many-vms.sh" 200
echo
echo "$(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), best of $runs runs (start: of 10)"
{
  printf 'what\treference\treference\tvmlift\tunit\tratio\tgoal\tmet\n'
  cat "$BENCH_RESULTS"
} | column -t -s $'\t'
