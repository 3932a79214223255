package io.vmlift.testing;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/** Prints the JVM's TieredStopAtLevel: 1 when only the client compiler runs, 4 with C2. The launcher test runs it. */
public final class PrintJitLevel {
    private PrintJitLevel() {}

    public static void main(String[] args) {
        System.out.println(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("TieredStopAtLevel").getValue());
    }
}
