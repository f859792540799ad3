package dev.kiln.jmh;

import dev.kiln.collective.wire.GsoUdpFabric;
import dev.kiln.collective.wire.UdpDatagramFabric;
import dev.kiln.collective.wire.UdpFabric;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cost per 1472-byte datagram, sent and received by one thread over loopback, of the two UDP paths: NIO (one
 * system call per datagram each way) and FFM with UDP GSO/GRO (one {@code sendmsg} per 44 datagrams, up to 32
 * messages per {@code recvmmsg}). Loopback keeps a GSO burst whole and hands it to the GRO socket coalesced, so
 * this is the per-call saving alone, without the veth segmentation and bridge the benchmark network adds.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class UdpDatagramPaths {
    private static final int DATAGRAMS = 440, BYTES = 1472;

    @Param({"nio", "gso"})
    String path;

    private UdpFabric a, b;
    private final ByteBuffer out = ByteBuffer.allocateDirect(BYTES);
    private final ByteBuffer in = ByteBuffer.allocateDirect(65536);

    @Setup(Level.Trial)
    public void setup() {
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        a = path.equals("gso") ? new GsoUdpFabric(0, any, BYTES, 8 << 20) : new UdpDatagramFabric(0, any, BYTES, 8 << 20);
        b = path.equals("gso") ? new GsoUdpFabric(1, any, BYTES, 8 << 20) : new UdpDatagramFabric(1, any, BYTES, 8 << 20);
        List<InetSocketAddress> both = List.of(a.localAddress(), b.localAddress());
        a.connectPeers(both);
        b.connectPeers(both);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
    }

    /** Sends 440 datagrams and receives them all; the result is per datagram. */
    @Benchmark
    @OperationsPerInvocation(DATAGRAMS)
    public int sendAndReceive() {
        for (int i = 0; i < DATAGRAMS; i++) {
            out.clear().putInt(0, i).limit(BYTES);
            a.send(1, out);
        }
        a.flush();
        int got = 0;
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (got < DATAGRAMS && b.receive(in, deadline)) got++;
        if (got != DATAGRAMS) throw new IllegalStateException("loopback lost datagrams: " + got + " of " + DATAGRAMS);
        return got;
    }
}
