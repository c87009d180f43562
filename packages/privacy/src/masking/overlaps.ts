/**
 * Resolution of overlapping detections, as Microsoft Presidio's anonymizer does it
 * (`RecognizerResult.has_conflict`, then the `REMOVE_INTERSECTIONS` conflict strategy):
 *
 * 1. a span contained in a larger one is dropped (the larger span wins, whatever the scores);
 * 2. of spans with the same start and end, the higher score wins (a tie goes to the type listed
 *    first in `ENTITY_TYPES`, so the result does not depend on the order of the input);
 * 3. of spans that partly overlap, the higher-scoring one keeps its extent and the other keeps only
 *    the characters outside it (a tie goes to the span that starts first), so every character that
 *    any detector flagged stays covered — masking never leaks the tail of a half-detected entity;
 * 4. spans that do not overlap are all kept.
 *
 * The result is sorted by `start` and pairwise disjoint.
 */
import { ENTITY_TYPES, type EntitySpan } from './entities';

const typeRank = (span: EntitySpan): number => ENTITY_TYPES.indexOf(span.type);

/** True when `a` should be kept over `b` for the same extent. */
function beats(a: EntitySpan, b: EntitySpan): boolean {
  if (a.score !== b.score) return a.score > b.score;
  return typeRank(a) < typeRank(b);
}

/** The parts of [start, end) outside `taken`. */
function subtract(piece: [number, number], taken: EntitySpan): [number, number][] {
  const [start, end] = piece;
  if (taken.end <= start || end <= taken.start) return [piece];
  const out: [number, number][] = [];
  if (start < taken.start) out.push([start, taken.start]);
  if (taken.end < end) out.push([taken.end, end]);
  return out;
}

/** Disjoint spans, sorted by start, chosen from `spans` by the rules in the module comment. */
export function resolveOverlaps(spans: readonly EntitySpan[]): EntitySpan[] {
  // Rule 2: one span per extent — the one that beats the others, the first given on a tie.
  const byExtent = new Map<string, EntitySpan>();
  for (const span of spans) {
    if (span.end <= span.start) continue;
    const key = `${span.start}:${span.end}`;
    const held = byExtent.get(key);
    if (held === undefined || beats(span, held)) byExtent.set(key, span);
  }
  // Rule 1: drop every extent inside a larger one. Sorted by start, then longest first, an extent
  // is inside another exactly when an earlier one reaches at least as far.
  const sorted = [...byExtent.values()].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: EntitySpan[] = [];
  let reach = -1;
  for (const span of sorted) {
    if (span.end <= reach) continue;
    kept.push(span);
    reach = span.end;
  }
  // Rule 3: in order of priority, each span claims the characters no earlier span has claimed.
  const byPriority = kept.sort((a, b) => b.score - a.score || a.start - b.start || typeRank(a) - typeRank(b));
  const claimed: EntitySpan[] = [];
  for (const span of byPriority) {
    let pieces: [number, number][] = [[span.start, span.end]];
    for (const taken of claimed) {
      if (taken.end <= span.start || span.end <= taken.start) continue;
      pieces = pieces.flatMap((piece) => subtract(piece, taken));
    }
    for (const [start, end] of pieces) claimed.push({ ...span, start, end });
  }
  return claimed.sort((a, b) => a.start - b.start);
}
