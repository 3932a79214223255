package io.vmlift.model;

import io.vmlift.VmliftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The documents given with -f, checked, with references resolved by name as Kubernetes does. */
public final class DocumentSet {
    static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    /** What Kubernetes accepts as an object name; it also keeps names usable as file names. */
    static final Pattern DNS1123_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private final List<Located<?>> documents;
    private Map<String, String> environment = System.getenv();

    DocumentSet(List<Located<?>> documents) {
        this.documents = List.copyOf(documents);
    }

    /** Uses another environment for secrets given as variables (tests). */
    public DocumentSet withEnvironment(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
        return this;
    }

    public List<Located<?>> all() {
        return documents;
    }

    @SuppressWarnings("unchecked")
    public <T extends Document> List<Located<T>> ofType(Class<T> type) {
        List<Located<T>> found = new ArrayList<>();
        for (Located<?> located : documents) {
            if (type.isInstance(located.document())) {
                found.add((Located<T>) located);
            }
        }
        return found;
    }

    public <T extends Document> Optional<Located<T>> find(Class<T> type, ObjectReference reference) {
        if (reference == null || reference.name() == null) {
            return Optional.empty();
        }
        return ofType(type).stream()
                .filter(l -> reference.name().equals(l.document().name()))
                .filter(l -> reference.namespace() == null || l.document().namespace() == null
                        || reference.namespace().equals(l.document().namespace()))
                .findFirst();
    }

    /** The one source provider (or the one named), for commands that talk to a source. */
    public Located<Provider> sourceProvider(String name) {
        return single(ofType(Provider.class).stream().filter(p -> !p.document().isDestination()).toList(), name,
                "source Provider", "add one (type vsphere, ovirt or ova) with -f", "--provider");
    }

    /**
     * The one Plan (or the one named). Among several Plans, a single Migration document chooses, as a Migration
     * starts its Plan in Forklift.
     */
    public Located<Plan> plan(String name) {
        List<Located<Migration>> migrations = ofType(Migration.class);
        if (name == null && ofType(Plan.class).size() > 1 && migrations.size() == 1) {
            name = migrations.get(0).document().plan().name();
        }
        return single(ofType(Plan.class), name, "Plan",
                "write one with 'vmlift plan --vm NAME ...' or add it with -f", "--plan");
    }

    /** The cutover time a Migration document sets for the plan, if any (Forklift: spec.cutover). */
    public Optional<java.time.Instant> cutover(Located<Plan> plan) {
        return ofType(Migration.class).stream()
                .filter(m -> plan.document().name().equals(m.document().plan().name()))
                .map(m -> m.document().spec().cutover())
                .filter(c -> c != null && !c.isBlank())
                .map(c -> java.time.OffsetDateTime.parse(c).toInstant())
                .findFirst();
    }

    /** The only candidate, or the one named; otherwise a bad-input error that says how to choose. */
    private static <T extends Document> Located<T> single(List<Located<T>> candidates, String name, String what,
            String howToAdd, String option) {
        List<Located<T>> found = candidates.stream()
                .filter(l -> name == null || name.equals(l.document().name()))
                .collect(Collectors.toList());
        if (found.isEmpty()) {
            throw VmliftException.badInput(name == null
                    ? "no " + what + " among the documents; " + howToAdd
                    : "no " + what + " named '" + name + "' among the documents");
        }
        if (found.size() > 1) {
            throw VmliftException.badInput("several " + what + "s among the documents ("
                    + found.stream().map(l -> l.document().name()).collect(Collectors.joining(", "))
                    + "); choose one with " + option + " NAME");
        }
        return found.get(0);
    }

    /** Environment variable: a folder of mounted Secrets, one subfolder per Secret, one file per key. */
    public static final String SECRETS_DIR_VARIABLE = "VMLIFT_SECRETS_DIR";

    /**
     * The credentials a provider's secret reference names: a Secret document; else a Secret mounted as Kubernetes
     * mounts them, $VMLIFT_SECRETS_DIR/&lt;secret name&gt;/&lt;key&gt; (Tekton Tasks, pods); else environment
     * variables VMLIFT_&lt;SECRET NAME&gt;_&lt;KEY&gt; (upper case, other characters as _), e.g.
     * VMLIFT_VSPHERE_CREDS_PASSWORD.
     */
    public Credentials credentials(Located<Provider> provider) {
        return credentials(provider.document().spec().secret());
    }

    /** The Secret a reference names, looked up as for a provider (documents, mounted, environment). */
    public Credentials credentials(ObjectReference reference) {
        if (reference == null || reference.name() == null) {
            return Credentials.NONE;
        }
        Optional<Located<Secret>> secret = find(Secret.class, reference);
        if (secret.isPresent()) {
            return Credentials.of(secret.get().document()::value);
        }
        Path mounted = mountedSecret(reference.name());
        if (mounted != null) {
            return Credentials.of(key -> readKey(mounted, key));
        }
        String prefix = environmentPrefix(reference.name());
        return Credentials.of(key -> environment.get(prefix + environmentKey(key)));
    }

    /** The folder of a mounted Secret, or null when there is none. */
    private Path mountedSecret(String name) {
        String dir = environment.get(SECRETS_DIR_VARIABLE);
        if (dir == null || dir.isBlank() || name.contains("/") || name.contains("..")) {
            return null;
        }
        Path folder = Path.of(dir).resolve(name);
        return Files.isDirectory(folder) ? folder : null;
    }

    private static String readKey(Path folder, String key) {
        Path file = folder.resolve(key);
        try {
            return Files.isRegularFile(file) ? Files.readString(file) : null;
        } catch (IOException e) {
            throw VmliftException.badInput("cannot read key '" + key + "' of the Secret mounted at " + folder + ": "
                    + Serialization.describe(e));
        }
    }

    static String environmentPrefix(String secretName) {
        return "VMLIFT_" + environmentKey(secretName) + "_";
    }

    private static String environmentKey(String name) {
        return name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    void check() {
        Map<String, Located<?>> seen = new HashMap<>();
        for (Located<?> located : documents) {
            Document document = located.document();
            if (document.name() == null || document.name().isEmpty()) {
                throw VmliftException.badInput(located.where() + ": " + document.kind()
                        + " has no metadata.name; give it a name");
            }
            if (document.name().length() > 253 || !DNS1123_SUBDOMAIN.matcher(document.name()).matches()) {
                throw VmliftException.badInput(located.where("/metadata/name") + ": '" + document.name()
                        + "' is not a valid name for a " + document.kind() + "; use lower case letters, digits, '-'"
                        + " and '.', starting and ending with a letter or digit");
            }
            String key = document.kind() + "/" + document.namespace() + "/" + document.name();
            Located<?> earlier = seen.putIfAbsent(key, located);
            if (earlier != null) {
                throw VmliftException.badInput(located.where() + ": " + located.describe() + " is defined twice (also at "
                        + earlier.where() + "); remove one or rename it");
            }
        }
        ofType(Secret.class).forEach(DocumentSet::checkSecret);
        ofType(Provider.class).forEach(this::checkProvider);
        ofType(NetworkMap.class).forEach(this::checkNetworkMap);
        ofType(StorageMap.class).forEach(this::checkStorageMap);
        ofType(Plan.class).forEach(this::checkPlan);
        ofType(Migration.class).forEach(this::checkMigration);
    }

    private void checkMigration(Located<Migration> located) {
        Migration migration = located.document();
        if (migration.plan() == null || isBlank(migration.plan().name())) {
            throw VmliftException.badInput(located.where("/spec") + ": " + located.describe()
                    + " names no plan; set spec.plan.name");
        }
        requireReference(located, "/spec/plan", Plan.class, migration.plan());
        String cutover = migration.spec().cutover();
        if (cutover != null && !cutover.isBlank()) {
            try {
                java.time.OffsetDateTime.parse(cutover);
            } catch (java.time.format.DateTimeParseException e) {
                throw VmliftException.badInput(located.where("/spec/cutover") + ": cutover '" + cutover + "' of "
                        + located.describe() + " is not an RFC 3339 time; write e.g. 2024-04-04T01:23:45Z");
            }
        }
    }

    /**
     * A source named by two entries of one map: vmlift gives each source one destination. (Forklift hands a
     * network's entries out to the VM's NICs in turn; vmlift does not, so it refuses rather than pick one.)
     */
    private static void requireUniqueSources(Located<?> located, List<SourceRef> sources) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < sources.size(); i++) {
            SourceRef source = sources.get(i);
            String key = !isBlank(source.id()) ? "id " + source.id() : "name " + source.name();
            Integer earlier = seen.putIfAbsent(key, i);
            if (earlier != null) {
                throw VmliftException.badInput(located.where("/spec/map/" + i) + ": " + located.describe()
                        + " maps source " + key + " twice (also entry " + earlier + " at "
                        + located.where("/spec/map/" + earlier) + "); keep one entry per source");
            }
        }
    }

    /** data values must be base64; the message names the key, never the value. */
    private static void checkSecret(Located<Secret> located) {
        Map<String, String> data = located.document().data();
        if (data == null) {
            return;
        }
        for (Map.Entry<String, String> entry : data.entrySet()) {
            try {
                Base64.getDecoder().decode(entry.getValue() == null ? "" : entry.getValue().trim());
            } catch (IllegalArgumentException e) {
                throw VmliftException.badInput(located.where("/data/" + entry.getKey()) + ": data." + entry.getKey()
                        + " of " + located.describe() + " is not base64; encode it (base64 -w0) or move it to stringData");
            }
        }
    }

    private void checkProvider(Located<Provider> located) {
        Provider provider = located.document();
        if (provider.spec() == null) {
            throw VmliftException.badInput(located.where() + ": " + located.describe() + " has no spec");
        }
        if (provider.type() == null || !Provider.TYPES.contains(provider.type())) {
            throw VmliftException.badInput(located.where("/spec/type") + ": unknown provider type '" + provider.type()
                    + "' in " + located.describe() + "; use one of " + String.join(", ", Provider.TYPES));
        }
        if (!provider.isDestination() && provider.url().isEmpty()) {
            throw VmliftException.badInput(located.where("/spec") + ": " + located.describe()
                    + " has no spec.url; set the " + provider.type() + " address (for ova: a folder, .ova or .ovf)");
        }
        ObjectReference secret = provider.spec().secret();
        if (secret != null && secret.name() != null && find(Secret.class, secret).isEmpty()
                && mountedSecret(secret.name()) == null) {
            String prefix = environmentPrefix(secret.name());
            boolean inEnvironment = environment.keySet().stream().anyMatch(k -> k.startsWith(prefix));
            if (!inEnvironment) {
                String mountHint = environment.get(SECRETS_DIR_VARIABLE) == null ? ""
                        : ", mount it at " + Path.of(environment.get(SECRETS_DIR_VARIABLE)).resolve(secret.name());
                throw VmliftException.badInput(located.where("/spec/secret/name") + ": Secret '" + secret.name()
                        + "' named by " + located.describe() + " is not among the documents and no " + prefix
                        + "* variables are set; add the Secret with -f" + mountHint + " or set " + prefix + "USER and "
                        + prefix + "PASSWORD");
            }
        }
    }

    private void checkProviderPair(Located<?> located, ProviderPair pair, boolean destinationRequired) {
        if (pair == null || pair.source() == null) {
            throw VmliftException.badInput(located.where("/spec") + ": " + located.describe()
                    + " has no spec.provider.source; name the source Provider");
        }
        requireReference(located, "/spec/provider/source", Provider.class, pair.source());
        if (pair.destination() != null) {
            requireReference(located, "/spec/provider/destination", Provider.class, pair.destination());
        } else if (destinationRequired) {
            throw VmliftException.badInput(located.where("/spec/provider") + ": " + located.describe()
                    + " has no spec.provider.destination; name the destination Provider (type openshift)");
        }
    }

    private <T extends Document> void requireReference(
            Located<?> from, String pointer, Class<T> type, ObjectReference reference) {
        if (reference.name() == null || find(type, reference).isEmpty()) {
            throw VmliftException.badInput(from.where(pointer) + ": " + from.describe() + " refers to "
                    + type.getSimpleName() + " '" + reference.name() + "', which is not among the documents;"
                    + " add it with -f or fix the name");
        }
    }

    private void checkNetworkMap(Located<NetworkMap> located) {
        NetworkMap map = located.document();
        if (map.spec() == null) {
            throw VmliftException.badInput(located.where() + ": " + located.describe() + " has no spec");
        }
        checkProviderPair(located, map.spec().provider(), false);
        List<NetworkMap.Pair> pairs = map.pairs();
        for (int i = 0; i < pairs.size(); i++) {
            NetworkMap.Pair pair = pairs.get(i);
            String at = "/spec/map/" + i;
            requireSource(located, at, pair.source());
        }
        requireUniqueSources(located, pairs.stream().map(NetworkMap.Pair::source).toList());
        for (int i = 0; i < pairs.size(); i++) {
            NetworkMap.Pair pair = pairs.get(i);
            String at = "/spec/map/" + i;
            NetworkMap.Destination destination = pair.destination();
            if (destination == null || !NetworkMap.Destination.TYPES.contains(destination.type())) {
                throw VmliftException.badInput(located.where(at + "/destination") + ": destination type '"
                        + (destination == null ? null : destination.type()) + "' in " + located.describe()
                        + "; use pod, multus or ignored");
            }
            if (NetworkMap.Destination.MULTUS.equals(destination.type())
                    && (destination.name() == null || destination.name().isEmpty())) {
                throw VmliftException.badInput(located.where(at + "/destination") + ": a multus destination in "
                        + located.describe() + " needs the name of its NetworkAttachmentDefinition");
            }
        }
    }

    private void checkStorageMap(Located<StorageMap> located) {
        StorageMap map = located.document();
        if (map.spec() == null) {
            throw VmliftException.badInput(located.where() + ": " + located.describe() + " has no spec");
        }
        checkProviderPair(located, map.spec().provider(), false);
        List<StorageMap.Pair> pairs = map.pairs();
        for (int i = 0; i < pairs.size(); i++) {
            requireSource(located, "/spec/map/" + i, pairs.get(i).source());
        }
        requireUniqueSources(located, pairs.stream().map(StorageMap.Pair::source).toList());
        for (int i = 0; i < pairs.size(); i++) {
            StorageMap.Pair pair = pairs.get(i);
            String at = "/spec/map/" + i;
            StorageMap.Destination destination = pair.destination();
            if (destination == null) {
                throw VmliftException.badInput(located.where(at) + ": " + located.describe()
                        + " maps a source to no destination; add destination.storageClass");
            }
            if (destination.volumeMode() != null
                    && !StorageMap.Destination.VOLUME_MODES.contains(destination.volumeMode())) {
                throw VmliftException.badInput(located.where(at + "/destination/volumeMode") + ": volumeMode '"
                        + destination.volumeMode() + "'; use Filesystem or Block");
            }
            if (destination.accessMode() != null
                    && !StorageMap.Destination.ACCESS_MODES.contains(destination.accessMode())) {
                throw VmliftException.badInput(located.where(at + "/destination/accessMode") + ": accessMode '"
                        + destination.accessMode() + "'; use one of "
                        + String.join(", ", StorageMap.Destination.ACCESS_MODES));
            }
        }
    }

    private static void requireSource(Located<?> located, String at, SourceRef source) {
        if (source == null || (isBlank(source.id()) && isBlank(source.name()))) {
            throw VmliftException.badInput(located.where(at) + ": an entry of " + located.describe()
                    + " has no source id or name");
        }
    }

    private void checkPlan(Located<Plan> located) {
        Plan plan = located.document();
        Plan.Spec spec = plan.spec();
        if (spec == null) {
            throw VmliftException.badInput(located.where() + ": " + located.describe() + " has no spec");
        }
        if (isBlank(spec.targetNamespace()) || !DNS1123_LABEL.matcher(spec.targetNamespace()).matches()) {
            throw VmliftException.badInput(located.where("/spec/targetNamespace") + ": " + located.describe()
                    + " needs spec.targetNamespace, a DNS-1123 label (lower case letters, digits, '-')");
        }
        if (!Plan.TYPES.contains(plan.migrationType())) {
            throw VmliftException.badInput(located.where("/spec/type") + ": unknown migration type '"
                    + plan.migrationType() + "'; use one of " + String.join(", ", Plan.TYPES));
        }
        checkProviderPair(located, spec.provider(), true);
        if (spec.map() == null || spec.map().network() == null || spec.map().storage() == null) {
            throw VmliftException.badInput(located.where("/spec") + ": " + located.describe()
                    + " needs spec.map.network and spec.map.storage; write them with 'vmlift map'");
        }
        requireReference(located, "/spec/map/network", NetworkMap.class, spec.map().network());
        requireReference(located, "/spec/map/storage", StorageMap.class, spec.map().storage());
        checkPowerState(located, "/spec/targetPowerState", spec.targetPowerState());
        try {
            plan.fingerprints();
        } catch (IllegalArgumentException e) {
            throw VmliftException.badInput(located.where("/metadata/annotations") + ": " + e.getMessage() + " in "
                    + located.describe() + "; remove it, and write the plan again with 'vmlift plan --plan-file'");
        }
        if (plan.vms().isEmpty()) {
            throw VmliftException.badInput(located.where("/spec") + ": " + located.describe()
                    + " lists no VMs; add spec.vms with an id or name each");
        }
        for (int i = 0; i < plan.vms().size(); i++) {
            Plan.Vm vm = plan.vms().get(i);
            if (isBlank(vm.id()) && isBlank(vm.name())) {
                throw VmliftException.badInput(located.where("/spec/vms/" + i) + ": VM entry " + i + " of "
                        + located.describe() + " has no id or name");
            }
            checkPowerState(located, "/spec/vms/" + i + "/targetPowerState", vm.targetPowerState());
        }
    }

    private static void checkPowerState(Located<?> located, String at, String state) {
        if (state != null && !Plan.POWER_STATES.contains(state)) {
            throw VmliftException.badInput(located.where(at) + ": targetPowerState '" + state
                    + "'; use on, off or auto");
        }
    }

    static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
