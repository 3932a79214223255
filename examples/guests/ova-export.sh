# Sourced by the guests' build.sh: writes a raw disk image out as a VMware export would hold it, an OVA with an
# OVF descriptor (vmw:osType, EFI or BIOS firmware, the disk on SATA, one E1000e NIC on "VM Network") and a
# streamOptimized VMDK; plain ustar with fixed times and owners. Needs qemu-img and GNU tar.
#
# export_ova NAME RAW_DISK SIZE_MIB MEMORY_MIB FIRMWARE MAC WORK OUT_DIR   (prints the OVA's path)
export_ova() {
  local name=$1 disk=$2 size_mib=$3 memory_mib=$4 firmware=$5 mac=$6 work=$7 out=$8
  local vmdk="$work/$name-disk1.vmdk"
  qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$disk" "$vmdk"
  local vmdk_size
  vmdk_size=$(stat -c %s "$vmdk")
  cat > "$work/$name.ovf" <<OVF
<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
    xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
    xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
    xmlns:vmw="http://www.vmware.com/schema/ovf">
  <References><File ovf:href="$name-disk1.vmdk" ovf:id="file1" ovf:size="$vmdk_size"/></References>
  <DiskSection><Info>Virtual disk information</Info>
    <Disk ovf:capacity="$((size_mib * 1048576))" ovf:capacityAllocationUnits="byte" ovf:diskId="vmdisk1"
        ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
  <NetworkSection><Info>The list of logical networks</Info>
    <Network ovf:name="VM Network"><Description>The VM Network network</Description></Network>
  </NetworkSection>
  <VirtualSystem ovf:id="$name"><Info>A virtual machine</Info><Name>$name</Name>
    <OperatingSystemSection ovf:id="96" vmw:osType="debian12_64Guest"><Info>The kind of installed guest operating system</Info></OperatingSystemSection>
    <VirtualHardwareSection><Info>Virtual hardware requirements</Info>
      <System><vssd:ElementName>Virtual Hardware Family</vssd:ElementName><vssd:InstanceID>0</vssd:InstanceID><vssd:VirtualSystemIdentifier>$name</vssd:VirtualSystemIdentifier><vssd:VirtualSystemType>vmx-19</vssd:VirtualSystemType></System>
      <Item><rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits><rasd:ElementName>1 virtual CPU(s)</rasd:ElementName><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>1</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ElementName>${memory_mib}MB of memory</rasd:ElementName><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>$memory_mib</rasd:VirtualQuantity></Item>
      <Item><rasd:Address>0</rasd:Address><rasd:ElementName>SATA Controller 0</rasd:ElementName><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceSubType>vmware.sata.ahci</rasd:ResourceSubType><rasd:ResourceType>20</rasd:ResourceType></Item>
      <Item><rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:ElementName>Hard Disk 1</rasd:ElementName><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:InstanceID>4</rasd:InstanceID><rasd:Parent>3</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>
      <Item><rasd:Address>$mac</rasd:Address><rasd:AutomaticAllocation>true</rasd:AutomaticAllocation><rasd:Connection>VM Network</rasd:Connection><rasd:ElementName>Network adapter 1</rasd:ElementName><rasd:InstanceID>5</rasd:InstanceID><rasd:ResourceSubType>E1000e</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
      <vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="$firmware"/>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
OVF
  # OVF's order: the descriptor first, then the files it names.
  (cd "$work" && find "$name.ovf" "$name-disk1.vmdk" -exec touch -d @0 {} + \
    && tar --format=ustar --owner=0 --group=0 --numeric-owner -cf "$out/$name.ova" "$name.ovf" "$name-disk1.vmdk")
  echo "$out/$name.ova"
}
