// Shared test helpers: paths to the shared corpus and rules, and alert builders.
import { fileURLToPath } from 'node:url';
import { validateAlert, isReject, type Alert } from '../src/alert/alert.js';
import { parseJsonText } from '../src/alert/json-text.js';
import { PREPARE } from '../src/kb/schema.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SHARED = fileURLToPath(new URL('../../shared/', import.meta.url));
export const CORPUS = `${SHARED}corpus/`;
export const RULES = `${SHARED}falco-rules/`;

/** Parses and validates one JSON alert text, failing the test if it is rejected. */
export function alertFrom(json: string | Record<string, unknown>, file = 'test.json', line = 1): Alert {
  const text = typeof json === 'string' ? json : JSON.stringify(json);
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new Error(`test alert does not parse: ${parsed.reason}`);
  const a = validateAlert(parsed.value, file, line);
  if (isReject(a)) throw new Error(`test alert rejected: ${a.reason}`);
  return a;
}

/**
 * A container set-up as a report shows it, for a container id that needs no quoting (or a `<container.id>`
 * placeholder): the tests compare with this instead of a copy of the look-up.
 */
export function containerSetUp(name: 'container-pid' | 'container-root', containerId: string): string {
  return PREPARE[name].replace('{{container.id}}', containerId);
}
