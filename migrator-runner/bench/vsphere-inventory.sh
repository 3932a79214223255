#!/usr/bin/env bash
# Benchmark: `vmlift inventory -o json` against the vSphere simulator holding N VMs (default 5,000), login
# included, beside govmomi-inventory (bench/govmomi-inventory/main.go: VMware's Go library reading the same
# objects and properties through one ContainerView, as govc does), same simulator, same run. Times are whole
# processes; vmlift's peak resident memory (GNU time) is recorded against 256 MB. Both are built here from
# Debian's Go packages (go, golang-github-vmware-govmomi-dev, as .ci/run installs).
# Usage: migrator-runner/bench/vsphere-inventory.sh [vms] [runs]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
vms=${1:-5000}
runs=${2:-3}
work=$bench_work

# go_build SOURCE: the binary built from SOURCE, kept under target/go by the hash of its source.
go_build() {
  local binary
  binary="$bench_module/target/go/$(basename "$(dirname "$1")")-$(sha256sum "$1" | cut -c1-12)"
  if [ ! -x "$binary" ]; then
    mkdir -p "$bench_module/target/go"
    GO111MODULE=off GOPATH="$bench_module/target/go/gopath:/usr/share/gocode" GOCACHE="$bench_module/target/go/cache" \
      go build -o "$binary" "$1"
  fi
  echo "$binary"
}
simulator=$(go_build "$bench_module/src/test/vcsim/main.go")
reader=$(go_build "$bench_module/bench/govmomi-inventory/main.go")

password="bench-$$-$RANDOM"
printf '%s' "$password" > "$work/password"
mkfifo "$work/stdin"
# One cluster of one host holding all VMs; the simulator exits when its input closes.
TMPDIR="$work" "$simulator" -cluster 1 -cluster-host 1 -host 0 -vm "$vms" -user bench@vsphere.local \
  -password-file "$work/password" -cert-out "$work/cert.pem" < "$work/stdin" > "$work/url" 2>"$work/vcsim.log" &
bench_pids+=($!)
exec 3>"$work/stdin"
# Making 5,000 VMs took the simulator over 20 s on a busy machine here; give it two minutes.
for _ in $(seq 600); do grep -q '^URL ' "$work/url" 2>/dev/null && break; sleep 0.2; done
url=$(awk '/^URL /{print $2}' "$work/url")
[ -n "$url" ] || { echo "the simulator gave no URL in 120 s" >&2; cat "$work/vcsim.log" >&2; exit 1; }
echo "vcsim with $vms VMs at $url"

cat > "$work/providers.yaml" <<YAML
apiVersion: forklift.konveyor.io/v1beta1
kind: Provider
metadata: {name: bench, namespace: vmlift}
spec:
  type: vsphere
  url: $url
  secret: {name: bench, namespace: vmlift}
YAML
# Credentials through the environment, never on a command line.
export VMLIFT_BENCH_USER=bench@vsphere.local VMLIFT_BENCH_PASSWORD="$password"
export VMLIFT_BENCH_CA_CRT="$(cat "$work/cert.pem")"

govmomi=$(bench_best "$runs" "$reader" "$url" "$work/cert.pem")
vmlift_seconds=$(bench_best "$runs" "$vmlift" inventory -f "$work/providers.yaml" -o json)
count=$(grep -c '"powerState"' "$bench_work/last.out")
[ "$count" = "$vms" ] || { echo "vmlift listed $count VMs of $vms" >&2; exit 1; }
bench_record "inventory of $vms VMs" "govmomi reader" "$govmomi" "$vmlift_seconds" 1.0
once=$(bench_once "$vmlift" inventory -f "$work/providers.yaml" -o json)
# The goal is 256 MB (10^6 bytes); GNU time's figure is in MiB.
bench_record "inventory of $vms VMs, peak RSS" "256 MB" 244.14 "${once#* }" 1.0 MiB
