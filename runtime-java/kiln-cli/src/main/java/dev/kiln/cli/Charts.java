package dev.kiln.cli;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** PNG plots for {@code --plot}: named x/y series, lines or points, optional log axes with round ticks. Headless AWT. */
public final class Charts {
    static { System.setProperty("java.awt.headless", "true"); }

    private Charts() {}

    /** A builder for one XY chart. */
    public static final class Xy {
        private final String title, xLabel, yLabel;
        private final Map<String, XYSeries> series = new LinkedHashMap<>();
        private final Map<String, Boolean> lines = new LinkedHashMap<>();
        private boolean logX, logY;

        public Xy(String title, String xLabel, String yLabel) {
            this.title = title; this.xLabel = xLabel; this.yLabel = yLabel;
        }

        /** Adds point (x, y) to series {@code name}; {@code lines} chooses lines (true) or markers only. */
        public Xy point(String name, boolean lines, double x, double y) {
            series.computeIfAbsent(name, n -> new XYSeries(n, false, true)).add(x, y);
            this.lines.put(name, lines);
            return this;
        }

        public Xy logX() { logX = true; return this; }

        public Xy logY() { logY = true; return this; }

        public void writePng(Path file, int width, int height) throws IOException {
            XYSeriesCollection data = new XYSeriesCollection();
            series.values().forEach(data::addSeries);
            JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
            XYPlot plot = chart.getXYPlot();
            XYLineAndShapeRenderer r = new XYLineAndShapeRenderer();
            int i = 0;
            for (Map.Entry<String, Boolean> e : lines.entrySet()) {
                r.setSeriesLinesVisible(i, e.getValue());
                r.setSeriesShapesVisible(i, true);
                i++;
            }
            plot.setRenderer(r);
            if (logX) plot.setDomainAxis(logAxis(xLabel, plot.getDomainAxis()));
            else if (integers(true)) ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            if (logY) plot.setRangeAxis(logAxis(yLabel, plot.getRangeAxis()));
            else if (integers(false)) ((NumberAxis) plot.getRangeAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            plot.setBackgroundPaint(java.awt.Color.WHITE);
            plot.setDomainGridlinePaint(java.awt.Color.LIGHT_GRAY);
            plot.setRangeGridlinePaint(java.awt.Color.LIGHT_GRAY);
            // Rendered to a temporary file beside the target and renamed: a failed write leaves no half PNG.
            Path partial = file.resolveSibling(file.getFileName() + ".partial-" + ProcessHandle.current().pid());
            try {
                ChartUtils.saveChartAsPNG(partial.toFile(), chart, width, height);
                java.nio.file.Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                java.nio.file.Files.deleteIfExists(partial);
            }
        }

        /** A log axis in place of {@code linear}, with its fonts (the chart theme styled only the axes it created). */
        private static ReadableLogAxis logAxis(String label, ValueAxis linear) {
            ReadableLogAxis a = new ReadableLogAxis(label);
            a.setLabelFont(linear.getLabelFont());
            a.setTickLabelFont(linear.getTickLabelFont());
            return a;
        }

        /** Whether every x (or y) is a whole number (layer indices, steps): then ticks are too, not 1.05, 1.10, ... */
        private boolean integers(boolean x) {
            for (XYSeries s : series.values()) {
                for (int i = 0; i < s.getItemCount(); i++) {
                    double v = x ? s.getX(i).doubleValue() : s.getY(i).doubleValue();
                    if (v != Math.rint(v)) return false;
                }
            }
            return true;
        }
    }
}
