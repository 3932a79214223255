#!/usr/bin/env bash
# The package phase's last step (run by Maven after the shaded jar is made): puts the launcher beside the jar and
# makes the jar's class-data archive by running it once on the bundled example's plan, which loads what every
# command does (picocli, YAML, Jackson, the OVF reader). The archive records the jar's path, size and time, so it
# is made where the jar stays. Usage: package.sh TARGET_DIR EXAMPLE_DOCS_DIR
set -euo pipefail
target=$1
example=$2
install -m 0755 "$(dirname "$0")/vmlift" "$target/vmlift"
rm -f "$target/vmlift.jsa"
VMLIFT_CDS=dump "$target/vmlift" plan -f "$example" >/dev/null
[ -s "$target/vmlift.jsa" ] || { echo "package.sh: no class-data archive was written" >&2; exit 1; }
