package io.vmlift.testing;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Prints the JVM's TieredStopAtLevel (1 when only the client compiler runs, 4 with C2) and MaxNewSize in bytes,
 * space-separated. The launcher test runs it in the launcher's place of the vmlift jar.
 */
public final class PrintJvmOptions {
    private PrintJvmOptions() {}

    public static void main(String[] args) {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        System.out.println(vm.getVMOption("TieredStopAtLevel").getValue() + " "
                + vm.getVMOption("MaxNewSize").getValue());
    }
}
