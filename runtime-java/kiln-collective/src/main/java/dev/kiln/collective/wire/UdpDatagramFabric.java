package dev.kiln.collective.wire;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.List;

/**
 * Real UDP: one non-blocking {@link DatagramChannel} per rank, bound before the rendezvous so that its
 * port can be published, with large socket buffers (a 64 MiB reduce-scatter is tens of thousands of
 * datagrams in flight). A full send buffer is retried briefly and then counted as a local drop: this
 * transport never blocks for long. Loss on the wire is whatever the network (or an nftables rule) does.
 */
public final class UdpDatagramFabric implements UdpFabric {
    public static final String PATH = "nio DatagramChannel (one system call per datagram)";
    private final DatagramChannel channel;
    private final Selector selector;
    private final int rank;
    private InetSocketAddress[] peers;
    private final int maxDatagramBytes;
    private long sendBufferDrops;

    /** Binds {@code bind} (port 0 picks a free one); call {@link #connectPeers} once every rank's address is known. */
    public UdpDatagramFabric(int rank, InetSocketAddress bind, int maxDatagramBytes, int socketBufferBytes) {
        if (maxDatagramBytes <= Packet.HEADER_BYTES + Float.BYTES || maxDatagramBytes > Packet.MAX_DATAGRAM_BYTES) {
            throw new IllegalArgumentException("maxDatagramBytes must be in (" + (Packet.HEADER_BYTES + Float.BYTES) + ", "
                    + Packet.MAX_DATAGRAM_BYTES + "], was " + maxDatagramBytes);
        }
        this.rank = rank;
        this.maxDatagramBytes = maxDatagramBytes;
        try {
            channel = DatagramChannel.open();
            channel.setOption(StandardSocketOptions.SO_RCVBUF, socketBufferBytes);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, Math.min(socketBufferBytes, 4 << 20));
            channel.bind(bind);
            channel.configureBlocking(false);
            selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException e) {
            throw new UncheckedIOException("udp: cannot bind " + bind + ": " + e.getMessage(), e);
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The receive buffer the kernel granted (it silently caps at net.core.rmem_max). */
    @Override
    public int receiveBufferBytes() {
        try {
            return channel.getOption(StandardSocketOptions.SO_RCVBUF);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void connectPeers(List<InetSocketAddress> addresses) {
        this.peers = addresses.toArray(InetSocketAddress[]::new);
    }

    @Override public int rank() { return rank; }
    @Override public int size() { return peers.length; }
    @Override public int maxDatagramBytes() { return maxDatagramBytes; }

    /** Datagrams this rank could not hand to its own kernel (send buffer full for too long). */
    @Override
    public long sendBufferDrops() { return sendBufferDrops; }

    /** NIO cannot read SO_RXQ_OVFL: the bench reads the namespace's RcvbufErrors instead. */
    @Override
    public long receiveBufferDrops() { return -1; }

    @Override
    public String path() { return PATH; }

    @Override
    public void send(int peer, ByteBuffer datagram) {
        try {
            for (int attempt = 0; attempt < 1000; attempt++) {
                if (channel.send(datagram, peers[peer]) > 0) return;
                Thread.onSpinWait();
            }
            sendBufferDrops++;
            datagram.position(datagram.limit());
        } catch (PortUnreachableException e) {
            // ECONNREFUSED from an ICMP port-unreachable (a dead peer) is loss, not failure, for a lossy transport.
            sendBufferDrops++;
            datagram.position(datagram.limit());
        } catch (IOException e) {
            // EPERM (a firewall), EMSGSIZE, a closed channel: a local error, never loss. NIO gives the errno's text only.
            throw new UncheckedIOException("udp rank " + rank + ": send to rank " + peer + " failed: " + e, e);
        }
    }

    @Override
    public boolean receive(ByteBuffer into, long deadlineNanos) {
        try {
            while (true) {
                into.clear();
                if (channel.receive(into) != null) {
                    into.flip();
                    return true;
                }
                long waitNanos = deadlineNanos - System.nanoTime();
                if (waitNanos <= 0) return false;
                selector.select(Math.max(1, waitNanos / 1_000_000));
                selector.selectedKeys().clear();
            }
        } catch (PortUnreachableException e) {
            return false; // an ICMP port-unreachable for an earlier send to a dead peer: loss, reported late
        } catch (IOException e) {
            throw new UncheckedIOException("udp rank " + rank + ": receive failed: " + e, e);
        }
    }

    @Override
    public void close() {
        try {
            selector.close();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
