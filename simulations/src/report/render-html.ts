/**
 * One self-contained HTML file: uPlot's script and stylesheet inlined from node_modules, the
 * report's data embedded as JSON, no URL the browser would fetch, so it opens offline.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Chart } from './chart';
import type { RunGroup } from './compare-runs';
import { escapeHtml, jsonForScript, scriptForInline } from './escape';
import { RUN_TABLE_COLUMNS, runRows } from './run-table';
import type { Section } from './sections';

const require = createRequire(import.meta.url);

/** What the page's script reads from the element `report-data`. */
export interface ReportData {
  charts: Chart[];
}

const PAGE_STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1200px; padding: 0 16px; color: #1b1b1b; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 36px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 12px; display: block; overflow-x: auto; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; white-space: nowrap; }
.note { color: #555; } .empty { color: #555; font-style: italic; padding: 12px; background: #f6f6f6; }
.chart { margin: 12px 0 24px; }
`;

export function renderHtml(groups: readonly RunGroup[], sections: readonly Section[]): string {
  const data: ReportData = { charts: sections.flatMap((s) => s.charts) };
  const runs = groups.reduce((n, g) => n + g.runs.length, 0);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cohort report: ${runs} run${runs === 1 ? '' : 's'}</title>
<style>${asset('uplot/dist/uPlot.min.css')}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<h1>Cohort report: ${runs} run${runs === 1 ? '' : 's'}</h1>
${renderRunTable(groups)}
${sections.map(renderSection).join('\n')}
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${scriptForInline(asset('uplot/dist/uPlot.iife.min.js'))}</script>
<script>${scriptForInline(readFileSync(new URL('./render-charts.browser.js', import.meta.url), 'utf8'))}</script>
</body>
</html>
`;
}

function renderRunTable(groups: readonly RunGroup[]): string {
  const rows = runRows(groups);
  const seeds = groups.filter((g) => g.runs.length > 1);
  const grouping =
    seeds.length > 0
      ? `<p class="note">Runs whose config.json differ only in <code>seed</code> (and in where and how they ran: <code>out</code>, <code>workers</code>, the round timeout, logging) are drawn as one series: the mean across seeds, shaded ± one standard deviation.</p>`
      : '';
  const head = RUN_TABLE_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows.map((row) => `<tr>${RUN_TABLE_COLUMNS.map((c) => `<td>${escapeHtml(row[c])}</td>`).join('')}</tr>`).join('\n');
  return `<section id="runs">\n<h2>Runs</h2>\n<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>\n${grouping}\n</section>`;
}

function renderSection(section: Section): string {
  const notes = section.notes.map((n) => `<p class="${section.charts.length > 0 ? 'note' : 'empty'}">${escapeHtml(n)}</p>`).join('\n');
  const charts = section.charts.map((c) => `<div class="chart" id="chart-${escapeHtml(c.id)}"></div>`).join('\n');
  return `<section id="${escapeHtml(section.id)}">\n<h2>${escapeHtml(section.title)}</h2>\n${notes}\n${charts}\n</section>`;
}

/** A file of an installed package, read at the time the report is written. */
function asset(specifier: string): string {
  return readFileSync(require.resolve(specifier), 'utf8');
}
