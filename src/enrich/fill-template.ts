// Fills `{{field}}` command templates from an alert's values, shell-quoted, with visible placeholders.
import { shellQuote } from '../escape/shell.js';

/**
 * `{{ name }}` where name is a Falco field (`proc.aname[2]` included) or `alert.<key>`; `{{ name | ere }}`
 * for a value that a command reads as a POSIX extended regular expression (`pgrep -x`, `pkill -x`).
 */
export const TEMPLATE_VAR = /\{\{\s*([A-Za-z0-9_.-]+(?:\[[^\]\s{}]*\])?)\s*(?:\|\s*(ere)\s*)?\}\}/g;

/**
 * A value as a POSIX extended regular expression that matches only itself: `pkill -x '.*'` from a
 * process named `.*` would kill every process, `pkill -x '\.\*'` kills only that one.
 */
export function ereEscape(value: string): string {
  return value.replace(/[\\.[\]()*+?{}|^$]/g, '\\$&');
}

/** The result of filling one template. */
export interface FilledCommand {
  /** The command, ready to paste: every value single-quoted where it needs to be. */
  readonly text: string;
  /** Template variables the alert did not carry (shown as `<name>` placeholders). */
  readonly missing: readonly string[];
  /**
   * Template variables whose value starts with `-` where the command would read it as an option
   * (`kubectl delete pod -n prod --all` from a pod named `--all`): quoting does not stop that, so they
   * are left as `<name>` placeholders too, with their values here to show beside the command.
   */
  readonly withheld: readonly { readonly name: string; readonly value: string }[];
}

/**
 * Whether a value put at `at` in the template may become a command-line argument that a command takes
 * for an option. It does when it begins a shell word and no `--` word ends the options earlier in the
 * same command, and when it is what a shell variable is set to (`c={{x}}`), since the variable is
 * there to be passed on (`crictl inspect "$c"`). A value glued to other text (`name={{x}}`,
 * `/proc/{{x}}`) is not an argument of its own.
 */
export function optionPosition(template: string, at: number): boolean {
  const before = template.slice(0, at);
  const word = /[^\s|;&(]*$/.exec(before)?.[0] ?? '';
  if (/^[A-Za-z_][A-Za-z0-9_]*=$/.test(word)) return true;
  if (word !== '') return false;
  const command = before.slice(Math.max(...['|', ';', '&', '(', '\n'].map((c) => before.lastIndexOf(c))) + 1);
  return !/(^|\s)--(\s|$)/.test(command);
}

/**
 * Fills a template in one pass, so a value that itself contains `{{other}}` is never expanded again.
 * `lookup` returns the value as a string, or undefined when the alert lacks it or it is unknown.
 */
export function fillTemplate(template: string, lookup: (name: string) => string | undefined): FilledCommand {
  const missing: string[] = [];
  const withheld: { name: string; value: string }[] = [];
  const text = template.replace(TEMPLATE_VAR, (_match, name: string, filter: string | undefined, at: number) => {
    const value = lookup(name);
    if (value === undefined) {
      if (!missing.includes(name)) missing.push(name);
      return `<${name}>`;
    }
    if (value.startsWith('-') && optionPosition(template, at)) {
      if (!withheld.some((w) => w.name === name)) withheld.push({ name, value });
      return `<${name}>`;
    }
    return shellQuote(filter === 'ere' ? ereEscape(value) : value);
  });
  return { text, missing, withheld };
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
