package dev.kiln.cli;

import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.TickType;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.Range;

import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * A log axis whose ticks sit on round numbers with plain labels ({@code 5k, 10k, 20k}, {@code 1.2, 1.4}).
 * JFreeChart's {@link LogAxis} steps the exponent, so a range under a decade (a plot of two points) gets
 * ticks like {@code 10^3.60, 10^3.62}. Ticks are the sparsest of: decades; 1, 2, 5 per decade; 1..9 per
 * decade; a linear 1-2-5 step; that gives at least {@value #MIN_TICKS} ticks in the range.
 */
final class ReadableLogAxis extends LogAxis {
    static final int MIN_TICKS = 4;
    private static final int MAX_DECADE_TICKS = 10;

    ReadableLogAxis(String label) {
        super(label);
    }

    /** A single value (one point, or points with equal values) gets a range of ×/÷ 1.25 around it, not ± 1e-8. */
    @Override
    protected void autoAdjustRange() {
        super.autoAdjustRange();
        double lo = getLowerBound(), hi = getUpperBound();
        if (isAutoRange() && lo > 0 && hi / lo < 1.001) {
            double centre = Math.sqrt(lo * hi);
            setRange(new Range(centre / 1.25, centre * 1.25), false, false);
        }
    }

    @Override
    public List refreshTicks(Graphics2D g2, AxisState state, Rectangle2D dataArea, RectangleEdge edge) {
        boolean vertical = RectangleEdge.isLeftOrRight(edge);
        TextAnchor anchor = vertical ? (edge == RectangleEdge.LEFT ? TextAnchor.CENTER_RIGHT : TextAnchor.CENTER_LEFT)
                : (edge == RectangleEdge.TOP ? TextAnchor.BOTTOM_CENTER : TextAnchor.TOP_CENTER);
        double[] values = ticks(getLowerBound(), getUpperBound());
        String[] labels = labels(values);
        List<NumberTick> ticks = new ArrayList<>();
        for (int i = 0; i < values.length; i++) ticks.add(new NumberTick(TickType.MAJOR, values[i], labels[i], anchor, anchor, 0.0));
        return ticks;
    }

    /** {@link #label} of each tick; all digits, no suffix, where that would print two ticks alike (a very narrow range). */
    static String[] labels(double[] ticks) {
        String[] out = new String[ticks.length];
        for (int i = 0; i < ticks.length; i++) out[i] = label(ticks[i]);
        if (new HashSet<>(Arrays.asList(out)).size() == out.length) return out;
        DecimalFormat all = new DecimalFormat("0.##########", DecimalFormatSymbols.getInstance(Locale.ROOT));
        for (int i = 0; i < ticks.length; i++) out[i] = all.format(ticks[i]);
        return out;
    }

    /** Round tick values in [lo, hi] (lo > 0), at least {@value #MIN_TICKS} when the range allows. */
    static double[] ticks(double lo, double hi) {
        if (!(lo > 0) || !(hi > lo) || Double.isInfinite(hi)) return new double[0];   // JFreeChart never asks for these
        double[] best = new double[0];
        for (double[] mantissas : new double[][]{{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
            double[] t = perDecade(lo, hi, mantissas);
            if (mantissas.length == 1 && t.length > MAX_DECADE_TICKS) t = everyNth(t, (t.length + MAX_DECADE_TICKS - 1) / MAX_DECADE_TICKS);
            if (t.length >= MIN_TICKS) return t;
            if (t.length > best.length) best = t;
        }
        double[] linear = linear(lo, hi);
        return linear.length >= best.length ? linear : best;
    }

    private static double[] perDecade(double lo, double hi, double[] mantissas) {
        List<Double> out = new ArrayList<>();
        for (int e = (int) Math.floor(Math.log10(lo)); e <= (int) Math.ceil(Math.log10(hi)); e++) {
            for (double m : mantissas) {
                double v = m * Math.pow(10, e);
                if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.add(v);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double[] everyNth(double[] t, int n) {
        double[] out = new double[(t.length + n - 1) / n];
        for (int i = 0; i < out.length; i++) out[i] = t[i * n];
        return out;
    }

    /** Multiples of a 1-2-5 step giving about five ticks: for ranges too narrow for any per-decade set. */
    private static double[] linear(double lo, double hi) {
        double raw = (hi - lo) / 5, p = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / p < 1.5 ? p : raw / p < 3.5 ? 2 * p : raw / p < 7.5 ? 5 * p : 10 * p;
        List<Double> out = new ArrayList<>();
        for (long i = (long) Math.ceil(lo / step); i * step <= hi * (1 + 1e-12); i++) out.add(i * step);
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** A plain label: {@code 0.05}, {@code 1.2}, {@code 500}, {@code 2k}, {@code 1.5M}; exponent form only below 0.001. */
    static String label(double v) {
        double a = Math.abs(v);
        if (a >= 1e4) {
            String[] suffix = {"k", "M", "G", "T", "P"};
            int i = Math.min(suffix.length - 1, (int) Math.floor(Math.log10(a) / 3) - 1);
            return plain(v / Math.pow(1000, i + 1)) + suffix[i];
        }
        if (a != 0 && a < 1e-3) return new DecimalFormat("0.##E0", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(v);
        return plain(v);
    }

    private static String plain(double v) {
        return new DecimalFormat("0.####", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(v);
    }
}
