#!/usr/bin/env bash
# Rebuilds example-vm.ova, the bundled example: one VM with two disks (a small ext4 system disk and a
# 2 GiB data disk that is almost empty) and two NICs, exported the way VMware tools do (streamOptimized VMDKs,
# byte * 2^30 capacity units, vmw:CoresPerSocket, EFI firmware). Needs qemu-img (qemu-utils), mkfs.ext4, tar.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# System disk: 256 MiB with an ext4 filesystem holding a few MiB of files.
mkdir -p "$work/rootfs/etc" "$work/rootfs/var/lib/app"
printf 'example-vm\n' > "$work/rootfs/etc/hostname"
head -c $((3 * 1024 * 1024)) /dev/urandom > "$work/rootfs/var/lib/app/data.bin"
truncate -s 256M "$work/system.raw"
mkfs.ext4 -q -F -L system -d "$work/rootfs" "$work/system.raw"

# Data disk: 2 GiB virtual, 1 MiB of data at 1 GiB, the rest a hole.
truncate -s 2G "$work/data.raw"
head -c $((1024 * 1024)) /dev/urandom | dd of="$work/data.raw" bs=1M seek=1024 conv=notrunc status=none

qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$work/system.raw" "$work/example-vm-disk1.vmdk"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$work/data.raw" "$work/example-vm-disk2.vmdk"
size1=$(stat -c %s "$work/example-vm-disk1.vmdk")
size2=$(stat -c %s "$work/example-vm-disk2.vmdk")

cat > "$work/example-vm.ovf" <<OVF
<?xml version="1.0" encoding="UTF-8"?>
<Envelope vmw:buildId="build-0" xmlns="http://schemas.dmtf.org/ovf/envelope/1"
    xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common"
    xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
    xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
    xmlns:vmw="http://www.vmware.com/schema/ovf"
    xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <References>
    <File ovf:href="example-vm-disk1.vmdk" ovf:id="file1" ovf:size="${size1}"/>
    <File ovf:href="example-vm-disk2.vmdk" ovf:id="file2" ovf:size="${size2}"/>
  </References>
  <DiskSection>
    <Info>Virtual disk information</Info>
    <Disk ovf:capacity="256" ovf:capacityAllocationUnits="byte * 2^20" ovf:diskId="vmdisk1" ovf:fileRef="file1"
        ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
    <Disk ovf:capacity="2" ovf:capacityAllocationUnits="byte * 2^30" ovf:diskId="vmdisk2" ovf:fileRef="file2"
        ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
  <NetworkSection>
    <Info>The list of logical networks</Info>
    <Network ovf:name="VM Network"><Description>The VM Network network</Description></Network>
    <Network ovf:name="backend"><Description>The backend network</Description></Network>
  </NetworkSection>
  <VirtualSystem ovf:id="example-vm">
    <Info>A virtual machine</Info>
    <Name>Example VM</Name>
    <OperatingSystemSection ovf:id="101" vmw:osType="other5xLinux64Guest">
      <Info>The kind of installed guest operating system</Info>
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>example-vm</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>vmx-19</vssd:VirtualSystemType>
      </System>
      <Item>
        <rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>
        <rasd:ElementName>4 virtual CPU(s)</rasd:ElementName>
        <rasd:InstanceID>1</rasd:InstanceID>
        <rasd:ResourceType>3</rasd:ResourceType>
        <rasd:VirtualQuantity>4</rasd:VirtualQuantity>
        <vmw:CoresPerSocket ovf:required="false">2</vmw:CoresPerSocket>
      </Item>
      <Item>
        <rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>
        <rasd:ElementName>2048MB of memory</rasd:ElementName>
        <rasd:InstanceID>2</rasd:InstanceID>
        <rasd:ResourceType>4</rasd:ResourceType>
        <rasd:VirtualQuantity>2048</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:Address>0</rasd:Address>
        <rasd:ElementName>SCSI controller 0</rasd:ElementName>
        <rasd:InstanceID>3</rasd:InstanceID>
        <rasd:ResourceSubType>VirtualSCSI</rasd:ResourceSubType>
        <rasd:ResourceType>6</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:AddressOnParent>0</rasd:AddressOnParent>
        <rasd:ElementName>Hard disk 1</rasd:ElementName>
        <rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>
        <rasd:InstanceID>4</rasd:InstanceID>
        <rasd:Parent>3</rasd:Parent>
        <rasd:ResourceType>17</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:AddressOnParent>1</rasd:AddressOnParent>
        <rasd:ElementName>Hard disk 2</rasd:ElementName>
        <rasd:HostResource>ovf:/disk/vmdisk2</rasd:HostResource>
        <rasd:InstanceID>5</rasd:InstanceID>
        <rasd:Parent>3</rasd:Parent>
        <rasd:ResourceType>17</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:Address>00:50:56:8a:12:01</rasd:Address>
        <rasd:AddressOnParent>7</rasd:AddressOnParent>
        <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
        <rasd:Connection>VM Network</rasd:Connection>
        <rasd:ElementName>Network adapter 1</rasd:ElementName>
        <rasd:InstanceID>6</rasd:InstanceID>
        <rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType>
        <rasd:ResourceType>10</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:Address>00:50:56:8a:12:02</rasd:Address>
        <rasd:AddressOnParent>8</rasd:AddressOnParent>
        <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
        <rasd:Connection>backend</rasd:Connection>
        <rasd:ElementName>Network adapter 2</rasd:ElementName>
        <rasd:InstanceID>7</rasd:InstanceID>
        <rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType>
        <rasd:ResourceType>10</rasd:ResourceType>
      </Item>
      <vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="efi"/>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
OVF
(cd "$work" && sha256sum example-vm.ovf example-vm-disk1.vmdk example-vm-disk2.vmdk \
  | awk '{ printf "SHA256(%s)= %s\n", $2, $1 }' > example-vm.mf)
# The OVF must come first in an OVA (OVF spec, section 5.3); ustar is what VMware and VirtualBox write.
tar --format=ustar --owner=0 --group=0 --mtime='2026-01-01' -C "$work" -cf "$here/example-vm.ova" \
  example-vm.ovf example-vm.mf example-vm-disk1.vmdk example-vm-disk2.vmdk
echo "wrote $here/example-vm.ova ($(stat -c %s "$here/example-vm.ova") bytes)"
