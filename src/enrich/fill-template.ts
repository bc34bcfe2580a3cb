// Fills `{{field}}` command templates from an alert's values, shell-quoted, with visible placeholders.
import { shellQuote } from '../escape/shell.js';

/** `{{ name }}` where name is a Falco field (`proc.aname[2]` included) or `alert.<key>`. */
export const TEMPLATE_VAR = /\{\{\s*([A-Za-z0-9_.-]+(?:\[[^\]\s{}]*\])?)\s*\}\}/g;

/** The result of filling one template. */
export interface FilledCommand {
  /** The command, ready to paste: every value single-quoted where it needs to be. */
  readonly text: string;
  /** Template variables the alert did not carry (shown as `<name>` placeholders). */
  readonly missing: readonly string[];
}

/**
 * Fills a template in one pass, so a value that itself contains `{{other}}` is never expanded again.
 * `lookup` returns the value as a string, or undefined when the alert lacks it or it is unknown.
 */
export function fillTemplate(template: string, lookup: (name: string) => string | undefined): FilledCommand {
  const missing: string[] = [];
  const text = template.replace(TEMPLATE_VAR, (_match, name: string) => {
    const value = lookup(name);
    if (value === undefined) {
      if (!missing.includes(name)) missing.push(name);
      return `<${name}>`;
    }
    return shellQuote(value);
  });
  return { text, missing };
}

/** The variable names a template uses, in order of first use. */
export function templateVars(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(TEMPLATE_VAR)) {
    const name = m[1] as string;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}
