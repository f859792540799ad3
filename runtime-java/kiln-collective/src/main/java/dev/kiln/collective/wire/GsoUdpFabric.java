package dev.kiln.collective.wire;

import dev.kiln.bind.net.LinuxUdp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.List;

import static dev.kiln.bind.net.LinuxUdp.EAGAIN;
import static dev.kiln.bind.net.LinuxUdp.ECONNREFUSED;
import static dev.kiln.bind.net.LinuxUdp.EINTR;
import static dev.kiln.bind.net.LinuxUdp.ENOBUFS;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Real UDP through the kernel's segmentation offloads, via {@link LinuxUdp} (FFM): datagrams to one peer are
 * staged back to back in native memory and leave in one {@code sendmsg} with a {@code UDP_SEGMENT} control
 * message (up to {@value LinuxUdp#MAX_GSO_SEGMENTS} datagrams, 64 KB), which the stack cuts into ordinary
 * datagrams below IP; the receiver sets {@code UDP_GRO} and takes up to {@value #RECEIVE_BATCH} messages per
 * {@code recvmmsg}, each of which may hold several coalesced datagrams whose size its {@code UDP_GRO} control
 * message gives. The wire carries the same datagrams as {@link UdpDatagramFabric}: packet format and loss
 * accounting do not change, only the number of system calls and socket buffers per datagram.
 *
 * <p>A datagram handed to {@link #send} may stay staged until the peer's burst is full, {@link #flush} is
 * called, or {@link #receive} is about to wait. Errors: {@code EAGAIN}/{@code ENOBUFS} on send are a full
 * send buffer (waited on briefly, then counted as local drops, as the NIO path does), {@code ECONNREFUSED}
 * is a dead peer (loss); every other errno ({@code EPERM} from a firewall, {@code EMSGSIZE}, {@code EBADF}
 * on a closed socket) is thrown as a {@link dev.kiln.device.KilnNativeException} naming it.
 *
 * <p>Not thread-safe: one thread per fabric, as {@code DatagramExchange} uses it.
 */
public final class GsoUdpFabric implements UdpFabric {
    public static final String PATH = "ffm udp gso/gro (sendmsg UDP_SEGMENT, recvmmsg UDP_GRO)";
    /** Messages per {@code recvmmsg}: with coalescing each can be 64 KB, so this bounds one call at 2 MiB. */
    static final int RECEIVE_BATCH = 32;
    private static final int MESSAGE_BYTES = 65536;
    /** IPv4's limit on one UDP payload, which a GSO send's total must also respect. */
    private static final int MAX_UDP_PAYLOAD = 65507;
    private static final int SEND_RETRIES = 50;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = LinuxUdp.errnoSlot(arena);
    private final MemorySegment intSlot = arena.allocate(JAVA_LONG);
    private final int fd;
    private final int rank;
    private final byte[] bindAddress;
    private final int maxDatagramBytes;
    private int segmentsPerBurst;
    private boolean closed;

    // Sending: per peer a staging area and its address; one msghdr reused for every send.
    private MemorySegment[] peerAddress;
    private MemorySegment[] stage;
    private int[] stagedCount, stagedBytes, stagedSegment;
    private final MemorySegment sendMsg = arena.allocate(LinuxUdp.MSGHDR);
    private final MemorySegment sendIov = arena.allocate(LinuxUdp.IOVEC);
    private final MemorySegment sendControl = arena.allocate(LinuxUdp.CMSG_SPACE_INT, 8);
    private final MemorySegment pollFd = arena.allocate(LinuxUdp.POLLFD);
    private long sendBufferDrops, refusedDrops, gsoSends, datagramsSent;

    // Receiving: one recvmmsg batch and where its reader stands.
    private final MemorySegment recvMsgs = arena.allocate(LinuxUdp.MMSGHDR, RECEIVE_BATCH);
    private final MemorySegment recvData = arena.allocate((long) MESSAGE_BYTES * RECEIVE_BATCH, 64);
    private final ByteBuffer recvView = recvData.asByteBuffer();
    private static final long CONTROL_BYTES = 2 * LinuxUdp.CMSG_SPACE_INT;
    private final MemorySegment recvControl = arena.allocate(CONTROL_BYTES * RECEIVE_BATCH, 8);
    private int batchCount, batchIndex, offsetInMessage, messageBytes, messageSegment;
    private long socketDrops, recvCalls, datagramsReceived;

    /** Null when this machine can run the fabric (Linux with UDP GSO and GRO); else why not. */
    public static String unavailabilityCause() { return LinuxUdp.unavailabilityCause(); }

    /**
     * Binds {@code bind} (port 0 picks a free one) with receive buffer {@code socketBufferBytes} (forced past
     * {@code net.core.rmem_max} when the process may, i.e. has CAP_NET_ADMIN); call {@link #connectPeers} once
     * every rank's address is known.
     */
    public GsoUdpFabric(int rank, InetSocketAddress bind, int maxDatagramBytes, int socketBufferBytes) {
        if (maxDatagramBytes <= Packet.HEADER_BYTES + Float.BYTES || maxDatagramBytes > Packet.MAX_DATAGRAM_BYTES) {
            throw new IllegalArgumentException("maxDatagramBytes must be in (" + (Packet.HEADER_BYTES + Float.BYTES) + ", "
                    + Packet.MAX_DATAGRAM_BYTES + "], was " + maxDatagramBytes);
        }
        String cause = unavailabilityCause();
        if (cause != null) throw new IllegalStateException("udp gso/gro path unavailable: " + cause);
        this.rank = rank;
        this.maxDatagramBytes = maxDatagramBytes;
        this.segmentsPerBurst = Math.max(1, Math.min(LinuxUdp.MAX_GSO_SEGMENTS, MAX_UDP_PAYLOAD / maxDatagramBytes));
        this.bindAddress = ipv4(bind);
        int s = LinuxUdp.socket(errno, LinuxUdp.AF_INET, LinuxUdp.SOCK_DGRAM | LinuxUdp.SOCK_NONBLOCK | LinuxUdp.SOCK_CLOEXEC, 0);
        if (s < 0) throw failure("socket", -s, "udp rank " + rank);
        this.fd = s;
        try {
            // The FORCE variants pass rmem_max/wmem_max (a 4 MiB default here would drop a 64 MiB phase's bursts).
            if (LinuxUdp.setsockoptInt(errno, fd, LinuxUdp.SOL_SOCKET, LinuxUdp.SO_RCVBUFFORCE, intSlot, socketBufferBytes) < 0) {
                check("setsockopt(SO_RCVBUF)", LinuxUdp.setsockoptInt(errno, fd, LinuxUdp.SOL_SOCKET, LinuxUdp.SO_RCVBUF, intSlot, socketBufferBytes));
            }
            int sendBuffer = Math.min(socketBufferBytes, 8 << 20);
            if (LinuxUdp.setsockoptInt(errno, fd, LinuxUdp.SOL_SOCKET, LinuxUdp.SO_SNDBUFFORCE, intSlot, sendBuffer) < 0) {
                check("setsockopt(SO_SNDBUF)", LinuxUdp.setsockoptInt(errno, fd, LinuxUdp.SOL_SOCKET, LinuxUdp.SO_SNDBUF, intSlot, sendBuffer));
            }
            check("setsockopt(UDP_GRO)", LinuxUdp.setsockoptInt(errno, fd, LinuxUdp.SOL_UDP, LinuxUdp.UDP_GRO, intSlot, 1));
            check("setsockopt(SO_RXQ_OVFL)", LinuxUdp.setsockoptInt(errno, fd, LinuxUdp.SOL_SOCKET, LinuxUdp.SO_RXQ_OVFL, intSlot, 1));
            MemorySegment addr = arena.allocate(LinuxUdp.SOCKADDR_IN);
            LinuxUdp.sockaddrIn(addr, bindAddress, bind.getPort());
            int rc = LinuxUdp.bind(errno, fd, addr);
            if (rc < 0) throw failure("bind", -rc, "udp rank " + rank + " binding " + bind);
        } catch (RuntimeException e) {
            LinuxUdp.close(errno, fd);
            arena.close();
            throw e;
        }
        for (int i = 0; i < RECEIVE_BATCH; i++) {
            MemorySegment hdr = recvMsgs.asSlice(i * LinuxUdp.MMSGHDR.byteSize(), LinuxUdp.MSGHDR.byteSize());
            MemorySegment iov = arena.allocate(LinuxUdp.IOVEC);
            iov.set(ADDRESS, 0, recvData.asSlice((long) i * MESSAGE_BYTES, MESSAGE_BYTES));
            iov.set(JAVA_LONG, 8, MESSAGE_BYTES);
            hdr.set(ADDRESS, 16, iov);
            hdr.set(JAVA_LONG, 24, 1L);
            hdr.set(ADDRESS, 32, recvControl.asSlice(i * CONTROL_BYTES, CONTROL_BYTES));
        }
        pollFd.set(JAVA_INT, 0, fd);
    }

    private static byte[] ipv4(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        if (ip == null) {
            try {
                ip = InetAddress.getByName(a.getHostString());
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("address must be an IPv4 host, was " + a.getHostString(), e);
            }
        }
        if (!(ip instanceof Inet4Address)) throw new IllegalArgumentException("address must be IPv4, was " + ip);
        return ip.getAddress();
    }

    @Override public String path() { return PATH; }

    @Override
    public InetSocketAddress localAddress() {
        MemorySegment addr = arena.allocate(LinuxUdp.SOCKADDR_IN);
        check("getsockname", LinuxUdp.getsockname(errno, fd, addr, intSlot));
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bindAddress), LinuxUdp.port(addr));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The receive buffer the kernel granted (twice what was asked: the kernel counts its bookkeeping too). */
    @Override
    public int receiveBufferBytes() {
        return check("getsockopt(SO_RCVBUF)", LinuxUdp.getsockoptInt(errno, fd, LinuxUdp.SOL_SOCKET, LinuxUdp.SO_RCVBUF, intSlot));
    }

    @Override
    public void connectPeers(List<InetSocketAddress> addresses) {
        int n = addresses.size();
        peerAddress = new MemorySegment[n];
        stage = new MemorySegment[n];
        stagedCount = new int[n];
        stagedBytes = new int[n];
        stagedSegment = new int[n];
        for (int p = 0; p < n; p++) {
            peerAddress[p] = arena.allocate(LinuxUdp.SOCKADDR_IN);
            LinuxUdp.sockaddrIn(peerAddress[p], ipv4(addresses.get(p)), addresses.get(p).getPort());
            stage[p] = arena.allocate((long) segmentsPerBurst * maxDatagramBytes, 64);
        }
    }

    @Override public int rank() { return rank; }
    @Override public int size() { return peerAddress.length; }
    @Override public int maxDatagramBytes() { return maxDatagramBytes; }

    @Override public long sendBufferDrops() { return sendBufferDrops + refusedDrops; }

    /** Datagrams dropped by this socket's kernel queue (full receive buffer), from {@code SO_RXQ_OVFL}. */
    @Override public long receiveBufferDrops() { return socketDrops; }

    /** Datagrams per {@code sendmsg}: {@code sent / sends}. */
    public double datagramsPerSend() { return gsoSends == 0 ? 0 : datagramsSent / (double) gsoSends; }

    /** Datagrams per {@code recvmmsg} call that returned any. */
    public double datagramsPerReceiveCall() { return recvCalls == 0 ? 0 : datagramsReceived / (double) recvCalls; }

    @Override
    public void send(int peer, ByteBuffer datagram) {
        if (closed) throw new IllegalStateException("udp rank " + rank + ": send on a closed socket");
        int len = datagram.remaining();
        if (len > maxDatagramBytes) {
            throw new IllegalArgumentException("datagram must be at most " + maxDatagramBytes + " bytes, was " + len);
        }
        // GSO cuts at a fixed size: only the burst's last datagram may be shorter.
        if (stagedCount[peer] > 0 && len > stagedSegment[peer]) flush(peer);
        int at = stagedBytes[peer];
        MemorySegment.copy(MemorySegment.ofBuffer(datagram), 0, stage[peer], at, len);
        datagram.position(datagram.limit());
        if (stagedCount[peer]++ == 0) stagedSegment[peer] = len;
        stagedBytes[peer] = at + len;
        if (len < stagedSegment[peer] || stagedCount[peer] == segmentsPerBurst) flush(peer);
    }

    /** Hands every staged datagram to the kernel. */
    @Override
    public void flush() {
        for (int p = 0; p < stagedCount.length; p++) if (stagedCount[p] > 0) flush(p);
    }

    private void flush(int peer) {
        int count = stagedCount[peer];
        sendMsg.set(ADDRESS, 0, peerAddress[peer]);
        sendMsg.set(JAVA_INT, 8, (int) LinuxUdp.SOCKADDR_IN.byteSize());
        sendIov.set(ADDRESS, 0, stage[peer]);
        sendIov.set(JAVA_LONG, 8, stagedBytes[peer]);
        sendMsg.set(ADDRESS, 16, sendIov);
        sendMsg.set(JAVA_LONG, 24, 1L);
        if (count > 1) {
            sendControl.fill((byte) 0);
            sendControl.set(JAVA_LONG, 0, LinuxUdp.CMSG_DATA + Short.BYTES); // CMSG_LEN(sizeof(u16))
            sendControl.set(JAVA_INT, 8, LinuxUdp.SOL_UDP);
            sendControl.set(JAVA_INT, 12, LinuxUdp.UDP_SEGMENT);
            sendControl.set(JAVA_SHORT, LinuxUdp.CMSG_DATA, (short) stagedSegment[peer]);
            sendMsg.set(ADDRESS, 32, sendControl);
            sendMsg.set(JAVA_LONG, 40, LinuxUdp.CMSG_SPACE_INT);
        } else {
            sendMsg.set(ADDRESS, 32, MemorySegment.NULL);
            sendMsg.set(JAVA_LONG, 40, 0L);
        }
        int bytes = stagedBytes[peer];
        stagedCount[peer] = 0;
        stagedBytes[peer] = 0;
        for (int attempt = 0; ; attempt++) {
            long rc = LinuxUdp.sendmsg(errno, fd, sendMsg, 0);
            if (rc >= 0) {
                gsoSends++;
                datagramsSent += count;
                return;
            }
            int e = (int) -rc;
            if ((e == LinuxUdp.EMSGSIZE || e == LinuxUdp.EINVAL) && count > 1) {
                // The route's MTU is below the segment size (e.g. 4000-byte datagrams on MTU 1500): the kernel
                // will not cut them (EMSGSIZE; EINVAL before Linux 6.x). Send one datagram per call from now on,
                // which IP fragments as it always did; an EMSGSIZE for one datagram alone is still thrown.
                segmentsPerBurst = 1;
                sendEach(peer, count, stagedSegment[peer], bytes);
                return;
            }
            if (e == ECONNREFUSED) { // a dead peer's port: loss for a lossy transport, not failure
                refusedDrops += count;
                return;
            }
            if (e != EAGAIN && e != ENOBUFS && e != EINTR) {
                throw failure("sendmsg", e, "udp rank " + rank + " -> rank " + peer + ", " + count + " datagram(s) of "
                        + stagedSegment[peer] + " B");
            }
            if (attempt == SEND_RETRIES) {
                sendBufferDrops += count;
                return;
            }
            waitFor(LinuxUdp.POLLOUT, 1);
        }
    }

    /** Sends the staged datagrams of {@code peer} one per {@code sendmsg}, without GSO. */
    private void sendEach(int peer, int count, int segment, int bytes) {
        MemorySegment all = stage[peer];
        for (int at = 0; at < bytes; at += segment) {
            int len = Math.min(segment, bytes - at);
            stagedCount[peer] = 1;
            stagedBytes[peer] = len;
            stagedSegment[peer] = len;
            if (at > 0) MemorySegment.copy(all, at, all, 0, len);
            flush(peer);
        }
    }

    @Override
    public boolean receive(ByteBuffer into, long deadlineNanos) {
        if (closed) throw new IllegalStateException("udp rank " + rank + ": receive on a closed socket");
        while (true) {
            if (nextDatagram(into)) return true;
            int n = LinuxUdp.recvmmsg(errno, fd, prepareReceive(), RECEIVE_BATCH, LinuxUdp.MSG_DONTWAIT);
            if (n > 0) {
                batchCount = n;
                batchIndex = 0;
                offsetInMessage = 0;
                messageBytes = -1;
                recvCalls++;
                continue;
            }
            // ECONNREFUSED: an ICMP port-unreachable for an earlier send to a dead peer, reported here. Not data.
            if (n < 0 && n != -EAGAIN && n != -EINTR && n != -ECONNREFUSED) throw failure("recvmmsg", -n, "udp rank " + rank);
            if (n == -ECONNREFUSED) continue;
            long waitNanos = deadlineNanos - System.nanoTime();
            if (waitNanos <= 0) return false;
            flush(); // about to sleep: staged datagrams must not wait with this rank
            waitFor(LinuxUdp.POLLIN, (int) Math.max(1, Math.min(Integer.MAX_VALUE, waitNanos / 1_000_000)));
        }
    }

    private MemorySegment prepareReceive() {
        for (int i = 0; i < RECEIVE_BATCH; i++) {
            long at = i * LinuxUdp.MMSGHDR.byteSize();
            recvMsgs.set(JAVA_LONG, at + 40, CONTROL_BYTES); // msg_controllen: the kernel overwrote it
            recvMsgs.set(JAVA_INT, at + 48, 0);
        }
        return recvMsgs;
    }

    /** Copies the next datagram of the current batch into {@code into}; false when the batch is used up. */
    private boolean nextDatagram(ByteBuffer into) {
        while (batchIndex < batchCount) {
            long at = batchIndex * LinuxUdp.MMSGHDR.byteSize();
            if (messageBytes < 0) {
                messageBytes = recvMsgs.get(JAVA_INT, at + LinuxUdp.MSGHDR.byteSize());
                messageSegment = readControl(batchIndex, recvMsgs.get(JAVA_LONG, at + 40));
                if (messageSegment <= 0) messageSegment = messageBytes; // not coalesced: one datagram
            }
            if (offsetInMessage < messageBytes) {
                int len = Math.min(messageSegment, messageBytes - offsetInMessage);
                int copied = Math.min(len, into.capacity());
                into.clear();
                into.put(0, recvView, batchIndex * MESSAGE_BYTES + offsetInMessage, copied);
                into.position(0).limit(copied);
                offsetInMessage += len;
                datagramsReceived++;
                return true;
            }
            batchIndex++;
            offsetInMessage = 0;
            messageBytes = -1;
        }
        return false;
    }

    /** Reads the message's control messages: returns its GRO segment size (0 if none), notes SO_RXQ_OVFL. */
    private int readControl(int index, long controlLength) {
        MemorySegment c = recvControl.asSlice(index * CONTROL_BYTES, CONTROL_BYTES);
        int segment = 0;
        long off = 0;
        while (off + LinuxUdp.CMSG_DATA <= Math.min(controlLength, CONTROL_BYTES)) {
            long len = c.get(JAVA_LONG, off);
            if (len < LinuxUdp.CMSG_DATA) break;
            int level = c.get(JAVA_INT, off + 8), type = c.get(JAVA_INT, off + 12);
            if (level == LinuxUdp.SOL_UDP && type == LinuxUdp.UDP_GRO) segment = c.get(JAVA_INT, off + LinuxUdp.CMSG_DATA);
            if (level == LinuxUdp.SOL_SOCKET && type == LinuxUdp.SO_RXQ_OVFL) {
                socketDrops = Math.max(socketDrops, Integer.toUnsignedLong(c.get(JAVA_INT, off + LinuxUdp.CMSG_DATA)));
            }
            off += (len + 7) & ~7L;
        }
        return segment;
    }

    private void waitFor(short events, int timeoutMillis) {
        pollFd.set(JAVA_SHORT, 4, events);
        pollFd.set(JAVA_SHORT, 6, (short) 0);
        int rc = LinuxUdp.poll(errno, pollFd, timeoutMillis);
        if (rc < 0 && rc != -EINTR) throw failure("poll", -rc, "udp rank " + rank);
    }

    private int check(String function, int rc) {
        if (rc < 0) throw failure(function, -rc, "udp rank " + rank);
        return rc;
    }

    private RuntimeException failure(String function, int errnoValue, String context) {
        return LinuxUdp.fail(function, errnoValue, context);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            if (stagedCount != null) flush();
        } finally {
            int rc = LinuxUdp.close(errno, fd);
            arena.close();
            if (rc < 0) throw LinuxUdp.fail("close", -rc, "udp rank " + rank);
        }
    }
}
