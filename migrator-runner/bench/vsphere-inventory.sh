#!/usr/bin/env bash
# Benchmark: `vmlift inventory -o json` against the vSphere simulator holding N VMs (default 5,000), login
# included, beside a naive per-VM walk with yavijava's getters (bench/NaiveInventoryWalk.java), same simulator,
# same run. Times are whole processes (JVM start-up included); vmlift runs with a 256 MB heap cap (-Xmx256m)
# and its peak resident memory is printed. Usage: migrator-runner/bench/vsphere-inventory.sh [vms] [runs]
# Needs go, golang-github-vmware-govmomi-dev (as .ci/run installs) and GNU time.
set -euo pipefail
vms=${1:-5000}
runs=${2:-3}
repo=$(cd "$(dirname "$0")/../.." && pwd)
module="$repo/migrator-runner"
jar="$module/target/vmlift.jar"
[ -f "$jar" ] || (cd "$repo" && mvn -q -B -pl migrator-runner -am package -DskipTests)
work=$(mktemp -d)
sim_pid=""
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# The same binary the tests build and cache (named by the source's hash).
source="$module/src/test/vcsim/main.go"
binary="$module/target/vcsim/vmlift-vcsim-$(sha256sum "$source" | cut -c1-12)"
if [ ! -x "$binary" ]; then
  mkdir -p "$module/target/vcsim"
  GO111MODULE=off GOPATH="$module/target/vcsim/gopath:/usr/share/gocode" GOCACHE="$module/target/vcsim/gocache" \
    go build -o "$binary" "$source"
fi

password="bench-$$-$RANDOM"
printf '%s' "$password" > "$work/password"
mkfifo "$work/stdin"
# One cluster of one host holding all VMs; the simulator exits when its stdin closes.
TMPDIR="$work" "$binary" -cluster 1 -cluster-host 1 -host 0 -vm "$vms" -user bench@vsphere.local \
  -password-file "$work/password" -cert-out "$work/cert.pem" < "$work/stdin" > "$work/url" 2>"$work/vcsim.log" &
sim_pid=$!
exec 3>"$work/stdin"
for _ in $(seq 100); do grep -q '^URL ' "$work/url" 2>/dev/null && break; sleep 0.2; done
url=$(awk '/^URL /{print $2}' "$work/url")
[ -n "$url" ] || { cat "$work/vcsim.log"; exit 1; }
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
export VMLIFT_BENCH_USER=bench@vsphere.local VMLIFT_BENCH_PASSWORD="$password" VCSIM_PASSWORD="$password"
export VMLIFT_BENCH_CA_CRT="$(cat "$work/cert.pem")"

best() {  # best wall time in seconds of running "$@" $runs times
  local best=""
  for _ in $(seq "$runs"); do
    local start end t
    start=$(date +%s.%N); "$@" >"$work/last.out" 2>"$work/last.err" || { cat "$work/last.err"; exit 1; }
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  printf '%.2f' "$best"
}

vmlift=$(best java -Xmx256m -jar "$jar" inventory -f "$work/providers.yaml" -o json)
count=$(grep -c '"powerState"' "$work/last.out")
rss=$(/usr/bin/time -f %M java -Xmx256m -jar "$jar" inventory -f "$work/providers.yaml" -o json 2>&1 >/dev/null | tail -1)
naive=$(best java -cp "$jar" --add-opens java.base/java.lang=ALL-UNNAMED "$module/bench/NaiveInventoryWalk.java" \
  "$url" bench@vsphere.local "$work/cert.pem")
echo
printf '%-44s %8s\n' "inventory of $count VMs (best of $runs)" "seconds"
printf '%-44s %8s\n' "vmlift inventory -o json (-Xmx256m)" "$vmlift"
printf '%-44s %8s\n' "naive per-VM walk (yavijava getters)" "$naive"
printf 'speed-up: %.1fx; vmlift peak RSS: %d MB (heap capped at 256 MB)\n' \
  "$(echo "$naive / $vmlift" | bc -l)" "$((rss / 1024))"
