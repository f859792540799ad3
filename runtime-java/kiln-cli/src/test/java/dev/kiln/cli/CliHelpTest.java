package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code --help} and {@code kiln help} tell a new user. */
class CliHelpTest {
    @Test
    void tconv_description_names_every_visible_subcommand() {
        CommandLine tconv = KilnCli.commandLine().getSubcommands().get("tconv");
        String description = String.join(" ", tconv.getCommandSpec().usageMessage().description());
        for (var e : tconv.getSubcommands().entrySet()) {
            if (!e.getValue().getCommandSpec().usageMessage().hidden()) {
                assertTrue(description.contains(e.getKey()), "tconv's description omits '" + e.getKey() + "': " + description);
            }
        }
    }

    @Test
    void allreduce_bench_help_shows_its_defaults() {
        String help = KilnCli.commandLine().getSubcommands().get("allreduce").getSubcommands().get("bench").getUsageMessage();
        for (String expected : new String[]{"(default 4)", "(default 64MiB)", "(default 50)"}) {
            assertTrue(help.contains(expected), "allreduce bench --help lacks " + expected + ":\n" + help);
        }
    }
}
