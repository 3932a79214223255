package io.vmlift.cli;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmlift.ExitCode;
import io.vmlift.Printable;
import io.vmlift.VmliftException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The vmlift command: one subcommand per stage. */
@Command(name = "vmlift",
        mixinStandardHelpOptions = true,
        versionProvider = Vmlift.Version.class,
        description = "Move virtual machines from vSphere, oVirt/RHV and OVA into KubeVirt, one pipeline stage at a time.",
        subcommands = {
            ConnectCommand.class,
            InventoryCommand.class,
            MapCommand.class,
            PlanCommand.class,
            MigrateCommand.class,
            TestCommand.class,
            TektonCommand.class,
            StatusCommand.class,
            RollbackCommand.class,
            ConvertCommand.class,
            ConvertGuestCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Vmlift {
    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces with errors.")
    boolean debug;

    /** Time as migrate's engine sees it: the system's, or a test's that moves when the test says. */
    private final io.vmlift.engine.EngineClock clock;

    private Vmlift(io.vmlift.engine.EngineClock clock) {
        this.clock = clock;
    }

    io.vmlift.engine.EngineClock clock() {
        return clock;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call execute() on it with their own writers. */
    public static CommandLine commandLine() {
        return commandLine(io.vmlift.engine.EngineClock.SYSTEM);
    }

    /** The command line with the engine's time given, for tests that control when a warm cutover comes. */
    public static CommandLine commandLine(io.vmlift.engine.EngineClock clock) {
        CommandLine commandLine = new CommandLine(new Vmlift(clock));
        addCommonHelp(commandLine);
        commandLine.setExecutionExceptionHandler(Vmlift::handle);
        // Whatever writer a caller set, messages go through Printable (escapes, masked secrets). Standard output
        // carries documents and JSON, which must stay as written: tables escape their cells, and Serialization
        // escapes what could drive a terminal.
        CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
        commandLine.setExecutionStrategy(parseResult -> {
            commandLine.setErr(Printable.safe(commandLine.getErr()));
            return run.execute(parseResult);
        });
        commandLine.setParameterExceptionHandler((exception, args) -> {
            PrintWriter err = exception.getCommandLine().getErr();
            err.println("vmlift: " + Printable.oneLine(exception.getMessage()) + " (see '"
                    + exception.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return ExitCode.BAD_INPUT.code();
        });
        return commandLine;
    }

    /**
     * Every command's help ends with the exit codes, taken from the one table in {@link ExitCode}, and every
     * command answers --version.
     */
    private static void addCommonHelp(CommandLine commandLine) {
        Map<String, String> codes = new LinkedHashMap<>();
        for (ExitCode code : ExitCode.values()) {
            codes.put(Integer.toString(code.code()), code.meaning());
        }
        commandLine.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
        commandLine.getCommandSpec().versionProvider(new Version());
        commandLine.getSubcommands().values().forEach(Vmlift::addCommonHelp);
    }

    /** One line for the user; the stack trace only with --debug; the documented exit code. */
    private static int handle(Exception exception, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        boolean debug = parseResult.hasMatchedOption("--debug")
                || (parseResult.subcommand() != null && parseResult.subcommand().hasMatchedOption("--debug"));
        ExitCode code;
        String message;
        if (exception instanceof VmliftException vmlift) {
            code = vmlift.exitCode();
            message = vmlift.getMessage();
        } else if (exception instanceof KubernetesClientException kubernetes) {
            // What the cluster refused outside a VM's migration (a ConfigMap read, a list): one line.
            boolean login = kubernetes.getCode() == 401 || kubernetes.getCode() == 403 || kubernetes.getCode() == 0;
            code = login ? ExitCode.UNREACHABLE : ExitCode.FAILED;
            String first = kubernetes.getMessage() == null ? "" : kubernetes.getMessage().lines().findFirst().orElse("");
            message = "the cluster answered " + (kubernetes.getCode() == 0 ? "nothing" : kubernetes.getCode()) + ": "
                    + first + (login ? "; check the kubeconfig and the permissions" : "");
        } else {
            code = ExitCode.INTERNAL;
            message = "internal error: " + exception + "; rerun with --debug and report it";
        }
        message = Printable.oneLine(message);
        err.println("vmlift: " + message);
        writeErrorResult(parseResult, message, code);
        if (debug) {
            exception.printStackTrace(err);
        }
        err.flush();
        return code.code();
    }

    /** With --results-dir, the failure is a result too, so that a Task or a step says why without its log. */
    private static void writeErrorResult(CommandLine.ParseResult parseResult, String message, ExitCode code) {
        CommandLine.ParseResult command = parseResult.subcommand() != null ? parseResult.subcommand() : parseResult;
        ResultsOptions.writeError(command.matchedOptionValue("--results-dir", null), message, code);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Vmlift.class.getPackage().getImplementationVersion();
            return new String[] {"vmlift " + (version == null ? "development build" : version)};
        }
    }
}
