// The alert as zod sees it: loose (unknown keys kept), used only for its messages on bad records.
import { normaliseTime } from './alert.js';
import { parsePriority, PRIORITIES } from './priority.js';

const PRIORITY_LIST = `${PRIORITIES[0]}…${PRIORITIES[PRIORITIES.length - 1]}`;

/** The alert as zod sees it: loose (unknown keys kept), used for its messages on bad records. */
export function buildAlertSchema(z: typeof import('zod')) {
  return z.looseObject({
    rule: z.string({ error: 'expected the rule name as a string' }).min(1, 'expected a rule name, found an empty string'),
    priority: z.union([z.string(), z.number()], { error: `expected one of ${PRIORITY_LIST}` }).refine((p) => parsePriority(p) !== undefined, {
      error: (iss) => `expected one of ${PRIORITY_LIST}, got ${JSON.stringify(iss.input)}`,
    }),
    time: z
      .union([
        z.string().refine((t) => normaliseTime(t) !== undefined, { error: (iss) => `expected an RFC 3339 time, got ${JSON.stringify(iss.input)}` }),
        z.object({ seconds: z.number().int().nonnegative(), nanos: z.number().int().min(0).max(999_999_999).optional() }),
      ], { error: 'expected an RFC 3339 time string or {seconds, nanos}' })
      .optional(),
    output: z.string({ error: 'expected a string' }).optional(),
    output_fields: z.record(z.string(), z.unknown(), { error: 'expected an object of field values' }).nullable().optional(),
    source: z.string({ error: 'expected a string' }).optional(),
    tags: z.array(z.string(), { error: 'expected a list of strings' }).nullable().optional(),
    hostname: z.string({ error: 'expected a string' }).optional(),
    uuid: z.string({ error: 'expected a string' }).optional(),
  });
}

/** The built schema. */
export type AlertSchema = ReturnType<typeof buildAlertSchema>;
