// The who/where/what of an alert, read from whichever fields its source uses.
import type { Alert } from './alert.js';
import { alertHost, fieldText } from './field-values.js';

/** The dimensions reports pivot on, in display order. */
export const CONTEXT_KEYS = ['host', 'namespace', 'pod', 'container', 'image', 'process', 'user'] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

/** Fields that carry each dimension, first present wins (syscall, then k8s_audit, then cloud sources). */
const SOURCES: Readonly<Record<Exclude<ContextKey, 'host'>, readonly string[]>> = {
  namespace: ['k8s.ns.name', 'ka.target.namespace'],
  pod: ['k8s.pod.name'],
  container: ['container.name', 'container.id'],
  image: ['container.image.repository', 'ka.req.pod.containers.image'],
  process: ['proc.name'],
  user: ['user.name', 'ka.user.name', 'ct.user', 'gcp.user', 'github.user', 'okta.actor.name', 'user.loginname'],
};

function first(alert: Alert, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = fieldText(alert.fields[n]);
    if (v !== undefined) return v;
  }
  return undefined;
}

// The fold and the trackers (incidents, data quality, signatures) each ask about the same alert in
// turn: remembering the last alert's answers saves recomputing them, with nothing to collect later.
// Alerts are never changed after they are built, so the alert object identifies the answers.
const NOT_YET = Symbol('not computed');
let lastAlert: Alert | undefined;
const lastValues: (string | undefined | typeof NOT_YET)[] = CONTEXT_KEYS.map(() => NOT_YET);

/** One value per dimension; undefined when the alert does not carry it or Falco did not know it. */
export function contextValue(alert: Alert, key: ContextKey): string | undefined {
  if (alert !== lastAlert) {
    lastAlert = alert;
    lastValues.fill(NOT_YET);
  }
  const i = CONTEXT_KEYS.indexOf(key);
  const known = lastValues[i];
  if (known !== NOT_YET) return known;
  const v = computeContext(alert, key);
  lastValues[i] = v;
  return v;
}

function computeContext(alert: Alert, key: ContextKey): string | undefined {
  if (key === 'host') return alertHost(alert);
  if (key === 'image') {
    const repo = first(alert, SOURCES.image);
    const tag = fieldText(alert.fields['container.image.tag']);
    return repo && tag && !repo.includes('@') && !/:[^/]+$/.test(repo) ? `${repo}:${tag}` : repo;
  }
  if (key === 'pod') {
    const pod = fieldText(alert.fields['k8s.pod.name']);
    if (pod !== undefined) return pod;
    // A Kubernetes audit event about a pod names it as the target object.
    return fieldText(alert.fields['ka.target.resource']) === 'pods' ? fieldText(alert.fields['ka.target.name']) : undefined;
  }
  if (key === 'container') {
    const name = fieldText(alert.fields['container.name']);
    const id = fieldText(alert.fields['container.id']);
    if (id === 'host') return 'host';
    return name && id && name !== id ? `${name} (${id})` : (name ?? id);
  }
  return first(alert, SOURCES[key]);
}

/** All dimensions of an alert at once, in CONTEXT_KEYS order (undefined where unknown). */
export function contextOf(alert: Alert): (string | undefined)[] {
  return CONTEXT_KEYS.map((k) => contextValue(alert, k));
}
