package dev.stowage.bench.report;

import dev.stowage.bench.targets.SystemKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;

/**
 * Draws the results with XChart, headless: per scenario one marker per system, on a logarithmic
 * axis (the systems differ by orders of magnitude). Writes {@code bench-throughput.png}
 * and {@code bench-p99.png}.
 */
public final class ChartWriter {
  public static final String THROUGHPUT = "bench-throughput.png";
  public static final String P99 = "bench-p99.png";

  private ChartWriter() {}

  /** Writes both charts into {@code dir}; returns their paths. */
  public static List<Path> write(BenchReport report, Path dir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Files.createDirectories(dir);
    Path throughput = dir.resolve(THROUGHPUT);
    Path p99 = dir.resolve(P99);
    save(chart(report, "Throughput per scenario (higher is better)", "ops/s", Result::opsPerSec), throughput);
    save(chart(report, "p99 latency per scenario, W6 = caller time (lower is better)", "p99 (µs)", Result::p99Us), p99);
    return List.of(throughput, p99);
  }

  private static CategoryChart chart(BenchReport report, String title, String yTitle, ToDoubleFunction<Result> metric) {
    CategoryChart chart = new CategoryChartBuilder().width(1400).height(650).title(title)
        .xAxisTitle("scenario").yAxisTitle(yTitle).build();
    Styler styler = chart.getStyler();
    styler.setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setYAxisLogarithmic(true);
    // XChart's bars start at 0, which a log axis cannot show: draw markers per scenario instead.
    chart.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
    chart.getStyler().setMarkerSize(11);
    chart.getStyler().setXAxisLabelRotation(30);
    chart.getStyler().setAvailableSpaceFill(0.8);
    List<String> scenarios = Scenarios.DESCRIPTIONS.keySet().stream()
        .filter(s -> report.results().stream().anyMatch(r -> r.scenario().equals(s)))
        .toList();
    for (String systemId : report.systems()) {
      List<Double> values = new ArrayList<>();
      for (String scenario : scenarios) {
        double value = Targets.value(report.results(), scenario, systemId, metric);
        values.add(Double.isNaN(value) || value <= 0 ? null : value); // not drawn: missing or failed

      }
      chart.addSeries(SystemKind.byId(systemId).label(), scenarios, values);
    }
    return chart;
  }

  private static void save(CategoryChart chart, Path file) throws IOException {
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
