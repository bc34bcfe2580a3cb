// Where an alert happened and who acted, computed once and shared by the fold and every tracker.
//
// The alerts of one container carry the same host, namespace, pod, image and name, so their Place is
// built once and reused: each tracker then counts a string V8 has hashed before, and nothing is
// rebuilt per alert. A cached Place is only reused after checking that the alert's own values for
// every field it was built from are still the same (Falco fills container and Kubernetes metadata in
// asynchronously, so a container's first alerts may say `<NA>` where later ones name the pod).
import type { Alert, FieldValue } from './alert.js';
import { alertHost, fieldText } from './field-values.js';
import { alertSource } from '../kb/match-entry.js';

/** What an incident is about, most specific first. */
export const WORKLOAD_KINDS = ['container', 'pod', 'host', 'principal', 'unknown'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** The workload an alert belongs to: a container id, `namespace/pod`, a host, or an audit principal. */
export interface Workload {
  readonly kind: WorkloadKind;
  readonly value: string;
}

const AUDIT_PRINCIPAL_FIELDS = ['ka.user.name', 'ct.user', 'gcp.user', 'github.user', 'okta.actor.name'] as const;

/**
 * The workload an alert belongs to: its container (container.id, unless "host"); else its pod
 * (`namespace/pod` from k8s.pod.name); else, for syscall events outside a container, its host; else,
 * for audit sources, the principal that acted (ka.user.name, ct.user, gcp.user, github.user,
 * okta.actor.name); else `unknown`. An audit event about a pod is keyed on who acted, not on the pod:
 * in an audit log the actor is the story.
 */
export function workloadOf(a: Alert): Workload {
  const f = a.fields;
  const id = fieldText(f['container.id']);
  if (id !== undefined && id !== 'host') return { kind: 'container', value: id };
  const pod = fieldText(f['k8s.pod.name']);
  if (pod !== undefined) return { kind: 'pod', value: `${fieldText(f['k8s.ns.name']) ?? '<unknown namespace>'}/${pod}` };
  const source = alertSource(a);
  if (source === 'syscall' || source === 'internal') {
    const host = alertHost(a);
    if (host !== undefined) return { kind: 'host', value: host };
  }
  for (const name of AUDIT_PRINCIPAL_FIELDS) {
    const v = fieldText(f[name]);
    if (v !== undefined) return { kind: 'principal', value: v };
  }
  return { kind: 'unknown', value: 'unknown' };
}

/** A workload in words (`container 1a2b3c4d5e6f`, `pod shop/checkout-1`), with `value` writing its value; `unknown workload` when nothing is known of it. */
export function describeWorkload(w: Workload, value: (v: string) => string = (v) => v): string {
  return w.kind === 'unknown' ? 'unknown workload' : `${w.kind} ${value(w.value)}`;
}

/** A map key for a workload. */
export function workloadKey(w: Workload): string {
  return `${w.kind}\u0000${w.value}`;
}

/** Separates the values in a combination key; a value holding it is stored JSON-encoded. */
export const SEP = '\u0000';
/** Stands for an unknown value in a combination key. */
export const NONE = '\u0001';

/** A value as it goes into a combination key: as it is, unless it could be read back wrongly. */
function comboPart(v: string | undefined): string {
  if (v === undefined) return NONE;
  return v.includes(SEP) || v.startsWith(NONE) || v.startsWith('"') ? JSON.stringify(v) : v;
}

/** Several values as one string, so that counting the combination is one map update. */
export function comboKey(values: readonly (string | undefined)[]): string {
  let key = '';
  for (let i = 0; i < values.length; i++) key += (i === 0 ? '' : SEP) + comboPart(values[i]);
  return key;
}

/** The values of a combination key, in order. */
export function splitCombo(key: string): (string | undefined)[] {
  return key.split(SEP).map((v) => (v === NONE ? undefined : v.startsWith('"') ? (JSON.parse(v) as string) : v));
}

/** Strips the tag and digest from an image reference, keeping a registry port (`host:5000/app:1` → `host:5000/app`). */
export function imageRepository(image: string): string {
  // indexOf, not /@.*$/: an image name comes from the alert, and that regex searched from every `@`.
  const at = image.indexOf('@');
  const noDigest = at === -1 ? image : image.slice(0, at);
  return noDigest.replace(/:[^/:]*$/, '');
}

/** Where an alert happened: the five workload dimensions and what the trackers key on. */
export interface Place {
  readonly host: string | undefined;
  readonly namespace: string | undefined;
  readonly pod: string | undefined;
  /** `name (id)` when both are known. */
  readonly container: string | undefined;
  /** Repository with its tag. */
  readonly image: string | undefined;
  /** The five above as one combination key (see comboKey). */
  readonly combo: string;
  readonly workload: Workload;
  readonly workloadKey: string;
  /** The image repository without tag or digest, for signatures. */
  readonly imageRepository: string | null;
  /** The image repository and namespace as one combination key: where a signature is. */
  readonly signaturePrefix: string;
  /** True when the container (or an audited pod spec) is privileged. */
  readonly privileged: boolean;
}

/** Who acted: the process and the user. */
export interface Actor {
  readonly process: string | undefined;
  readonly user: string | undefined;
  /** Both as one combination key. */
  readonly combo: string;
}

/** Every field a Place is computed from: a cached Place is reused only when all of them are unchanged. */
export const PLACE_FIELDS = [
  'evt.hostname',
  'k8s.ns.name',
  'ka.target.namespace',
  'k8s.pod.name',
  'ka.target.resource',
  'ka.target.name',
  'container.name',
  'container.id',
  'container.image.repository',
  'ka.req.pod.containers.image',
  'container.image.tag',
  'container.privileged',
  'ka.req.pod.containers.privileged',
  'ka.req.container.privileged',
] as const;

const USER_FIELDS = ['user.name', 'ka.user.name', 'ct.user', 'gcp.user', 'github.user', 'okta.actor.name', 'user.loginname'] as const;
const PRIVILEGED_FIELDS = ['container.privileged', 'ka.req.pod.containers.privileged', 'ka.req.container.privileged'] as const;

function firstText(a: Alert, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = fieldText(a.fields[n]);
    if (v !== undefined) return v;
  }
  return undefined;
}

function isPrivileged(a: Alert): boolean {
  for (const n of PRIVILEGED_FIELDS) {
    const v = a.fields[n];
    if (v === true || (v !== undefined && v !== false && fieldText(v)?.split(',').includes('true'))) return true;
  }
  return false;
}

/** The image repository as written (container.image.repository, else the audited pod's image). */
function repositoryOf(a: Alert): string | undefined {
  return fieldText(a.fields['container.image.repository']) ?? fieldText(a.fields['ka.req.pod.containers.image']);
}

/**
 * Whether an image reference names a tag: a `:` after its last `/` with text after it (a scan: the regex
 * `/:[^/]+$/` searched from every `:` of a value the alert chose).
 */
export function hasTag(repo: string): boolean {
  const colon = repo.indexOf(':', repo.lastIndexOf('/') + 1);
  return colon !== -1 && colon < repo.length - 1;
}

/** The image with its tag, from the repository as written. */
function computeImage(a: Alert, repo: string | undefined): string | undefined {
  const tag = fieldText(a.fields['container.image.tag']);
  return repo && tag && !repo.includes('@') && !hasTag(repo) ? `${repo}:${tag}` : repo;
}

function computePod(a: Alert): string | undefined {
  const pod = fieldText(a.fields['k8s.pod.name']);
  if (pod !== undefined) return pod;
  // A Kubernetes audit event about a pod names it as the target object.
  return fieldText(a.fields['ka.target.resource']) === 'pods' ? fieldText(a.fields['ka.target.name']) : undefined;
}

function computeContainer(a: Alert): string | undefined {
  const name = fieldText(a.fields['container.name']);
  const id = fieldText(a.fields['container.id']);
  if (id === 'host') return 'host';
  return name && id && name !== id ? `${name} (${id})` : (name ?? id);
}

function computePlace(a: Alert): Place {
  const host = alertHost(a);
  const namespace = firstText(a, ['k8s.ns.name', 'ka.target.namespace']);
  const pod = computePod(a);
  const container = computeContainer(a);
  const repo = repositoryOf(a);
  const image = computeImage(a, repo);
  const workload = workloadOf(a);
  const imageRepo = repo === undefined ? null : imageRepository(repo);
  return {
    host,
    namespace,
    pod,
    container,
    image,
    combo: comboKey([host, namespace, pod, container, image]),
    workload,
    workloadKey: workloadKey(workload),
    imageRepository: imageRepo,
    signaturePrefix: comboKey([imageRepo ?? undefined, namespace]),
    privileged: isPrivileged(a),
  };
}

/** A cached Place with the values it was computed from. */
interface Cached {
  readonly place: Place;
  readonly hostname: string | undefined;
  readonly raw: readonly (FieldValue | undefined)[];
}

/** Containers remembered at once; past this the cache starts again (it only saves work). */
export const PLACES_KEPT = 16_384;
const places = new Map<string, Cached>();

function sameInputs(c: Cached, a: Alert): boolean {
  if (c.hostname !== a.hostname) return false;
  const f = a.fields;
  const r = c.raw;
  // Written out, field by field (PLACE_FIELDS' order): each read then has a constant name, which V8
  // looks up through the few shapes a stream's records have, instead of a generic keyed lookup each.
  return (
    r[0] === f['evt.hostname'] &&
    r[1] === f['k8s.ns.name'] &&
    r[2] === f['ka.target.namespace'] &&
    r[3] === f['k8s.pod.name'] &&
    r[4] === f['ka.target.resource'] &&
    r[5] === f['ka.target.name'] &&
    r[6] === f['container.name'] &&
    r[7] === f['container.id'] &&
    r[8] === f['container.image.repository'] &&
    r[9] === f['ka.req.pod.containers.image'] &&
    r[10] === f['container.image.tag'] &&
    r[11] === f['container.privileged'] &&
    r[12] === f['ka.req.pod.containers.privileged'] &&
    r[13] === f['ka.req.container.privileged']
  );
}

let lastPlaceAlert: Alert | undefined;
let lastPlace: Place | undefined;

/** The Place of an alert; alerts of one container with unchanged metadata share one object. */
export function placeOf(a: Alert): Place {
  if (a === lastPlaceAlert && lastPlace !== undefined) return lastPlace;
  const cid = a.fields['container.id'];
  let place: Place;
  if (typeof cid === 'string' && cid !== '' && cid !== 'host' && cid !== '<NA>') {
    const c = places.get(cid);
    if (c !== undefined && sameInputs(c, a)) place = c.place;
    else {
      place = computePlace(a);
      if (places.size >= PLACES_KEPT) places.clear();
      places.set(cid, { place, hostname: a.hostname, raw: PLACE_FIELDS.map((n) => a.fields[n]) });
    }
  } else place = computePlace(a);
  lastPlaceAlert = a;
  lastPlace = place;
  return place;
}

/** Actors remembered by process, then user; past this the cache starts again. */
export const ACTORS_KEPT = 16_384;
const actors = new Map<string, Map<string, Actor>>();
let actorCount = 0;
let lastActorAlert: Alert | undefined;
let lastActor: Actor | undefined;

/** The Actor of an alert (proc.name and the first user field present); equal actors share one object. */
export function actorOf(a: Alert): Actor {
  if (a === lastActorAlert && lastActor !== undefined) return lastActor;
  const process = fieldText(a.fields['proc.name']);
  const user = firstText(a, USER_FIELDS);
  // Undefined is keyed as NONE, which no real value equals once values starting with it are refused.
  const pk = process === undefined ? NONE : process;
  const uk = user === undefined ? NONE : user;
  let byUser = actors.get(pk);
  let actor = byUser?.get(uk);
  if (actor === undefined || actor.process !== process || actor.user !== user) {
    actor = { process, user, combo: comboKey([process, user]) };
    if (actorCount >= ACTORS_KEPT) {
      actors.clear();
      actorCount = 0;
      byUser = undefined;
    }
    if (byUser === undefined) {
      byUser = new Map();
      actors.set(pk, byUser);
    }
    byUser.set(uk, actor);
    actorCount++;
  }
  lastActorAlert = a;
  lastActor = actor;
  return actor;
}

/** How many places and actors the caches hold now (for the tests of their bounds). */
export function cachedCounts(): { readonly places: number; readonly actors: number } {
  return { places: places.size, actors: actorCount };
}
