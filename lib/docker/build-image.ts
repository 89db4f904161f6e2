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
  // Before the FROM check: these say "not found" too. Legacy: "COPY failed: file not found in build
  // context or excluded by .dockerignore: …" (older: "COPY failed: stat …: no such file or
  // directory"); BuildKit: "failed to compute cache key: failed to calculate checksum of ref …:
  // "/app.py": not found".
  if (/\b(COPY|ADD) failed: (file not found|stat )|failed to compute cache key|failed to calculate checksum/i.test(message)) {
    if (/ --from[= ]/.test(step)) return 'a COPY --from source path is missing from the image or stage it copies from: fix the path in the Dockerfile'
    return "a COPY source is not in the build context (the image's folder), or .dockerignore leaves it out: put the file there, or stop ignoring it"
  }
  if (/pull access denied|not found|no such image|failed to resolve source metadata|failed to do request/i.test(message)) {
    return 'a FROM image is missing from the engine and no registry is reachable: build or load it first'
  }
  if (/dockerfile parse error|unknown instruction/i.test(message)) return 'fix the Dockerfile syntax at the line named above'
  return 'fix the Dockerfile and retry'
}

/** The build's last TAIL lines and its current step, kept as they pass to the request's callbacks: what a failure is explained with. */
class BuildLog {
  readonly tail: string[] = []
  step = ''
  constructor(private readonly req: BuildRequest) {}

  output(line: string): void {
    this.keep(line)
    this.req.onOutput?.(line)
  }

  enterStep(step: string): void {
    this.step = step
    this.keep(step)
    this.req.onStep?.(step)
  }

  private keep(line: string): void {
    this.tail.push(line)
    if (this.tail.length > TAIL) this.tail.shift()
  }
}

/**
 * Build an image through the Engine API, with BuildKit (version 2: progress arrives as protobuf
 * `moby.buildkit.trace` messages) or the legacy builder (JSON lines). A failed step arrives INSIDE
 * the stream as {error, errorDetail} (followProgress would not report it), so every message is
 * checked. The engine applies the tags only when the whole build succeeds: a failure tags nothing.
 */
export async function buildImage(docker: Docker, req: BuildRequest): Promise<{ id: string }> {
  if (req.signal?.aborted) throw interrupted(req.signal)
  const log = new BuildLog(req)
  const kit = req.builder === 'buildkit' ? new BuildKitProgress({ step: (s) => log.enterStep(s), output: (l) => log.output(l) }) : undefined
  const stream = await startBuild(docker, req, kit !== undefined)
  let id: string
  try {
    id = await followBuild(stream, req, log, kit)
  } catch (e) {
    throw streamError(e, req, log)
  }
  // No message carried the id as aux: the legacy builder still says "Successfully built <id>".
  id ||= log.tail.join('\n').match(/Successfully built ([0-9a-f]+)/)?.[1] ?? ''
  if (!id) throw new UserError(`building ${req.name} ended without an image id`, { details: log.tail })
  return { id }
}

/** Send the context and options; the engine's answer is the build's message stream. */
async function startBuild(docker: Docker, req: BuildRequest, buildkit: boolean): Promise<NodeJS.ReadableStream> {
  try {
    return await docker.buildImage(req.context as unknown as NodeJS.ReadableStream, {
      t: req.tags,
      dockerfile: req.dockerfile ?? 'Dockerfile',
      buildargs: req.buildargs,
      labels: req.labels,
      ...(req.networkmode ? { networkmode: req.networkmode } : {}),
      rm: true,
      forcerm: true,
      abortSignal: req.signal,
      ...(buildkit ? { version: '2' } : {}),
    } as object)
  } catch (e) {
    if (req.signal?.aborted) throw interrupted(req.signal)
    throw new UserError(`the engine refused to build ${req.name}: ${(e as Error).message}`, { cause: e })
  }
}

/** Read the build's messages to the end: BuildKit traces to `kit`, legacy lines to the log. The image id, if a message named it. */
async function followBuild(stream: NodeJS.ReadableStream, req: BuildRequest, log: BuildLog, kit: BuildKitProgress | undefined): Promise<string> {
  let id = ''
  for await (const msg of jsonLines(stream as AsyncIterable<Buffer>)) {
    if (msg.error || msg.errorDetail) throw buildFailure(msg, req, log, kit)
    if (msg.id === 'moby.buildkit.trace' && typeof msg.aux === 'string') {
      kit?.feed(decodeTrace(msg.aux))
      continue
    }
    if (typeof msg.aux === 'object' && msg.aux?.ID) id = msg.aux.ID
    for (const line of legacyLines(msg)) {
      if (/^Step \d+\/\d+ : /.test(line)) log.enterStep(line)
      else log.output(line)
    }
  }
  return id
}

/** The lines of a legacy-builder message worth showing. */
function legacyLines(msg: BuildMessage): string[] {
  const text = msg.stream ?? (msg.status ? `${msg.status}${msg.progress ? ` ${msg.progress}` : ''}` : '')
  return (
    text
      .split('\n')
      .map((line) => line.replace(/\r/g, '').trimEnd())
      // The legacy builder's bookkeeping (" ---> 3f2a…", "Running in …", "Removing intermediate
      // container") says nothing to a user; " ---> Using cache" does, and stays.
      .filter((l) => l && !/^ ---> ([0-9a-f]{12}$|Running in )|^Removing intermediate container /.test(l))
  )
}

/** A failed step, named with its last lines; a step of ours that explains its own failure ("pypackage-tasks error: …") says it better. */
function buildFailure(msg: BuildMessage, req: BuildRequest, log: BuildLog, kit: BuildKitProgress | undefined): UserError {
  const message = (msg.errorDetail?.message ?? msg.error ?? 'unknown error').trim()
  const at = kit?.failedStep ?? log.step
  const details = kit?.failedStep ? [kit.failedStep, ...kit.tailOf(kit.failedStep)] : log.tail
  const own = explainedFailure(details)
  return new UserError(`building ${req.name} failed${own ? `: ${own.message}` : `${at ? ` at ${at}` : ''}: ${kit?.failedError ?? message}`}`, {
    details,
    hint: own?.hint ?? buildHint(at, message),
  })
}

/** What a failure while reading the stream becomes: the interrupt if there was one, our own error as it is, else a lost engine. */
function streamError(e: unknown, req: BuildRequest, log: BuildLog): Error {
  if (req.signal?.aborted) return interrupted(req.signal)
  if (e instanceof UserError) return e
  return new UserError(`lost the engine while building ${req.name}: ${(e as Error).message}`, {
    details: log.tail,
    hint: 'check that the Docker engine is still running (the build tagged nothing), then retry',
    cause: e,
  })
}
