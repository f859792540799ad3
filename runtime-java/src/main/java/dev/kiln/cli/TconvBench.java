package dev.kiln.cli;

import picocli.CommandLine.Command;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Time implementations on a suite (not yet).")
final class TconvBench implements Runnable {
    @Override public void run() { throw new IllegalStateException("tconv bench: not written yet"); }
}
