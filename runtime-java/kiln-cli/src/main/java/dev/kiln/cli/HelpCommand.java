package dev.kiln.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code kiln help [COMMAND...]}: the usage of the command at the end of the path, so {@code kiln help helix
 * attend} shows {@code helix attend}'s help. Picocli's own help command looks up only the first name.
 */
@Command(name = "help", helpCommand = true,
        description = "Show the help of a command or subcommand, e.g. kiln help helix attend.")
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {
    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the command path, e.g. helix attend")
    List<String> path = new ArrayList<>();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    private CommandLine self;
    private CommandLine.Help.ColorScheme colors;
    private PrintWriter out;

    /** For picocli. */
    HelpCommand() {}

    @Override
    public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter outWriter, PrintWriter errWriter) {
        this.self = helpCommandLine;
        this.colors = colorScheme;
        this.out = outWriter;
    }

    @Override
    public void run() {
        CommandLine target = self.getParent();
        for (String name : path) {
            CommandLine sub = target.getSubcommands().get(name);
            if (sub == null) {
                throw new CommandLine.ParameterException(self, "unknown command '" + name + "' after '" + target.getCommandSpec().qualifiedName()
                        + "'; its commands: " + String.join(", ", visible(target)));
            }
            target = sub;
        }
        target.usage(out, colors);
    }

    private static List<String> visible(CommandLine c) {
        List<String> names = new ArrayList<>();
        c.getSubcommands().forEach((name, sub) -> { if (!sub.getCommandSpec().usageMessage().hidden()) names.add(name); });
        return names;
    }
}
