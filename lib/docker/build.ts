import type { Readable } from 'node:stream'
import { UserError, interrupted } from '../errors.js'
import type { Docker } from './client.js'

export interface BuildEvents {
  /** "Step 4/9 : RUN …" */
  onStep?: (step: string) => void
  /** Every other output line of the build. */
  onOutput?: (line: string) => void
}

export interface BuildRequest extends BuildEvents {
  context: Readable
  tags: string[]
  dockerfile?: string
  buildargs?: Record<string, string>
  labels?: Record<string, string>
  signal?: AbortSignal
  /** Name for messages, e.g. "base". */
  name: string
}

interface BuildMessage {
  stream?: string
  status?: string
  progress?: string
  error?: string
  errorDetail?: { message?: string; code?: number }
  aux?: { ID?: string }
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

/**
 * Build an image with the legacy builder through the Engine API. A failed step arrives INSIDE the
 * stream as {error, errorDetail} (followProgress would not report it), so every message is checked.
 * The engine applies the tags only when the whole build succeeds: a failure tags nothing.
 */
export async function buildImage(docker: Docker, req: BuildRequest): Promise<{ id: string }> {
  if (req.signal?.aborted) throw interrupted(req.signal)
  const tail: string[] = []
  let step = ''
  let id = ''
  const push = (line: string) => {
    tail.push(line)
    if (tail.length > TAIL) tail.shift()
  }
  let stream: NodeJS.ReadableStream
  try {
    stream = await docker.buildImage(req.context as unknown as NodeJS.ReadableStream, {
      t: req.tags,
      dockerfile: req.dockerfile ?? 'Dockerfile',
      buildargs: req.buildargs,
      labels: req.labels,
      rm: true,
      forcerm: true,
      abortSignal: req.signal,
    } as object)
  } catch (e) {
    if (req.signal?.aborted) throw interrupted(req.signal)
    throw new UserError(`the engine refused to build ${req.name}: ${(e as Error).message}`, { cause: e })
  }
  try {
    for await (const msg of jsonLines(stream as AsyncIterable<Buffer>)) {
      if (msg.error || msg.errorDetail) {
        const message = (msg.errorDetail?.message ?? msg.error ?? 'unknown error').trim()
        throw new UserError(`building ${req.name} failed${step ? ` at ${step}` : ''}: ${message}`, {
          details: tail,
          hint: step.includes(' RUN ')
            ? `the RUN step exited non-zero: its last output lines are above; fix the step in its Dockerfile and retry`
            : /pull access denied|not found|no such image/i.test(message)
              ? 'a FROM image is missing from the engine and no registry is reachable: build or load it first'
              : 'fix the Dockerfile and retry',
        })
      }
      if (msg.aux?.ID) id = msg.aux.ID
      const text = msg.stream ?? (msg.status ? `${msg.status}${msg.progress ? ` ${msg.progress}` : ''}` : '')
      for (const line of text.split('\n')) {
        const l = line.replace(/\r/g, '').trimEnd()
        // The legacy builder's bookkeeping (" ---> 3f2a…", "Removing intermediate container") says nothing to a user.
        if (!l || /^ ---> |^Removing intermediate container /.test(l)) continue
        if (/^Step \d+\/\d+ : /.test(l)) {
          step = l
          req.onStep?.(l)
        } else {
          req.onOutput?.(l)
        }
        push(l)
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
