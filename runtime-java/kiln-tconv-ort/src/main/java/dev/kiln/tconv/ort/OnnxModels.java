package dev.kiln.tconv.ort;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import dev.kiln.tconv.OnnxLayout;
import dev.kiln.tconv.TConvSpec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Builds a one-node ONNX {@code ConvTranspose} model as protobuf bytes with protobuf-java's
 * {@link DynamicMessage}. The descriptor below declares the subset of {@code onnx.proto3} the model needs,
 * with ONNX's own field numbers, so protobuf-java does all the wire encoding.
 */
public final class OnnxModels {
    private static final int FLOAT = 1;              // TensorProto.DataType.FLOAT
    private static final int ATTR_INT = 2, ATTR_INTS = 7;
    private static final int OPSET = 17;
    private static final long IR_VERSION = 8;

    private static final Descriptors.FileDescriptor FILE = buildFile();

    private OnnxModels() {}

    private static FieldDescriptorProto field(String name, int number, Type type, boolean repeated, String typeName) {
        FieldDescriptorProto.Builder f = FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(repeated ? Label.LABEL_REPEATED : Label.LABEL_OPTIONAL);
        if (typeName != null) f.setTypeName(".onnx." + typeName);
        return f.build();
    }

    private static DescriptorProto message(String name, FieldDescriptorProto... fields) {
        return DescriptorProto.newBuilder().setName(name).addAllField(List.of(fields)).build();
    }

    private static Descriptors.FileDescriptor buildFile() {
        Type S = Type.TYPE_STRING, I64 = Type.TYPE_INT64, I32 = Type.TYPE_INT32, M = Type.TYPE_MESSAGE;
        FileDescriptorProto proto = FileDescriptorProto.newBuilder().setName("kiln_onnx_subset.proto").setPackage("onnx").setSyntax("proto3")
                .addMessageType(message("OperatorSetIdProto", field("domain", 1, S, false, null), field("version", 2, I64, false, null)))
                .addMessageType(message("TensorProto", field("dims", 1, I64, true, null), field("data_type", 2, I32, false, null),
                        field("float_data", 4, Type.TYPE_FLOAT, true, null),
                        field("name", 8, S, false, null), field("raw_data", 9, Type.TYPE_BYTES, false, null)))
                .addMessageType(message("AttributeProto", field("name", 1, S, false, null), field("i", 3, I64, false, null),
                        field("s", 4, Type.TYPE_BYTES, false, null),
                        field("ints", 8, I64, true, null), field("type", 20, I32, false, null)))
                .addMessageType(message("NodeProto", field("input", 1, S, true, null), field("output", 2, S, true, null),
                        field("name", 3, S, false, null), field("op_type", 4, S, false, null),
                        field("attribute", 5, M, true, "AttributeProto")))
                .addMessageType(message("Dimension", field("dim_value", 1, I64, false, null)))
                .addMessageType(message("TensorShapeProto", field("dim", 1, M, true, "Dimension")))
                .addMessageType(message("TensorType", field("elem_type", 1, I32, false, null), field("shape", 2, M, false, "TensorShapeProto")))
                .addMessageType(message("TypeProto", field("tensor_type", 1, M, false, "TensorType")))
                .addMessageType(message("ValueInfoProto", field("name", 1, S, false, null), field("type", 2, M, false, "TypeProto")))
                .addMessageType(message("GraphProto", field("node", 1, M, true, "NodeProto"), field("name", 2, S, false, null),
                        field("initializer", 5, M, true, "TensorProto"), field("input", 11, M, true, "ValueInfoProto"),
                        field("output", 12, M, true, "ValueInfoProto")))
                .addMessageType(message("ModelProto", field("ir_version", 1, I64, false, null), field("producer_name", 2, S, false, null),
                        field("graph", 7, M, false, "GraphProto"), field("opset_import", 8, M, true, "OperatorSetIdProto")))
                .build();
        try {
            return Descriptors.FileDescriptor.buildFrom(proto, new Descriptors.FileDescriptor[0]);
        } catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException("ONNX subset descriptor is invalid: " + e.getMessage(), e);
        }
    }

    /** The message type of the ONNX subset, for {@code dev.kiln.tconv.onnx.OnnxFiles} (same module). */
    public static Descriptor type(String name) { return FILE.findMessageTypeByName(name); }

    private static DynamicMessage.Builder builder(String type) {
        Descriptor d = FILE.findMessageTypeByName(type);
        return DynamicMessage.newBuilder(d);
    }

    private static DynamicMessage.Builder set(DynamicMessage.Builder b, String field, Object value) {
        return b.setField(b.getDescriptorForType().findFieldByName(field), value);
    }

    private static DynamicMessage.Builder add(DynamicMessage.Builder b, String field, Object value) {
        return b.addRepeatedField(b.getDescriptorForType().findFieldByName(field), value);
    }

    private static DynamicMessage intAttr(String name, long v) {
        return set(set(set(builder("AttributeProto"), "name", name), "type", ATTR_INT), "i", v).build();
    }

    private static DynamicMessage intsAttr(String name, long... vs) {
        DynamicMessage.Builder b = set(set(builder("AttributeProto"), "name", name), "type", ATTR_INTS);
        for (long v : vs) add(b, "ints", v);
        return b.build();
    }

    private static DynamicMessage floatInput(String name, long... dims) {
        DynamicMessage.Builder shape = builder("TensorShapeProto");
        for (long d : dims) add(shape, "dim", set(builder("Dimension"), "dim_value", d).build());
        DynamicMessage tensorType = set(set(builder("TensorType"), "elem_type", FLOAT), "shape", shape.build()).build();
        DynamicMessage type = set(builder("TypeProto"), "tensor_type", tensorType).build();
        return set(set(builder("ValueInfoProto"), "name", name), "type", type).build();
    }

    private static DynamicMessage floatTensor(String name, float[] data, long... dims) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(data);
        DynamicMessage.Builder t = set(set(builder("TensorProto"), "name", name), "data_type", FLOAT);
        for (long d : dims) add(t, "dims", d);
        return set(t, "raw_data", ByteString.copyFrom(bytes.array())).build();
    }

    /**
     * {@code ConvTranspose} for {@code spec} in ONNX's layouts: input {@code x [N, Ic, spatial…]}, output
     * {@code y [N, Oc, spatial…]}, weights {@code W [Ic, Oc/group, k…]} and bias {@code B [Oc]} as initializers.
     * Crops become {@code pads}; output padding (ONNX's, or TFLite SAME with {@code K < s}, where TFLite's output
     * is larger than the scatter result) becomes {@code output_padding}.
     */
    public static byte[] convTranspose(TConvSpec s, float[] kilnWeights, float[] bias) {
        float[] w = OnnxLayout.weightsToOnnx(s, kilnWeights);
        int r = s.rank();
        long[] k = tail(r, s.kd(), s.kh(), s.kw()), st = tail(r, s.sd(), s.sh(), s.sw()), dil = tail(r, s.dd(), s.dh(), s.dw());
        long[] begin = tail(r, s.padFront(), s.padTop(), s.padLeft()), end = tail(r, s.padBack(), s.padBottom(), s.padRight());
        long[] extra = tail(r, s.outputPadding(0), s.outputPadding(1), s.outputPadding(2));
        long[] pads = new long[2 * r];
        System.arraycopy(begin, 0, pads, 0, r);
        System.arraycopy(end, 0, pads, r, r);
        DynamicMessage.Builder node = builder("NodeProto");
        set(set(node, "name", "tconv"), "op_type", "ConvTranspose");
        add(node, "input", "x");
        add(node, "input", "W");
        add(node, "input", "B");
        add(node, "output", "y");
        add(node, "attribute", intsAttr("kernel_shape", k));
        add(node, "attribute", intsAttr("strides", st));
        add(node, "attribute", intsAttr("pads", pads));
        add(node, "attribute", intsAttr("dilations", dil));
        add(node, "attribute", intAttr("group", s.group()));
        if (java.util.Arrays.stream(extra).anyMatch(v -> v != 0)) add(node, "attribute", intsAttr("output_padding", extra));
        DynamicMessage.Builder graph = builder("GraphProto");
        set(graph, "name", "kiln_tconv");
        add(graph, "node", node.build());
        add(graph, "initializer", floatTensor("W", w, OnnxLayout.weightShape(s)));
        add(graph, "initializer", floatTensor("B", bias == null ? new float[s.oc()] : bias, s.oc()));
        add(graph, "input", floatInput("x", OnnxLayout.inputShape(s)));
        add(graph, "output", floatInput("y", OnnxLayout.outputShape(s)));
        DynamicMessage.Builder model = builder("ModelProto");
        set(set(model, "ir_version", IR_VERSION), "producer_name", "kiln");
        set(model, "graph", graph.build());
        add(model, "opset_import", set(set(builder("OperatorSetIdProto"), "domain", ""), "version", (long) OPSET).build());
        return model.build().toByteArray();
    }

    /** The last {@code rank} of (depth, height, width). */
    private static long[] tail(int rank, long d, long h, long w) {
        long[] all = {d, h, w};
        return java.util.Arrays.copyOfRange(all, 3 - rank, 3);
    }
}
