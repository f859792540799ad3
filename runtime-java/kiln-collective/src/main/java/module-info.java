/**
 * Collectives across ranks: the {@link dev.kiln.collective.Communicator} interface and its transports
 * (lossy UDP, TCP ring, MPI, NCCL on CUDA device buffers, in-process), the launch environment and rendezvous, and the typed entry point
 * of the allreduce benchmark's worker processes.
 */
module dev.kiln.collective {
    requires transitive dev.kiln.core;
    requires HdrHistogram;
    requires com.fasterxml.jackson.databind;

    exports dev.kiln.collective;
    exports dev.kiln.collective.lossy;
    exports dev.kiln.collective.tcp;
    exports dev.kiln.collective.mpi;
    exports dev.kiln.collective.inproc;
    exports dev.kiln.collective.rendezvous;

    exports dev.kiln.collective.wire to dev.kiln.train, dev.kiln.cli;
    exports dev.kiln.collective.netlab to dev.kiln.train, dev.kiln.cli, dev.kiln.attention, dev.kiln.inference;
    exports dev.kiln.collective.telemetry;
    exports dev.kiln.collective.bench to dev.kiln.cli;
    exports dev.kiln.collective.nccl;
}
