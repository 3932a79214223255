package io.vmlift.spi;

import io.vmlift.spi.PowerState;
import io.vmlift.spi.Vm;
import java.io.IOException;
import java.time.Duration;

/** What migration needs from the source's power management, nothing more. */
public interface PowerControl {
    PowerState state(Vm vm) throws IOException;

    /** Shuts the guest down, gracefully first where the source can, forcefully after the timeout. */
    void powerOff(Vm vm, Duration gracefulTimeout) throws IOException;

    void powerOn(Vm vm) throws IOException;

    /** For sources without power: packages and images (OVA). */
    PowerControl ALWAYS_OFF = new PowerControl() {
        @Override
        public PowerState state(Vm vm) {
            return PowerState.OFF;
        }

        @Override
        public void powerOff(Vm vm, Duration gracefulTimeout) {}

        @Override
        public void powerOn(Vm vm) {
            throw new UnsupportedOperationException("this source has no power control");
        }
    };
}
