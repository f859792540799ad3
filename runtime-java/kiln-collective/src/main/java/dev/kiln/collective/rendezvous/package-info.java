/**
 * How the ranks of a job find each other: {@link dev.kiln.collective.rendezvous.LaunchEnvironment} reads the
 * launcher's variables, {@link dev.kiln.collective.rendezvous.ControlChannel} connects the ranks through rank 0, and
 * {@link dev.kiln.collective.rendezvous.WorkerJvm} builds the command line of a worker process.
 *
 * <pre>{@code
 * LaunchEnvironment env = LaunchEnvironment.detect();     // RANK/WORLD_SIZE, OMPI_COMM_WORLD_*, SLURM_*
 * try (ControlChannel control = ControlChannel.connect(env, Duration.ofSeconds(60))) {
 *     byte[][] everyones = control.allGather(myAddress);
 * }
 * }</pre>
 */
package dev.kiln.collective.rendezvous;
