/**
 * Scoring detections against the corpus's gold spans, per entity type, per locale and overall.
 *
 * - **Recall** of a type: the share of its gold spans whose every character is covered by
 *   detections of that type (a name found as "Mary" of "Mary Jones" is a miss).
 * - **Masked**: the share of gold spans whose every character is covered by detections of any type
 *   (what masking needs: a phone masked as a date still does not leak).
 * - **Precision** of a type: the share of its detections that overlap a gold span of that type; a
 *   detection on a decoy, or of the wrong type, is a false positive.
 */
import { CORPUS_ENTITY_TYPES, type CorpusEntityType, type CorpusNote, type GoldSpan } from './generate';
import type { CorpusLocale } from './locales';

/** A detection as the scorer needs it (`EntitySpan` of `@cohort/privacy/masking` is one). */
export interface Detection {
  start: number;
  end: number;
  type: string;
}

export interface Counts {
  /** Gold spans. */
  gold: number;
  /** Gold spans covered by detections of their type. */
  recalled: number;
  /** Gold spans covered by detections of any type. */
  masked: number;
  /** Detections. */
  found: number;
  /** Detections overlapping a gold span of their type. */
  correct: number;
}

export interface CorpusScores {
  overall: Counts;
  byType: Record<CorpusEntityType, Counts>;
  byLocale: Partial<Record<CorpusLocale, Counts>>;
  byLocaleAndType: Partial<Record<CorpusLocale, Record<CorpusEntityType, Counts>>>;
}

const empty = (): Counts => ({ gold: 0, recalled: 0, masked: 0, found: 0, correct: 0 });
const byType = (): Record<CorpusEntityType, Counts> =>
  Object.fromEntries(CORPUS_ENTITY_TYPES.map((t) => [t, empty()])) as Record<CorpusEntityType, Counts>;

export const recall = (c: Counts): number => (c.gold === 0 ? 1 : c.recalled / c.gold);
export const maskedShare = (c: Counts): number => (c.gold === 0 ? 1 : c.masked / c.gold);
export const precision = (c: Counts): number => (c.found === 0 ? 1 : c.correct / c.found);

/** Whether [start, end) is covered, character by character, by `spans`. */
function covered(gold: GoldSpan, spans: readonly Detection[]): boolean {
  const inside = spans.filter((s) => s.start < gold.end && gold.start < s.end).sort((a, b) => a.start - b.start);
  let at = gold.start;
  for (const s of inside) {
    if (s.start > at) return false;
    at = Math.max(at, s.end);
    if (at >= gold.end) return true;
  }
  return at >= gold.end;
}

function add(into: Counts, from: Counts): void {
  into.gold += from.gold;
  into.recalled += from.recalled;
  into.masked += from.masked;
  into.found += from.found;
  into.correct += from.correct;
}

/**
 * Counts of `detect` over `notes`. Detections of types the corpus does not plant are ignored;
 * `include(note, gold)` can leave gold spans out of the recall counts (e.g. to score only names
 * held out of a dictionary) without changing precision.
 */
export function scoreDetections(
  notes: readonly CorpusNote[],
  detect: (note: CorpusNote) => readonly Detection[],
  include: (note: CorpusNote, gold: GoldSpan) => boolean = () => true,
): CorpusScores {
  const scores: CorpusScores = { overall: empty(), byType: byType(), byLocale: {}, byLocaleAndType: {} };
  for (const note of notes) {
    const found = detect(note).filter((d) => (CORPUS_ENTITY_TYPES as readonly string[]).includes(d.type));
    const local = scores.byLocaleAndType[note.locale] ?? byType();
    scores.byLocaleAndType[note.locale] = local;
    for (const g of note.gold) {
      if (!include(note, g)) continue;
      const c = local[g.type];
      c.gold++;
      if (
        covered(
          g,
          found.filter((d) => d.type === g.type),
        )
      )
        c.recalled++;
      if (covered(g, found)) c.masked++;
    }
    for (const d of found) {
      const c = local[d.type as CorpusEntityType];
      c.found++;
      if (note.gold.some((g) => g.type === d.type && d.start < g.end && g.start < d.end)) c.correct++;
    }
  }
  for (const [locale, types] of Object.entries(scores.byLocaleAndType) as [CorpusLocale, Record<CorpusEntityType, Counts>][]) {
    const total = empty();
    scores.byLocale[locale] = total;
    for (const type of CORPUS_ENTITY_TYPES) {
      add(total, types[type]);
      add(scores.byType[type], types[type]);
      add(scores.overall, types[type]);
    }
  }
  return scores;
}
