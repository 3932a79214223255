#!/usr/bin/env bash
# The package phase's last step (run by Maven after the shaded jar is made): puts the launcher beside the jar and
# makes the jar's class-data archive by running it once: the bundled example's plan, checked against a cluster
# that is not there, loads what the commands load (picocli, YAML, Jackson, the OVF reader, and fabric8's client,
# models and HTTP stack); it ends with exit code 4, "cannot reach the cluster". The archive records the jar's
# path, size and time, so it is made where the jar stays. Usage: package.sh TARGET_DIR EXAMPLE_DOCS_DIR
set -euo pipefail
target=$1
example=$2
install -m 0755 "$(dirname "$0")/vmlift" "$target/vmlift"
rm -f "$target/vmlift.jsa"
cat > "$target/unreachable.kubeconfig" <<'EOF'
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none, namespace: vmlift}}]
current-context: none
EOF
status=0
KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT=0 VMLIFT_CDS=dump "$target/vmlift" plan -f "$example" --check-cluster \
  --kubeconfig "$target/unreachable.kubeconfig" >/dev/null 2>"$target/vmlift.jsa.log" || status=$?
[ "$status" = 4 ] || { echo "package.sh: the training run ended with $status, not 4:" >&2; cat "$target/vmlift.jsa.log" >&2; exit 1; }
[ -s "$target/vmlift.jsa" ] || { echo "package.sh: no class-data archive was written" >&2; exit 1; }
# The launcher must start with it: -Xshare:on makes the JVM fail where it would quietly do without.
VMLIFT_JAVA_OPTS=-Xshare:on "$target/vmlift" --version >/dev/null \
  || { echo "package.sh: the launcher cannot use the class-data archive it was given" >&2; exit 1; }
