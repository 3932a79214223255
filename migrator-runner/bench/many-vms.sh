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
  cat > "$work/share/$name/$name.ovf" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
    xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
    xmlns:vmw="http://www.vmware.com/schema/ovf">
  <References><File ovf:href="$name-disk1.vmdk" ovf:id="file1" ovf:size="$size"/></References>
  <DiskSection><Info>disks</Info>
    <Disk ovf:capacity="67108864" ovf:diskId="vmdisk1" ovf:fileRef="file1"
        ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
  <NetworkSection><Info>networks</Info><Network ovf:name="VM Network"/></NetworkSection>
  <VirtualSystem ovf:id="$name"><Info>A VM</Info><Name>$name</Name>
    <OperatingSystemSection ovf:id="101" vmw:osType="otherLinux64Guest"><Info>os</Info></OperatingSystemSection>
    <VirtualHardwareSection><Info>hardware</Info>
      <Item><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>1</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>512</rasd:VirtualQuantity></Item>
      <Item><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceSubType>lsilogic</rasd:ResourceSubType><rasd:ResourceType>6</rasd:ResourceType></Item>
      <Item><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:InstanceID>4</rasd:InstanceID><rasd:Parent>3</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>
      <Item><rasd:Address>$mac</rasd:Address><rasd:Connection>VM Network</rasd:Connection><rasd:InstanceID>5</rasd:InstanceID><rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
EOF
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
