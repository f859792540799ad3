package dev.kiln.collective;

import dev.kiln.collective.lossy.LossyCommunicator;
import dev.kiln.collective.lossy.LossyOptions;
import dev.kiln.collective.lossy.UdpGroup;
import dev.kiln.collective.mpi.MpiCommunicator;
import dev.kiln.collective.nccl.NcclCommunicator;
import dev.kiln.collective.nccl.NcclTransport;
import dev.kiln.collective.rendezvous.ControlChannel;
import dev.kiln.collective.rendezvous.LaunchEnvironment;
import dev.kiln.collective.rendezvous.ReachableAddress;
import dev.kiln.collective.tcp.TcpRingCommunicator;
import dev.kiln.device.Backend;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * Opens this process's {@link Communicator} from its launch environment, whichever launcher started it
 * (torchrun, mpirun, srun: see {@link LaunchEnvironment}).
 *
 * <pre>{@code
 * try (Communicator comm = Communicators.open(Communicators.Transport.UDP, LaunchEnvironment.detect(), Duration.ofSeconds(60))) {
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
        MPI,
        /**
         * NCCL on CUDA device memory (host data staged through it); rank 0's ncclUniqueId travels over the control
         * channel. Each rank uses CUDA device {@code LOCAL_RANK} modulo the devices it sees.
         */
        NCCL;

        /** {@code udp}, {@code tcp}, {@code mpi} or {@code nccl}; the error lists them. */
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
     * Joins the job {@code env} describes over {@code transport}, its data sockets bound at the address this rank is
     * reachable at: the interface {@code KILN_IFACE} names, else the source address of the route to the master
     * (see {@link ReachableAddress}).
     */
    public static Communicator open(Transport transport, LaunchEnvironment env, Duration timeout) {
        String bindHost = transport == Transport.MPI || transport == Transport.NCCL ? null : ReachableAddress.resolve(env, null).getHostAddress();
        return open(transport, env, bindHost, timeout);
    }

    /**
     * Joins the job {@code env} describes over {@code transport}.
     *
     * @param bindHost the address this rank's data sockets bind and publish (an address the other ranks can reach)
     * @param timeout  how long to wait for the other ranks at the rendezvous
     */
    public static Communicator open(Transport transport, LaunchEnvironment env, String bindHost, Duration timeout) {
        return switch (transport) {
            case MPI -> new MpiCommunicator();
            case NCCL -> openNccl(env, timeout);
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

    /** Opens this rank's CUDA device and joins NCCL over it; the communicator owns the device and the control channel. */
    private static NcclCommunicator openNccl(LaunchEnvironment env, Duration timeout) {
        if (!NcclTransport.isAvailable()) throw new IllegalStateException("nccl transport unavailable: " + NcclTransport.unavailabilityCause());
        Backend cuda = Devices.backend("cuda");
        Device device = cuda.open(env.localRank() % cuda.devices().size());
        ControlChannel control = null;
        try {
            control = ControlChannel.connect(env, timeout);
            return NcclCommunicator.owning(device.queue(), control, device, control);
        } catch (RuntimeException e) {
            if (control != null) control.close();
            device.close();
            throw e;
        }
    }
}
