/**
 * The lossy allreduce of Weintraub, Banner and Orda (arXiv 2507.07114): unbiased count-rescaled aggregation and a
 * bounded-drift parameter broadcast over datagrams that may be lost. Each call reports what was delivered.
 *
 * <pre>{@code
 * try (ControlChannel control = ControlChannel.connect(LaunchEnvironment.detect(), Duration.ofSeconds(60));
 *      LossyAllReduce group = new UdpGroup("127.0.0.1", 0, 1472, 4 << 20).join(control, LossyOptions.defaults())) {
 *     AllReduceReport report = group.allReduceSum(step, 1, gradients);
 *     double delivered = report.deliveredFraction();
 * }
 * }</pre>
 */
package dev.kiln.collective.lossy;
