// The fields Falco and its plugins define, for the exceptions `tune` suggests.
import { FALCO_FIELDS } from '../kb/generated/falco-fields.js';
import { withoutArgument } from '../alert/field-name.js';

const FIELD_NAMES: ReadonlySet<string> = new Set(FALCO_FIELDS.map(([name]) => name));

/** True when Falco or one of its plugins defines the field; `proc.aname[2]` is checked as `proc.aname`. */
export function fieldExists(name: string): boolean {
  return FIELD_NAMES.has(withoutArgument(name));
}
