package dev.kiln.device;

/** Whether a backend can run here, and if not, why (no libcuda, no OpenCL platform, no device). */
public record Availability(boolean available, String reason) {
    public Availability {
        if (!available && (reason == null || reason.isBlank())) {
            throw new IllegalArgumentException("an unavailable backend must say why");
        }
    }

    public static Availability yes() { return new Availability(true, null); }

    public static Availability no(String reason) { return new Availability(false, reason); }
}
