// Reads a --baseline file: an earlier JSON report, validated with zod (loaded only when a baseline is given).
import { z } from 'zod';
import { parsePriority, PRIORITIES, priorityRank, type Priority } from '../alert/priority.js';
import { describeFound } from '../alert/alert.js';
import { InputError } from '../errors.js';
import { signatureKey, type Baseline, type SignatureCount } from './baseline.js';

const PRIORITY_LIST = `${PRIORITIES[0]}…${PRIORITIES[PRIORITIES.length - 1]}`;
const optionalText = z
  .string({ error: 'expected a string or null' })
  .nullable()
  .optional()
  .transform((v) => v ?? null);


/** One entry of a report's `signatures` array. */
export const baselineSignatureSchema = z.object({
  rule: z.string({ error: 'expected the rule name as a string' }).min(1, 'expected a rule name'),
  image: optionalText,
  namespace: optionalText,
  process: optionalText,
  user: optionalText,
  priority: z
    .string({ error: `expected one of ${PRIORITY_LIST}` })
    .refine((p) => parsePriority(p) !== undefined, { error: `expected one of ${PRIORITY_LIST}` })
    .transform((p) => parsePriority(p) as Priority),
  count: z.number({ error: 'expected a count' }).int('expected a whole count').nonnegative('expected a count of 0 or more'),
});

/** The part of a falco-report JSON report that a baseline needs; other keys are ignored. */
export const baselineSchema = z.looseObject(
  {
    schemaVersion: z.literal(1, { error: 'expected schemaVersion 1 (a report from falco-report --format json)' }),
    signatures: z.array(baselineSignatureSchema, { error: 'expected an array of alert signatures (written by falco-report --format json)' }),
  },
  { error: 'expected a JSON report object written by falco-report --format json' },
);

/**
 * Reads a baseline: a JSON report written earlier by `falco-report --format json`. Throws InputError
 * `FILE: [path: ]what was expected, found what was found` when it is not one.
 */
export function readBaseline(text: string, file: string): Baseline {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new InputError(`${file}: expected a JSON report written by falco-report --format json, found text that is not JSON (${why})`);
  }
  const parsed = baselineSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    const found = issue?.path.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k] : undefined), value);
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length > 2 ? 's' : ''})` : '';
    throw new InputError(`${file}: ${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'}, found ${describeFound(found)}${more}`);
  }
  const merged = new Map<string, SignatureCount>();
  for (const s of parsed.data.signatures) {
    const key = signatureKey(s);
    const was = merged.get(key);
    merged.set(key, was ? { ...was, count: was.count + s.count, priority: priorityRank(s.priority) < priorityRank(was.priority) ? s.priority : was.priority } : s);
  }
  return { file, signatures: [...merged.values()] };
}
