/**
 * Collectives across ranks behind one interface, {@link dev.kiln.collective.Communicator}: sum-allreduce,
 * reduce-scatter, all-gather, all-to-all, broadcast and barrier over {@link java.lang.foreign.MemorySegment}s.
 * Transports: lossy UDP ({@code collective.lossy}), a TCP ring ({@code collective.tcp}), MPI
 * ({@code collective.mpi}) and threads of one JVM ({@code collective.inproc}); ranks find each other through the
 * launch environment ({@code collective.rendezvous}).
 *
 * <pre>{@code
 * LaunchEnvironment env = LaunchEnvironment.detect();          // torchrun, mpirun or srun variables
 * try (ControlChannel control = ControlChannel.connect(env, Duration.ofSeconds(60));
 *      Communicator comm = new TcpRingCommunicator(control, "127.0.0.1", 0)) {
 *     comm.allReduceSum(gradients);                            // a MemorySegment of fp32
 * }
 * }</pre>
 */
package dev.kiln.collective;
