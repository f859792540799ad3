package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void help_follows_the_whole_command_path() {
        StringWriter out = new StringWriter();
        CommandLine cli = KilnCli.commandLine();
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute("help", "helix", "attend"));
        assertTrue(out.toString().startsWith("Usage: kiln helix attend "), out.toString());
    }

    @Test
    void help_with_an_unknown_command_names_it_and_the_known_ones() {
        StringWriter err = new StringWriter();
        CommandLine cli = KilnCli.commandLine();
        cli.setErr(new PrintWriter(err));
        assertEquals(2, cli.execute("help", "helix", "atend"));
        assertTrue(err.toString().contains("'atend'") && err.toString().contains("attend"), err.toString());
    }

    @Test
    void a_usage_that_shows_COMMAND_lists_at_least_one() {
        check(KilnCli.commandLine());
    }

    private static void check(CommandLine c) {
        String help = c.getUsageMessage();
        if (help.contains("[COMMAND]")) {
            assertTrue(help.contains("Commands:"), c.getCommandSpec().qualifiedName() + " shows [COMMAND] but lists none:\n" + help);
        }
        c.getSubcommands().values().forEach(CliHelpTest::check);
    }
}
