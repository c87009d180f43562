/**
 * The machinery shared by the synthetic PII datasets: a dataset is a spec (how to draw one row's
 * features, the label rule, the notes) run by {@link buildRecords}.
 *
 * The label rule is logistic: for each row, the numeric features are standardised with the
 * sample's own mean and (population) standard deviation by the client pipeline's own rule —
 * then
 *
 *   logit = intercept + Σ weights[f] · z_f + Σ effects[c][value of c]
 *           + groupBias · (bias.offset + Σ bias.weights[f] · z_f)   (rows of the biased group only)
 *   label = 1 with probability sigmoid(logit)
 *
 * The Bernoulli draw is the label noise: a model can do no better than E[max(p, 1 − p)].
 */
import type { Faker } from '@faker-js/faker';
import type { Rng } from '../../rng';
import type { ColumnSchema, DatasetSchema } from '@cohort/client';
import { imputeAndStandardise } from '@cohort/client/data';
import { makePerson, PII_REFERENCE_DATE, type AgeDistribution, type Person } from './person';

export type { ColumnSchema, DatasetSchema };

/** One row's drawn features: numbers (dates as years before the reference date) and categories. */
export interface DrawnFeatures {
  numbers: Record<string, number>;
  categories: Record<string, string>;
}

export interface LabelRule {
  intercept: number;
  /** Per numeric feature, the weight of its standardised value. */
  weights: Record<string, number>;
  /** Per categorical feature, the logit shift of each value (absent values: 0). */
  effects: Record<string, Record<string, number>>;
  /** The group whose rule differs when `groupBias > 0`, and how (scaled by `groupBias`). */
  bias: { group: string; offset: number; weights: Record<string, number> };
}

export interface PiiDatasetSpec {
  schema: DatasetSchema;
  ages: AgeDistribution;
  /** The sensitive column's name, its categories and their probabilities. */
  group: { column: string; names: readonly string[]; weights: readonly number[] };
  label: { column: string; classes: readonly [string, string] };
  draw(rng: Rng, person: Person): DrawnFeatures;
  rule: LabelRule;
  /** How each numeric feature is written (dates: years before the reference → `YYYY-MM-DD`). */
  format: Record<string, (value: number) => string>;
  /** Numeric features left empty with probability `missingRate` (never `required` columns). */
  missable: readonly string[];
  note(rng: Rng, person: Person, features: DrawnFeatures): string;
}

export interface BuildOptions {
  count: number;
  groupBias: number;
  missingRate: number;
}

export function buildRecords(spec: PiiDatasetSpec, faker: Faker, rng: Rng, options: BuildOptions): Record<string, string>[] {
  const { count, groupBias, missingRate } = options;
  const people: Person[] = [];
  const drawn: DrawnFeatures[] = [];
  const groups: string[] = [];
  const notes: string[] = [];
  for (let i = 0; i < count; i++) {
    const person = makePerson(faker, rng, spec.ages);
    const features = spec.draw(rng, person);
    people.push(person);
    drawn.push(features);
    groups.push(spec.group.names[pickWeighted(rng, spec.group.weights)] as string);
    notes.push(spec.note(rng, person, features));
  }

  const z = standardiseAll(drawn, Object.keys(spec.format));
  const labelRng = rng.fork('label');
  const missRng = rng.fork('missing');
  return people.map((person, i) => {
    const features = drawn[i] as DrawnFeatures;
    const logit = ruleLogit(spec.rule, z, i, features, groups[i] === spec.rule.bias.group ? groupBias : 0);
    const label = labelRng.next() < sigmoid(logit) ? 1 : 0;
    const record: Record<string, string> = {
      full_name: person.fullName,
      email: person.email,
      phone: person.phone,
      street_address: person.streetAddress,
      date_of_birth: person.dateOfBirth,
      national_id: person.nationalId,
      notes: notes[i] as string,
      zip_code: person.zipCode,
      age: String(person.age),
      gender: person.gender,
      [spec.group.column]: groups[i] as string,
      ...features.categories,
    };
    for (const [name, format] of Object.entries(spec.format)) {
      const missing = spec.missable.includes(name) && missRng.next() < missingRate;
      record[name] = missing ? '' : format(features.numbers[name] as number);
    }
    record[spec.label.column] = spec.label.classes[label];
    // Key order = schema order, so records print and serialise like the CSV.
    return Object.fromEntries(spec.schema.columns.map((c) => [c.name, record[c.name] ?? '']));
  });
}

export function ruleLogit(rule: LabelRule, z: Map<string, Float64Array>, i: number, features: DrawnFeatures, bias: number): number {
  let logit = rule.intercept;
  for (const [name, w] of Object.entries(rule.weights)) logit += w * (z.get(name)?.[i] ?? 0);
  for (const [name, shifts] of Object.entries(rule.effects)) logit += shifts[features.categories[name] ?? ''] ?? 0;
  if (bias !== 0) {
    let extra = rule.bias.offset;
    for (const [name, w] of Object.entries(rule.bias.weights)) extra += w * (z.get(name)?.[i] ?? 0);
    logit += bias * extra;
  }
  return logit;
}

export function sigmoid(t: number): number {
  return 1 / (1 + Math.exp(-t));
}

/** An index drawn with probability proportional to `weights`. */
export function pickWeighted(rng: Rng, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.next() * total;
  for (let k = 0; k < weights.length; k++) {
    u -= weights[k] as number;
    if (u < 0) return k;
  }
  return weights.length - 1;
}

/** A category drawn from `{ name: weight }`. */
export function pickCategory(rng: Rng, table: Readonly<Record<string, number>>): string {
  const names = Object.keys(table);
  return names[pickWeighted(rng, Object.values(table))] as string;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** A date `years` before {@link PII_REFERENCE_DATE}, as `YYYY-MM-DD`. */
export function dateYearsBefore(years: number): string {
  const ms = Date.parse(PII_REFERENCE_DATE) - Math.round(years * 365.2425) * 24 * 3600 * 1000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** Each numeric feature standardised over the sample by the client's rule (mean 0, population sd 1; constant → 0). */
function standardiseAll(drawn: readonly DrawnFeatures[], names: readonly string[]): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const name of names) {
    const v = Float64Array.from(drawn, (d) => d.numbers[name] ?? 0);
    imputeAndStandardise(v);
    out.set(name, v);
  }
  return out;
}
