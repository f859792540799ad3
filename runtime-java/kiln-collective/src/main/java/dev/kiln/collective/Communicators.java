package dev.kiln.collective;

import dev.kiln.collective.lossy.LossyCommunicator;
import dev.kiln.collective.lossy.LossyOptions;
import dev.kiln.collective.lossy.UdpGroup;
import dev.kiln.collective.mpi.MpiCommunicator;
import dev.kiln.collective.rendezvous.ControlChannel;
import dev.kiln.collective.rendezvous.LaunchEnvironment;
import dev.kiln.collective.tcp.TcpRingCommunicator;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * Opens this process's {@link Communicator} from its launch environment, whichever launcher started it
 * (torchrun, mpirun, srun: see {@link LaunchEnvironment}).
 *
 * <pre>{@code
 * try (Communicator comm = Communicators.open(Communicators.Transport.UDP, LaunchEnvironment.detect(), "127.0.0.1",
 *         Duration.ofSeconds(60))) {
 *     comm.allReduceSum(gradients);         // lossy: the policy's estimate of the sum where datagrams were lost
 * }
 * }</pre>
 */
public final class Communicators {
    /** The transports a process can open from its environment. */
    public enum Transport {
        /** Lossy allreduce over UDP datagrams (1472 bytes each, 4 MiB receive buffer, default {@link LossyOptions}). */
        UDP,
        /** A reliable TCP ring. */
        TCP,
        /** MPI through Open MPI's libmpi; the process must have been started by mpirun. */
        MPI;

        /** {@code udp}, {@code tcp} or {@code mpi}; the error lists them. */
        public static Transport parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("transport must be one of " + Arrays.toString(values()).toLowerCase(Locale.ROOT) + ", was '" + name + "'");
            }
        }
    }

    private Communicators() {}

    /**
     * Joins the job {@code env} describes over {@code transport}.
     *
     * @param bindHost the address this rank's data sockets bind and publish (an address the other ranks can reach)
     * @param timeout  how long to wait for the other ranks at the rendezvous
     */
    public static Communicator open(Transport transport, LaunchEnvironment env, String bindHost, Duration timeout) {
        return switch (transport) {
            case MPI -> new MpiCommunicator();
            case UDP -> {
                ControlChannel control = ControlChannel.connect(env, timeout);
                try {
                    yield new LossyCommunicator(new UdpGroup(bindHost, 0, 1472, 4 << 20).join(control, LossyOptions.defaults()), control);
                } catch (RuntimeException e) {
                    control.close();
                    throw e;
                }
            }
            case TCP -> {
                ControlChannel control = ControlChannel.connect(env, timeout);
                try {
                    yield TcpRingCommunicator.owningControl(control, bindHost, 0);
                } catch (RuntimeException e) {
                    control.close();
                    throw e;
                }
            }
        };
    }
}
