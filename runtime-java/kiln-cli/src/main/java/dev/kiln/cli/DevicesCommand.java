package dev.kiln.cli;

import dev.kiln.collective.nccl.NcclTransport;
import dev.kiln.device.Availability;
import dev.kiln.device.Backend;
import dev.kiln.device.DeviceInfo;
import dev.kiln.device.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code kiln devices}: every backend, whether it can run here (and why not), and its devices. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List backends and devices with their key properties, and the NCCL transport; unavailable ones say why.")
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
        // NCCL is a collective transport, not a compute backend, but users look here first to learn why it is off
        Map<String, Object> nccl = new LinkedHashMap<>();
        nccl.put("backend", "nccl");
        nccl.put("kind", "collective transport");
        Availability ncclAvailability = NcclTransport.availability();
        nccl.put("name", null);
        nccl.put("available", ncclAvailability.available());
        nccl.put(ncclAvailability.available() ? "details" : "reason", ncclAvailability.available() ? NcclTransport.describe() : ncclAvailability.reason());
        rows.add(nccl);
        if (json) {
            System.out.println(Json.write(rows));
            return;
        }
        Table t = new Table("backend", "#", "device", "units", "memory", "details", "status");
        for (Map<String, Object> r : rows) {
            boolean ok = (Boolean) r.get("available");
            if (ok && "nccl".equals(r.get("backend"))) {
                t.row("nccl", "-", "-", "-", "-", r.get("details"), "available");
                continue;
            }
            t.row(r.get("backend"), ok ? r.get("index") : "-", ok ? r.get("name") : "-",
                    ok ? r.get("computeUnits") : "-",
                    ok ? Table.bytes((Long) r.get("globalMemoryBytes")) : "-",
                    ok ? details((String) r.get("backend"), (Map<?, ?>) r.get("properties")) : "-",
                    ok ? "available" : "unavailable: " + r.get("reason"));
        }
        System.out.print(t);
        System.out.println("collective udp datagram path: " + dev.kiln.collective.wire.UdpFabric.describe());
    }

    /** The few properties that tell devices apart, per backend; {@code --json} has them all. */
    static String details(String backend, Map<?, ?> p) {
        List<String> parts = new ArrayList<>();
        switch (backend) {
            case "opencl" -> {
                Object version = p.get("openclVersion");
                if (version != null) {
                    var m = Pattern.compile("OpenCL \\d+\\.\\d+( \\S+)?").matcher(version.toString());
                    parts.add(m.find() ? m.group() : version.toString());
                }
                add(parts, "driver ", p.get("driverVersion"), "");
                add(parts, "wg ", p.get("maxWorkGroupSize"), "");
                if (p.get("localMemBytes") != null) parts.add("local " + Table.bytes(Long.parseLong(p.get("localMemBytes").toString())));
                add(parts, "", p.get("maxClockMHz"), " MHz");
            }
            case "cuda" -> {
                add(parts, "cc ", p.get("computeCapability"), "");
                add(parts, "", p.get("multiprocessors"), " SMs");
                add(parts, "driver ", p.get("driverVersion"), "");
                if (p.get("sharedMemPerBlockOptinBytes") != null) {
                    parts.add("smem " + Table.bytes(Long.parseLong(p.get("sharedMemPerBlockOptinBytes").toString())));
                }
                add(parts, "", p.get("clockMHz"), " MHz");
            }
            default -> p.entrySet().stream()
                    .sorted(Comparator.comparing(e -> e.getKey().toString()))
                    .forEach(e -> parts.add(e.getKey() + " " + e.getValue()));
        }
        return String.join(", ", parts);
    }

    private static void add(List<String> parts, String prefix, Object value, String suffix) {
        if (value != null) parts.add(prefix + value + suffix);
    }
}
