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

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "ih=0,iw=4,ic=1,oc=1,k=3,s=2| ih must be >= 1, was 0",
            "ih=4,iw=4,ic=1,oc=-2,k=3,s=2| oc must be >= 1, was -2",
            "ih=4,iw=4,ic=1,oc=2,k=3,s=0| sh must be >= 1, was 0",
            "ih=4,iw=4,ic=1,oc=2,k=3,s=1,pad=full| pad must be same, valid or explicit, was 'full'",
            "ih=4,iw=4,ic=1,oc=2,k=3,s=1,pt=-1| pt must be >= 0, was -1",
            "ih=1,iw=4,ic=1,oc=2,k=3,s=1,pt=2,pb=1| pt+pb must be < (ih-1)*sh+kh = 3 so that oh >= 1, was 2+1",
            "ih=4,iw=4,oc=2,k=3| layer spec needs ic",
            "ih=4,iw=4,ic=x,oc=2,k=3| ic must be an integer, was 'x'",
            "ih=4,iw=4,ic=2,oc=2,k=3,q=1| layer spec key 'q' is unknown; allowed: n, ih, iw, i, ic, oc, k, kh, kw, s, sh, sw, pad, pt, pb, pl, pr",
            "ih=65536,iw=65536,ic=2,oc=2,k=3| input n*ih*iw*ic = 8589934592 elements, more than the 2147483647 allowed",
    })
    void bad_specs_name_the_field(String spec, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> TConvSpec.parse(spec));
        assertEquals(message, e.getMessage());
    }
}
