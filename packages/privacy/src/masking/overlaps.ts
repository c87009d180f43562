/**
 * Resolution of overlapping detections, as Microsoft Presidio's anonymizer does it
 * (`RecognizerResult.has_conflict` and the `REMOVE_INTERSECTIONS` strategy):
 *
 * 1. a span contained in a larger one is dropped (the larger span wins, whatever the scores);
 * 2. of spans with the same start and end, the higher score wins (a tie goes to the type listed
 *    first in `ENTITY_TYPES`, so the result does not depend on the order of the input);
 * 3. of two spans that partly overlap, the higher-scoring one keeps its extent and the other is
 *    trimmed to the part outside it (a tie goes to the earlier span), so every character that any
 *    detector flagged stays covered — masking never leaks the tail of a half-detected entity;
 * 4. spans that do not overlap are all kept.
 *
 * The result is sorted by `start` and pairwise disjoint.
 */
import { ENTITY_TYPES, type EntitySpan } from './entities';

function contains(outer: EntitySpan, inner: EntitySpan): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

/** True when `a` should be kept over `b` for the same extent. */
function beats(a: EntitySpan, b: EntitySpan): boolean {
  if (a.score !== b.score) return a.score > b.score;
  return ENTITY_TYPES.indexOf(a.type) < ENTITY_TYPES.indexOf(b.type);
}

/** Disjoint spans, sorted by start, chosen from `spans` by the rules in the module comment. */
export function resolveOverlaps(spans: readonly EntitySpan[]): EntitySpan[] {
  const valid = spans.filter((s) => s.end > s.start);
  // Rules 1 and 2: drop every span contained in another (an equal extent counts as contained
  // only when the other one beats it).
  const kept = valid.filter((s, i) =>
    !valid.some((o, j) => j !== i && contains(o, s) && (o.start !== s.start || o.end !== s.end || beats(o, s) || (!beats(s, o) && j < i))),
  );
  // Rule 3: trim partial overlaps, walking left to right.
  const sorted = kept.map((s) => ({ ...s })).sort((a, b) => a.start - b.start || b.end - a.end);
  const out: EntitySpan[] = [];
  for (const span of sorted) {
    const last = out[out.length - 1];
    if (last === undefined || last.end <= span.start) {
      out.push(span);
      continue;
    }
    if (span.end <= last.end) continue; // contained after an earlier trim: already covered
    if (last.score >= span.score) {
      span.start = last.end;
    } else {
      last.end = span.start;
      if (last.end <= last.start) out.pop();
    }
    out.push(span);
  }
  return out;
}
