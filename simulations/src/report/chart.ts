/**
 * The charts of a report as plain data, drawn in the page by uPlot: one series per experiment and
 * plotted figure, and for a group of seeds a mean line inside a ± std band.
 */
import type { RunGroup } from './compare-runs';
import { type Extract, groupSeries } from './series';

export interface ChartSeries {
  label: string;
  /** CSS colour of the line. */
  color: string;
  values: (number | null)[];
  /** Canvas dash pattern in pixels; solid when absent. */
  dash?: number[];
  /** Line width in CSS pixels. */
  width: number;
}

/** A shaded area between two series, given by their indices in `series`. */
export interface ChartBand {
  upper: number;
  lower: number;
  fill: string;
}

export interface Chart {
  /** Unique in the report; the page draws the chart into the element `chart-<id>`. */
  id: string;
  title: string;
  yLabel: string;
  /** Rounds. */
  x: number[];
  series: ChartSeries[];
  bands: ChartBand[];
}

/** One figure to plot for every experiment. */
export interface Plot {
  name: string;
  extract: Extract;
}

export interface ChartRequest {
  id: string;
  title: string;
  yLabel: string;
  rounds: number[];
  plots: Plot[];
  /** Shade between these two plots (indices in `plots`) instead of drawing std bands. */
  shadeBetween?: [number, number];
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
const DASHES: (number[] | undefined)[] = [undefined, [6, 4], [2, 3], [10, 3, 2, 3]];
const BAND_ALPHA = '2e';

/**
 * A chart of the requested plots for every group that recorded them; null when none did. With
 * one experiment the plots take the colours, otherwise the experiments do and plots are dashed.
 */
export function buildChart(groups: readonly RunGroup[], request: ChartRequest): Chart | null {
  const chart: Chart = { id: request.id, title: request.title, yLabel: request.yLabel, x: request.rounds, series: [], bands: [] };
  const colourByPlot = groups.length === 1;
  groups.forEach((group, g) => {
    const indices: (number | undefined)[] = [];
    request.plots.forEach((plot, p) => {
      const values = groupSeries(group, request.rounds, plot.extract);
      if (!values) return;
      const color = colourOf(colourByPlot ? p : g);
      const dash = colourByPlot ? undefined : DASHES[p % DASHES.length];
      const label = colourByPlot ? plot.name : request.plots.length === 1 ? group.label : `${group.label} · ${plot.name}`;
      indices[p] = chart.series.push({ label, color, values: values.mean, width: 2, ...(dash ? { dash } : {}) }) - 1;
      if (values.std && !request.shadeBetween) {
        const std = values.std;
        const offset = (sign: number) => values.mean.map((m, i) => (m === null || std[i] === null ? null : m + sign * std[i]!));
        const upper = chart.series.push({ label: `${label} +1 std`, color: `${color}80`, values: offset(1), width: 1 }) - 1;
        const lower = chart.series.push({ label: `${label} −1 std`, color: `${color}80`, values: offset(-1), width: 1 }) - 1;
        chart.bands.push({ upper, lower, fill: `${color}${BAND_ALPHA}` });
      }
    });
    const [a, b] = request.shadeBetween ?? [];
    if (a !== undefined && b !== undefined && indices[a] !== undefined && indices[b] !== undefined)
      chart.bands.push({ upper: indices[b]!, lower: indices[a]!, fill: `${colourOf(g)}${BAND_ALPHA}` });
  });
  return chart.series.length > 0 ? chart : null;
}

/** A horizontal line across the chart (a budget), drawn in black. */
export function addLevel(chart: Chart, label: string, level: number, dash: number[]): void {
  chart.series.push({ label, color: '#000000', values: chart.x.map(() => level), width: 1.5, dash });
}

function colourOf(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}
