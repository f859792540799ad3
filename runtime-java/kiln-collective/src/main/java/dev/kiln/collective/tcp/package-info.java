/**
 * A reliable ring allreduce over TCP between the ranks of a job: the lossless baseline of the lossy transport.
 *
 * <pre>{@code
 * try (ControlChannel control = ControlChannel.connect(LaunchEnvironment.detect(), Duration.ofSeconds(60));
 *      Communicator ring = new TcpRingCommunicator(control, "127.0.0.1", 0)) {
 *     ring.allReduceSum(data);
 * }
 * }</pre>
 */
package dev.kiln.collective.tcp;
