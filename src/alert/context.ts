// The who/where/what of an alert, read from whichever fields its source uses.
import type { Alert } from './alert.js';
import { actorOf, placeOf } from './place.js';

/** The dimensions reports pivot on, in display order. */
export const CONTEXT_KEYS = ['host', 'namespace', 'pod', 'container', 'image', 'process', 'user'] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

/**
 * One value per dimension; undefined when the alert does not carry it or Falco did not know it.
 * host: the `hostname` key, else evt.hostname; namespace: k8s.ns.name, else ka.target.namespace; pod:
 * k8s.pod.name, else the audited pod (ka.target.name when ka.target.resource is pods); container:
 * `name (id)`; image: repository:tag (container.image.repository, else ka.req.pod.containers.image);
 * process: proc.name; user: user.name, ka.user.name, ct.user, gcp.user, github.user,
 * okta.actor.name, user.loginname, the first present.
 */
export function contextValue(alert: Alert, key: ContextKey): string | undefined {
  switch (key) {
    case 'process':
      return actorOf(alert).process;
    case 'user':
      return actorOf(alert).user;
    default:
      return placeOf(alert)[key];
  }
}
