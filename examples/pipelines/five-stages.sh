#!/usr/bin/env bash
# The five stages as a pipeline would chain them, from a Provider document alone, over one workspace folder:
#   connect -> map -> plan -> migrate -> test
# Usage: examples/pipelines/five-stages.sh [WORKSPACE]   (builds the vmlift jar first if it is missing)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
jar="$repo/migrator-runner/target/vmlift.jar"
[ -f "$jar" ] || (cd "$repo" && mvn -q -B -pl migrator-runner -am package -DskipTests)
vmlift() { java -jar "$jar" "$@"; }

workspace=${1:-$(mktemp -d)}
mkdir -p "$workspace/results"
cp "$repo/examples/pipelines/ova/example-vm.ova" "$workspace/"
cat > "$workspace/provider.yaml" <<'YAML'
apiVersion: forklift.konveyor.io/v1beta1
kind: Provider
metadata: {name: ova-share, namespace: vmlift}
spec: {type: ova, url: example-vm.ova}
YAML
cd "$workspace"

vmlift connect   -f provider.yaml --inventory-file inventory.json --results-dir results
vmlift map       -f provider.yaml --inventory inventory.json --target-namespace wave1 --output-file maps.yaml \
                 --results-dir results
vmlift plan      -f provider.yaml -f maps.yaml --vm "Example VM" --name wave-1 --target-namespace wave1 \
                 --plan-file plan.yaml --concerns-file concerns.json --results-dir results
vmlift migrate   -f provider.yaml -f maps.yaml -f plan.yaml --output-dir out --progress plain --results-dir results
vmlift test      -f provider.yaml -f maps.yaml -f plan.yaml --output-dir out --junit junit.xml --report report.json \
                 --results-dir results
echo "workspace: $workspace (migrated VMs: $(cat results/migrated-vms); tests: $(cat results/test-summary))"
