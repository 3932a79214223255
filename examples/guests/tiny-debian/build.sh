#!/usr/bin/env bash
# Builds tiny-debian.ova: a minimal Debian 12 guest with a real root filesystem, the kind virt-v2v inspects and
# converts, as a VMware export holds it: EFI firmware, its disk on SATA, an E1000e NIC, a streamOptimized VMDK and
# an OVF naming the guest OS. Like a guest installed on VMware with host-only drivers (dracut's hostonly, or
# initramfs-tools' MODULES=dep), its initramfs holds the SATA drivers and no virtio ones: it boots on SATA, and on
# virtio it cannot find its root disk. Its kernel's modules on disk do include virtio, as Debian's always do.
# Once its root filesystem is mounted and init runs, it prints "vmlift-guest-ready" on the serial console.
# Made from Debian packages only: mmdebstrap for the root filesystem, mtools for the EFI system partition, and
# GRUB's EFI image (from the guest's own grub-efi-amd64-bin) as the boot loader. No loop device, no mount.
#
# Usage: examples/guests/tiny-debian/build.sh DIR
# Needs (Debian, as root for mmdebstrap): mmdebstrap mtools fdisk e2fsprogs qemu-utils, and a Debian mirror.
set -euo pipefail
out=${1:?usage: build.sh DIR}
name=tiny-debian
mkdir -p "$out"
out=$(cd "$out" && pwd)
for tool in mmdebstrap mformat mcopy sfdisk mkfs.ext4 qemu-img; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool is missing: apt-get install mmdebstrap mtools fdisk e2fsprogs qemu-utils" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "build.sh: mmdebstrap needs root here" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf --one-file-system "$work"' EXIT
root_uuid=6b1c2a34-5d6e-4f70-8a9b-0c1d2e3f4a5b
esp_serial=7E5A1D0C   # the EFI system partition's FAT serial number, its UUID 7E5A-1D0C
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}

# The root filesystem. The initramfs is made for SATA only (MODULES=list), after the kernel's own postinst made
# one with every driver; update-initramfs needs no device to do that.
mmdebstrap --variant=minbase --quiet \
  --include=linux-image-amd64,initramfs-tools,udev,grub-efi-amd64-bin,grub2-common,kmod \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
  --customize-hook='
    set -e
    # Drivers no VM of ours uses: keeps the disk small; virtio, SATA, SCSI and the NICs stay.
    for dir in sound drivers/gpu drivers/media drivers/net/wireless drivers/infiniband drivers/staging \
        drivers/bluetooth net/wireless net/bluetooth drivers/iio drivers/hid drivers/usb drivers/input/touchscreen; do
      rm -rf "$1"/lib/modules/*/kernel/$dir
    done
    for version in $(ls "$1/lib/modules"); do chroot "$1" depmod "$version"; done
    sed -i "s/^MODULES=.*/MODULES=list/" "$1/etc/initramfs-tools/initramfs.conf"
    printf "ahci\nsd_mod\next4\n" > "$1/etc/initramfs-tools/modules"
    chroot "$1" update-initramfs -u -k all
    printf "tiny-debian\n" > "$1/etc/hostname"
    printf "%s\n" "UUID='"$root_uuid"' / ext4 defaults 0 1" "UUID=7E5A-1D0C /boot/efi vfat umask=0077 0 1" \
      > "$1/etc/fstab"
    mkdir -p "$1/boot/efi"
    mkdir -p "$1/usr/local/sbin"
    printf "%s\n" "#!/bin/sh" "# The whole userland of this test guest: say it booted, then stay up." \
      "mount -t proc proc /proc; mount -t sysfs sys /sys" \
      "echo vmlift-guest-ready > /dev/console" "exec sleep infinity" > "$1/usr/local/sbin/vmlift-init"
    chmod 0755 "$1/usr/local/sbin/vmlift-init"
    # GRUB reads this when its configuration is generated again (virt-v2v does): keep the console and init.
    printf "%s\n" "GRUB_DEFAULT=0" "GRUB_TIMEOUT=0" "GRUB_DISTRIBUTOR=Debian" \
      "GRUB_CMDLINE_LINUX_DEFAULT=\"\"" "GRUB_CMDLINE_LINUX=\"console=ttyS0 rootdelay=20 init=/usr/local/sbin/vmlift-init\"" \
      "GRUB_DISABLE_OS_PROBER=true" > "$1/etc/default/grub"
    version=$(ls "$1/lib/modules" | head -n1)
    mkdir -p "$1/boot/grub"
    printf "%s\n" "set timeout=0" "insmod part_gpt" "insmod ext2" "search --no-floppy --fs-uuid --set=root '"$root_uuid"'" \
      "menuentry Debian {" \
      "  linux /boot/vmlinuz-$version root=UUID='"$root_uuid"' ro console=ttyS0 rootdelay=20 init=/usr/local/sbin/vmlift-init" \
      "  initrd /boot/initrd.img-$version" "}" > "$1/boot/grub/grub.cfg"
    # The EFI boot loader: GRUB with its modules inside, reading the configuration of the root filesystem.
    # GRUB'"'"'s modules stay in its image (its prefix): only the configuration comes from the root filesystem.
    printf "%s\n" "insmod part_gpt" "insmod ext2" "search --no-floppy --fs-uuid --set=root '"$root_uuid"'" \
      "configfile (\$root)/boot/grub/grub.cfg" > "$1/tmp/stub.cfg"
    chroot "$1" grub-mkstandalone -O x86_64-efi -o /tmp/BOOTX64.EFI "boot/grub/grub.cfg=/tmp/stub.cfg"
    mv "$1/tmp/BOOTX64.EFI" "$1/tmp/stub.cfg" "$1/../"
    rm -f "$1/etc/resolv.conf"
    rm -rf "$1/var/cache/apt" "$1/var/lib/apt/lists"/*
  ' \
  bookworm "$work/rootfs"
ls "$work/rootfs/lib/modules" >/dev/null

# The disk: GPT, an EFI system partition (FAT, 32 MiB) and the root filesystem with room for a conversion.
used_mib=$(du -sm "$work/rootfs" | cut -f1)
root_mib=$((used_mib + 512))
esp_mib=32
size_mib=$((1 + esp_mib + root_mib + 1))
# GRUB 2.06 cannot read ext4 with metadata_csum_seed or orphan_file, which Debian 12's mke2fs turns on.
mkfs.ext4 -q -F -U "$root_uuid" -L root -O ^metadata_csum_seed,^orphan_file -E root_owner=0:0 -d "$work/rootfs" \
  "$work/root.img" "${root_mib}M"
# The ESP as Debian's installer leaves it: GRUB at the fallback path, and EFI/debian/grub.cfg, where virt-v2v
# looks for the configuration of a UEFI guest, naming the one in /boot/grub.
mformat -i "$work/esp.img" -C -T $((esp_mib * 2048)) -h 64 -s 32 -v ESP -N "$esp_serial" ::
mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT ::/EFI/debian
mcopy -i "$work/esp.img" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$work/esp.img" "$work/stub.cfg" ::/EFI/debian/grub.cfg
disk="$work/disk.raw"
truncate -s "${size_mib}M" "$disk"
sfdisk --quiet "$disk" <<PARTS
label: gpt
start=2048, size=$((esp_mib * 2048)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=esp
start=$((2048 + esp_mib * 2048)), size=$((root_mib * 2048)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=root
PARTS
dd if="$work/esp.img" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$work/root.img" of="$disk" bs=1M seek=$((1 + esp_mib)) conv=notrunc,sparse status=none

. "$(dirname "${BASH_SOURCE[0]}")/../ova-export.sh"
export_ova "$name" "$disk" "$size_mib" 512 efi 00:50:56:a1:7e:21 "$work" "$out"
