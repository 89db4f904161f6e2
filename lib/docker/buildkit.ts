import { createRequire } from 'node:module'
import type { INamespace } from 'protobufjs'

/** The parts of BuildKit's StatusResponse we use (moby.buildkit.v1, sent base64 in `aux`). */
export interface BuildKitStatus {
  vertexes: { digest: string; name: string; cached: boolean; started?: unknown; completed?: unknown; error: string }[]
  logs: { vertex: string; msg: Buffer | Uint8Array | string }[]
}

/**
 * The messages of BuildKit's control API (api/services/control/control.proto, its field numbers)
 * that we decode, as a protobufjs descriptor: shipped here, not read from another package's files,
 * so no upgrade of a dependency can take it away. Fields left out (statuses, warnings, progress
 * groups) are skipped on the wire. Timestamp has google.protobuf.Timestamp's wire format.
 */
const messages: INamespace['nested'] = {
  StatusResponse: { fields: { vertexes: { rule: 'repeated', type: 'Vertex', id: 1 }, logs: { rule: 'repeated', type: 'VertexLog', id: 3 } } },
  Vertex: {
    fields: {
      digest: { type: 'string', id: 1 },
      inputs: { rule: 'repeated', type: 'string', id: 2 },
      name: { type: 'string', id: 3 },
      cached: { type: 'bool', id: 4 },
      started: { type: 'Timestamp', id: 5 },
      completed: { type: 'Timestamp', id: 6 },
      error: { type: 'string', id: 7 },
    },
  },
  VertexLog: { fields: { vertex: { type: 'string', id: 1 }, timestamp: { type: 'Timestamp', id: 2 }, stream: { type: 'int64', id: 3 }, msg: { type: 'bytes', id: 4 } } },
  Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
}

const statusSchema: INamespace = { nested: { moby: { nested: { buildkit: { nested: { v1: { nested: messages } } } } } } }

type Decoder = (aux: string) => BuildKitStatus

let decoder: Decoder | undefined

/** Decode one `moby.buildkit.trace` message with the schema above. */
export function decodeTrace(aux: string): BuildKitStatus {
  if (!decoder) {
    // Loaded on the first BuildKit build only: start-up stays lean for every other command.
    const protobuf = createRequire(import.meta.url)('protobufjs') as typeof import('protobufjs')
    const type = protobuf.Root.fromJSON(statusSchema).lookupType('moby.buildkit.v1.StatusResponse')
    decoder = (a) => type.toObject(type.decode(Buffer.from(a, 'base64')), { defaults: true }) as BuildKitStatus
  }
  return decoder(aux)
}

/** "[base 2/4] RUN x" → "Step 2/4 : RUN x" (the legacy builder's words, one vocabulary for users). */
export function stepName(vertex: string): string | undefined {
  // BuildKit pads the step number to the width of the count: "[ 4/10] COPY …".
  const m = vertex.match(/^\[(?:(\S+) )?\s*(\d+)\/(\d+)\] (.*)$/s)
  if (!m) return undefined
  return `Step ${m[2]}/${m[3]} : ${m[4]}${m[1] ? ` (stage ${m[1]})` : ''}`
}

/**
 * Turns BuildKit's vertex updates into steps and output lines, and remembers each vertex's last
 * log lines so a failure can show the failing step's own output.
 */
export class BuildKitProgress {
  private readonly names = new Map<string, string>()
  private readonly started = new Set<string>()
  private readonly logs = new Map<string, string[]>()
  private readonly partial = new Map<string, string>()
  failedStep?: string
  failedError?: string

  constructor(private readonly on: { step(s: string): void; output(l: string): void }, private readonly tail = 25) {}

  feed(status: BuildKitStatus): void {
    for (const v of status.vertexes) {
      if (v.name) this.names.set(v.digest, v.name)
      const step = stepName(v.name)
      if (step && v.started && !this.started.has(v.digest)) {
        this.started.add(v.digest)
        this.on.step(step)
      }
      if (step && v.cached && v.completed) this.on.output(' ---> Using cache')
      if (v.error && !this.failedError) {
        this.failedStep = step ?? v.name
        this.failedError = v.error
      }
    }
    for (const log of status.logs) {
      const text = (this.partial.get(log.vertex) ?? '') + Buffer.from(log.msg as Uint8Array).toString('utf8')
      const lines = text.split(/\r?\n/)
      this.partial.set(log.vertex, lines.pop() ?? '')
      for (const line of lines) this.line(log.vertex, line)
    }
  }

  private line(vertex: string, raw: string): void {
    const l = raw.replace(/\r/g, '').trimEnd()
    if (!l) return
    const kept = this.logs.get(vertex) ?? []
    kept.push(l)
    if (kept.length > this.tail) kept.shift()
    this.logs.set(vertex, kept)
    this.on.output(l)
  }

  /** The last output lines of the failing step (or of the step that logged last). */
  tailOf(stepOrName?: string): string[] {
    for (const [digest, name] of this.names) {
      if (stepOrName && (stepName(name) === stepOrName || name === stepOrName)) {
        const rest = this.partial.get(digest)
        return [...(this.logs.get(digest) ?? []), ...(rest ? [rest] : [])]
      }
    }
    return []
  }
}
