package dev.kiln.cli;

import dev.kiln.inference.model.CharGptFormat;
import dev.kiln.train.GptConfig;
import dev.kiln.train.ParameterLayout;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The trainer's flat parameter vector as a {@link CharGptFormat} checkpoint: the same tensor names, with the
 * trainer's {@code [in][out]} matrices transposed to the format's {@code [out][in]}.
 */
public final class CharGptExport {
    private CharGptExport() {}

    public static CharGptFormat.Config config(GptConfig g, String vocab) {
        return new CharGptFormat.Config(vocab, g.context(), g.dim(), g.layers(), g.heads());
    }

    public static void write(Path file, ParameterLayout layout, float[] params, String vocab) throws IOException {
        if (params == null) throw new IllegalStateException("the run kept no parameters in this process");
        if (params.length < layout.size()) throw new IllegalArgumentException("params has " + params.length + " values, the layout " + layout.size());
        CharGptFormat.Config c = config(layout.config(), vocab);
        Map<String, float[]> values = new HashMap<>();
        for (ParameterLayout.Tensor t : layout.tensors()) {
            boolean matrix = t.name().contains(".attn.w") || t.name().contains(".mlp.w");
            float[] v = new float[t.size()];
            for (int r = 0; r < t.rows(); r++) {
                for (int col = 0; col < t.cols(); col++) {
                    float x = params[t.offset() + r * t.cols() + col];
                    if (matrix) v[col * t.rows() + r] = x;
                    else v[r * t.cols() + col] = x;
                }
            }
            values.put(t.name(), v);
        }
        CharGptFormat.write(file, c, values);
    }
}
