// Reading alert values as text: unknown (`null`, `<NA>`) is undefined, never the string "null".
import type { Alert, FieldValue } from './alert.js';
import { ExactNumber } from './json-text.js';

/** A field value as one line of text, or undefined when Falco did not know it. */
export function fieldText(v: FieldValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v === '<NA>' || v === '' ? undefined : v;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof ExactNumber) return v.raw;
  if (Array.isArray(v)) {
    const parts = v.map((x: FieldValue) => fieldText(x)).filter((x): x is string => x !== undefined);
    return parts.length > 0 ? parts.join(',') : undefined;
  }
  return JSON.stringify(v);
}

/** The field `name` when the alert has it as its own key; undefined otherwise (never Object.prototype's). */
export function ownField(fields: Readonly<Record<string, FieldValue>>, name: string): FieldValue | undefined {
  return Object.prototype.hasOwnProperty.call(fields, name) ? fields[name] : undefined;
}

/** The host the alert came from: the `hostname` key, else the `evt.hostname` field. */
export function alertHost(alert: Alert): string | undefined {
  return alert.hostname ?? fieldText(alert.fields['evt.hostname']);
}

/** Looks up a template or condition name: a field, or `alert.hostname` and friends. */
export function lookupValue(alert: Alert, name: string): string | undefined {
  switch (name) {
    case 'alert.hostname':
      return alertHost(alert);
    case 'alert.rule':
      return alert.rule;
    case 'alert.priority':
      return alert.priority;
    case 'alert.source':
      return alert.source;
    case 'alert.time':
      return alert.time ?? alert.timeOfDay;
    default:
      return fieldText(ownField(alert.fields, name));
  }
}
