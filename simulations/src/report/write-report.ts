/** `cohort report`: run directories in, one self-contained HTML file out. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SimulationError } from '../errors';
import { groupRuns } from './compare-runs';
import { readRunDirectory } from './read-run-directory';
import { renderHtml } from './render-html';
import { buildSections } from './sections';

export interface WrittenReport {
  outFile: string;
  runs: number;
  /** Experiments drawn: runs that differ only in seed count once. */
  experiments: number;
  charts: number;
}

/** Reads every run directory (throwing on the first that is missing or corrupt), then writes the report. */
export function writeReport(runDirs: string[], outFile: string): WrittenReport {
  if (runDirs.length === 0) throw new SimulationError('INVALID_OPTION', 'a report needs at least one run directory.');
  const groups = groupRuns(runDirs.map(readRunDirectory));
  const sections = buildSections(groups);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, renderHtml(groups, sections));
  return { outFile, runs: runDirs.length, experiments: groups.length, charts: sections.reduce((n, s) => n + s.charts.length, 0) };
}
