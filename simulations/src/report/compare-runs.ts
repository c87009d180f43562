/**
 * Which runs are one experiment repeated over seeds, and the short label that tells the
 * experiments apart.
 *
 * Runs "differ only in seed" when their config.json are equal once `seed` and the fields that say
 * where and how a run was carried out, not what it computed, are set aside: `out`, `workers`, the
 * round timeout, the key directory, logging and output format (the flags a resumed run may change).
 * Such runs form one group, drawn as a mean ± std band.
 */
import type { RunConfig, RunRecord } from './read-run-directory';

/** Config fields set aside when deciding whether runs repeat one experiment. */
const SEED_AND_OPERATIONAL_FIELDS = ['seed', 'out', 'workers', 'roundTimeout', 'roundTimeoutMs', 'keyDir', 'logLevel', 'json'];
/** Fields derived from others (the resolved DP settings, the dataset's sizes): never worth a label. */
const DERIVED_FIELDS = ['dpResolved', 'numFeatures', 'numClasses', 'trainExamples', 'testExamples'];
const LABEL_VALUE_CHARS = 32;

/** One experiment: a single run, or the same configuration run with several seeds. */
export interface RunGroup {
  label: string;
  runs: RunRecord[];
}

/** Groups runs that differ only in seed, in the order their first run was given. */
export function groupRuns(runs: readonly RunRecord[]): RunGroup[] {
  const byKey = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const key = experimentKey(run.config);
    byKey.set(key, [...(byKey.get(key) ?? []), run]);
  }
  const groups = [...byKey.values()];
  const labels = labelGroups(groups);
  return groups.map((group, i) => ({ label: labels[i]!, runs: group }));
}

/** The configuration without its seed and operational fields, as canonical JSON (keys sorted). */
export function experimentKey(config: RunConfig): string {
  const rest = Object.fromEntries(Object.entries(config).filter(([key]) => !SEED_AND_OPERATIONAL_FIELDS.includes(key)));
  return canonicalJson(rest);
}

/**
 * `key=value` for every config field whose value differs between the groups (and that this group
 * sets), with "mean of N seeds" for several seeds; a lone experiment of one run is named after its
 * directory.
 */
function labelGroups(groups: RunRecord[][]): string[] {
  const flat = groups.map((group) => flatten(group[0]!.config));
  const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))].filter(
    (key) => !SEED_AND_OPERATIONAL_FIELDS.includes(key) && !DERIVED_FIELDS.includes(key.split('.')[0]!),
  );
  const differing = keys.filter((key) => new Set(flat.map((f) => f.get(key) ?? '(unset)')).size > 1);
  const labels = groups.map((group, i) => {
    // A field this experiment leaves unset is implied by the others' labels.
    const set = differing.filter((key) => flat[i]!.has(key));
    const seeds = `mean of ${group.length} seeds`;
    if (set.length === 0) return group.length > 1 ? seeds : group[0]!.name;
    const base = set.map((key) => `${key}=${shorten(flat[i]!.get(key)!)}`).join(' · ');
    return group.length > 1 ? `${base} (${seeds})` : base;
  });
  // Groups that differ only in derived fields would share a label: their directories tell them apart.
  return labels.map((label, i) => (labels.indexOf(label) !== labels.lastIndexOf(label) ? `${label} [${groups[i]![0]!.name}]` : label));
}

/** Nested objects flattened to dotted keys; values as compact JSON text (strings bare). */
function flatten(value: Record<string, unknown>, prefix = '', into = new Map<string, string>()): Map<string, string> {
  for (const [key, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (v === undefined) continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) flatten(v as Record<string, unknown>, path, into);
    else into.set(path, typeof v === 'string' ? v : JSON.stringify(v));
  }
  return into;
}

function shorten(text: string): string {
  return text.length > LABEL_VALUE_CHARS ? `${text.slice(0, LABEL_VALUE_CHARS - 1)}…` : text;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
