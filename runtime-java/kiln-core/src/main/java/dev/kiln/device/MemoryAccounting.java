package dev.kiln.device;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One per device: counts live buffers and bytes, so that closing a device with buffers still open is a
 * reported leak (as Arrow's allocator tree does) rather than silently freed memory.
 */
public final class MemoryAccounting {
    private final String deviceName;
    private final Map<Buffer, Long> live = new LinkedHashMap<>();
    private long liveBytes;
    private long peakBytes;

    public MemoryAccounting(String deviceName) {
        this.deviceName = deviceName;
    }

    public synchronized void allocated(Buffer buffer) {
        live.put(buffer, buffer.byteSize());
        liveBytes += buffer.byteSize();
        peakBytes = Math.max(peakBytes, liveBytes);
    }

    public synchronized void freed(Buffer buffer) {
        Long bytes = live.remove(buffer);
        if (bytes != null) liveBytes -= bytes;
    }

    public synchronized long liveBytes() { return liveBytes; }

    public synchronized long peakBytes() { return peakBytes; }

    public synchronized int liveBuffers() { return live.size(); }

    /** The buffers still open, for the device to free before it reports the leak. */
    public synchronized List<Buffer> liveList() { return new ArrayList<>(live.keySet()); }

    /** Throws {@link IllegalStateException} naming the leak when buffers were left open. */
    public synchronized void checkNoLeaks(int leakedBuffers, long leakedBytes) {
        if (leakedBuffers > 0) {
            throw new IllegalStateException(deviceName + " closed with " + leakedBuffers + " buffer(s) still open ("
                    + leakedBytes + " bytes); they were freed, but every Buffer must be closed by its owner");
        }
    }

    /** Frees every live buffer, then reports them as a leak. Called by {@link Device#close()}. */
    public void closeAndReportLeaks() {
        List<Buffer> leaked = liveList();
        long bytes;
        synchronized (this) { bytes = liveBytes; }
        for (Buffer b : leaked) b.close();
        checkNoLeaks(leaked.size(), bytes);
    }
}
