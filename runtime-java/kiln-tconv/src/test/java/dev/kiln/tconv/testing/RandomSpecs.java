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
}
