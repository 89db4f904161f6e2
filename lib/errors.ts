/**
 * The one error class lib/ throws for problems a user can fix. cli.ts is the only place that
 * formats and prints it; anything that is not a UserError is a bug and is printed with its stack.
 */
export class UserError extends Error {
  readonly hint?: string
  /** Output lines that explain the failure (a build step's last lines, a container's log). */
  readonly details?: string[]
  /** Exit code to use: one of `exitCodes`; 1 unless the failure has a conventional one. */
  readonly exitCode: number
  /** For a usage error: the synopsis to show under it (the first line of the task's --help). */
  readonly usage?: string

  constructor(message: string, opts: { hint?: string; cause?: unknown; details?: string[]; exitCode?: number; usage?: string } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'UserError'
    this.hint = opts.hint
    this.details = opts.details
    this.exitCode = opts.exitCode ?? exitCodes.failure
    this.usage = opts.usage
  }
}

/**
 * The exit codes, as shells and CI read them: 2 for a command line that is wrong (as getopt
 * tools and argparse do), 70 (sysexits' EX_SOFTWARE) for a bug, 128 + the signal's number after
 * Ctrl-C or SIGTERM. A task that runs a command (run --, test, manage) exits with that command's code.
 */
export const exitCodes = { failure: 1, usage: 2, bug: 70, sigint: 130, sigterm: 143 } as const

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError
}

/** A mistake in the command line: exit code 2, and cli.ts shows the synopsis under it. */
export function usageError(message: string, opts: { hint?: string; usage?: string } = {}): UserError {
  return new UserError(message, { ...opts, exitCode: exitCodes.usage })
}

export function isUsageError(e: unknown): e is UserError {
  return isUserError(e) && e.exitCode === exitCodes.usage
}

/** Thrown when the run's AbortSignal fires (Ctrl-C, SIGTERM). */
export function interrupted(signal?: AbortSignal): UserError {
  const reason = signal?.reason
  const code = reason === 'SIGTERM' ? exitCodes.sigterm : exitCodes.sigint
  return new UserError(`interrupted${typeof reason === 'string' ? ` (${reason})` : ''}`, { exitCode: code })
}

/**
 * Text lines for the terminal: `error: …`, the details, `hint: …`, for a usage error the synopsis
 * (its own, else `usage`: the task's), and under --verbose the causes.
 */
export function formatError(e: unknown, verbose = false, usage?: string): string[] {
  if (!isUserError(e)) {
    const err = e instanceof Error ? e : new Error(String(e))
    return [`error: unexpected failure (this is a bug in pypackage-tasks): ${err.message}`, ...(err.stack ?? '').split('\n').slice(1)]
  }
  const lines = [`error: ${e.message}`]
  for (const d of e.details ?? []) lines.push(`  | ${d}`)
  if (e.hint) lines.push(`hint: ${e.hint}`)
  const synopsis = isUsageError(e) ? (e.usage ?? usage) : undefined
  if (synopsis) lines.push(synopsis)
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
