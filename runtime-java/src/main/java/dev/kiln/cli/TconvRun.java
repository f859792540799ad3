package dev.kiln.cli;

import picocli.CommandLine.Command;

@Command(name = "run", mixinStandardHelpOptions = true, description = "Run one layer on .npy tensors (not yet).")
final class TconvRun implements Runnable {
    @Override public void run() { throw new IllegalStateException("tconv run: not written yet"); }
}
