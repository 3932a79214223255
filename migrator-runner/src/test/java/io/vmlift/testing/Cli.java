package io.vmlift.testing;

import io.vmlift.cli.Vmlift;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the vmlift CLI in-process, as a user would from a shell, and keeps what it printed. */
public final class Cli {
    public record Run(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {}

    public static Run run(Object... args) {
        return runWith(io.vmlift.engine.EngineClock.SYSTEM, args);
    }

    /** Runs with the migration engine on the given clock (a ManualClock lets the test say when time passes). */
    public static Run runWith(io.vmlift.engine.EngineClock clock, Object... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] strings = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            strings[i] = args[i].toString();
        }
        CommandLine commandLine = Vmlift.commandLine(clock, strings);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(strings);
        return new Run(code, out.toString(), err.toString());
    }
}
