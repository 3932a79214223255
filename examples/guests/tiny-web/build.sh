#!/usr/bin/env bash
# Builds tiny-web.ova: a small bootable Linux guest, as a VMware export would hold it (an OVF descriptor with
# vmw:osType and a streamOptimized VMDK), made from Debian packages only. The guest is Debian's 6.1 kernel with
# an initramfs of busybox: it brings up its NICs (DHCP, as on KubeVirt's pod network and QEMU's user network),
# serves HTTP on port 80 with a page naming its hostname, runs Debian's dropbear SSH server on port 22 (root,
# password "tw-guest-pass": a test guest), answers the guest agent, prints "vmlift-guest-ready" on the serial console
# once it serves, and then offers a login prompt there. Nothing is mounted: the disk holds an MBR, a FAT
# partition with the boot loader, the kernel and the initramfs.
#
# Usage: examples/guests/tiny-web/build.sh DIR [--efi] [--broken]
#   --efi     boot with UEFI: the kernel, initramfs and command line as one EFI program (systemd's stub) at
#             \EFI\BOOT\BOOTX64.EFI; the OVF asks for EFI firmware. Default: BIOS, syslinux.
#   --broken  the web server is not started (a guest whose service is down), for tests of failing gates.
# Needs (Debian): busybox-static syslinux syslinux-common mtools qemu-utils kmod cpio; with --efi also
# systemd-boot-efi and binutils. The kernel and dropbear packages are fetched with apt-get download into
# DIR/cache; dropbear's C library comes from this (Debian 12) machine.
set -euo pipefail
out=${1:?usage: build.sh DIR [--efi] [--broken]}
shift
efi=false
broken=false
for arg in "$@"; do
  case "$arg" in
    --efi) efi=true ;;
    --broken) broken=true ;;
    *) echo "build.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
name=tiny-web
$efi && name=tiny-web-efi
$broken && name=$name-broken
mkdir -p "$out/cache"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The kernel: Debian's, extracted (not installed); modules.dep made with depmod.
kernel_pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
deb=$(ls "$out/cache/${kernel_pkg}"_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
  (cd "$out/cache" && apt-get download "$kernel_pkg" >/dev/null 2>&1)
  deb=$(ls "$out/cache/${kernel_pkg}"_*.deb | head -1)
fi
dpkg-deb -x "$deb" "$work/kernel"
version=${kernel_pkg#linux-image-}
depmod -b "$work/kernel" "$version"
modules="$work/kernel/lib/modules/$version"

# dropbear and the libraries it needs that this machine lacks, extracted from their packages.
for package in dropbear-bin libtomcrypt1 libtommath1; do
  if ! ls "$out/cache/${package}"_*.deb >/dev/null 2>&1; then
    (cd "$out/cache" && apt-get download "$package" >/dev/null 2>&1)
  fi
  dpkg-deb -x "$(ls "$out/cache/${package}"_*.deb | head -1)" "$work/dropbear"
done

# The initramfs: busybox, the drivers for the devices a migrated VM may get, and /init.
root="$work/root"
mkdir -p "$root"/{bin,dev,etc,proc,sys,tmp,www,root,usr/share/udhcpc,lib/modules/"$version"}
cp /bin/busybox "$root/bin/busybox"
mkdir -p "$root/usr/sbin" "$root/lib/x86_64-linux-gnu" "$root/lib64" "$root/etc/dropbear"
cp "$work/dropbear/usr/sbin/dropbear" "$root/usr/sbin/dropbear"
# Every library dropbear loads, as the dynamic linker resolves them (its own packages' first).
LD_LIBRARY_PATH="$work/dropbear/usr/lib/x86_64-linux-gnu" ldd "$work/dropbear/usr/sbin/dropbear" \
  | awk '/=> \// {print $3}' | while read -r lib; do cp -L "$lib" "$root/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
wanted="virtio_pci virtio_net virtio_blk virtio_scsi virtio_console e1000 e1000e ahci ata_piix sd_mod"
for module in $wanted; do
  line=$(grep -E "/$module\.ko:" "$modules/modules.dep")
  for file in ${line/:/}; do
    mkdir -p "$root/lib/modules/$version/$(dirname "$file")"
    cp "$modules/$file" "$root/lib/modules/$version/$file"
  done
done
cp "$modules"/modules.dep "$modules"/modules.alias "$root/lib/modules/$version/"
cat > "$root/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
# busybox udhcpc's hook: apply the lease.
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
    ;;
esac
exit 0
EOF
printf 'ID=debian\nVERSION_ID=12\nNAME="Debian GNU/Linux"\nPRETTY_NAME="tiny-web (Debian 12 kernel, busybox)"\n' \
  > "$root/etc/os-release"
# A guest agent for the QEMU guest agent protocol's informational commands and guest-exec, on the virtio-serial
# port KubeVirt and vmlift's --boot give every guest (org.qemu.guest_agent.0): one JSON command per line in, one
# answer out.
cat > "$root/bin/guest-agent" <<'AGENT'
#!/bin/sh
# Answers one JSON command per line on the agent's port. guest-exec runs a program with its arguments (strings
# without quotes or backslashes inside) and keeps its exit code and output for guest-exec-status.
strings() { # the JSON strings of the named member: a string, or an array of strings
  echo "$1" | sed -n "s/.*\"$2\" *: *\(\[[^]]*\]\|\"[^\"]*\"\).*/\1/p" | grep -o '"[^"]*"' | tr -d '"'
}
n=0
while true; do
  port=
  for p in /sys/class/virtio-ports/*; do
    [ "$(cat "$p/name" 2>/dev/null)" = org.qemu.guest_agent.0 ] && port=/dev/${p##*/}
  done
  [ -n "$port" ] || exit 0
  # One open, read and write: a virtio console port may be open only once at a time.
  exec 3<>"$port"
  while read -r line <&3; do
    case "$line" in
      *'"guest-sync"'*) echo "{\"return\": $(echo "$line" | sed -n 's/.*"id" *: *\([0-9]*\).*/\1/p')}" ;;
      *'"guest-ping"'*) echo '{"return": {}}' ;;
      *'"guest-info"'*) echo '{"return": {"version": "tiny-web 1", "supported_commands": [{"name": "guest-ping", "enabled": true}, {"name": "guest-get-osinfo", "enabled": true}, {"name": "guest-get-host-name", "enabled": true}, {"name": "guest-exec", "enabled": true}, {"name": "guest-exec-status", "enabled": true}]}}' ;;
      *'"guest-get-osinfo"'*) . /etc/os-release
        echo "{\"return\": {\"id\": \"$ID\", \"name\": \"$NAME\", \"pretty-name\": \"$PRETTY_NAME\", \"version-id\": \"$VERSION_ID\", \"kernel-release\": \"$(uname -r)\", \"machine\": \"$(uname -m)\"}}" ;;
      *'"guest-get-host-name"'*) echo "{\"return\": {\"host-name\": \"$(hostname)\"}}" ;;
      *'"guest-exec-status"'*) pid=$(echo "$line" | sed -n 's/.*"pid" *: *\([0-9]*\).*/\1/p')
        if [ -f "/tmp/exec.$pid.code" ]; then
          echo "{\"return\": {\"exited\": true, \"exitcode\": $(cat /tmp/exec.$pid.code), \"out-data\": \"$(base64 /tmp/exec.$pid.out | tr -d '\n')\"}}"
        else
          echo '{"return": {"exited": false}}'
        fi ;;
      *'"guest-exec"'*) n=$((n + 1)); path=$(strings "$line" path); args=$(strings "$line" arg)
        # One argument per line: word splitting on newlines only.
        ( set -f; IFS='
'; "$path" $args > /tmp/exec.$n.out 2>&1; echo $? > /tmp/exec.$n.tmp; mv /tmp/exec.$n.tmp /tmp/exec.$n.code ) &
        echo "{\"return\": {\"pid\": $n}}" ;;
      *) echo '{"error": {"class": "CommandNotFound", "desc": "this agent answers guest-sync, guest-ping, guest-info, guest-get-osinfo, guest-get-host-name, guest-exec and guest-exec-status"}}' ;;
    esac >&3
  done
  exec 3>&-
  sleep 1
done
AGENT
chmod +x "$root/bin/guest-agent"
cat > "$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
EOF
echo "root:$(busybox mkpasswd -m sha512 -S tinywebsalt0 tw-guest-pass):19000:0:99999:7:::" > "$root/etc/shadow"
chmod 600 "$root/etc/shadow"
cat > "$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for module in $wanted; do modprobe "\$module" 2>/dev/null; done
# The VM's name, as KubeVirt's DHCP or the kernel command line gives it, else the image's.
name=\$(sed -n 's/.*vmlift.hostname=\([^ ]*\).*/\1/p' /proc/cmdline)
hostname "\${name:-$name}"
ip link set lo up
for path in /sys/class/net/*; do
  nic=\${path##*/}
  [ "\$nic" = lo ] && continue
  ip link set "\$nic" up
  udhcpc -i "\$nic" -s /usr/share/udhcpc/default.script -t 10 -T 1 -n -q >/dev/null 2>&1 &
done
wait
echo "<html><body><h1>Welcome to tiny-web</h1><p>served by \$(hostname)</p></body></html>" > /www/index.html
EOF
if ! $broken; then
  echo 'httpd -p 80 -h /www' >> "$root/init"
fi
cat >> "$root/init" <<'EOF'
guest-agent &
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
/usr/sbin/dropbear -R -p 22
echo "vmlift-guest-ready $(hostname) $(ip -4 -o addr show scope global | awk '{print $2"="$4}' | tr '\n' ' ')" > /dev/ttyS0
[ -n "$(ip -4 -o addr show scope global)" ] || { echo "no address: $(ls /sys/class/net | tr '\n' ' ')"; lsmod; } > /dev/ttyS0
exec getty -L 115200 ttyS0 vt100
EOF
chmod +x "$root/init" "$root/usr/share/udhcpc/default.script"
# Fixed timestamps and owners: the same inputs give the same initramfs.
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -9n) > "$work/initrd.gz"

cmdline="console=ttyS0,115200 panic=10 quiet"
disk="$work/$name.raw"
size_mib=64
truncate -s ${size_mib}M "$disk"
start=2048 # sectors: the partition starts at 1 MiB
sectors=$(( size_mib * 2048 - start ))
# One partition in the MBR: bootable, FAT16 (LBA), or the EFI system partition type for --efi.
type=0e
$efi && type=ef
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
printf "\\x80\\xfe\\xff\\xff\\x$type\\xfe\\xff\\xff$(le32 $start)$(le32 $sectors)" \
  | dd of="$disk" bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of="$disk" bs=1 seek=510 conv=notrunc status=none
part="$disk@@$((start * 512))"
mformat -i "$part" -v TINYWEB -N 0 ::
if $efi; then
  objcopy --add-section .osrel=<(echo "ID=tiny-web") --change-section-vma .osrel=0x20000 \
    --add-section .cmdline=<(printf '%s' "$cmdline") --change-section-vma .cmdline=0x30000 \
    --add-section .linux="$work/kernel/boot/vmlinuz-$version" --change-section-vma .linux=0x2000000 \
    --add-section .initrd="$work/initrd.gz" --change-section-vma .initrd=0x3000000 \
    /usr/lib/systemd/boot/efi/linuxx64.efi.stub "$work/BOOTX64.EFI"
  mmd -i "$part" ::/EFI ::/EFI/BOOT
  mcopy -i "$part" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
else
  dd if=/usr/lib/syslinux/mbr/mbr.bin of="$disk" bs=440 count=1 conv=notrunc status=none
  syslinux --offset $((start * 512)) --install "$disk"
  printf 'DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL vmlinuz\n  INITRD initrd.gz\n  APPEND %s\n' \
    "$cmdline" > "$work/syslinux.cfg"
  mcopy -i "$part" "$work/kernel/boot/vmlinuz-$version" ::/vmlinuz
  mcopy -i "$part" "$work/initrd.gz" ::/initrd.gz
  mcopy -i "$part" "$work/syslinux.cfg" ::/syslinux.cfg
fi

# As a VMware export: an OVA with a streamOptimized VMDK and an OVF that names the guest OS and its devices.
firmware=bios
$efi && firmware=efi
. "$(dirname "${BASH_SOURCE[0]}")/../ova-export.sh"
export_ova "$name" "$disk" "$size_mib" 256 "$firmware" 00:50:56:a1:7e:01 "$work" "$out"
