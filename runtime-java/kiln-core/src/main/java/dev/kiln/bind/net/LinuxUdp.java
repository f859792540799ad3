package dev.kiln.bind.net;

import dev.kiln.device.KilnNativeException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The Linux (x86-64 / aarch64 LP64 glibc) socket calls of Kiln's datagram transport, through FFM in jextract's
 * shape: one holder per function, {@code invokeExact}, {@code errno} captured by the linker at the call (a later
 * JVM-internal call could overwrite the thread's errno before Java reads it).
 *
 * <p>Every call returns what the kernel returns, or {@code -errno} on failure, so that the transport decides
 * which errors are expected ({@code EAGAIN}: try later; {@code ECONNREFUSED}: a dead peer) and turns every other
 * one into {@link #fail}, an exception that names the errno ({@code EPERM}, {@code EMSGSIZE}, ...).
 */
public final class LinuxUdp {
    public static final int AF_INET = 2;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    /** Every recvmsg carries the socket's count of datagrams dropped because its receive buffer was full. */
    public static final int SO_RXQ_OVFL = 40;
    public static final int SOL_UDP = 17;
    /** Generic segmentation offload for UDP: one send of up to 64 KB, cut into gso_size datagrams below IP. */
    public static final int UDP_SEGMENT = 103;
    /** Receive-side coalescing: one recvmsg returns several same-size datagrams, with their size in a cmsg. */
    public static final int UDP_GRO = 104;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_TRUNC = 0x20;
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;

    public static final int EPERM = 1, EINTR = 4, EBADF = 9, EAGAIN = 11, EINVAL = 22, ENOPROTOOPT = 92, EMSGSIZE = 90,
            ENOBUFS = 105, ECONNREFUSED = 111;
    /** The kernel's limit on segments per UDP GSO send (UDP_MAX_SEGMENTS since Linux 5.5; 64 before). */
    public static final int MAX_GSO_SEGMENTS = 64;

    /** {@code struct sockaddr_in}: family, port and address in network byte order, 8 bytes of zero. */
    public static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sin_family"), JAVA_SHORT.withName("sin_port"), JAVA_INT.withName("sin_addr"),
            MemoryLayout.paddingLayout(8));
    /** {@code struct iovec}. */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(ADDRESS.withName("iov_base"), JAVA_LONG.withName("iov_len"));
    /** {@code struct msghdr} (LP64). */
    public static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"), JAVA_INT.withName("msg_namelen"), MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"), JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"), JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"), MemoryLayout.paddingLayout(4));
    /** {@code struct mmsghdr}: a msghdr and the byte count the kernel wrote. */
    public static final StructLayout MMSGHDR = MemoryLayout.structLayout(
            MSGHDR.withName("msg_hdr"), JAVA_INT.withName("msg_len"), MemoryLayout.paddingLayout(4));
    /** {@code struct cmsghdr} header; its data starts at {@link #CMSG_DATA}, and each one is 8-byte aligned. */
    public static final long CMSG_DATA = 16;
    /** {@code CMSG_SPACE(sizeof(int))}: one control message carrying an int (or a u16, padded). */
    public static final long CMSG_SPACE_INT = 24;
    public static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private LinuxUdp() {}

    private static MethodHandle libc(String name, FunctionDescriptor d, boolean errno) {
        MemorySegment address = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return errno ? LINKER.downcallHandle(address, d, CAPTURE_ERRNO) : LINKER.downcallHandle(address, d);
    }

    /** Where a call leaves its errno; one per thread that makes calls (a transport owns one). */
    public static MemorySegment errnoSlot(Arena arena) { return arena.allocate(CAPTURE); }

    private static int errno(MemorySegment slot) { return (int) ERRNO.get(slot, 0L); }

    private static final class socket {
        static final MethodHandle HANDLE = libc("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), true);
    }

    private static final class bind {
        static final MethodHandle HANDLE = libc("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), true);
    }

    private static final class getsockname {
        static final MethodHandle HANDLE = libc("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), true);
    }

    private static final class setsockopt {
        static final MethodHandle HANDLE = libc("setsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), true);
    }

    private static final class getsockopt {
        static final MethodHandle HANDLE = libc("getsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), true);
    }

    private static final class sendmsg {
        static final MethodHandle HANDLE = libc("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), true);
    }

    private static final class recvmmsg {
        static final MethodHandle HANDLE = libc("recvmmsg",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), true);
    }

    private static final class poll {
        static final MethodHandle HANDLE = libc("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), true);
    }

    private static final class close {
        static final MethodHandle HANDLE = libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), true);
    }

    private static final class strerrorname_np {
        static final MethodHandle HANDLE = LINKER.defaultLookup().find("strerrorname_np")
                .map(a -> LINKER.downcallHandle(a, FunctionDescriptor.of(ADDRESS, JAVA_INT))).orElse(null);
    }

    private static final class strerror {
        static final MethodHandle HANDLE = libc("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT), false);
    }

    private static int orErrno(int rc, MemorySegment slot) { return rc < 0 ? -errno(slot) : rc; }

    private static long orErrno(long rc, MemorySegment slot) { return rc < 0 ? -errno(slot) : rc; }

    /** {@code socket(2)}: a descriptor, or {@code -errno}. */
    public static int socket(MemorySegment errnoSlot, int domain, int type, int protocol) {
        try {
            return orErrno((int) socket.HANDLE.invokeExact(errnoSlot, domain, type, protocol), errnoSlot);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code bind(2)} to a {@link #SOCKADDR_IN}: 0 or {@code -errno}. */
    public static int bind(MemorySegment errnoSlot, int fd, MemorySegment sockaddr) {
        try {
            return orErrno((int) bind.HANDLE.invokeExact(errnoSlot, fd, sockaddr, (int) sockaddr.byteSize()), errnoSlot);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code getsockname(2)} into a {@link #SOCKADDR_IN}; {@code lenSlot} is an int the call reads and writes. */
    public static int getsockname(MemorySegment errnoSlot, int fd, MemorySegment sockaddr, MemorySegment lenSlot) {
        lenSlot.set(JAVA_INT, 0, (int) sockaddr.byteSize());
        try {
            return orErrno((int) getsockname.HANDLE.invokeExact(errnoSlot, fd, sockaddr, lenSlot), errnoSlot);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code setsockopt(2)} with an int value held in {@code intSlot}: 0 or {@code -errno}. */
    public static int setsockoptInt(MemorySegment errnoSlot, int fd, int level, int name, MemorySegment intSlot, int value) {
        intSlot.set(JAVA_INT, 0, value);
        try {
            return orErrno((int) setsockopt.HANDLE.invokeExact(errnoSlot, fd, level, name, intSlot, Integer.BYTES), errnoSlot);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code getsockopt(2)} of an int: the value (never negative for the options used here), or {@code -errno}. */
    public static int getsockoptInt(MemorySegment errnoSlot, int fd, int level, int name, MemorySegment twoInts) {
        twoInts.set(JAVA_INT, 4, Integer.BYTES);
        try {
            int rc = (int) getsockopt.HANDLE.invokeExact(errnoSlot, fd, level, name, twoInts, twoInts.asSlice(4, 4));
            return rc < 0 ? -errno(errnoSlot) : twoInts.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sendmsg(2)} of a {@link #MSGHDR}: bytes sent, or {@code -errno}. */
    public static long sendmsg(MemorySegment errnoSlot, int fd, MemorySegment msghdr, int flags) {
        try {
            return orErrno((long) sendmsg.HANDLE.invokeExact(errnoSlot, fd, msghdr, flags), errnoSlot);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code recvmmsg(2)} into {@code count} {@link #MMSGHDR}s, no timeout: messages received, or {@code -errno}. */
    public static int recvmmsg(MemorySegment errnoSlot, int fd, MemorySegment mmsghdrs, int count, int flags) {
        try {
            return orErrno((int) recvmmsg.HANDLE.invokeExact(errnoSlot, fd, mmsghdrs, count, flags, MemorySegment.NULL), errnoSlot);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code poll(2)} of one {@link #POLLFD}: 1 when ready, 0 on timeout, or {@code -errno}. */
    public static int poll(MemorySegment errnoSlot, MemorySegment pollfd, int timeoutMillis) {
        try {
            return orErrno((int) poll.HANDLE.invokeExact(errnoSlot, pollfd, 1L, timeoutMillis), errnoSlot);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code close(2)}: 0 or {@code -errno}. */
    public static int close(MemorySegment errnoSlot, int fd) {
        try {
            return orErrno((int) close.HANDLE.invokeExact(errnoSlot, fd), errnoSlot);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The symbolic name of an errno ({@code EPERM}), from glibc's {@code strerrorname_np} where it has one. */
    public static String errnoName(int errno) {
        try {
            if (strerrorname_np.HANDLE != null) {
                MemorySegment s = (MemorySegment) strerrorname_np.HANDLE.invokeExact(errno);
                if (!s.equals(MemorySegment.NULL)) return s.reinterpret(64).getString(0);
            }
            return "errno " + errno;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** glibc's text for an errno ({@code Operation not permitted}). */
    public static String errnoText(int errno) {
        try {
            MemorySegment s = (MemorySegment) strerror.HANDLE.invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? "" : s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The exception for a failed call: {@code libc: sendmsg failed with EPERM (1)} and the context given. */
    public static KilnNativeException fail(String function, int errno, String context) {
        return new KilnNativeException("libc", function, errno, errnoName(errno), errnoText(errno) + (context == null ? "" : "; " + context));
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    private static final class Probe {
        static final String CAUSE = probe();
    }

    /**
     * Null when this kernel offers UDP GSO and GRO on an IPv4 datagram socket (Linux 5.0+); else why not: not
     * Linux, a symbol missing, or the errno a probe socket's {@code setsockopt} returned.
     */
    public static String unavailabilityCause() { return Probe.CAUSE; }

    private static String probe() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return "UDP GSO/GRO needs Linux, this is " + System.getProperty("os.name");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment e = errnoSlot(arena), v = arena.allocate(JAVA_INT);
            int fd = socket(e, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) return "socket(AF_INET, SOCK_DGRAM) failed with " + errnoName(-fd);
            try {
                int rc = setsockoptInt(e, fd, SOL_UDP, UDP_SEGMENT, v, 1472);
                if (rc < 0) return "setsockopt(UDP_SEGMENT) failed with " + errnoName(-rc) + " (kernel older than 4.18?)";
                rc = setsockoptInt(e, fd, SOL_UDP, UDP_GRO, v, 1);
                if (rc < 0) return "setsockopt(UDP_GRO) failed with " + errnoName(-rc) + " (kernel older than 5.0?)";
            } finally {
                close(e, fd);
            }
            return null;
        } catch (Throwable t) {
            return "libc socket calls not bound: " + t;
        }
    }

    /** Writes an IPv4 address and port into a {@link #SOCKADDR_IN}. */
    public static void sockaddrIn(MemorySegment into, byte[] ipv4, int port) {
        if (ipv4.length != 4) throw new IllegalArgumentException("ipv4 must be 4 bytes, was " + ipv4.length);
        into.fill((byte) 0);
        into.set(JAVA_SHORT, 0, (short) AF_INET);
        into.set(JAVA_SHORT.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 2, (short) port);
        MemorySegment.copy(ipv4, 0, into, ValueLayout.JAVA_BYTE, 4, 4);
    }

    /** The port of a {@link #SOCKADDR_IN}. */
    public static int port(MemorySegment sockaddr) {
        return Short.toUnsignedInt(sockaddr.get(JAVA_SHORT.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 2));
    }
}
