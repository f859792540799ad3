package dev.kiln.bind.net;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code setns(2)} into a named network namespace ({@code /run/netns/NAME}, as {@code ip netns add} makes it), for
 * the calling thread only: Linux keeps the network namespace per thread, and a socket belongs for life to the
 * namespace it was created in. The loss lab uses it to open a rank's socket inside that rank's namespace.
 */
public final class LinuxNetns {
    private static final int O_RDONLY = 0, O_CLOEXEC = 0x80000, CLONE_NEWNET = 0x40000000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private LinuxNetns() {}

    private static MethodHandle libc(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)),
                d, Linker.Option.captureCallState("errno"));
    }

    private static final class open {
        static final MethodHandle HANDLE = libc("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class setns {
        static final MethodHandle HANDLE = libc("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    /** Moves the calling thread into network namespace {@code name}; throws naming the errno if it cannot. */
    public static void enter(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            String path = "/run/netns/" + name;
            int fd = (int) open.HANDLE.invokeExact(errno, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC);
            if (fd < 0) throw LinuxUdp.fail("open", (int) ERRNO.get(errno, 0L), path);
            try {
                int rc = (int) setns.HANDLE.invokeExact(errno, fd, CLONE_NEWNET);
                if (rc < 0) throw LinuxUdp.fail("setns", (int) ERRNO.get(errno, 0L), path);
            } finally {
                LinuxUdp.close(LinuxUdp.errnoSlot(arena), fd);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
