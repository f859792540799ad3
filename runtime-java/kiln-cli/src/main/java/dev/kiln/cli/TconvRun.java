package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.device.Event;
import dev.kiln.io.Npy;
import dev.kiln.io.NpyArray;
import dev.kiln.io.NpyDtype;
import dev.kiln.tconv.TConvImpl;
import dev.kiln.tconv.TConvImpls;
import dev.kiln.tconv.TConvOp;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.quant.Int8Quant;
import dev.kiln.tconv.quant.Requantizer;
import dev.kiln.tconv.quant.Rounding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kiln tconv run}: one layer on the user's own .npy tensors. fp32 without {@code --quant}; with it,
 * TFLite int8 (int8 input and weights, int32 bias, int8 output).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run one transposed convolution on .npy tensors: input [N,Ih,Iw,Ic], weights [Oc,Kh,Kw,Ic] (OHWI), bias [Oc]; writes [N,Oh,Ow,Oc].")
final class TconvRun implements Callable<Integer> {
    @Option(names = "--layer", required = true, description = TconvLayers.LAYER_HELP) String layer;
    @Option(names = "--input", required = true, description = "float32 (or int8 with --quant) [N,Ih,Iw,Ic]") Path input;
    @Option(names = "--weights", required = true, description = "float32 (or int8 with --quant) [Oc,Kh,Kw,Ic]") Path weights;
    @Option(names = "--bias", description = "float32 (or int32 with --quant) [Oc]") Path bias;
    @Option(names = "--quant", description = "JSON: inputScale, inputZeroPoint, weightScales (array) or weightScale, outputScale, outputZeroPoint") Path quant;
    @Option(names = "--rounding", defaultValue = "double", description = "int8 requantisation: double (TFLite default) or single") String rounding;
    @Option(names = "--impl", defaultValue = "mm2im", description = "mm2im, iom, zero-insertion, reference, ort (default ${DEFAULT-VALUE})") String impl;
    @Option(names = "--backend", defaultValue = "cpu", description = "cpu, opencl, cuda, fpga-sim or fpga-xrt (the FPGA accelerator: mm2im, int8 only, so with --quant; default ${DEFAULT-VALUE})") String backend;
    @Option(names = "--output", required = true, description = "output .npy") Path output;
    @Option(names = "--json", description = "print what ran as JSON instead of a line") boolean json;

    @Override
    public Integer call() throws IOException {
        OutputFiles.requireWritableDirectory("--output", output);
        TConvSpec s = TConvSpec.parse(layer);
        TConvImpl im = TConvImpls.named(impl);
        boolean int8 = quant != null;
        if (int8 && !im.supportsInt8()) throw new IllegalArgumentException(im.name() + " has no int8 path; drop --quant or pick mm2im, iom, zero-insertion, reference");
        TconvLayers.unsupported(im, backend, int8, Rounding.parse(rounding), "give --quant QUANT.json with int8 --input and --weights")
                .ifPresent(why -> { throw new IllegalArgumentException(why); });
        NpyDtype data = int8 ? NpyDtype.INT8 : NpyDtype.FLOAT32;
        long[] outShape = {s.n(), s.oh(), s.ow(), s.oc()};
        try (Arena arena = Arena.ofConfined(); Device d = Devices.open(backend)) {
            NpyArray x = Npy.read(input, arena, data, s.n(), s.ih(), s.iw(), s.ic());
            NpyArray w = Npy.read(weights, arena, data, s.oc(), s.kh(), s.kw(), s.ic());
            NpyArray b = bias == null ? null : Npy.read(bias, arena, int8 ? NpyDtype.INT32 : NpyDtype.FLOAT32, s.oc());
            int elem = int8 ? 1 : 4;
            MemorySegment result = arena.allocate(s.outputElements() * elem, 64);
            long ns;
            try (TConvOp op = int8 ? int8Op(im, d, s, w, b) : im.fp32(d, s, w.data().toArray(ValueLayout.JAVA_FLOAT),
                    b == null ? null : b.data().toArray(ValueLayout.JAVA_FLOAT));
                 Buffer in = d.upload(x.data()); Buffer out = d.allocate(s.outputElements() * elem)) {
                Event e = op.run(in, out);
                e.await();
                ns = e.elapsedNanos();
                d.queue().read(out, 0, result);
            }
            Npy.write(output, new NpyArray(data, outShape, result));
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("layer", s.toString());
                o.put("label", s.label());
                o.put("impl", im.name());
                o.put("backend", backend);
                o.put("dtype", int8 ? "int8" : "fp32");
                if (int8) o.put("rounding", Rounding.parse(rounding).toString());
                o.put("elapsedMillis", ns / 1e6);
                o.put("output", output.toString());
                o.put("outputDtype", data.toString());
                o.put("outputShape", outShape);
                System.out.println(Json.write(o));
            } else {
                System.out.printf("%s %s on %s: %s in %.3f ms -> %s %s %s%n", s.label(), im.name(), backend, int8 ? "int8 (" + Rounding.parse(rounding) + " rounding)" : "fp32",
                        ns / 1e6, output, data, Arrays.toString(outShape));
            }
        }
        return 0;
    }

    private TConvOp int8Op(TConvImpl im, Device d, TConvSpec s, NpyArray w, NpyArray b) throws IOException {
        Int8Quant q = readQuant(quant, s.oc());
        Requantizer rq = q.requantizer(s.oc(), Rounding.parse(rounding));
        return im.int8(d, s, w.data().toArray(ValueLayout.JAVA_BYTE), b == null ? null : b.data().toArray(ValueLayout.JAVA_INT), q.inputZeroPoint(), rq);
    }

    static Int8Quant readQuant(Path file, int oc) throws IOException {
        JsonNode j;
        try {
            j = Json.MAPPER.readTree(Files.readString(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var at = e.getLocation();
            throw new IOException(file + ": not valid JSON" + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
                    + ": " + e.getOriginalMessage().lines().findFirst().orElse(""), e);
        }
        if (j == null || !j.isObject()) throw new IOException(file + ": expected a JSON object with inputScale, inputZeroPoint, weightScales, outputScale, outputZeroPoint");
        float[] ws;
        if (j.has("weightScales")) {
            JsonNode a = j.get("weightScales");
            if (!a.isArray() || a.size() != oc) {
                throw new IOException(file + ": weightScales must be an array of oc=" + oc + " numbers, found " + (a.isArray() ? a.size() + " entries" : a.getNodeType()));
            }
            ws = new float[oc];
            for (int i = 0; i < oc; i++) ws[i] = (float) a.get(i).asDouble();
        } else if (j.has("weightScale")) {
            ws = new float[oc];
            Arrays.fill(ws, (float) j.get("weightScale").asDouble());
        } else {
            throw new IOException(file + ": needs weightScales (one per output channel) or weightScale");
        }
        for (String k : new String[]{"inputScale", "inputZeroPoint", "outputScale", "outputZeroPoint"}) {
            if (!j.has(k)) throw new IOException(file + ": missing '" + k + "'");
        }
        try {
            return new Int8Quant((float) j.get("inputScale").asDouble(), j.get("inputZeroPoint").asInt(), ws,
                    (float) j.get("outputScale").asDouble(), j.get("outputZeroPoint").asInt());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }
}
