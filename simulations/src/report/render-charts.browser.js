// Runs in the report page: draws every chart of the embedded report data with uPlot.
// Plain browser JavaScript, inlined into the HTML by render-html.ts; no network, no modules.
(() => {
  const report = JSON.parse(document.getElementById('report-data').textContent);
  const plots = [];
  const width = (element) => Math.max(320, element.clientWidth);
  for (const chart of report.charts) {
    const element = document.getElementById(`chart-${chart.id}`);
    const options = {
      title: chart.title,
      width: width(element),
      height: 320,
      scales: { x: { time: false } },
      // Rounds are whole numbers: ticks only at integer steps.
      axes: [{ label: 'round', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] }, { label: chart.yLabel }],
      series: [
        { label: 'round' },
        ...chart.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width,
          dash: s.dash,
          spanGaps: true,
          points: { show: chart.x.length <= 30 },
        })),
      ],
      bands: chart.bands.map((b) => ({ series: [b.upper + 1, b.lower + 1], fill: b.fill })),
    };
    plots.push({ element, plot: new uPlot(options, [chart.x, ...chart.series.map((s) => s.values)], element) });
  }
  window.addEventListener('resize', () => {
    for (const { element, plot } of plots) plot.setSize({ width: width(element), height: 320 });
  });
})();
