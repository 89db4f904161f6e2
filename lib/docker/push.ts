import { UserError, interrupted } from '../errors.js'
import { jsonLines } from './build-image.js'
import type { Docker } from './client.js'

export interface RegistryAuth {
  username?: string
  password?: string
  identitytoken?: string
  serveraddress: string
}

/**
 * The registry host of an image name (or of a registry prefix like "127.0.0.1:5000/team"), as the
 * engine reads it: the first component when it has a dot or a colon or is localhost, else Docker Hub.
 */
export function registryHost(name: string): string {
  const first = name.split('/')[0]
  const isHost = /[.:]/.test(first) || first === 'localhost'
  return !isHost || ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(first) ? 'docker.io' : first
}

/** Worth another try: the registry or the network failed, not our request. */
export function isTransient(message: string): boolean {
  if (/unauthorized|denied|authentication required|forbidden|invalid reference|manifest invalid/i.test(message)) return false
  return /connection refused|connection reset|i\/o timeout|timeout|EOF|no such host|temporary|unavailable|50[0-9]|too many requests|dial tcp|broken pipe/i.test(message)
}

export interface PushOptions {
  auth?: RegistryAuth
  /**
   * Where `auth` came from, in words ("docker-credential-pass (credsStore in ~/.docker/config.json)"),
   * or for no credentials, where none were found: named when the registry refuses the push.
   */
  authFrom?: string
  signal?: AbortSignal
  attempts?: number
  backoffMs?: number
  /** Layer progress, one line per layer state change (see PushProgress). */
  onOutput?: (line: string) => void
  /** How often a layer still uploading may repeat its progress line (default 10 s). */
  progressEveryMs?: number
  onRetry?: (attempt: number, attempts: number, delayMs: number, reason: string) => void
}

/** "12 MB", "340 kB": sizes as a person reads them in a log. */
function formatSize(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`
  if (n >= 1e6) return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`
  return `${Math.max(1, Math.round(n / 1e3))} kB`
}

/** States every layer passes through on its way: a line each would double the output and say nothing. */
const QUIET_STATES = new Set(['Preparing', 'Waiting'])

/**
 * The engine's push stream as lines a person reads in a CI log: one per layer state change
 * ("Pushing 3f2a1b2c4d5e: 12 MB/40 MB", "Pushed 3f2a1b2c4d5e", "Layer already exists …"), and for
 * an upload still going, its progress again at most every `everyMs` — never one per tick.
 */
export class PushProgress {
  private readonly states = new Map<string, string>()
  private readonly shownAt = new Map<string, number>()

  constructor(private readonly everyMs = 10_000, private readonly now: () => number = Date.now) {}

  /** The line for one stream message, if it is worth one. */
  feed(msg: { status?: string; id?: string; progressDetail?: { current?: number; total?: number } }): string | undefined {
    const { status, id } = msg
    if (!status || !id || QUIET_STATES.has(status)) return undefined
    const changed = this.states.get(id) !== status
    if (!changed && (status !== 'Pushing' || this.now() - (this.shownAt.get(id) ?? 0) < this.everyMs)) return undefined
    this.states.set(id, status)
    this.shownAt.set(id, this.now())
    const d = msg.progressDetail
    if (status === 'Pushing' && d?.total) return `Pushing ${id}: ${formatSize(d.current ?? 0)}/${formatSize(d.total)}`
    return `${status} ${id}`
  }
}

/** Refused for want of (valid) credentials — not "denied", which is about permission on the repository. */
function isAuthFailure(message: string): boolean {
  return /no basic auth credentials|unauthorized|authentication required/i.test(message)
}

/** The UserError for a push that failed for good: what went wrong, and what to do about it. */
function pushFailure(repo: string, tag: string, attempt: number, message: string, opts: PushOptions, cause: unknown): UserError {
  const ref = `${repo}:${tag}`
  const host = registryHost(repo)
  const after = attempt > 1 ? ` after ${attempt} attempts` : ''
  const override = 'PYPACKAGE_REGISTRY_USERNAME and PYPACKAGE_REGISTRY_PASSWORD, when set, come before any other'
  if (isAuthFailure(message) && !opts.auth?.username && !opts.auth?.identitytoken) {
    const none = opts.authFrom ? `${opts.authFrom} has no credentials for it` : 'no credentials for it were found'
    return new UserError(`pushing ${ref} failed${after}: ${host} requires authentication, and ${none} (${message})`, {
      hint: `give credentials for ${host}: \`docker login ${host}\`, a credential helper for it (credHelpers or credsStore in the Docker config, $DOCKER_CONFIG/config.json or ~/.docker/config.json), or PYPACKAGE_REGISTRY_USERNAME and PYPACKAGE_REGISTRY_PASSWORD`,
      cause,
    })
  }
  const from = opts.authFrom ?? 'the credentials given'
  if (isAuthFailure(message)) {
    return new UserError(`pushing ${ref} failed${after}: the registry refused the credentials from ${from}: ${message}`, {
      hint: `check what ${from} gives for ${host} (log in again, or correct that entry); ${override}`,
      cause,
    })
  }
  return new UserError(`pushing ${ref} failed${after}: ${message}`, {
    hint: isTransient(message)
      ? 'the registry did not answer: check that it runs and that "registry" in .pypackagerc.json names it, then retry'
      : `check that the account of ${from} may push to ${repo} (docker login, or PYPACKAGE_REGISTRY_USERNAME/PYPACKAGE_REGISTRY_PASSWORD)`,
    cause,
  })
}

/** Wait `ms`, or until `signal` aborts; the listener goes with the wait (a run may retry many tags). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(interrupted(signal!))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Push `repo:tag`. Errors arrive inside the stream ({error}), so every message is checked. A
 * transient failure (registry down, network) is retried with exponential backoff, a bounded
 * number of times; an auth failure is not retried. Returns the pushed digest.
 */
export async function pushImage(docker: Docker, repo: string, tag: string, opts: PushOptions = {}): Promise<string> {
  const attempts = opts.attempts ?? 4
  let delay = opts.backoffMs ?? 1000
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw interrupted(opts.signal)
    let message: string
    try {
      const stream = await docker.getImage(repo).push({ tag, authconfig: opts.auth ?? {}, abortSignal: opts.signal } as object)
      const progress = new PushProgress(opts.progressEveryMs)
      let digest = ''
      for await (const msg of jsonLines(stream as unknown as AsyncIterable<Buffer>)) {
        if (msg.error || msg.errorDetail) throw new Error((msg.errorDetail?.message ?? msg.error ?? 'push failed').trim())
        const aux = msg.aux as { Digest?: string } | undefined
        if (aux?.Digest) digest = aux.Digest
        const line = progress.feed(msg as Parameters<PushProgress['feed']>[0])
        if (line) opts.onOutput?.(line)
      }
      return digest
    } catch (e) {
      if (opts.signal?.aborted) throw interrupted(opts.signal)
      message = (e as Error).message.split('\n')[0]
      if (!isTransient(message) || attempt >= attempts) throw pushFailure(repo, tag, attempt, message, opts, e)
    }
    opts.onRetry?.(attempt, attempts, delay, message)
    await sleep(delay, opts.signal)
    delay *= 2
  }
}
