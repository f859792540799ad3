package dev.kiln.collective.rendezvous;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;

/**
 * The small reliable side channel of a job: a TCP star around rank 0 at MASTER_ADDR:MASTER_PORT. It carries
 * the rendezvous (data addresses, the job id), barriers and small reports, never tensor data. Every read
 * has a timeout, and a failure names the rank whose link broke.
 */
public final class ControlChannel implements AutoCloseable {
    private static final int HELLO = 0x4B494C4E;

    private final int rank;
    private final int size;
    private final int jobId;
    private final Socket[] links; // rank 0: one per peer; others: links[0] is rank 0
    private final DataInputStream[] ins;
    private final DataOutputStream[] outs;
    private final ServerSocket server;

    private ControlChannel(int rank, int size, int jobId, Socket[] links, ServerSocket server) throws IOException {
        this.rank = rank;
        this.size = size;
        this.jobId = jobId;
        this.links = links;
        this.server = server;
        this.ins = new DataInputStream[size];
        this.outs = new DataOutputStream[size];
        for (int i = 0; i < size; i++) {
            if (links[i] == null) continue;
            ins[i] = new DataInputStream(new BufferedInputStream(links[i].getInputStream()));
            outs[i] = new DataOutputStream(new BufferedOutputStream(links[i].getOutputStream()));
        }
    }

    /** Rank 0 listens, the others connect (retrying until {@code timeout}); rank 0 picks the job id. */
    public static ControlChannel connect(LaunchEnvironment env, Duration timeout) {
        int rank = env.rank(), size = env.worldSize();
        InetSocketAddress master = new InetSocketAddress(env.masterAddr(), env.masterPort());
        int soTimeout = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        try {
            if (rank == 0) {
                ServerSocket server = new ServerSocket();
                server.setReuseAddress(true);
                server.bind(listenAddress(env.masterAddr(), master), size);
                server.setSoTimeout(soTimeout);
                Socket[] links = new Socket[size];
                int jobId = new SecureRandom().nextInt() | 1;
                for (int joined = 1; joined < size; joined++) {
                    Socket s;
                    try {
                        s = server.accept();
                    } catch (SocketTimeoutException e) {
                        throw new IllegalStateException("control channel: only " + joined + " of " + size
                                + " ranks joined " + master + " within " + timeout.toMillis() + " ms");
                    }
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(soTimeout);
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    if (in.readInt() != HELLO) throw new IllegalStateException("control channel: a stranger connected to " + master);
                    int r = in.readInt();
                    if (r <= 0 || r >= size || links[r] != null) throw new IllegalStateException("control channel: bad or duplicate rank " + r);
                    links[r] = s;
                }
                ControlChannel c = new ControlChannel(0, size, jobId, links, server);
                for (int r = 1; r < size; r++) {
                    c.outs[r].writeInt(jobId);
                    c.outs[r].flush();
                }
                return c;
            }
            long giveUp = System.nanoTime() + timeout.toNanos();
            while (true) {
                Socket s = new Socket();
                try {
                    s.connect(master, 1000);
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(soTimeout);
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    out.writeInt(HELLO);
                    out.writeInt(rank);
                    out.flush();
                    Socket[] links = new Socket[size];
                    links[0] = s;
                    int jobId = new DataInputStream(s.getInputStream()).readInt();
                    return new ControlChannel(rank, size, jobId, links, null);
                } catch (IOException e) {
                    s.close();
                    if (System.nanoTime() > giveUp) {
                        throw new IllegalStateException("control channel: rank " + rank + " could not reach rank 0 at " + master
                                + " within " + timeout.toMillis() + " ms: " + e.getMessage());
                    }
                    Thread.sleep(50);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("control channel at " + master + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during rendezvous", e);
        }
    }

    /**
     * Where rank 0 listens: at the master address, except when MASTER_ADDR is a host name that resolves to loopback
     * here (Debian's {@code 127.0.1.1} line for the machine's own name) while the other hosts resolve it to this
     * host's real address; then on every interface at MASTER_PORT, as torchrun's store does.
     */
    static InetSocketAddress listenAddress(String masterAddr, InetSocketAddress master) {
        boolean nameMappedToLoopback = master.getAddress() != null && master.getAddress().isLoopbackAddress()
                && !ReachableAddress.namesLoopback(masterAddr);
        return nameMappedToLoopback ? new InetSocketAddress(master.getPort()) : master;
    }

    public int rank() { return rank; }

    public int size() { return size; }

    /** A random odd number chosen by rank 0, the same on every rank: the data path's job id. */
    public int jobId() { return jobId; }

    /** Every rank's bytes, in rank order, on every rank (gathered at rank 0, then sent to all). */
    public byte[][] allGather(byte[] mine) {
        byte[][] all = new byte[size][];
        int peer = -1;
        try {
            if (rank == 0) {
                all[0] = mine;
                for (peer = 1; peer < size; peer++) {
                    byte[] b = new byte[ins[peer].readInt()];
                    ins[peer].readFully(b);
                    all[peer] = b;
                }
                for (peer = 1; peer < size; peer++) {
                    for (byte[] b : all) {
                        outs[peer].writeInt(b.length);
                        outs[peer].write(b);
                    }
                    outs[peer].flush();
                }
            } else {
                peer = 0;
                outs[0].writeInt(mine.length);
                outs[0].write(mine);
                outs[0].flush();
                for (int r = 0; r < size; r++) {
                    byte[] b = new byte[ins[0].readInt()];
                    ins[0].readFully(b);
                    all[r] = b;
                }
            }
            return all;
        } catch (IOException e) {
            throw new IllegalStateException("control channel: rank " + rank + " lost rank " + peer + ": " + e.getMessage(), e);
        }
    }

    public void barrier() { allGather(new byte[0]); }

    @Override
    public void close() {
        try {
            for (Socket s : links) if (s != null) s.close();
            if (server != null) server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
