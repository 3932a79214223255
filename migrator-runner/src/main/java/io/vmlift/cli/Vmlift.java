package io.vmlift.cli;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmlift.ExitCode;
import io.vmlift.Printable;
import io.vmlift.VmliftException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The vmlift command: one subcommand per stage. */
@Command(name = "vmlift",
        mixinStandardHelpOptions = true,
        versionProvider = Vmlift.Version.class,
        description = "Move virtual machines from vSphere, oVirt/RHV and OVA into KubeVirt, one pipeline stage at a time.")
public final class Vmlift {
    /** The subcommands, in the order help lists them. */
    static final List<Class<?>> SUBCOMMANDS = List.of(
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
            CommandLine.HelpCommand.class);

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
        System.exit(commandLine(io.vmlift.engine.EngineClock.SYSTEM, args).execute(args));
    }

    /**
     * The command line that runs {@code args}, with the engine's time given (tests control when a warm cutover
     * comes); they call execute(args) on it with their own writers. Only the subcommands named among the
     * arguments are built in full: building a subcommand's model (its options, mixins and their annotations) is
     * most of picocli's start-up, and every Tekton step and Jenkins step pays it. The others are listed, by name
     * and description, for help.
     */
    public static CommandLine commandLine(io.vmlift.engine.EngineClock clock, String... args) {
        return commandLine(clock, new HashSet<>(Arrays.asList(args)));
    }

    /** The command line with only the subcommands named among {@code words} built in full; all when null. */
    static CommandLine commandLine(io.vmlift.engine.EngineClock clock, Set<String> words) {
        CommandLine commandLine = new CommandLine(new Vmlift(clock));
        for (Class<?> type : SUBCOMMANDS) {
            Command command = type.getAnnotation(Command.class);
            boolean named = words == null || words.contains(command.name())
                    || Arrays.stream(command.aliases()).anyMatch(words::contains);
            commandLine.addSubcommand(command.name(), named ? type : listedOnly(command), command.aliases());
        }
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

    /** A subcommand as the parent's help lists it; never run, as a command named in the arguments is built. */
    private static CommandLine.Model.CommandSpec listedOnly(Command command) {
        CommandLine.Model.CommandSpec spec = CommandLine.Model.CommandSpec.create();
        spec.usageMessage().description(command.description()).header(command.header()).hidden(command.hidden());
        return spec;
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
