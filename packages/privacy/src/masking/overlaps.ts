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

function contains(outer: EntitySpan, inner: EntitySpan): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

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
  const valid = spans.filter((s) => s.end > s.start);
  // Rules 1 and 2: drop every span contained in another (an equal extent counts as contained only
  // when the other one beats it, or for an exact duplicate, when it comes first).
  const kept = valid.filter(
    (s, i) =>
      !valid.some(
        (o, j) => j !== i && contains(o, s) && (o.start !== s.start || o.end !== s.end || beats(o, s) || (!beats(s, o) && j < i)),
      ),
  );
  // Rule 3: in order of priority, each span claims the characters no earlier span has claimed.
  const byPriority = [...kept].sort((a, b) => b.score - a.score || a.start - b.start || typeRank(a) - typeRank(b));
  const claimed: EntitySpan[] = [];
  for (const span of byPriority) {
    let pieces: [number, number][] = [[span.start, span.end]];
    for (const taken of claimed) pieces = pieces.flatMap((piece) => subtract(piece, taken));
    for (const [start, end] of pieces) claimed.push({ ...span, start, end });
  }
  return claimed.sort((a, b) => a.start - b.start);
}
