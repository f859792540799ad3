package dev.kiln.tconv.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.kiln.tconv.ConvTransposeAttributes;
import dev.kiln.tconv.ort.OnnxModels;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads ONNX files with protobuf-java and the {@code onnx.proto3} subset of {@link OnnxModels}: float
 * {@code TensorProto} files (the node tests' {@code input_0.pb}, …) and the first {@code ConvTranspose} node of
 * a model, with its attributes, inputs and float initializers.
 */
public final class OnnxFiles {
    private static final int FLOAT = 1;

    private OnnxFiles() {}

    /** A float tensor: ONNX shape and row-major data. */
    public record FloatTensor(String name, long[] dims, float[] data) {}

    /**
     * A model's first ConvTranspose: attributes, input names ({@code X, W[, B]}), the initializers among them and
     * the declared shapes of the graph inputs (null where a dimension is symbolic).
     */
    public record Node(ConvTransposeAttributes attributes, List<String> inputs, Map<String, FloatTensor> initializers,
                       Map<String, long[]> inputShapes) {}

    public static FloatTensor readTensor(Path file) throws IOException {
        try {
            return tensor(DynamicMessage.parseFrom(OnnxModels.type("TensorProto"), Files.readAllBytes(file)), file.toString());
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(file + " is not an ONNX TensorProto: " + e.getMessage(), e);
        }
    }

    public static Node readConvTranspose(Path model) throws IOException {
        DynamicMessage m;
        try {
            m = DynamicMessage.parseFrom(OnnxModels.type("ModelProto"), Files.readAllBytes(model));
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(model + " is not an ONNX model: " + e.getMessage(), e);
        }
        DynamicMessage graph = (DynamicMessage) get(m, "graph");
        DynamicMessage node = null;
        for (Object n : list(graph, "node")) {
            if ("ConvTranspose".equals(get((DynamicMessage) n, "op_type"))) {
                node = (DynamicMessage) n;
                break;
            }
        }
        if (node == null) throw new IOException(model + " has no ConvTranspose node");
        List<String> inputs = new ArrayList<>();
        for (Object i : list(node, "input")) inputs.add((String) i);
        Map<String, FloatTensor> init = new LinkedHashMap<>();
        for (Object t : list(graph, "initializer")) {
            DynamicMessage tm = (DynamicMessage) t;
            String name = (String) get(tm, "name");
            if (inputs.contains(name)) init.put(name, tensor(tm, model + " initializer " + name));
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Object v : list(graph, "input")) {
            DynamicMessage vi = (DynamicMessage) v;
            shapes.put((String) get(vi, "name"), shapeOf(vi));
        }
        return new Node(attributes(node), List.copyOf(inputs), init, shapes);
    }

    private static ConvTransposeAttributes attributes(DynamicMessage node) {
        String autoPad = null;
        Integer group = null;
        int[] dil = null, kernel = null, outPad = null, outShape = null, pads = null, strides = null;
        for (Object a : list(node, "attribute")) {
            DynamicMessage am = (DynamicMessage) a;
            String name = (String) get(am, "name");
            switch (name) {
                case "auto_pad" -> autoPad = ((ByteString) get(am, "s")).toStringUtf8();
                case "group" -> group = Math.toIntExact((Long) get(am, "i"));
                case "dilations" -> dil = ints(am);
                case "kernel_shape" -> kernel = ints(am);
                case "output_padding" -> outPad = ints(am);
                case "output_shape" -> outShape = ints(am);
                case "pads" -> pads = ints(am);
                case "strides" -> strides = ints(am);
                default -> throw new IllegalArgumentException("ConvTranspose attribute '" + name + "' is not part of the operator");
            }
        }
        return new ConvTransposeAttributes(autoPad, dil, group, kernel, outPad, outShape, pads, strides);
    }

    private static int[] ints(DynamicMessage attribute) {
        List<?> v = list(attribute, "ints");
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = Math.toIntExact((Long) v.get(i));
        return out;
    }

    private static long[] shapeOf(DynamicMessage valueInfo) {
        if (!has(valueInfo, "type")) return null;
        DynamicMessage tt = (DynamicMessage) get((DynamicMessage) get(valueInfo, "type"), "tensor_type");
        List<?> dims = list((DynamicMessage) get(tt, "shape"), "dim");
        long[] out = new long[dims.size()];
        for (int i = 0; i < out.length; i++) {
            DynamicMessage d = (DynamicMessage) dims.get(i);
            if (!has(d, "dim_value")) return null;
            out[i] = (Long) get(d, "dim_value");
        }
        return out;
    }

    private static FloatTensor tensor(DynamicMessage t, String where) {
        int type = (Integer) get(t, "data_type");
        if (type != FLOAT) throw new IllegalArgumentException(where + ": data_type " + type + " is not FLOAT (1); Kiln's fp32 ConvTranspose reads float tensors");
        List<?> d = list(t, "dims");
        long[] dims = new long[d.size()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) count *= dims[i] = (Long) d.get(i);
        float[] data;
        ByteString raw = (ByteString) get(t, "raw_data");
        if (!raw.isEmpty()) {
            data = new float[raw.size() / 4];
            raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        } else {
            List<?> f = list(t, "float_data");
            data = new float[f.size()];
            for (int i = 0; i < data.length; i++) data[i] = (Float) f.get(i);
        }
        if (data.length != count) throw new IllegalArgumentException(where + ": " + data.length + " values for dims " + java.util.Arrays.toString(dims));
        return new FloatTensor((String) get(t, "name"), dims, data);
    }

    private static FieldDescriptor field(DynamicMessage m, String name) { return m.getDescriptorForType().findFieldByName(name); }

    private static Object get(DynamicMessage m, String name) { return m.getField(field(m, name)); }

    private static boolean has(DynamicMessage m, String name) { return m.hasField(field(m, name)); }

    private static List<?> list(DynamicMessage m, String name) { return (List<?>) m.getField(field(m, name)); }
}
