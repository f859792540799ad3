package dev.kiln.cli;

import picocli.CommandLine.Command;

/** {@code kiln tconv}: transposed convolution (MM2IM, IOM, zero-insertion, ONNX Runtime), verified and timed. */
@Command(name = "tconv", mixinStandardHelpOptions = true,
        description = "Transposed convolution as MatMul + col2IM (MM2IM, arXiv 2507.07683): verify, bench, run, and fpga-model (the FPGA accelerator's performance model).",
        subcommands = {TconvVerify.class, TconvBench.class, TconvRun.class, TconvFpgaModel.class})
public final class TconvCommand implements Runnable {
    /** For picocli. */
    public TconvCommand() {}

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(System.out); }
}
