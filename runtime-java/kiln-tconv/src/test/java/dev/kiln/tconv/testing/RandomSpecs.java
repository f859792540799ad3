package dev.kiln.tconv.testing;

import dev.kiln.tconv.Padding;
import dev.kiln.tconv.TConvSpec;

import java.util.SplittableRandom;

/** Random layers that cover the awkward cases: non-square, VALID, explicit pads, K < s, stride 3, odd Oc and Ic. */
public final class RandomSpecs {
    private RandomSpecs() {}

    public static TConvSpec next(SplittableRandom r) {
        int kind = r.nextInt(6);
        int sh = 1 + r.nextInt(3), sw = kind == 0 ? 1 + r.nextInt(3) : sh;
        int kh = 1 + r.nextInt(6), kw = kind == 0 ? 1 + r.nextInt(6) : kh;
        if (kind == 1) { sh = 3; sw = 3; kh = 1 + r.nextInt(2); kw = kh; }                 // K < s, stride 3
        int ih = 1 + r.nextInt(9), iw = kind == 0 ? 1 + r.nextInt(9) : ih;
        int ic = 1 + r.nextInt(40), oc = 1 + r.nextInt(45);
        if (r.nextBoolean()) oc = 8 * (1 + r.nextInt(5)) + 1 + r.nextInt(7);              // not a multiple of 8
        Padding p = switch (kind) {
            case 2 -> Padding.VALID;
            case 3 -> {
                int fullH = (ih - 1) * sh + kh, fullW = (iw - 1) * sw + kw;
                int pt = r.nextInt(Math.max(1, Math.min(kh, fullH - 1))), pb = r.nextInt(Math.max(1, Math.min(kh, fullH - pt)));
                int pl = r.nextInt(Math.max(1, Math.min(kw, fullW - 1))), pr = r.nextInt(Math.max(1, Math.min(kw, fullW - pl)));
                yield Padding.explicit(pt, pb, pl, pr);
            }
            default -> Padding.SAME;
        };
        int n = 1 + r.nextInt(2);
        return new TConvSpec(n, ih, iw, ic, oc, kh, kw, sh, sw, p);
    }

    /**
     * Random ConvTranspose layers over every attribute: rank 1–3, strides, dilations, groups (grouped and
     * depthwise, wide enough for the vector paths), SAME / VALID / explicit pads with output_padding, long 1-D
     * rows (column strips).
     */
    public static TConvSpec general(SplittableRandom r) {
        int rank = 1 + r.nextInt(3);
        int kind = r.nextInt(4);                      // 0 grouped, 1 depthwise, 2 group 1, 3 group 1 wide Oc
        int group = switch (kind) {
            case 0 -> 2 + r.nextInt(3);
            case 1 -> rank == 3 ? 1 + r.nextInt(24) : 1 + r.nextInt(140);
            default -> 1;
        };
        int icg = kind == 1 ? 1 : 1 + r.nextInt(rank == 3 ? 12 : 24), ocg = kind == 1 ? 1 : kind == 3 ? 17 + r.nextInt(30) : 1 + r.nextInt(rank == 3 ? 12 : 40);
        int maxIn = rank == 1 ? 120 : rank == 2 ? 9 : 4, maxK = rank == 3 ? 3 : 5;
        int[] in = new int[rank], k = new int[rank], s = new int[rank], d = new int[rank], b = new int[2 * rank], op = new int[rank];
        boolean explicit = r.nextInt(3) > 0, same = !explicit && r.nextBoolean();
        for (int a = 0; a < rank; a++) {
            in[a] = 1 + r.nextInt(maxIn);
            k[a] = 1 + r.nextInt(maxK);
            s[a] = 1 + r.nextInt(rank == 1 ? 8 : 3);
            d[a] = r.nextInt(3) == 0 ? 2 + r.nextInt(2) : 1;
            if (explicit) {
                long full = (long) (in[a] - 1) * s[a] + (long) (k[a] - 1) * d[a] + 1;
                op[a] = r.nextInt(Math.max(s[a], d[a]));
                b[a] = r.nextInt((int) Math.min(k[a] * d[a], full));
                b[rank + a] = r.nextInt((int) Math.max(1, Math.min(k[a] * d[a], full + op[a] - b[a])));
            }
        }
        TConvSpec.Builder builder = TConvSpec.builder(rank).batch(1 + r.nextInt(2)).channels(icg * group, ocg * group).group(group)
                .input(in).kernel(k).strides(s).dilations(d);
        if (explicit) builder.pads(b, op);
        else builder.padding(same ? Padding.SAME : Padding.VALID);
        return builder.build();
    }
}
