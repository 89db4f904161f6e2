import type { Readable } from 'node:stream'
import { UserError, interrupted } from '../errors.js'
import { BuildKitProgress, decodeTrace } from './buildkit.js'
import type { Docker } from './client.js'

export type Builder = 'buildkit' | 'legacy'

export interface BuildRequest {
  context: Readable
  tags: string[]
  builder: Builder
  dockerfile?: string
  buildargs?: Record<string, string>
  labels?: Record<string, string>
  /** "none": RUN steps get no network at all (the release image installs from its context only). */
  networkmode?: 'none'
  signal?: AbortSignal
  /** Name for messages, e.g. "docker/base". */
  name: string
  /** "Step 4/9 : RUN …" */
  onStep?: (step: string) => void
  /** Every other output line of the build. */
  onOutput?: (line: string) => void
}

interface BuildMessage {
  id?: string
  stream?: string
  status?: string
  progress?: string
  error?: string
  errorDetail?: { message?: string; code?: number }
  aux?: { ID?: string } | string
}

/** Split a chunked stream of JSON messages (one per line) into parsed messages. */
export async function* jsonLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<BuildMessage> {
  let buf = ''
  for await (const chunk of stream) {
    buf += chunk.toString()
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim()
      buf = buf.slice(nl + 1)
      if (line) yield JSON.parse(line) as BuildMessage
    }
  }
  if (buf.trim()) yield JSON.parse(buf) as BuildMessage
}

const TAIL = 25

/** The `pypackage-tasks error:` / `hint:` lines a step of the tool's own Dockerfiles prints when it fails. */
function explainedFailure(lines: string[]): { message: string; hint?: string } | undefined {
  const pick = (key: string) => lines.map((l) => l.match(new RegExp(`pypackage-tasks ${key}: (.*)$`))?.[1]).filter(Boolean).pop()
  const message = pick('error')
  return message ? { message, hint: pick('hint') } : undefined
}

const chosen = new WeakMap<Docker, Promise<Builder>>()

/**
 * The builder to use: as configured, or (auto) BuildKit when the engine's API offers it (1.39+)
 * and DOCKER_BUILDKIT is not 0, as the docker CLI decides. Asked once per engine connection.
 */
export function chooseBuilder(docker: Docker, setting: 'auto' | Builder, env: NodeJS.ProcessEnv = process.env): Promise<Builder> {
  if (setting !== 'auto') return Promise.resolve(setting)
  if (env.DOCKER_BUILDKIT === '0') return Promise.resolve('legacy')
  let p = chosen.get(docker)
  if (!p) {
    p = docker.version().then((v) => (apiAtLeast(v.ApiVersion, '1.39') ? 'buildkit' : 'legacy'))
    chosen.set(docker, p)
  }
  return p
}

/** Compare dotted API versions: "1.41" ≥ "1.39". */
function apiAtLeast(version: string, min: string): boolean {
  const [a, b] = [version.split('.').map(Number), min.split('.').map(Number)]
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  }
  return true
}

/** What to tell the user to do about a failed build, from the step and the engine's message. */
function buildHint(step: string, message: string): string {
  if (/ RUN /.test(step) || /executor failed running|did not complete successfully/.test(message)) {
    return 'the RUN step exited non-zero: its last output lines are above; fix the step in its Dockerfile and retry'
  }
  if (/pull access denied|not found|no such image|failed to resolve source metadata|failed to do request/i.test(message)) {
    return 'a FROM image is missing from the engine and no registry is reachable: build or load it first'
  }
  if (/dockerfile parse error|unknown instruction/i.test(message)) return 'fix the Dockerfile syntax at the line named above'
  return 'fix the Dockerfile and retry'
}

/**
 * Build an image through the Engine API, with BuildKit (version 2: progress arrives as protobuf
 * `moby.buildkit.trace` messages) or the legacy builder (JSON lines). A failed step arrives INSIDE
 * the stream as {error, errorDetail} (followProgress would not report it), so every message is
 * checked. The engine applies the tags only when the whole build succeeds: a failure tags nothing.
 */
export async function buildImage(docker: Docker, req: BuildRequest): Promise<{ id: string }> {
  if (req.signal?.aborted) throw interrupted(req.signal)
  const tail: string[] = []
  let step = ''
  let id = ''
  const output = (line: string) => {
    tail.push(line)
    if (tail.length > TAIL) tail.shift()
    req.onOutput?.(line)
  }
  const onStep = (s: string) => {
    step = s
    tail.push(s)
    if (tail.length > TAIL) tail.shift()
    req.onStep?.(s)
  }
  const kit = req.builder === 'buildkit' ? new BuildKitProgress({ step: onStep, output }) : undefined
  let stream: NodeJS.ReadableStream
  try {
    stream = await docker.buildImage(req.context as unknown as NodeJS.ReadableStream, {
      t: req.tags,
      dockerfile: req.dockerfile ?? 'Dockerfile',
      buildargs: req.buildargs,
      labels: req.labels,
      ...(req.networkmode ? { networkmode: req.networkmode } : {}),
      rm: true,
      forcerm: true,
      abortSignal: req.signal,
      ...(kit ? { version: '2' } : {}),
    } as object)
  } catch (e) {
    if (req.signal?.aborted) throw interrupted(req.signal)
    throw new UserError(`the engine refused to build ${req.name}: ${(e as Error).message}`, { cause: e })
  }
  try {
    for await (const msg of jsonLines(stream as AsyncIterable<Buffer>)) {
      if (msg.error || msg.errorDetail) {
        const message = (msg.errorDetail?.message ?? msg.error ?? 'unknown error').trim()
        const at = kit?.failedStep ?? step
        const details = kit?.failedStep ? [kit.failedStep, ...kit.tailOf(kit.failedStep)] : tail
        // A step of ours that explains its own failure ("pypackage-tasks error: …") says it better.
        const own = explainedFailure(details)
        throw new UserError(`building ${req.name} failed${own ? `: ${own.message}` : `${at ? ` at ${at}` : ''}: ${kit?.failedError ?? message}`}`, {
          details,
          hint: own?.hint ?? buildHint(at, message),
        })
      }
      if (msg.id === 'moby.buildkit.trace' && typeof msg.aux === 'string') {
        kit?.feed(decodeTrace(msg.aux))
        continue
      }
      if (typeof msg.aux === 'object' && msg.aux?.ID) id = msg.aux.ID
      const text = msg.stream ?? (msg.status ? `${msg.status}${msg.progress ? ` ${msg.progress}` : ''}` : '')
      for (const line of text.split('\n')) {
        const l = line.replace(/\r/g, '').trimEnd()
        // The legacy builder's bookkeeping (" ---> 3f2a…", "Running in …", "Removing intermediate
        // container") says nothing to a user; " ---> Using cache" does, and stays.
        if (!l || /^ ---> ([0-9a-f]{12}$|Running in )|^Removing intermediate container /.test(l)) continue
        if (/^Step \d+\/\d+ : /.test(l)) onStep(l)
        else output(l)
      }
    }
  } catch (e) {
    if (req.signal?.aborted) throw interrupted(req.signal)
    if (e instanceof UserError) throw e
    throw new UserError(`lost the engine while building ${req.name}: ${(e as Error).message}`, {
      details: tail,
      hint: 'check that the Docker engine is still running (the build tagged nothing), then retry',
      cause: e,
    })
  }
  if (!id) {
    const m = tail.join('\n').match(/Successfully built ([0-9a-f]+)/)
    if (m) id = m[1]
  }
  if (!id) throw new UserError(`building ${req.name} ended without an image id`, { details: tail })
  return { id }
}
