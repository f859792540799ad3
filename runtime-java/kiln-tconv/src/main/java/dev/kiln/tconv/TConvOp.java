package dev.kiln.tconv;

import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Event;

/**
 * A transposed convolution prepared for one device: weights packed and uploaded, scratch allocated.
 * {@link #run} reads input {@code [N, Ih, Iw, Ic]} and writes output {@code [N, Oh, Ow, Oc]}, both device
 * buffers of this op's element type (float32, or int8 for an int8 op). The returned event's
 * {@link Event#elapsedNanos()} covers the whole TCONV (every kernel of it), not the layout adaptation a peer
 * library may need around it.
 */
public interface TConvOp extends AutoCloseable {
    TConvSpec spec();

    Device device();

    /** Runs once, in order on the device's default queue; the output is complete when the event is awaited. */
    Event run(Buffer input, Buffer output);

    @Override
    void close();
}
