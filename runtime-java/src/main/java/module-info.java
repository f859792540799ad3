/**
 * Kiln: CUDA, OpenCL, CPU and FPGA kernels from Java through the FFM API.
 * Layers, bottom-up: bind → device → workloads (basics, tconv, attention, collective, train, helixsim) → cli.
 */
module dev.kiln {
    requires jdk.incubator.vector;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires org.jfree.jfreechart;
    requires java.desktop;
    requires HdrHistogram;

    exports dev.kiln.bind;
    exports dev.kiln.bind.mpi;
    exports dev.kiln.bind.nccl;
    exports dev.kiln.device;
    exports dev.kiln.device.cpu;
    exports dev.kiln.io;
    exports dev.kiln.basics;
    exports dev.kiln.collective;
    exports dev.kiln.collective.inproc;
    exports dev.kiln.collective.lossy;
    exports dev.kiln.collective.wire;
    exports dev.kiln.collective.telemetry;
    exports dev.kiln.collective.rendezvous;
    exports dev.kiln.collective.tcp;
    exports dev.kiln.collective.mpi;
    exports dev.kiln.collective.nccl;
    exports dev.kiln.collective.netlab;
    exports dev.kiln.collective.bench;
    exports dev.kiln.train;
    exports dev.kiln.cli;

    opens dev.kiln.cli to info.picocli, com.fasterxml.jackson.databind;

    uses dev.kiln.device.Backend;
    uses dev.kiln.device.cpu.CpuKernelLibrary;

    provides dev.kiln.device.Backend with
            dev.kiln.device.cpu.CpuBackend;
    provides dev.kiln.device.cpu.CpuKernelLibrary with
            dev.kiln.basics.BasicCpuKernels;
}
