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
    requires com.microsoft.onnxruntime;
    requires com.google.protobuf;

    exports dev.kiln.bind;
    exports dev.kiln.bind.opencl;
    exports dev.kiln.bind.cuda;
    exports dev.kiln.bind.mpi;
    exports dev.kiln.bind.nccl;
    exports dev.kiln.device;
    exports dev.kiln.device.cpu;
    exports dev.kiln.device.opencl;
    exports dev.kiln.device.cuda;
    exports dev.kiln.device.fpga;
    exports dev.kiln.bind.fpga;
    exports dev.kiln.bind.cpu;
    exports dev.kiln.bind.xrt;
    exports dev.kiln.io;
    exports dev.kiln.basics;
    exports dev.kiln.tconv;
    exports dev.kiln.tconv.quant;
    exports dev.kiln.tconv.reference;
    exports dev.kiln.tconv.fpga;
    exports dev.kiln.tconv.cpu;
    exports dev.kiln.tconv.impl;
    exports dev.kiln.tconv.ort;
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
    exports dev.kiln.helixsim;
    exports dev.kiln.attention;
    exports dev.kiln.attention.helix;
    exports dev.kiln.attention.model;
    exports dev.kiln.inference.tensor;
    exports dev.kiln.inference.gguf;
    exports dev.kiln.inference.safetensors;
    exports dev.kiln.inference.quant;
    exports dev.kiln.inference.tokenizer;
    exports dev.kiln.inference.model;

    opens dev.kiln.cli to info.picocli, com.fasterxml.jackson.databind;
    opens dev.kiln.helixsim to com.fasterxml.jackson.databind;

    uses dev.kiln.device.Backend;
    uses dev.kiln.device.cpu.CpuKernelLibrary;

    provides dev.kiln.device.Backend with
            dev.kiln.device.cpu.CpuBackend,
            dev.kiln.device.opencl.OpenClBackend,
            dev.kiln.device.cuda.CudaBackend,
            dev.kiln.device.fpga.FpgaSimBackend,
            dev.kiln.device.fpga.FpgaXrtBackend;
    provides dev.kiln.device.cpu.CpuKernelLibrary with
            dev.kiln.basics.BasicCpuKernels,
            dev.kiln.attention.cpu.AttentionCpuKernels,
            dev.kiln.tconv.cpu.TConvCpuKernels;
}
