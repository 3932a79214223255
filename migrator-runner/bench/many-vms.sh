#!/usr/bin/env bash
# Benchmark: one plan of N VMs (default 200) migrated with 20 in flight, in a JVM sized as a 512 MiB pod
# (-XX:MaxRAM=512m), into the folder target and into the test cluster (the tests' fabric8 mock API server with
# FakeKubevirt's controller and CDI upload proxy, run as a process: io.vmlift.testing.MockCluster). Each VM is an
# OVF package with one streamOptimized disk of 64 MiB virtual, 4 MiB of data. Prints wall time and peak RSS (GNU
# time) for plan and each migrate, and a bare JVM's start beside them.
# Usage: migrator-runner/bench/many-vms.sh [vms]   (needs qemu-img and /usr/bin/time)
set -euo pipefail
vms=${1:-200}
repo=$(cd "$(dirname "$0")/../.." && pwd)
jar="$repo/migrator-runner/target/vmlift.jar"
[ -f "$jar" ] || (cd "$repo" && mvn -q -B -pl migrator-runner -am package -DskipTests)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jvm=(java -XX:MaxRAM=512m -jar "$jar")
template="$repo/migrator-runner/src/test/resources/ovf/one-disk-vm.ovf"

echo "making $vms packages in $work ..."
head -c $((4 * 1024 * 1024)) /dev/urandom > "$work/data.raw"
truncate -s 64M "$work/data.raw"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$work/data.raw" "$work/disk.vmdk"
size=$(stat -c %s "$work/disk.vmdk")
mkdir -p "$work/share" "$work/docs"
for i in $(seq 1 "$vms"); do
  name=$(printf 'vm-%04d' "$i")
  mac=$(printf '00:50:56:%02x:%02x:01' $((i / 256)) $((i % 256)))
  mkdir "$work/share/$name"
  cp "$work/disk.vmdk" "$work/share/$name/$name-disk1.vmdk"
  sed -e "s/@NAME@/$name/g" -e "s/@FILE_SIZE@/$size/" -e "s/@CAPACITY@/67108864/" \
    -e "s/@SUBFORMAT@/streamOptimized/" -e "s/@MAC@/$mac/" "$template" > "$work/share/$name/$name.ovf"
done
cat > "$work/docs/providers.yaml" <<EOF
apiVersion: forklift.konveyor.io/v1beta1
kind: Provider
metadata: {name: share}
spec: {type: ova, url: $work/share}
---
apiVersion: forklift.konveyor.io/v1beta1
kind: Provider
metadata: {name: host}
spec: {type: openshift}
EOF
"${jvm[@]}" map -f "$work/docs/providers.yaml" --target-namespace wave --output-file "$work/docs/maps.yaml" >/dev/null
args=()
for i in $(seq 1 "$vms"); do args+=(--vm "$(printf 'vm-%04d' "$i")"); done

measure() {  # prints "seconds peak-MiB" of one run of "$@"
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  read -r seconds kib < "$work/time"
  printf '%s s, peak RSS %d MiB' "$seconds" $((kib / 1024))
}

echo "plan    ($vms VMs):                      $(measure "${jvm[@]}" plan -f "$work/docs" "${args[@]}" --name wave \
  --target-namespace wave --plan-file "$work/docs/plan.yaml")"
echo "migrate ($vms VMs, 20 in flight, folder): $(measure "${jvm[@]}" migrate -f "$work/docs" --output-dir "$work/out" \
  --max-in-flight 20 --progress none)"
completed=$(grep -o '"phase" : "Completed"' "$work/out/wave.status.json" | wc -l)
echo "completed VMs: $completed of $vms"

echo "starting the test cluster ..."
(cd "$repo" && mvn -q -B -pl migrator-runner test-compile dependency:build-classpath -Dmdep.outputFile="$work/cp.txt")
mkfifo "$work/cluster.in"
java -cp "$repo/migrator-runner/target/test-classes:$repo/migrator-runner/target/classes:$(cat "$work/cp.txt")" \
  io.vmlift.testing.MockCluster "$work/cluster" <"$work/cluster.in" >"$work/cluster.log" 2>&1 &
cluster_pid=$!
exec 3>"$work/cluster.in" # the cluster serves until this closes
trap 'exec 3>&-; wait "$cluster_pid" 2>/dev/null; rm -rf "$work"' EXIT
until grep -q '^ready' "$work/cluster.log"; do
  kill -0 "$cluster_pid" 2>/dev/null || { cat "$work/cluster.log" >&2; exit 1; }
  sleep 0.2
done
mkdir -p "$work/cdocs"
cp "$work/docs/providers.yaml" "$work/cdocs/"
"${jvm[@]}" map -f "$work/cdocs/providers.yaml" --target-namespace migrated --storage-class standard \
  --output-file "$work/cdocs/maps.yaml" >/dev/null
"${jvm[@]}" plan -f "$work/cdocs" "${args[@]}" --name wave --target-namespace migrated \
  --plan-file "$work/cdocs/plan.yaml" >/dev/null
echo "migrate ($vms VMs, 20 in flight, cluster): $(measure "${jvm[@]}" migrate -f "$work/cdocs" \
  --kubeconfig "$work/cluster/kubeconfig" --max-in-flight 20 --progress none)"
completed=$("${jvm[@]}" status -f "$work/cdocs" --kubeconfig "$work/cluster/kubeconfig" -o json \
  | grep -o '"phase" *: *"Completed"' | wc -l)
echo "completed VMs: $completed of $vms"
echo "bare JVM start: $(measure java -XX:MaxRAM=512m -version)"
