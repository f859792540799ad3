package dev.kiln.inference.model;

import dev.kiln.inference.safetensors.SafetensorsWriter;
import dev.kiln.inference.tensor.Checkpoint;
import dev.kiln.inference.tensor.Metadata;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Kiln's char-GPT as a safetensors file: the trained GPT of {@code kiln train} (pre-norm blocks of LayerNorm,
 * multi-head causal attention with biases and a GELU MLP, learned positions, head tied to the token embedding).
 * Linear weights are {@code [out][in]} as in Hugging Face checkpoints; the vocabulary (the characters in token
 * order) and the sizes are string metadata under {@code kiln.*}.
 */
public final class CharGptFormat {
    public static final String ARCHITECTURE = "char-gpt";

    private CharGptFormat() {}

    /**
     * @param vocab   the characters, token i is {@code vocab.charAt(i)}
     * @param context positions the model was trained on (it has a position embedding for each)
     */
    public record Config(String vocab, int context, int dim, int layers, int heads) {
        public Config {
            if (vocab == null || vocab.isEmpty()) throw new IllegalArgumentException("vocab is empty");
            if (vocab.chars().distinct().count() != vocab.length()) throw new IllegalArgumentException("vocab has repeated characters");
            positive("context", context);
            positive("dim", dim);
            positive("layers", layers);
            positive("heads", heads);
            if (dim % heads != 0) throw new IllegalArgumentException("dim = " + dim + " is not a multiple of heads = " + heads);
        }

        public int headDim() { return dim / heads; }

        public int hidden() { return 4 * dim; }
    }

    private static void positive(String name, int v) {
        if (v <= 0) throw new IllegalArgumentException(name + " = " + v + "; must be > 0");
    }

    /** A tensor of the format: name and shape, outermost first. */
    public record Spec(String name, long... shape) {
        public int size() {
            long n = 1;
            for (long d : shape) n *= d;
            return Math.toIntExact(n);
        }
    }

    /** Every tensor of a model of config {@code c}, in file order. */
    public static List<Spec> tensors(Config c) {
        int d = c.dim(), h = c.hidden();
        List<Spec> s = new ArrayList<>();
        s.add(new Spec("wte", c.vocab().length(), d));
        s.add(new Spec("wpe", c.context(), d));
        for (int l = 0; l < c.layers(); l++) {
            String p = "h" + l + ".";
            s.add(new Spec(p + "ln1.g", d));
            s.add(new Spec(p + "ln1.b", d));
            s.add(new Spec(p + "attn.wqkv", 3 * d, d));
            s.add(new Spec(p + "attn.bqkv", 3 * d));
            s.add(new Spec(p + "attn.wproj", d, d));
            s.add(new Spec(p + "attn.bproj", d));
            s.add(new Spec(p + "ln2.g", d));
            s.add(new Spec(p + "ln2.b", d));
            s.add(new Spec(p + "mlp.wup", h, d));
            s.add(new Spec(p + "mlp.bup", h));
            s.add(new Spec(p + "mlp.wdown", d, h));
            s.add(new Spec(p + "mlp.bdown", d));
        }
        s.add(new Spec("lnf.g", d));
        s.add(new Spec("lnf.b", d));
        return s;
    }

    /** Writes {@code values} (one array per {@link #tensors} entry, in its shape) to {@code file}. */
    public static void write(Path file, Config c, Map<String, float[]> values) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter()
                .metadata("kiln.architecture", ARCHITECTURE)
                .metadata("kiln.vocab", c.vocab())
                .metadata("kiln.context", Integer.toString(c.context()))
                .metadata("kiln.dim", Integer.toString(c.dim()))
                .metadata("kiln.layers", Integer.toString(c.layers()))
                .metadata("kiln.heads", Integer.toString(c.heads()));
        for (Spec s : tensors(c)) {
            float[] v = values.get(s.name());
            if (v == null) throw new IllegalArgumentException("tensor '" + s.name() + "' is missing");
            if (v.length != s.size()) throw new IllegalArgumentException("tensor '" + s.name() + "' has " + v.length + " values, its shape needs " + s.size());
            w.f32(s.name(), s.shape(), v, 0);
        }
        w.write(file);
    }

    public static boolean isCharGpt(Checkpoint ckpt) {
        return ARCHITECTURE.equals(ckpt.metadata().string("kiln.architecture", null));
    }

    public static Config config(Metadata m) {
        return new Config(m.string("kiln.vocab"), (int) m.integer("kiln.context"), (int) m.integer("kiln.dim"),
                (int) m.integer("kiln.layers"), (int) m.integer("kiln.heads"));
    }
}
