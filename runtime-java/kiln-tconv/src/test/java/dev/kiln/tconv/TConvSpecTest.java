package dev.kiln.tconv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TConvSpecTest {
    @Test
    void same_padding_follows_tflite() {
        TConvSpec s = TConvSpec.same(2, 512, 5, 4, 4, 1024);     // DCGAN layer 1
        assertEquals(8, s.oh());
        assertEquals(8, s.ow());
        assertEquals(1, s.padTop());                              // total 3: 1 top, 2 bottom
        assertEquals(2, s.padBottom());
        assertEquals(1 - (17.0 / 20) * (17.0 / 20), s.ineffectualFraction(), 1e-12); // 17 of 20 taps per axis land inside
        TConvSpec p = TConvSpec.same(2, 512, 4, 1, 1, 512);      // pix2pix 1x1 -> 2x2
        assertEquals(0.75, p.ineffectualFraction(), 1e-12);
        TConvSpec small = TConvSpec.same(3, 4, 2, 5, 5, 3);      // K < s: no crop, gaps in the output
        assertEquals(15, small.oh());
        assertEquals(0, small.padTop() + small.padBottom());
        assertEquals(0.0, small.ineffectualFraction(), 1e-12);
    }

    @Test
    void valid_and_explicit() {
        TConvSpec v = TConvSpec.parse("ih=3,iw=5,ic=2,oc=3,kh=3,kw=2,sh=2,sw=3,pad=valid");
        assertEquals(7, v.oh());
        assertEquals(14, v.ow());
        TConvSpec e = TConvSpec.parse("n=2,i=4,ic=8,oc=3,k=4,s=2,pt=1,pb=2,pl=0,pr=3");
        assertEquals(10 - 3, e.oh());
        assertEquals(10 - 3, e.ow());
        assertEquals(2, e.n());
        assertEquals(e, TConvSpec.parse(e.toString()));
        assertEquals(v, TConvSpec.parse(v.toString()));
    }

    @Test
    void onnx_attributes_resolve_like_the_operator_definition() {
        // 1-D HiFi-GAN upsampler: 512→256, k16 s8 pad 4 (PyTorch ConvTranspose1d(512, 256, 16, 8, padding=4))
        TConvSpec h = TConvSpec.parse("rank=1,iw=32,ic=512,oc=256,k=16,s=8,pl=4,pr=4");
        assertEquals(256, h.ow());
        assertEquals(1, h.oh());
        assertEquals(h, TConvSpec.parse(h.toString()));
        // 3-D k3 s2 pad 1 output_padding 1 doubles every axis
        TConvSpec u = TConvSpec.parse("i=16,ic=64,oc=32,k=3,s=2,pfront=1,pback=1,pt=1,pb=1,pl=1,pr=1,op=1");
        assertEquals(3, u.rank());
        assertEquals(32, u.od());
        assertEquals(32, u.oh());
        assertEquals(32, u.ow());
        assertEquals(u, TConvSpec.parse(u.toString()));
        // dilation 2: effective kernel 5
        TConvSpec d = TConvSpec.parse("i=8,ic=4,oc=4,k=3,d=2,s=1,pad=valid,g=2");
        assertEquals(12, d.oh());
        assertEquals(2, d.icPerGroup());
        assertEquals(d, TConvSpec.parse(d.toString()));
        // auto_pad SAME_UPPER with output_shape: total padding 1 goes to the end
        var a = new ConvTransposeAttributes("SAME_UPPER", null, null, null, null, null, null, new int[]{2, 2});
        TConvSpec s = a.spec(new long[]{1, 1, 3, 3}, new long[]{1, 2, 3, 3});
        assertEquals(6, s.oh());
        assertEquals(0, s.padTop());
        assertEquals(1, s.padBottom());
        assertEquals(2, s.oc());
        // output_shape past the full result becomes output padding at the end
        var o = new ConvTransposeAttributes(null, null, null, null, null, new int[]{10, 8}, null, new int[]{3, 2});
        TConvSpec os = o.spec(new long[]{1, 1, 3, 3}, new long[]{1, 2, 3, 3});
        assertEquals(10, os.oh());
        assertEquals(8, os.ow());
        assertEquals(1, os.outputPadding(1));
        var bad = assertThrows(IllegalArgumentException.class, () -> new ConvTransposeAttributes(null, null, 3, null, null, null, null, null)
                .spec(new long[]{1, 4, 3, 3}, new long[]{4, 2, 3, 3}));
        assertEquals("group=3 must divide both ic=4 and oc=6", bad.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "ih=0,iw=4,ic=1,oc=1,k=3,s=2| ih must be >= 1, was 0",
            "ih=4,iw=4,ic=1,oc=-2,k=3,s=2| oc must be >= 1, was -2",
            "ih=4,iw=4,ic=1,oc=2,k=3,s=0| sh must be >= 1, was 0",
            "ih=4,iw=4,ic=1,oc=2,k=3,s=1,pad=full| pad must be same, valid or explicit, was 'full'",
            "ih=4,iw=4,ic=1,oc=2,k=3,s=1,pt=-1| pt must be >= 0, was -1",
            "ih=1,iw=4,ic=1,oc=2,k=3,s=1,pt=2,pb=1| pt+pb must be < (in-1)*s+(k-1)*d+1+op = 3 so that oh >= 1, was 2+1",
            "ih=4,iw=4,oc=2,k=3| layer spec needs ic",
            "ih=4,iw=4,ic=x,oc=2,k=3| ic must be an integer, was 'x'",
            "ih=4,iw=4,ic=2,oc=2,k=3,q=1| layer spec key 'q' is unknown; allowed: d, dd, dh, dw, g, group, i, ic, id, ih, iw, k, kd, kh, kw, n, oc, op, opd, oph, opw, pad, pb, pback, pfront, pl, pr, pt, rank, s, sd, sh, sw",
            "ih=65536,iw=65536,ic=2,oc=2,k=3| input n*id*ih*iw*ic = 8589934592 elements, more than the 2147483647 allowed",
            "i=4,ic=2,oc=2,k=3,d=0| dh must be >= 1, was 0",
            "i=4,ic=6,oc=4,k=3,g=4| group=4 must divide both ic=6 and oc=4",
            "i=4,ic=4,oc=4,k=3,g=0| group must be >= 1, was 0",
            "i=4,ic=2,oc=2,k=3,s=2,pt=1,pb=1,pl=1,pr=1,oph=2| oph=2 must be < sh=2 or < dh=1 (ONNX output_padding)",
            "i=4,ic=2,oc=2,k=3,s=2,d=3,opw=3| opw=3 must be < sw=2 or < dw=3 (ONNX output_padding)",
            "i=4,ic=2,oc=2,k=3,s=2,opw=-1| opw must be >= 0, was -1",
            "rank=1,i=4,ic=2,oc=2,k=3,pt=1| pt must be 0 for a 1-D layer (that axis does not exist), was 1",
            "rank=4,i=4,ic=2,oc=2,k=3| rank must be 1, 2 or 3, was 4",
            "i=4,ic=2,oc=2,k=3,g=1,group=1| give g or group, not both",
    })
    void bad_specs_name_the_field(String spec, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> TConvSpec.parse(spec));
        assertEquals(message, e.getMessage());
    }
}
