package dev.kiln.tconv.testing;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * The devices the TCONV suites run on: cpu always, opencl when PoCL (or another platform) is available. Register with
 * {@code @RegisterExtension static final TestDevices DEVICES = new TestDevices();}: opened before the class's tests,
 * closed after them.
 */
public final class TestDevices implements BeforeAllCallback, AfterAllCallback {
    private final List<Device> devices = new ArrayList<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        for (String b : Devices.availableNames()) if (b.equals("cpu") || b.equals("opencl")) devices.add(Devices.open(b));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        devices.forEach(Device::close);
        devices.clear();
    }

    /** cpu, then opencl if available. */
    public List<Device> all() { return List.copyOf(devices); }

    public Device cpu() {
        return devices.stream().filter(d -> d.backendName().equals("cpu")).findFirst().orElseThrow();
    }
}
