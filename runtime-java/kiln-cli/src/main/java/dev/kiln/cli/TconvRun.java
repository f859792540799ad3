package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;
import dev.kiln.device.Devices;
import dev.kiln.device.Event;
import dev.kiln.io.Npy;
import dev.kiln.io.NpyArray;
import dev.kiln.io.NpyDtype;
import dev.kiln.tconv.OnnxLayout;
import dev.kiln.tconv.TConvImpl;
import dev.kiln.tconv.TConvImpls;
import dev.kiln.tconv.TConvOp;
import dev.kiln.tconv.TConvSpec;
import dev.kiln.tconv.onnx.OnnxFiles;
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
 * TFLite int8 (int8 input and weights, int32 bias, int8 output). The layer comes from {@code --layer} keys or
 * from the first ConvTranspose of an ONNX model ({@code --onnx}), whose initializers may supply the weights and
 * bias. {@code --layout onnx} reads and writes ONNX's layouts, converted once on load and on save.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run one transposed convolution (ONNX ConvTranspose semantics) on .npy tensors. Layout nhwc: input [N,(D,)(H,)W,Ic], "
                + "weights [Oc,(Kd,)(Kh,)Kw,Ic/group], output [N,(D,)(H,)W,Oc]; layout onnx: input [N,Ic,spatial...], weights [Ic,Oc/group,k...], "
                + "output [N,Oc,spatial...]; bias [Oc].")
final class TconvRun implements Callable<Integer> {
    @Option(names = "--layer", description = TconvLayers.LAYER_HELP) String layer;
    @Option(names = "--onnx", description = "an .onnx model: its first ConvTranspose gives the attributes (and W, B if they are initializers); "
            + "the input's shape comes from --input") Path onnx;
    @Option(names = "--layout", description = "nhwc (Kiln's, default with --layer) or onnx (default with --onnx)") String layout;
    @Option(names = "--input", required = true, description = "float32 (or int8 with --quant), layout per --layout") Path input;
    @Option(names = "--weights", description = "float32 (or int8 with --quant), layout per --layout; optional when --onnx has W") Path weights;
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
        if ((layer == null) == (onnx == null)) throw new IllegalArgumentException("give exactly one of --layer SPEC or --onnx MODEL");
        boolean onnxLayout = switch (layout == null ? (onnx != null ? "onnx" : "nhwc") : layout) {
            case "onnx" -> true;
            case "nhwc" -> false;
            default -> throw new IllegalArgumentException("--layout must be nhwc or onnx, was '" + layout + "'");
        };
        TConvSpec parsed = layer != null ? TConvSpec.parse(layer) : null;   // a bad attribute is named before any file is read
        TConvImpl im = TConvImpls.named(impl);
        boolean int8 = quant != null;
        if (int8 && !im.supportsInt8()) throw new IllegalArgumentException(im.name() + " has no int8 path; drop --quant or pick mm2im, iom, zero-insertion, reference");
        if (int8 && onnxLayout) throw new IllegalArgumentException("--quant runs TFLite int8, whose tensors are NHWC/OHWI; use --layout nhwc");
        TconvLayers.unsupported(im, backend, int8, Rounding.parse(rounding), "give --quant QUANT.json with int8 --input and --weights")
                .ifPresent(why -> { throw new IllegalArgumentException(why); });
        NpyDtype data = int8 ? NpyDtype.INT8 : NpyDtype.FLOAT32;
        try (Arena arena = Arena.ofConfined(); Device d = Devices.open(backend)) {
            OnnxFiles.Node node = onnx == null ? null : OnnxFiles.readConvTranspose(onnx);
            NpyArray xFile = Npy.read(input, arena);
            OnnxFiles.FloatTensor wInit = node == null || node.inputs().size() < 2 ? null : node.initializers().get(node.inputs().get(1));
            OnnxFiles.FloatTensor bInit = node == null || node.inputs().size() < 3 ? null : node.initializers().get(node.inputs().get(2));
            if (weights == null && wInit == null) throw new IllegalArgumentException("--weights is needed" + (onnx == null ? "" : ": " + onnx + " has no initializer for W"));
            NpyArray wFile = weights == null ? null : Npy.read(weights, arena);
            TConvSpec s;
            if (node != null) {
                if (!onnxLayout) throw new IllegalArgumentException("--onnx reads ONNX's layouts; drop --layout nhwc");
                s = node.attributes().spec(xFile.shape(), wFile != null ? wFile.shape() : wInit.dims());
            } else {
                s = parsed;
            }
            im.unsupported(s, int8).ifPresent(why -> { throw new IllegalArgumentException(why); });
            long[] inShape = onnxLayout ? OnnxLayout.inputShape(s) : kilnShape(s.n(), s.rank(), s.id(), s.ih(), s.iw(), s.ic());
            long[] wShape = onnxLayout ? OnnxLayout.weightShape(s) : kilnShape(s.oc(), s.rank(), s.kd(), s.kh(), s.kw(), s.icPerGroup());
            long[] outShape = onnxLayout ? OnnxLayout.outputShape(s) : kilnShape(s.n(), s.rank(), s.od(), s.oh(), s.ow(), s.oc());
            NpyArray x = expect(xFile, input, data, inShape);
            NpyArray w = wFile == null ? null : expect(wFile, weights, data, wShape);
            NpyArray b = bias == null ? null : Npy.read(bias, arena, int8 ? NpyDtype.INT32 : NpyDtype.FLOAT32, s.oc());
            int elem = int8 ? 1 : 4;
            MemorySegment result = arena.allocate(s.outputElements() * elem, 64);
            long ns;
            MemorySegment xKiln = x.data();
            long conversionNs = 0;
            TConvOp op;
            if (int8) {
                op = int8Op(im, d, s, w, b);
            } else {
                float[] wf = w != null ? w.data().toArray(ValueLayout.JAVA_FLOAT) : wInit.data();
                float[] bf = b != null ? b.data().toArray(ValueLayout.JAVA_FLOAT) : bInit != null ? bInit.data() : null;
                if (onnxLayout) {                                   // once, on load: no transposes in the timed op
                    long t0 = System.nanoTime();
                    wf = OnnxLayout.weightsToKiln(s, wf);
                    xKiln = arena.allocateFrom(ValueLayout.JAVA_FLOAT, OnnxLayout.inputToKiln(s, x.data().toArray(ValueLayout.JAVA_FLOAT)));
                    conversionNs += System.nanoTime() - t0;
                }
                op = im.fp32(d, s, wf, bf);
            }
            try (op; Buffer in = d.upload(xKiln); Buffer out = d.allocate(s.outputElements() * elem)) {
                Event e = op.run(in, out);
                e.await();
                ns = e.elapsedNanos();
                d.queue().read(out, 0, result);
            }
            if (onnxLayout) {
                long t0 = System.nanoTime();
                result = arena.allocateFrom(ValueLayout.JAVA_FLOAT, OnnxLayout.outputToOnnx(s, result.toArray(ValueLayout.JAVA_FLOAT)));
                conversionNs += System.nanoTime() - t0;
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
                o.put("layout", onnxLayout ? "onnx" : "nhwc");
                if (onnxLayout) o.put("layoutConversionMillis", conversionNs / 1e6);
                System.out.println(Json.write(o));
            } else {
                System.out.printf("%s %s on %s: %s in %.3f ms -> %s %s %s (%s layout%s)%n", s.label(), im.name(), backend,
                        int8 ? "int8 (" + Rounding.parse(rounding) + " rounding)" : "fp32", ns / 1e6, output, data, Arrays.toString(outShape),
                        onnxLayout ? "ONNX" : "channels-last",
                        onnxLayout ? String.format("; conversions on load and save: %.3f ms, once, outside the op", conversionNs / 1e6) : "");
            }
        }
        return 0;
    }

    private static NpyArray expect(NpyArray a, Path file, NpyDtype type, long[] shape) throws IOException {
        if (a.dtype() != type || !Arrays.equals(a.shape(), shape)) {
            throw new IOException(file + ": expected " + type + " " + Arrays.toString(shape) + ", found " + a.dtype() + " " + Arrays.toString(a.shape()));
        }
        return a;
    }

    /** Kiln's channels-last shape {@code [a, spatial…, c]} with the spatial axes of the rank. */
    private static long[] kilnShape(long a, int rank, long d, long h, long w, long c) {
        return switch (rank) {
            case 1 -> new long[]{a, w, c};
            case 2 -> new long[]{a, h, w, c};
            default -> new long[]{a, d, h, w, c};
        };
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
