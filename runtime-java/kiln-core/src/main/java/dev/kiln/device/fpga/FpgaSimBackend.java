package dev.kiln.device.fpga;

import dev.kiln.bind.fpga.Mm2imSim;
import dev.kiln.device.Availability;
import dev.kiln.device.Backend;
import dev.kiln.device.Device;
import dev.kiln.device.DeviceInfo;

import java.util.List;
import java.util.Map;

/**
 * {@code fpga-sim}: the MM2IM accelerator's C simulation (the Vitis HLS sources in {@code hls/}, compiled
 * by the Maven build into {@code libkiln_mm2im_sim.so}) driven through FFM with the accelerator's own
 * protocol. It runs one kernel, so Kiln never picks it by itself (lowest priority).
 */
public final class FpgaSimBackend implements Backend {
    @Override public String name() { return "fpga-sim"; }

    @Override public int priority() { return -20; }

    /** One built-in kernel: used by name, never in "every backend" loops. */
    @Override public boolean generalPurpose() { return false; }

    @Override
    public Availability availability() {
        String cause = Mm2imSim.unavailabilityCause();
        return cause == null ? Availability.yes() : Availability.no(cause);
    }

    @Override
    public List<DeviceInfo> devices() {
        if (!availability().available()) return List.of();
        Mm2imLimits l = SimPort.shared().limits();
        return List.of(new DeviceInfo(name(), 0, "MM2IM accelerator (C simulation, " + l.peCount() + " PEs x " + l.uf() + " int8)",
                "Kiln hls/", l.peCount(), Runtime.getRuntime().maxMemory(), 1,
                Map.of("clockMHz", Double.toString(Mm2imEvent.CLOCK_MHZ), "part", "xc7z020clg400-1 (target)",
                        "maxIc", Integer.toString(l.maxIc()), "maxK", Integer.toString(l.maxK()),
                        "accumulatorsPerPe", Integer.toString(l.accSize()), "weightWordsPerPe", Integer.toString(l.wgtDepth()))));
    }

    @Override
    public Device open(int index) {
        if (index != 0) throw new IllegalArgumentException("fpga-sim has one device (index 0), asked for " + index);
        Availability a = availability();
        if (!a.available()) throw new IllegalStateException("fpga-sim is not available: " + a.reason());
        return new FpgaDevice(devices().getFirst(), SimPort.shared());
    }
}
