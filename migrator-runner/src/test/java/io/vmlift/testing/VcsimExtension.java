package io.vmlift.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One vSphere simulator per test class: register as a static field with {@code @RegisterExtension}; it starts
 * before the class's first test and stops after its last.
 */
public final class VcsimExtension implements BeforeAllCallback, AfterAllCallback {
    private final Vcsim.Builder builder;
    private Vcsim vcsim;

    private VcsimExtension(Vcsim.Builder builder) {
        this.builder = builder;
    }

    public static VcsimExtension of(Vcsim.Builder builder) {
        return new VcsimExtension(builder);
    }

    public static VcsimExtension withDefaults() {
        return new VcsimExtension(Vcsim.builder());
    }

    public Vcsim vcsim() {
        if (vcsim == null) {
            throw new IllegalStateException("the simulator starts before the class's tests; register the extension"
                    + " on a static field");
        }
        return vcsim;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        vcsim = builder.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (vcsim != null) {
            vcsim.close();
            vcsim = null;
        }
    }
}
