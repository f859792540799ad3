package dev.kiln.collective.lossy;

import dev.kiln.collective.rendezvous.ControlChannel;
import dev.kiln.collective.wire.UdpFabric;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Joins a lossy allreduce group over real UDP: binds this rank's datagram socket, publishes its address
 * over the control channel, and learns everyone else's. The job id comes from the control channel, so a
 * stray datagram from an earlier run on the same port is rejected as foreign. The socket is opened on the
 * path {@link UdpFabric#selected()} picks: UDP GSO/GRO through FFM where the kernel offers it, else NIO.
 *
 * @param bindHost       address to bind (loopback or a namespace address)
 * @param port           0 for any free port, or a fixed data port (so that a firewall rule can target it)
 * @param datagramBytes  largest datagram (1472 keeps one datagram per packet at MTU 1500)
 * @param socketBuffer   SO_RCVBUF requested (the kernel caps it at net.core.rmem_max)
 */
public record UdpGroup(String bindHost, int port, int datagramBytes, int socketBuffer) {
    public UdpGroup {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in [0, 65535], was " + port);
        if (socketBuffer < 65536) throw new IllegalArgumentException("socketBuffer must be >= 65536, was " + socketBuffer);
    }

    public LossyAllReduce join(ControlChannel control, LossyOptions options) {
        UdpFabric fabric = UdpFabric.open(control.rank(), new InetSocketAddress(bindHost, port), datagramBytes, socketBuffer);
        InetSocketAddress me = fabric.localAddress();
        byte[][] all = control.allGather((me.getHostString() + ":" + me.getPort()).getBytes(StandardCharsets.UTF_8));
        List<InetSocketAddress> peers = new ArrayList<>();
        for (byte[] b : all) {
            String s = new String(b, StandardCharsets.UTF_8);
            int colon = s.lastIndexOf(':');
            peers.add(new InetSocketAddress(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1))));
        }
        fabric.connectPeers(peers);
        return new LossyAllReduce(fabric, options.withJobId(control.jobId()));
    }
}
