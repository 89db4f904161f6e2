import { UserError, interrupted } from '../errors.js'
import { jsonLines } from './build.js'
import type { Docker } from './client.js'

export interface RegistryAuth {
  username?: string
  password?: string
  identitytoken?: string
  serveraddress: string
}

/** Worth another try: the registry or the network failed, not our request. */
export function isTransient(message: string): boolean {
  if (/unauthorized|denied|authentication required|forbidden|invalid reference|manifest invalid/i.test(message)) return false
  return /connection refused|connection reset|i\/o timeout|timeout|EOF|no such host|temporary|unavailable|50[0-9]|too many requests|dial tcp|broken pipe/i.test(message)
}

export interface PushOptions {
  auth?: RegistryAuth
  signal?: AbortSignal
  attempts?: number
  backoffMs?: number
  onOutput?: (line: string) => void
  onRetry?: (attempt: number, attempts: number, delayMs: number, reason: string) => void
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(interrupted(signal))
    }, { once: true })
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
      let digest = ''
      for await (const msg of jsonLines(stream as unknown as AsyncIterable<Buffer>)) {
        if (msg.error || msg.errorDetail) throw new Error((msg.errorDetail?.message ?? msg.error ?? 'push failed').trim())
        const aux = msg.aux as { Digest?: string } | undefined
        if (aux?.Digest) digest = aux.Digest
        if (msg.status && !msg.progress) opts.onOutput?.(`${msg.status}${msg.id ? ` ${msg.id}` : ''}`)
      }
      return digest
    } catch (e) {
      if (opts.signal?.aborted) throw interrupted(opts.signal)
      message = (e as Error).message.split('\n')[0]
      if (!isTransient(message) || attempt >= attempts) {
        throw new UserError(`pushing ${repo}:${tag} failed${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${message}`, {
          hint: isTransient(message)
            ? 'the registry did not answer: check that it runs and that "registry" in .pypackagerc.json names it, then retry'
            : 'check the credentials (docker login, or PYPACKAGE_REGISTRY_USERNAME/PYPACKAGE_REGISTRY_PASSWORD) and that you may push there',
          cause: e,
        })
      }
    }
    opts.onRetry?.(attempt, attempts, delay, message)
    await sleep(delay, opts.signal)
    delay *= 2
  }
}
