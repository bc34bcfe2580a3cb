// The first and last time seen of anything counted (a report, a rule, a pivot row).

/** First and last RFC 3339 times seen; they compare as strings because all are normalised to UTC nanoseconds. */
export interface Span {
  firstSeen?: string;
  lastSeen?: string;
}

/** Widens a span to include `time` (no-op when the alert has no full time). */
export function widen(span: Span, time: string | undefined): void {
  if (time === undefined) return;
  if (span.firstSeen === undefined || time < span.firstSeen) span.firstSeen = time;
  if (span.lastSeen === undefined || time > span.lastSeen) span.lastSeen = time;
}
