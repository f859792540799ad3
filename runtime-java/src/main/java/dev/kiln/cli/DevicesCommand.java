package dev.kiln.cli;

import dev.kiln.device.Availability;
import dev.kiln.device.Backend;
import dev.kiln.device.DeviceInfo;
import dev.kiln.device.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code kiln devices}: every backend, whether it can run here (and why not), and its devices. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List backends and devices with their key properties; unavailable backends say why.")
final class DevicesCommand implements Runnable {
    @Option(names = "--json", description = "Print JSON: one entry per device, or per unavailable backend.")
    boolean json;

    @Override
    public void run() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Backend backend : Devices.backends()) {
            Availability a = backend.availability();
            List<DeviceInfo> devices = a.available() ? backend.devices() : List.of();
            if (devices.isEmpty()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("backend", backend.name());
                row.put("name", null);
                row.put("available", false);
                row.put("reason", a.available() ? "no device found" : a.reason());
                rows.add(row);
            }
            for (DeviceInfo d : devices) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("backend", backend.name());
                row.put("index", d.index());
                row.put("name", d.name());
                row.put("available", true);
                row.put("vendor", d.vendor());
                row.put("computeUnits", d.computeUnits());
                row.put("globalMemoryBytes", d.globalMemoryBytes());
                row.put("maxWorkGroupSize", d.maxWorkGroupSize());
                row.put("properties", d.properties());
                rows.add(row);
            }
        }
        if (json) {
            System.out.println(Json.write(rows));
            return;
        }
        Table t = new Table("backend", "#", "device", "units", "memory", "status");
        for (Map<String, Object> r : rows) {
            boolean ok = (Boolean) r.get("available");
            t.row(r.get("backend"), ok ? r.get("index") : "-", ok ? r.get("name") : "-",
                    ok ? r.get("computeUnits") : "-",
                    ok ? Table.bytes((Long) r.get("globalMemoryBytes")) : "-",
                    ok ? "available" : "unavailable: " + r.get("reason"));
        }
        System.out.print(t);
    }
}
