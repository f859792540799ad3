package dev.kiln.device.fpga;

import dev.kiln.bind.xrt.Xrt;
import dev.kiln.device.Availability;
import dev.kiln.device.Backend;
import dev.kiln.device.Device;
import dev.kiln.device.DeviceInfo;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code fpga-xrt}: the same driver as fpga-sim, over XRT to a board running the MM2IM bitstream
 * (Zynq with XRT's edge shell, or any XRT platform the IP is linked for). Available when XRT loads and
 * an xclbin is configured ({@link Xclbin}); opening checks the file and the device.
 */
public final class FpgaXrtBackend implements Backend {
    @Override public String name() { return "fpga-xrt"; }

    @Override public int priority() { return -10; }

    /** One built-in kernel: used by name, never in "every backend" loops. */
    @Override public boolean generalPurpose() { return false; }

    @Override
    public Availability availability() {
        String cause = Xrt.unavailabilityCause();
        if (cause != null) return Availability.no(cause);
        if (Xclbin.configured().isEmpty()) {
            return Availability.no("no MM2IM xclbin configured: pass -D" + Xclbin.PROPERTY + "=/path/mm2im.xclbin or set " + Xclbin.ENV);
        }
        String device = deviceProbe();
        return device == null ? Availability.yes() : Availability.no(device);
    }

    private static String probed;
    private static boolean probeDone;

    /** Null when XRT opens device 0 (then closes it again); otherwise XRT's reason. Probed once per process. */
    private static synchronized String deviceProbe() {
        if (!probeDone) {
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                var state = Xrt.callState(arena);
                var handle = Xrt.xrtDeviceOpen(state, 0);
                if (handle == null || handle.equals(java.lang.foreign.MemorySegment.NULL)) {
                    probed = "XRT found no device 0 (" + Xrt.errnoName(Xrt.errno(state)) + "); is the board's XRT shell loaded?";
                } else {
                    Xrt.xrtDeviceClose(handle);
                }
            }
            probeDone = true;
        }
        return probed;
    }

    @Override
    public List<DeviceInfo> devices() {
        if (!availability().available()) return List.of();
        Path xclbin = Xclbin.configured().orElseThrow();
        Mm2imLimits l = Mm2imLimits.BUILT;
        return List.of(new DeviceInfo(name(), 0, "MM2IM accelerator via XRT (" + xclbin.getFileName() + ")", "Xilinx XRT",
                l.peCount(), 0, 1, Map.of("xclbin", xclbin.toString(), "kernel", XrtPort.KERNEL)));
    }

    @Override
    public Device open(int index) {
        Availability a = availability();
        if (!a.available()) throw new IllegalStateException("fpga-xrt is not available: " + a.reason());
        Path xclbin = Xclbin.configured().orElseThrow();
        XrtPort port = XrtPort.open(index, xclbin);
        return new FpgaDevice(new DeviceInfo(name(), index, "MM2IM accelerator via XRT (" + xclbin.getFileName() + ")", "Xilinx XRT",
                Mm2imLimits.BUILT.peCount(), 0, 1, Map.of("xclbin", xclbin.toString(), "kernel", XrtPort.KERNEL)), port);
    }
}
