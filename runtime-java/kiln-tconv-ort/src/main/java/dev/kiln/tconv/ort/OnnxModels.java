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
                        field("name", 8, S, false, null), field("raw_data", 9, Type.TYPE_BYTES, false, null)))
                .addMessageType(message("AttributeProto", field("name", 1, S, false, null), field("i", 3, I64, false, null),
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
     * {@code ConvTranspose} for {@code spec} in ONNX's NCHW: input {@code x [N, Ic, Ih, Iw]}, output
     * {@code y [N, Oc, Oh, Ow]}, weights {@code W [Ic, Oc, Kh, Kw]} and bias {@code B [Oc]} as initializers.
     * Crops become {@code pads}; SAME with {@code K < s} (where TFLite's output is larger than the scatter
     * result) adds {@code output_padding}.
     */
    public static byte[] convTranspose(TConvSpec s, float[] ohwiWeights, float[] bias) {
        float[] w = new float[ohwiWeights.length];
        for (int oc = 0; oc < s.oc(); oc++)
            for (int ky = 0; ky < s.kh(); ky++)
                for (int kx = 0; kx < s.kw(); kx++)
                    for (int c = 0; c < s.ic(); c++)
                        w[((c * s.oc() + oc) * s.kh() + ky) * s.kw() + kx] = ohwiWeights[((oc * s.kh() + ky) * s.kw() + kx) * s.ic() + c];
        int padH = (s.ih() - 1) * s.sh() + s.kh() - s.padTop() - s.padBottom();
        int padW = (s.iw() - 1) * s.sw() + s.kw() - s.padLeft() - s.padRight();
        int extraH = s.oh() - padH, extraW = s.ow() - padW;
        DynamicMessage.Builder node = builder("NodeProto");
        set(set(node, "name", "tconv"), "op_type", "ConvTranspose");
        add(node, "input", "x");
        add(node, "input", "W");
        add(node, "input", "B");
        add(node, "output", "y");
        add(node, "attribute", intsAttr("kernel_shape", s.kh(), s.kw()));
        add(node, "attribute", intsAttr("strides", s.sh(), s.sw()));
        add(node, "attribute", intsAttr("pads", s.padTop(), s.padLeft(), s.padBottom(), s.padRight()));
        add(node, "attribute", intsAttr("dilations", 1, 1));
        add(node, "attribute", intAttr("group", 1));
        if (extraH != 0 || extraW != 0) add(node, "attribute", intsAttr("output_padding", extraH, extraW));
        DynamicMessage.Builder graph = builder("GraphProto");
        set(graph, "name", "kiln_tconv");
        add(graph, "node", node.build());
        add(graph, "initializer", floatTensor("W", w, s.ic(), s.oc(), s.kh(), s.kw()));
        add(graph, "initializer", floatTensor("B", bias == null ? new float[s.oc()] : bias, s.oc()));
        add(graph, "input", floatInput("x", s.n(), s.ic(), s.ih(), s.iw()));
        add(graph, "output", floatInput("y", s.n(), s.oc(), s.oh(), s.ow()));
        DynamicMessage.Builder model = builder("ModelProto");
        set(set(model, "ir_version", IR_VERSION), "producer_name", "kiln");
        set(model, "graph", graph.build());
        add(model, "opset_import", set(set(builder("OperatorSetIdProto"), "domain", ""), "version", (long) OPSET).build());
        return model.build().toByteArray();
    }
}
