import { UserError, interrupted } from '../errors.js'
import { diagnoseHardening, isHardeningSign, type HardenedRun, type HardenedTask } from './hardening.js'
import { envReads, isEnvSign, missingEnv, missingEnvWords } from './missing-env.js'

// A started app (smoke, run, start): waiting until it answers, and saying why it stopped.

/** GET `url`: status and latency; rejects when nothing answers within `timeoutMs`. */
export async function get(url: string, signal: AbortSignal, timeoutMs = 5000): Promise<{ status: number; ms: number }> {
  // A timer of our own, not AbortSignal.any/timeout: on Node 20 those can be collected before
  // they fire, and a connection the port proxy accepted for a server not yet listening then hangs.
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  const onAbort = () => controller.abort(signal.reason)
  signal.addEventListener('abort', onAbort, { once: true })
  const started = performance.now()
  try {
    const res = await fetch(url, { signal: controller.signal })
    await res.arrayBuffer()
    return { status: res.status, ms: Math.round(performance.now() - started) }
  } catch (e) {
    // fetch rejects with the abort reason as it is (the string "SIGINT"): say "interrupted" as every step does.
    if (signal.aborted) throw interrupted(signal)
    throw e
  } finally {
    clearTimeout(timer)
    signal.removeEventListener('abort', onAbort)
  }
}

export type Answer = { answered: true; status: number } | { exited: number } | { timedOut: true }

/**
 * Poll `base`/ until the app answers HTTP (any status: it is returned), `exited()` reports an exit code, or
 * `timeoutMs` passes.
 */
export async function waitForAnswer(base: string, exited: () => Promise<number | undefined>, signal: AbortSignal, timeoutMs: number): Promise<Answer> {
  const deadline = Date.now() + timeoutMs
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) throw interrupted(signal)
    const code = await exited()
    if (code !== undefined) return { exited: code }
    try {
      // Short first tries: a connection the port proxy accepts before the server listens hangs
      // until this timeout (5 s lost per start); a slow first response still gets up to 5 s.
      const { status } = await get(`${base}/`, signal, Math.min(5000, 1000 * 2 ** attempt))
      return { answered: true, status }
    } catch {
      // Not listening yet: poll again until the deadline.
    }
    if (Date.now() > deadline) return { timedOut: true }
    await new Promise((r) => setTimeout(r, 250))
  }
}

/**
 * Why an app stopped, when its output says: what the hardening kept it from, else the environment
 * variable it read and nobody set (`variable`). Pure.
 */
export function whyStopped(lines: string[], task: HardenedTask, hardened: HardenedRun | undefined): { cause: string; hint: string; variable?: string } | undefined {
  const hardening = hardened && diagnoseHardening(lines, task, hardened)
  if (hardening) return hardening
  const variable = missingEnv(lines)
  if (!variable) return undefined
  const words = missingEnvWords(variable)
  return { cause: `it ${words.cause}`, hint: words.hint, variable }
}

/**
 * The error for an app that stopped (before it answered, unless `answered`), with its last lines:
 * the hardening or a missing environment variable named when they, or the `evidence` kept from
 * earlier output, show the cause. Pure.
 */
export function exitedError(code: number, logs: string[], opts: { task: HardenedTask; hardened?: HardenedRun; answered?: boolean; evidence?: string[] }): UserError {
  const seen = [...(opts.evidence ?? []), ...logs]
  const why = whyStopped(seen, opts.task, opts.hardened)
  // The lines that say why come first when the tail (a worker's long traceback, others booting) lost them.
  const evidence = (opts.evidence ?? []).filter((l) => !logs.includes(l))
  // A missing variable is said in one line, not a traceback: only the app's line that read it is shown.
  const details = why?.variable ? envReads(seen, why.variable) : evidence.length ? [...evidence, '…', ...logs] : logs
  return new UserError(`the app exited with code ${code}${opts.answered ? '' : ' before answering'}${why ? `: ${why.cause}` : ''}`, {
    details,
    hint: why?.hint ?? (opts.answered ? 'its output is above' : 'its output is above: fix the start-up error, then retry'),
  })
}

/** The last 30 lines of a container's output, and the (first few) lines that may say why it stopped: the hardening, or a variable it lacks. */
export function outputKeeper(): { keep(line: string): void; tail: string[]; evidence: string[] } {
  const tail: string[] = []
  const evidence: string[] = []
  return {
    tail,
    evidence,
    keep(line) {
      tail.push(line)
      if (tail.length > 30) tail.shift()
      if (evidence.length < 5 && (isHardeningSign(line) || isEnvSign(line))) evidence.push(line)
    },
  }
}
