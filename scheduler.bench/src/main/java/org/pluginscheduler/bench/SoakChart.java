package org.pluginscheduler.bench;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** Draws a soak's samples as one SVG: a panel per measure, minutes on the shared x axis. No library, no script. */
final class SoakChart {

    private static final int WIDTH = 760;
    private static final int PANEL = 120;
    private static final int LEFT = 90;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int GAP = 36;

    private record Panel(String title, String unit, ToDoubleFunction<Soak.Sample> value, double bound) {
    }

    private SoakChart() {
    }

    static String svg(Soak.Plan plan, List<Soak.Sample> samples) {
        List<Panel> panels = new java.util.ArrayList<>();
        if (plan.durable()) {
            panels.add(new Panel("H2 file size", "MB", s -> s.fileBytes() / 1e6, Double.NaN));
        }
        panels.add(new Panel("most runs held by one task", "runs", Soak.Sample::maxRowsPerTask,
                plan.maxRunsPerTask() + (plan.durable() ? plan.intervalRunsPerTask() : 0)));
        panels.add(new Panel("heap in use after a full GC", "MB", s -> s.heapAfterGc() / 1e6, Double.NaN));
        panels.add(new Panel("fire lag p99 of the window", "ms", Soak.Sample::lagP99Millis, Double.NaN));
        panels.add(new Panel("runs executed per second", "runs/s", Soak.Sample::runsPerSecond, Double.NaN));
        int height = TOP + panels.size() * (PANEL + GAP) + 10;
        double maxMinutes = Math.max(1e-9, samples.isEmpty() ? 1 : samples.get(samples.size() - 1).minutes());
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, height));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s: %d "
                        + "tasks every %d ms, %s store, %.0f min</text>%n", LEFT, escape(plan.name()), plan.tasks(),
                plan.every().toMillis(), plan.durable() ? "H2" : "in-memory", maxMinutes));
        int plotWidth = WIDTH - LEFT - RIGHT;
        for (int p = 0; p < panels.size(); p++) {
            Panel panel = panels.get(p);
            int y0 = TOP + p * (PANEL + GAP) + 16;
            double max = 0;
            for (Soak.Sample s : samples) {
                double v = panel.value().applyAsDouble(s);
                if (!Double.isNaN(v)) {
                    max = Math.max(max, v);
                }
            }
            if (!Double.isNaN(panel.bound())) {
                max = Math.max(max, panel.bound());
            }
            max = niceCeiling(max);
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s (%s)</text>%n", LEFT, y0 - 4,
                    escape(panel.title()), escape(panel.unit())));
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                    + "stroke=\"#999\"/>%n", LEFT, y0, plotWidth, PANEL));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", LEFT - 6,
                    y0 + 10, format(max)));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>%n", LEFT - 6,
                    y0 + PANEL));
            if (!Double.isNaN(panel.bound())) {
                double y = y0 + PANEL - PANEL * panel.bound() / max;
                sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                        + "stroke=\"#c33\" stroke-dasharray=\"4 3\"/>%n", LEFT, y, LEFT + plotWidth, y));
                sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" fill=\"#c33\" text-anchor=\"end\">"
                        + "goal ≤ %s</text>%n", LEFT + plotWidth - 4, y - 3, format(panel.bound())));
            }
            StringBuilder points = new StringBuilder();
            for (Soak.Sample s : samples) {
                double v = panel.value().applyAsDouble(s);
                if (Double.isNaN(v)) {
                    continue;
                }
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + plotWidth * s.minutes() / maxMinutes,
                        y0 + PANEL - PANEL * v / max));
            }
            sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"1.5\" "
                    + "points=\"%s\"/>%n", points.toString().trim()));
            if (p == panels.size() - 1) {
                for (int t = 0; t <= 4; t++) {
                    double minutes = maxMinutes * t / 4;
                    sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s min"
                            + "</text>%n", LEFT + plotWidth * minutes / maxMinutes, y0 + PANEL + 16, format(minutes)));
                }
            }
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String format(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
