package io.vmlift.cli;

import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import java.io.PrintWriter;
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
            StatusCommand.class,
            ConvertCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:internal error (a bug: rerun with --debug and report it)",
            "2:bad input: documents, flags, files or disk images",
            "3:blocked by validation: the plan has Critical concerns",
            "4:cannot reach or log in to the source or the target",
            "5:migration or test failed"
        })
public final class Vmlift {
    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces with errors.")
    boolean debug;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call execute() on it with their own writers. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Vmlift());
        commandLine.setExecutionExceptionHandler(Vmlift::handle);
        commandLine.setParameterExceptionHandler((exception, args) -> {
            PrintWriter err = exception.getCommandLine().getErr();
            err.println("vmlift: " + exception.getMessage() + " (see '"
                    + exception.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return ExitCode.BAD_INPUT.code();
        });
        return commandLine;
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
        } else {
            code = ExitCode.INTERNAL;
            message = "internal error: " + exception + "; rerun with --debug and report it";
        }
        err.println("vmlift: " + message);
        if (debug) {
            exception.printStackTrace(err);
        }
        err.flush();
        return code.code();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Vmlift.class.getPackage().getImplementationVersion();
            return new String[] {"vmlift " + (version == null ? "development build" : version)};
        }
    }
}
