package dev.kiln.device;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cpu device's small-buffer pool: size classes, reuse, zeroing, and what it does not pool. */
class HostMemoryPoolTest {

    @Test
    void size_classes_are_powers_of_two_of_at_least_256_bytes() {
        assertEquals(256, HostMemoryPool.sizeClass(1));
        assertEquals(256, HostMemoryPool.sizeClass(256));
        assertEquals(512, HostMemoryPool.sizeClass(257));
        assertEquals(1 << 20, HostMemoryPool.sizeClass(1 << 20));
        assertEquals(1 << 20, HostMemoryPool.sizeClass((1 << 19) + 1));
    }

    @Test
    void a_recycled_buffer_is_the_same_memory_zeroed_again() {
        try (Device cpu = Devices.open("cpu")) {
            long address;
            try (Buffer b = cpu.allocate(1000)) {
                assertEquals(1000, b.byteSize());
                address = b.hostSegment().address();
                b.hostSegment().fill((byte) 0x5a);
            }
            try (Buffer again = cpu.allocate(900)) { // same size class (1024 bytes)
                assertEquals(address, again.hostSegment().address(), "the freed block should be reused");
                assertEquals(900, again.byteSize());
                for (long i = 0; i < again.byteSize(); i++) assertEquals(0, again.hostSegment().get(ValueLayout.JAVA_BYTE, i), "byte " + i);
                assertEquals(0, again.hostSegment().address() % 64, "64-byte aligned");
            }
        }
    }

    @Test
    void large_buffers_are_not_pooled_and_are_unusable_after_close() {
        try (Device cpu = Devices.open("cpu")) {
            long bytes = HostMemoryPool.MAX_POOLED_BYTES + 1;
            Buffer b = cpu.allocate(bytes);
            MemorySegment kept = b.hostSegment();
            b.close();
            assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_BYTE, 0));
            try (Buffer small1 = cpu.allocate(64); Buffer small2 = cpu.allocate(64)) {
                assertNotEquals(small1.hostSegment().address(), small2.hostSegment().address(), "two live buffers never share memory");
            }
        }
    }

    @Test
    void a_closed_pooled_buffer_refuses_use_instead_of_aliasing_the_next_one() {
        try (Device cpu = Devices.open("cpu")) {
            Buffer b = cpu.allocate(1000);
            b.close();
            try (Buffer next = cpu.allocate(1000)) { // takes the same block from the pool
                IllegalStateException e = assertThrows(IllegalStateException.class, b::handle);
                assertEquals("host buffer of 1000 bytes is closed", e.getMessage());
                assertThrows(IllegalStateException.class, b::hostSegment);
                assertThrows(IllegalStateException.class, () -> cpu.queue().write(b, 0, MemorySegment.ofArray(new byte[8])));
                assertEquals(0, next.hostSegment().get(ValueLayout.JAVA_BYTE, 0));
            }
        }
    }

    @Test
    void closing_the_device_frees_the_pool_and_reports_a_leak() {
        Device cpu = Devices.open("cpu");
        Buffer leaked = cpu.allocate(128);
        MemorySegment kept = leaked.hostSegment();
        var e = assertThrows(IllegalStateException.class, cpu::close);
        assertTrue(e.getMessage().contains("1 buffer(s) still open"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_BYTE, 0), "the pool's arena is closed with the device");
    }
}
