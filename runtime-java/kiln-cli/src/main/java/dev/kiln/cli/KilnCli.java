package dev.kiln.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code kiln}: the command-line entry point. Each workload adds its command to {@code subcommands}. */
@Command(name = "kiln",
        mixinStandardHelpOptions = true,
        versionProvider = KilnCli.Version.class,
        description = "Kiln: CUDA, OpenCL, CPU and FPGA kernels from Java 25 through the FFM API.",
        subcommands = {
                DevicesCommand.class,
                DemoCommand.class,
                TconvCommand.class,
                HelixCommand.class,
                AllreduceCommand.class,
                TrainCommand.class,
                GenerateCommand.class,
                DecodeBenchCommand.class,
                HelpCommand.class
        })
public final class KilnCli implements Runnable {
    /** For picocli. */
    public KilnCli() {}

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new KilnCli());
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException || ex instanceof java.io.IOException) {
                String line = ex instanceof java.io.IOException io ? OutputFiles.describe(io) : ex.getMessage();
                commandLine.getErr().println("kiln: " + line);
                if (Boolean.getBoolean("kiln.debug")) ex.printStackTrace(commandLine.getErr());
                return 2;
            }
            throw ex;
        });
        return cli;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = KilnCli.class.getModule().getDescriptor() != null
                    ? KilnCli.class.getModule().getDescriptor().rawVersion().orElse("dev") : "dev";
            return new String[]{"kiln " + v + " on Java " + Runtime.version()};
        }
    }
}
