#!/usr/bin/env bash
# Builds the vmlift runner image as an OCI archive, without a base image and without a container engine:
# a Debian bookworm rootfs from mmdebstrap (layer 1), the vmlift jar and its launcher (layer 2), and an OCI image
# layout packed by hand; times come from SOURCE_DATE_EPOCH, names are sorted, owners numeric. See --help.
set -euo pipefail

PROG=build.sh
SUITE=bookworm
ARCH=amd64
UID_GID=10001
# virt-v2v (guest conversion), nbdkit (which it needs without depending on it) and a kernel for its appliance.
PACKAGES=(openjdk-17-jre-headless qemu-utils qemu-system-x86 ovmf ca-certificates virt-v2v nbdkit linux-image-amd64)
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}
note() { printf '%s: %s\n' "$PROG" "$*" >&2; }
# An unexpected failure (one die does not describe) still ends with one line saying what failed.
trap 'rc=$?; printf "%s: error: line %s: \"%s\" failed (exit %s); see the messages above\n" "$PROG" "$LINENO" "$BASH_COMMAND" "$rc" >&2' ERR

usage() {
  cat <<EOF
Usage: tekton-tasks/image/build.sh [OPTIONS]

Builds the vmlift runner image (Debian $SUITE, OpenJDK 17 JRE, qemu-utils, qemu-system-x86, OVMF, the vmlift
jar; user 10001) as an OCI archive, from Debian packages only: no base image, no container engine.
Building the rootfs runs mmdebstrap as root and needs a Debian mirror; a cached rootfs (--rootfs-cache) needs
neither. Push the result with: skopeo copy oci-archive:FILE docker://REGISTRY/vmlift/vmlift-runner:VERSION

Options:
  --jar PATH              the shaded jar (default: migrator-runner/target/vmlift.jar in the repository)
  --output FILE           the OCI archive to write (default: tekton-tasks/target/vmlift-runner-VERSION.oci.tar)
  --version VERSION       the image version and tag (default: the project version in pom.xml)
  --mirror URL            the Debian mirror (default: the one this machine's apt uses for $SUITE, else
                          http://deb.debian.org/debian). For bit-for-bit reproducible builds use a fixed
                          snapshot, e.g. http://snapshot.debian.org/archive/debian/20250520T000000Z/
  --security-mirror URL   the debian-security mirror, or "none" (default: derived from a snapshot.debian.org
                          --mirror, else the one this machine's apt uses, else http://deb.debian.org/debian-security)
  --rootfs-cache DIR      keep the rootfs tarball in DIR and reuse it when its inputs (packages, mirrors, suite,
                          SOURCE_DATE_EPOCH, this recipe) are the same; the inputs' hash is in the file name
  --source URL            the org.opencontainers.image.source label (default: <scm><url> of pom.xml, else the
                          git remote "origin"; left out when neither exists)
  --licenses SPDX         the org.opencontainers.image.licenses label (default: NOASSERTION)
  -h, --help              show this help

Environment: SOURCE_DATE_EPOCH (default: the time of the repository's last commit) sets every timestamp.
EOF
}

# --- Options ---------------------------------------------------------------------------------------------------
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEKTON_DIR=$(dirname "$HERE")
REPO_ROOT=$(dirname "$TEKTON_DIR")
JAR= OUTPUT= VERSION= MIRROR= SECURITY_MIRROR= CACHE_DIR= SOURCE_URL= LICENSES=NOASSERTION
need_arg() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value; see --help"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --jar) need_arg "$@"; JAR=$2; shift 2 ;;
    --output) need_arg "$@"; OUTPUT=$2; shift 2 ;;
    --version) need_arg "$@"; VERSION=$2; shift 2 ;;
    --mirror) need_arg "$@"; MIRROR=${2%/}; shift 2 ;;
    --security-mirror) need_arg "$@"; SECURITY_MIRROR=${2%/}; shift 2 ;;
    --rootfs-cache) need_arg "$@"; CACHE_DIR=$2; shift 2 ;;
    --source) need_arg "$@"; SOURCE_URL=$2; shift 2 ;;
    --licenses) need_arg "$@"; LICENSES=$2; shift 2 ;;
    --jar=*|--output=*|--version=*|--mirror=*|--security-mirror=*|--rootfs-cache=*|--source=*|--licenses=*)
      opt=${1%%=*}; set -- "$opt" "${1#*=}" "${@:2}" ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1'; see --help" ;;
  esac
done

# --- Tools -----------------------------------------------------------------------------------------------------
for tool in tar gzip sha256sum python3 git; do
  command -v "$tool" >/dev/null || die "$tool is missing: apt-get install $([[ $tool == sha256sum ]] && echo coreutils || echo "$tool")"
done
tar --version 2>/dev/null | head -n1 | grep -q 'GNU tar' || die "tar is not GNU tar, which the reproducible layers need: apt-get install tar"
tar --sort=name -cf /dev/null --files-from /dev/null 2>/dev/null || die "this GNU tar has no --sort=name (needs 1.28 or later): apt-get install tar"

# --- Work dir --------------------------------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmlift-image.XXXXXXXX") || die "cannot create a work directory under ${TMPDIR:-/tmp}: set TMPDIR"
cleanup() {
  # mmdebstrap unmounts what it mounted, unless it was killed; never delete through a mount left behind
  if grep -q " $WORK/" /proc/self/mounts 2>/dev/null; then
    note "left $WORK in place: something is still mounted below it; umount that, then remove it"
  else
    rm -rf --one-file-system "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
umask 022

# --- Inputs ----------------------------------------------------------------------------------------------------
# git's own message says why it fails, e.g. a repository owned by another user ("dubious ownership").
git_in_repo() { git -C "$REPO_ROOT" "$@" 2>"$WORK/git.err"; }
git_error() { head -n1 "$WORK/git.err" | sed 's/^fatal: //'; }
if [[ -z ${SOURCE_DATE_EPOCH:-} ]]; then
  SOURCE_DATE_EPOCH=$(git_in_repo log -1 --format=%ct) \
    || die "SOURCE_DATE_EPOCH is not set and git cannot give the last commit time of $REPO_ROOT ($(git_error)): export SOURCE_DATE_EPOCH=<seconds since 1970>"
fi
[[ $SOURCE_DATE_EPOCH =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH='$SOURCE_DATE_EPOCH' is not a number of seconds since 1970"
export SOURCE_DATE_EPOCH
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

if [[ -z $VERSION ]]; then
  VERSION=$(python3 - "$REPO_ROOT/pom.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = {"m": root.tag[1:].split("}")[0]} if root.tag.startswith("{") else {}
version = root.find("m:version" if ns else "version", ns)
print(version.text.strip() if version is not None and version.text else "")
PY
  ) || die "cannot read the project version from $REPO_ROOT/pom.xml: pass --version VERSION"
  [[ -n $VERSION ]] || die "$REPO_ROOT/pom.xml names no project <version>: pass --version VERSION"
fi
[[ $VERSION =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "version '$VERSION' is not a valid image tag ([A-Za-z0-9_][A-Za-z0-9_.-]*)"

REVISION=$(git_in_repo rev-parse HEAD) || die "cannot read the git revision of $REPO_ROOT ($(git_error)): run in a git clone of the repository"
if [[ -n $(git -C "$REPO_ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
  note "note: the work tree has uncommitted changes; the revision label names HEAD ($REVISION)"
fi
if [[ -z $SOURCE_URL ]]; then
  SOURCE_URL=$(python3 - "$REPO_ROOT/pom.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
url = root.find(f"{{{ns}}}scm/{{{ns}}}url" if ns else "scm/url")
print(url.text.strip() if url is not None and url.text else "")
PY
  )
  if [[ -z $SOURCE_URL ]]; then
    # A remote URL may carry credentials (https://user:token@host/...): keep scheme, host and path only.
    SOURCE_URL=$(git -C "$REPO_ROOT" remote get-url origin 2>/dev/null | sed -E 's#^([a-z+]+://)[^/@]*@#\1#') || true
  fi
  [[ -n $SOURCE_URL ]] || note "note: no source URL known (no <scm><url> in pom.xml, no git remote origin): the source label is left out; pass --source URL"
fi

JAR=${JAR:-$REPO_ROOT/migrator-runner/target/vmlift.jar}
LAUNCHER=migrator-runner/src/main/launcher/vmlift
[[ -f $JAR ]] || die "the jar $JAR does not exist: build it with 'cd $REPO_ROOT && mvn -B -o -q -pl migrator-runner -am package -DskipTests', or pass --jar PATH"
OUTPUT=$(realpath -m -- "${OUTPUT:-$TEKTON_DIR/target/vmlift-runner-$VERSION.oci.tar}")

# The mirrors: the Debian (Origin) source this machine's apt uses for the suite, unless told otherwise.
apt_source_for() {
  command -v apt-get >/dev/null || return 0
  apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 'Identifier: Packages' 'Origin: Debian' 'Component: main' 2>/dev/null \
    | awk -v s="$1" '$1 == s { sub(/\/$/, "", $2); print $2; exit }'
}
if [[ -z $MIRROR ]]; then
  MIRROR=$(apt_source_for "$SUITE")
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
fi
if [[ -z $SECURITY_MIRROR ]]; then
  if [[ $MIRROR =~ ^(https?://snapshot\.debian\.org/archive/)debian/([0-9]{8}T[0-9]{6}Z)$ ]]; then
    SECURITY_MIRROR=${BASH_REMATCH[1]}debian-security/${BASH_REMATCH[2]}
  else
    SECURITY_MIRROR=$(apt_source_for "$SUITE-security")
    SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}
  fi
fi
SOURCES=("deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main")
[[ $SECURITY_MIRROR == none ]] || SOURCES+=("deb $SECURITY_MIRROR $SUITE-security main")

# --- Layer 1: the rootfs ---------------------------------------------------------------------------------------
# Run on the host by a customize hook: the JKS trust store ca-certificates-java writes stamps every entry with
# the time it was added, which no option changes. Set those stamps to SOURCE_DATE_EPOCH and recompute the store's
# integrity digest (SHA-1 over the password, "Mighty Aphrodite" and the content; the password is Debian's
# "changeit"), after checking the old digest, so the result is a valid store that differs in nothing else.
write_jks_helper() {
  cat >"$1" <<'PY'
import hashlib, io, struct, sys

path, epoch_ms, password = sys.argv[1], int(sys.argv[2]) * 1000, "changeit"

def digest(content):
    secret = b"".join(struct.pack(">H", ord(c)) for c in password)
    return hashlib.sha1(secret + b"Mighty Aphrodite" + content).digest()

data = open(path, "rb").read()
if len(data) < 32 or digest(data[:-20]) != data[-20:]:
    sys.exit(f"{path}: not a JKS keystore with the password {password!r}")
src, out = io.BytesIO(data[:-20]), io.BytesIO()

def take(n):
    chunk = src.read(n)
    if len(chunk) != n:
        sys.exit(f"{path}: truncated keystore")
    out.write(chunk)
    return chunk

def u16(): return struct.unpack(">H", take(2))[0]
def u32(): return struct.unpack(">I", take(4))[0]
def cert(): take(u16()); take(u32())  # type name, then the encoded certificate

magic, version, count = u32(), u32(), u32()
if magic != 0xFEEDFEED or version != 2:
    sys.exit(f"{path}: not a version 2 JKS keystore")
for _ in range(count):
    tag = u32()
    take(u16())  # alias
    src.read(8)
    out.write(struct.pack(">q", epoch_ms))  # the entry's creation date
    if tag == 2:  # trusted certificate
        cert()
    elif tag == 1:  # private key and its chain
        take(u32())
        for _ in range(u32()):
            cert()
    else:
        sys.exit(f"{path}: unknown keystore entry tag {tag}")
if src.read():
    sys.exit(f"{path}: unexpected bytes after the keystore's entries")
content = out.getvalue()
open(path, "wb").write(content + digest(content))
PY
}

# The hooks refer to the helper through the environment, so the arguments (and the cache key) name no temp path.
MMDEBSTRAP_ARGS=(
  --mode=root --variant=minbase --architectures="$ARCH" --format=tar
  --include="$(IFS=,; echo "${PACKAGES[*]}")"
  --aptopt='APT::Install-Recommends "false"'
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-include=/usr/share/locale/locale.alias'
  --dpkgopt='path-exclude=/usr/share/lintian/*'
  # update-alternatives fails on the JRE's man page links when their directory does not exist
  --essential-hook='mkdir -p "$1/usr/share/man/man1"'
  --customize-hook='test -f "$1/etc/ssl/certs/java/cacerts" || { echo "ca-certificates-java wrote no trust store" >&2; exit 1; }'
  --customize-hook='python3 "$VMLIFT_IMAGE_HELPERS/jks_clamp.py" "$1/etc/ssl/certs/java/cacerts" "$SOURCE_DATE_EPOCH"'
  --customize-hook="chroot \"\$1\" groupadd --gid $UID_GID vmlift"
  --customize-hook="chroot \"\$1\" useradd --uid $UID_GID --gid $UID_GID --no-log-init --no-create-home --home-dir /home/vmlift --shell /usr/sbin/nologin vmlift"
  --customize-hook="install -d -o $UID_GID -g $UID_GID -m 0755 \"\$1/home/vmlift\""
  # the container runtime provides these; the host's copies would make the image depend on the build machine
  --customize-hook='rm -f "$1/etc/hostname" "$1/etc/resolv.conf" "$1/etc/passwd-" "$1/etc/group-" "$1/etc/shadow-" "$1/etc/gshadow-" "$1/etc/subuid-" "$1/etc/subgid-"'
  # mmdebstrap's cleanup stage empties the apt lists and caches and removes the logs that carry times
  --customize-hook='rm -f "$1"/var/cache/debconf/*-old'
  "$SUITE"
)

# Char devices in a layer fail in rootless engines (mknod), and every runtime mounts its own /dev.
strip_devices() {
  local devices
  mapfile -t devices < <(tar -tvf "$1" | awk '$1 ~ /^c/ { print $NF }')
  [[ ${#devices[@]} -eq 0 ]] || tar --delete -f "$1" "${devices[@]}"
}

ROOTFS_KEY=$(
  {
    printf 'recipe: %s\n' "${MMDEBSTRAP_ARGS[@]}" "${SOURCES[@]}"
    printf 'SOURCE_DATE_EPOCH=%s\n' "$SOURCE_DATE_EPOCH"
    declare -f write_jks_helper strip_devices
  } | sha256sum | cut -c1-16
)
ROOTFS_NAME=rootfs-$SUITE-$ARCH-$ROOTFS_KEY.tar
if [[ -n $CACHE_DIR && -f $CACHE_DIR/$ROOTFS_NAME ]]; then
  ROOTFS_TAR=$CACHE_DIR/$ROOTFS_NAME
  note "rootfs: reusing $ROOTFS_TAR"
else
  [[ $(id -u) -eq 0 ]] || die "building the rootfs runs mmdebstrap in root mode, which needs root: run as root, or pass --rootfs-cache DIR holding $ROOTFS_NAME"
  command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: apt-get install mmdebstrap"
  APTOPTS=()
  if [[ " ${SOURCES[*]}" == *//snapshot.debian.org/* ]]; then
    APTOPTS=(--aptopt='Acquire::Check-Valid-Until "false"') # a snapshot's Release files are past Valid-Until
  fi
  note "rootfs: mmdebstrap $SUITE from $MIRROR (security: $SECURITY_MIRROR), SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH"
  mkdir -p "$WORK/helpers" "$WORK/tmp"
  write_jks_helper "$WORK/helpers/jks_clamp.py"
  ROOTFS_TAR=$WORK/$ROOTFS_NAME
  rc=0
  VMLIFT_IMAGE_HELPERS=$WORK/helpers TMPDIR=$WORK/tmp \
    mmdebstrap "${APTOPTS[@]}" "${MMDEBSTRAP_ARGS[@]}" "$ROOTFS_TAR" "${SOURCES[@]}" || rc=$?
  [[ $rc -eq 0 ]] || die "mmdebstrap failed (exit $rc, its messages are above): check that $MIRROR and $SECURITY_MIRROR are reachable, or pass --mirror URL"
  strip_devices "$ROOTFS_TAR"
  if [[ -n $CACHE_DIR ]]; then
    mkdir -p "$CACHE_DIR" || die "cannot create the rootfs cache $CACHE_DIR"
    cp "$ROOTFS_TAR" "$CACHE_DIR/.$ROOTFS_NAME.partial" && mv "$CACHE_DIR/.$ROOTFS_NAME.partial" "$CACHE_DIR/$ROOTFS_NAME" \
      || die "cannot write the rootfs to the cache $CACHE_DIR (disk full? permissions?)"
    printf '%s\n' "${SOURCES[@]}" "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH" "packages: ${PACKAGES[*]}" >"$CACHE_DIR/$ROOTFS_NAME.inputs"
    note "rootfs: cached as $CACHE_DIR/$ROOTFS_NAME"
  fi
fi

# --- Layer 2: the jar and the vmlift command -------------------------------------------------------------------
TAR_FLAGS=(--sort=name "--mtime=@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner --format=posix
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime --no-acls --no-xattrs --no-selinux)
STAGE=$WORK/vmlift-layer
mkdir -p "$STAGE/opt/vmlift" "$STAGE/usr/local/bin"
cp "$JAR" "$STAGE/opt/vmlift/vmlift.jar"
# vmlift's launcher beside the jar, on the PATH through a link. No class-data archive: a JDK 17 dump differs from
# run to run, and this image is built to be the same bytes each time.
cp "$REPO_ROOT/$LAUNCHER" "$STAGE/opt/vmlift/vmlift"
ln -s ../../../opt/vmlift/vmlift "$STAGE/usr/local/bin/vmlift"
find "$STAGE" -type d -exec chmod 0755 {} +
chmod 0644 "$STAGE/opt/vmlift/vmlift.jar"
chmod 0755 "$STAGE/opt/vmlift/vmlift"
APP_TAR=$WORK/vmlift-layer.tar
tar -C "$STAGE" "${TAR_FLAGS[@]}" -cf "$APP_TAR" opt usr

# --- The OCI image layout --------------------------------------------------------------------------------------
LAYOUT=$WORK/layout
mkdir -p "$LAYOUT/blobs/sha256"
note "compressing the layers (gzip -n)"
for layer in "$ROOTFS_TAR" "$APP_TAR"; do
  gzip -n -c "$layer" >"$WORK/layer.tar.gz"
  diff_id=$(sha256sum <"$layer" | cut -d' ' -f1)
  digest=$(sha256sum <"$WORK/layer.tar.gz" | cut -d' ' -f1)
  mv "$WORK/layer.tar.gz" "$LAYOUT/blobs/sha256/$digest"
  printf '%s %s %s\n' "$diff_id" "$digest" "$(stat -c %s "$LAYOUT/blobs/sha256/$digest")" >>"$WORK/layers.txt"
done

export CREATED VERSION REVISION LICENSES SOURCE_URL ARCH UID_GID IMAGE_PATH MIRROR
export HISTORY_ROOTFS="mmdebstrap --variant=minbase $SUITE --include=$(IFS=,; echo "${PACKAGES[*]}") (no recommends); user vmlift $UID_GID:$UID_GID"
MANIFEST_DIGEST=$(
  python3 - "$LAYOUT" "$WORK/layers.txt" <<'PY'
import hashlib, json, os, sys

layout, layers_file = sys.argv[1], sys.argv[2]
env = os.environ
layers = [line.split() for line in open(layers_file)]

def dump(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

def blob(obj, media_type):
    data = dump(obj)
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}

created = env["CREATED"]
labels = {
    "org.opencontainers.image.title": "vmlift-runner",
    "org.opencontainers.image.description": "vmlift, which migrates VMs into KubeVirt, for its Tekton Tasks: "
                                            "OpenJDK 17, qemu-img, qemu-system-x86 and OVMF (test --boot)",
    "org.opencontainers.image.version": env["VERSION"],
    "org.opencontainers.image.revision": env["REVISION"],
    "org.opencontainers.image.licenses": env["LICENSES"],
    "org.opencontainers.image.created": created,
}
if env.get("SOURCE_URL"):
    labels["org.opencontainers.image.source"] = env["SOURCE_URL"]
user = env["UID_GID"] + ":" + env["UID_GID"]
config = {
    "architecture": env["ARCH"],
    "os": "linux",
    "created": created,
    "config": {
        "User": user,
        "Entrypoint": ["/usr/local/bin/vmlift"],
        "Env": ["PATH=" + env["IMAGE_PATH"], "LANG=C.UTF-8"],
        "WorkingDir": "/home/vmlift",
        "Labels": labels,
    },
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id for diff_id, _, _ in layers]},
    "history": [
        {"created": created, "created_by": env["HISTORY_ROOTFS"], "comment": "Debian packages from " + env["MIRROR"]},
        {"created": created, "created_by": "/opt/vmlift/vmlift.jar, /opt/vmlift/vmlift and /usr/local/bin/vmlift"},
    ],
}
manifest = blob({
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": blob(config, "application/vnd.oci.image.config.v1+json"),
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + digest,
                "size": int(size)} for _, digest, size in layers],
}, "application/vnd.oci.image.manifest.v1+json")
manifest["annotations"] = {"org.opencontainers.image.ref.name": env["VERSION"]}
manifest["platform"] = {"architecture": env["ARCH"], "os": "linux"}
with open(os.path.join(layout, "index.json"), "wb") as f:
    f.write(dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [manifest]}))
with open(os.path.join(layout, "oci-layout"), "wb") as f:
    f.write(dump({"imageLayoutVersion": "1.0.0"}))
print(manifest["digest"])
PY
)

find "$LAYOUT" -type d -exec chmod 0755 {} +
find "$LAYOUT" -type f -exec chmod 0644 {} +
mkdir -p "$(dirname "$OUTPUT")" || die "cannot create the directory of $OUTPUT"
tar -C "$LAYOUT" "${TAR_FLAGS[@]}" -cf "$OUTPUT.partial" blobs index.json oci-layout \
  || die "cannot write $OUTPUT (disk full? permissions?)"
mv "$OUTPUT.partial" "$OUTPUT"

note "image vmlift-runner:$VERSION ($(du -h --apparent-size "$OUTPUT" | cut -f1), layers $(awk '{ s += $3 } END { printf "%.0f MiB", s / 1048576 }' "$WORK/layers.txt") compressed)"
echo "output: $OUTPUT"
echo "manifest digest: $MANIFEST_DIGEST"
