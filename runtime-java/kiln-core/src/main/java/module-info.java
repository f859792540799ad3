/**
 * Kiln's core: devices and their memory, kernels and queues ({@link dev.kiln.device}), host tensors and
 * {@code .npy} files ({@link dev.kiln.tensor}, {@link dev.kiln.io}). It requires nothing outside the JDK.
 *
 * <p>The FFM bindings ({@code dev.kiln.bind.*}) and the backends' implementations stay inside; only the
 * collective transports (MPI, NCCL, datagram I/O) and the workload modules' cpu kernels reach them, through
 * qualified exports.
 */
module dev.kiln.core {
    requires jdk.incubator.vector;

    exports dev.kiln.device;
    exports dev.kiln.tensor;
    exports dev.kiln.io;

    exports dev.kiln.basics to dev.kiln.cli, dev.kiln.attention;
    exports dev.kiln.device.cpu to dev.kiln.tconv, dev.kiln.attention, dev.kiln.inference, dev.kiln.train, dev.kiln.cli;
    exports dev.kiln.device.fpga to dev.kiln.tconv, dev.kiln.cli;
    exports dev.kiln.bind to dev.kiln.collective;
    exports dev.kiln.bind.mpi to dev.kiln.collective;
    exports dev.kiln.bind.nccl to dev.kiln.collective;
    exports dev.kiln.device.cuda to dev.kiln.collective;
    exports dev.kiln.bind.net to dev.kiln.collective;

    uses dev.kiln.device.Backend;
    uses dev.kiln.device.cpu.CpuKernelLibrary;

    provides dev.kiln.device.Backend with
            dev.kiln.device.cpu.CpuBackend,
            dev.kiln.device.opencl.OpenClBackend,
            dev.kiln.device.cuda.CudaBackend,
            dev.kiln.device.fpga.FpgaSimBackend,
            dev.kiln.device.fpga.FpgaXrtBackend;
    provides dev.kiln.device.cpu.CpuKernelLibrary with dev.kiln.basics.BasicCpuKernels;
}
