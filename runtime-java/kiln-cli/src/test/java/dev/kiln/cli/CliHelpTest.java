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
}
