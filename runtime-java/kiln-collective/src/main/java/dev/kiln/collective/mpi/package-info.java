/**
 * MPI (Open MPI's {@code libmpi}, bound through FFM) as a {@link dev.kiln.collective.Communicator}; ranks are
 * started by {@code mpirun}.
 *
 * <pre>{@code
 * try (MpiCommunicator mpi = new MpiCommunicator()) {
 *     mpi.allReduceSum(data);
 * }
 * }</pre>
 */
package dev.kiln.collective.mpi;
