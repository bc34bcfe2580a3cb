// Fixed vocabularies shared by alerts, the KB and reports, kept free of zod so that start-up stays light.

/** Falco priorities, highest first; the index is the rank used for every comparison. */
export const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'] as const;

/** A canonical Falco priority name. */
export type Priority = (typeof PRIORITIES)[number];

/** ATT&CK tactic short names, in kill-chain order (the order incidents are read in). */
export const TACTICS = [
  'reconnaissance',
  'resource-development',
  'initial-access',
  'execution',
  'persistence',
  'privilege-escalation',
  'defense-evasion',
  'credential-access',
  'discovery',
  'lateral-movement',
  'collection',
  'command-and-control',
  'exfiltration',
  'impact',
] as const;
