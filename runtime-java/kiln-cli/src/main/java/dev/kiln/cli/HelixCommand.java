package dev.kiln.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code kiln helix}: Helix KV-parallel decode (Bhatia et al., arXiv 2507.07120). Each subcommand is its
 * own class.
 */
@Command(name = "helix", mixinStandardHelpOptions = true,
        description = "Helix decode attention: exactness matrix, bandwidth bench, decoder, attention on your .npy tensors, performance simulator.",
        subcommands = {
                HelixVerifyCommand.class,
                HelixBenchCommand.class,
                HelixDeviceBenchCommand.class,
                HelixDecodeCommand.class,
                HelixRankCommand.class,
                HelixAttendCommand.class,
                HelixSimulateCommand.class,
        })
public final class HelixCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
