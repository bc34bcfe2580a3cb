// --redact: an alert with every string masked by the redaction rules (output, fields, unknown keys).
import { redactText, redactValue } from '../escape/redact.js';
import type { Alert } from './alert.js';

/**
 * Returns the alert with secrets masked in its output, field values and unknown keys; the rule name,
 * priority, time and tags are left as they are. Applied before enrichment, so every format, every
 * filled command and every sample shows the masked value.
 */
export function redactAlert(a: Alert): Alert {
  return {
    ...a,
    ...(a.output !== undefined ? { output: redactText(a.output) } : {}),
    fields: redactValue(a.fields),
    extra: redactValue(a.extra),
  };
}
