// Known, user-fixable errors; anything else that is thrown is a bug and is reported with version and stack.

/** A problem found at a place in a file, such as a KB entry or a rules file. */
export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** Formats a problem as `file:line: message`, the form editors and CI logs link. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}

/** A bad flag, value or combination of them: exit 2 with the help hint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An input that cannot be read at all (missing file, permission, not a directory). */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** A knowledge-base directory with problems: every one of them is listed. */
export class KbError extends Error {
  override readonly name = 'KbError';
  constructor(readonly problems: readonly Problem[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the knowledge base`);
  }
}

/** True for the errors above, which print one line and exit 2 without a stack. */
export function isKnownError(err: unknown): err is UsageError | InputError | KbError {
  return err instanceof UsageError || err instanceof InputError || err instanceof KbError;
}
