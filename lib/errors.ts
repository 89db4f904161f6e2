/**
 * The one error class lib/ throws for problems a user can fix. cli.ts is the only place that
 * formats and prints it; anything that is not a UserError is a bug and is printed with its stack.
 */
export class UserError extends Error {
  readonly hint?: string
  /** Output lines that explain the failure (a build step's last lines, a container's log). */
  readonly details?: string[]
  /** Exit code to use; 1 unless the failure has a conventional code (130 for an interrupt). */
  readonly exitCode: number

  constructor(message: string, opts: { hint?: string; cause?: unknown; details?: string[]; exitCode?: number } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'UserError'
    this.hint = opts.hint
    this.details = opts.details
    this.exitCode = opts.exitCode ?? 1
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError
}

/** Thrown when the run's AbortSignal fires (Ctrl-C, SIGTERM). */
export function interrupted(signal?: AbortSignal): UserError {
  const reason = signal?.reason
  const code = reason === 'SIGTERM' ? 143 : 130
  return new UserError(`interrupted${typeof reason === 'string' ? ` (${reason})` : ''}`, { exitCode: code })
}

/** Text lines for the terminal: `error: …`, the details, `hint: …`, and under --verbose the causes. */
export function formatError(e: unknown, verbose = false): string[] {
  if (!isUserError(e)) {
    const err = e instanceof Error ? e : new Error(String(e))
    return [`error: unexpected failure (this is a bug in pypackage-tasks): ${err.message}`, ...(err.stack ?? '').split('\n').slice(1)]
  }
  const lines = [`error: ${e.message}`]
  for (const d of e.details ?? []) lines.push(`  | ${d}`)
  if (e.hint) lines.push(`hint: ${e.hint}`)
  if (verbose) {
    let cause: unknown = e.cause
    while (cause) {
      const c = cause instanceof Error ? cause : new Error(String(cause))
      lines.push(`cause: ${c.stack ?? c.message}`)
      cause = c.cause
    }
  }
  return lines
}
