#!/usr/bin/env bash
# The package phase's last step (run by Maven after the shaded jar is made): puts the launcher beside the jar and
# makes the jar's class-data archive. Training runs record the classes the commands load: --help; the bundled
# example's plan checked against a cluster that is not there (picocli, YAML, Jackson, the OVF reader, fabric8's
# client, models and HTTP stack; it ends with exit code 4, "cannot reach the cluster"); its inventory; and its
# migration into a folder (the disk path). A static archive of those and of the JDK's own start-up classes holds
# picocli too, whose Java 5 classes a dynamic archive (-XX:ArchiveClassesAtExit) leaves out on JDK 17.
# The archive records the jar's path, size and time, so it is made where the jar stays.
# Usage: package.sh TARGET_DIR EXAMPLE_DOCS_DIR
set -euo pipefail
target=$1
example=$2
install -m 0755 "$(dirname "$0")/vmlift" "$target/vmlift"
training="$target/cds-training"
rm -rf "$target/vmlift.jsa" "$training"
mkdir -p "$training"
cat > "$training/unreachable.kubeconfig" <<'KUBECONFIG'
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none, namespace: vmlift}}]
current-context: none
KUBECONFIG

# train NAME EXPECTED_EXIT ARGS...: one run of the jar without an archive, listing the classes it loads (java
# itself, not the launcher: the list's path goes as one argument, whatever spaces the build folder's path holds).
train() {
  local name=$1 expected=$2 status=0
  shift 2
  KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT=0 java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -XX:DumpLoadedClassList="$training/$name.classlist" -jar "$target/vmlift.jar" "$@" \
    >"$training/$name.log" 2>&1 || status=$?
  [ "$status" = "$expected" ] || {
    echo "package.sh: the training run '$name' ended with $status, not $expected:" >&2
    cat "$training/$name.log" >&2
    exit 1
  }
}
train help 0 --help
train plan 4 plan -f "$example" --check-cluster --kubeconfig "$training/unreachable.kubeconfig"
train inventory 0 inventory -f "$example"
train migrate 0 migrate -f "$example" --output-dir "$training/migrated"

java_home=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p')
# The JDK's own list first (what every JVM loads to start), then the runs' lists; each class once. Left out: the
# ids later JDKs number each run's lines with (two runs' ids clash), and the proxies the runs generated, which no
# dump can find by name.
cat "$java_home/lib/classlist" "$training"/*.classlist | grep -v -e '^#' -e '\$Proxy[0-9]' | sed 's/ id: [0-9]*$//' \
  | awk '!seen[$0]++' > "$training/all.classlist"
java -Xshare:dump -XX:SharedClassListFile="$training/all.classlist" -XX:SharedArchiveFile="$target/vmlift.jsa" \
  -cp "$target/vmlift.jar" > "$target/vmlift.jsa.log" 2>&1 \
  || { echo "package.sh: the class-data archive could not be made:" >&2; cat "$target/vmlift.jsa.log" >&2; exit 1; }
rm -rf "$training/migrated"
# The launcher must start with it: -Xshare:on makes the JVM fail where it would quietly do without.
VMLIFT_JAVA_OPTS=-Xshare:on "$target/vmlift" --version >/dev/null \
  || { echo "package.sh: the launcher cannot use the class-data archive it was given" >&2; exit 1; }
