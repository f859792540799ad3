package dev.kiln.tconv;

import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.quant.Rounding;
import dev.kiln.tconv.reference.TConvReference;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The acceptance sweep: int8 bit-exact for every kernel implementation and backend (cpu, and opencl when
 * present) on the whole 216-config synthetic suite and the small model layers, with both roundings. One
 * reference accumulation per layer serves both roundings.
 */
class SuitesInt8Test {
    /** Model layers small enough for the exact scalar reference in a unit test (≤ 50M IOM MACs). */
    static List<TConvSuites.Layer> smallModelLayers() {
        return TConvSuites.tfliteModels().stream().filter(l -> l.spec().iomMacs() <= 50_000_000L).toList();
    }

    @Test
    void synthetic_suite_and_small_model_layers_are_bit_exact() {
        long seed = System.nanoTime();
        List<TConvSuites.Layer> layers = new ArrayList<>(TConvSuites.synthetic());
        layers.addAll(smallModelLayers());
        List<Device> devices = new ArrayList<>();
        for (String b : Devices.availableNames()) if (b.equals("cpu") || b.equals("opencl")) devices.add(Devices.open(b));
        List<String> failures = new ArrayList<>();
        int checks = 0;
        try {
            for (int i = 0; i < layers.size(); i++) {
                TConvSpec s = layers.get(i).spec();
                TConvData.Int8 d = TConvData.int8(s, seed + i);
                long[] acc = TConvReference.int8Accumulators(s, d.input(), d.weights(), d.bias(), d.quant().inputZeroPoint());
                for (Rounding rounding : Rounding.values()) {
                    Requantizer rq = d.quant().requantizer(s.oc(), rounding);
                    byte[] ref = ImplementationsTest.requantize(acc, rq, s.oc());
                    for (Device dev : devices) {
                        for (TConvImpl impl : TConvImpls.kernels()) {
                            if (!impl.supports(dev.backendName())) continue;
                            byte[] y = TConvRunner.int8(impl, dev, s, d.input(), d.weights(), d.bias(), d.quant().inputZeroPoint(), rq);
                            checks++;
                            long bad = 0;
                            for (int k = 0; k < ref.length; k++) if (ref[k] != y[k]) bad++;
                            if (bad > 0) failures.add(layers.get(i).name() + " " + impl.name() + "/" + dev.backendName() + "/" + rounding + ": " + bad + " mismatches");
                        }
                    }
                }
            }
        } finally {
            devices.forEach(Device::close);
        }
        assertEquals(List.of(), failures, checks + " checks, seed=" + seed);
    }
}
