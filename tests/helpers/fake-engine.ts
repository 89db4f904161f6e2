import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { engineFailure, type ContainerInfo, type ContainerSpec, type Engine, type ImageLayout, type Labels, type Running } from '../../lib/docker/engine.js'
import { UserError, interrupted } from '../../lib/errors.js'

// An Engine in memory, for task tests without a daemon. It keeps the Engine's conventions itself
// (a lookup of what is missing answers undefined, removing what is gone is done) and the engine's
// own rules where tasks depend on them (a tag names one image; an image with several names or
// with containers is removed only by force). Every call is recorded; any method can be made to fail.

interface FakeImage {
  id: string
  tags: string[]
  labels: Labels
  /** Seconds since the epoch: `clean` removes the newest first. */
  created: number
  size?: number
  user?: string
  workdir?: string
  /** Path → text, for images.readFiles. */
  files?: Record<string, string>
  /** For images.layout (undefined: an image without one answers as missing). */
  layout?: ImageLayout
}

interface FakeContainer {
  id: string
  name: string
  image: string
  labels: Labels
  running: boolean
  exitCode: number
  hostPorts: Record<number, number>
  output: string[]
  /** Its filesystem, as far as tests care: container path → text (copyIn writes it, execStreaming's script adds to it, copyOut reads it). */
  files?: Record<string, string>
}

interface FakeNetwork {
  id: string
  name: string
  labels: Labels
}

interface FakeVolume {
  name: string
  labels: Labels
}

export interface FakeState {
  images: FakeImage[]
  containers: FakeContainer[]
  networks: FakeNetwork[]
  volumes: FakeVolume[]
}

/** One call the code under test made: `{ method: 'images.remove', args: ['acme/app-release:v1'] }`. */
interface Call {
  method: string
  args: unknown[]
}

/**
 * What a container started from `spec` does: its output, then its exit code. `exitsAfterMs`: a
 * started one (containers.start) stops by itself that long after it starts (an app that crashes);
 * without it, it runs until stopped or removed. `files`: what it leaves in its filesystem
 * (container path → text), which containers.run copies out for the spec's `downloads` when the
 * exit code is 0.
 */
type Script = (spec: ContainerSpec) => { exitCode: number; output?: string[]; exitsAfterMs?: number; files?: Record<string, string> }

export interface FakeEngine extends Engine {
  state: FakeState
  calls: Call[]
  /** The calls the code made, as `method arg0` strings (the first argument names what was touched). */
  log(): string[]
  /**
   * Make every later call of `method` ('containers.remove') fail with `error`: one with a status
   * code (engineError) as the engine's answer, which reaches the caller as the adapter turns it
   * (engineFailure); any other as it is.
   */
  fail(method: string, error: Error): void
  script: Script
  /** Exit code of `containers.exec` (pg_isready: 0 = ready). */
  execExitCode: number
  /** The host port a container published on port 0 ("any free port") gets. */
  freePort: number
  /** Each container's uploads as the engine got them: `to` → the files (relative to it) copied there. */
  uploaded: Record<string, string[]>[]
  /** What containers.runCollect reads back (after the script ran). */
  collected?: Buffer
  /** The tarballs images.load was given. */
  loaded: Buffer[]
}

/** An error as dockerode raises it: the engine's status code and message. */
export function engineError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode })
}

/** Every file under `dir`, relative to it, '/'-separated. */
const listFiles = (dir: string): string[] =>
  (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) =>
      path
        .relative(dir, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
        .split(path.sep)
        .join('/'),
    )
    .sort()

const matches = (have: Labels, want: Labels) => Object.entries(want).every(([k, v]) => have[k] === v)
/** `repo` alone means `repo:latest`, as the engine reads it. */
const fullTag = (ref: string) => (/:[^/]+$/.test(ref) ? ref : `${ref}:latest`)

export function createFakeEngine(seed: Partial<FakeState> = {}): FakeEngine {
  const state: FakeState = { images: [], containers: [], networks: [], volumes: [], ...structuredClone(seed) }
  let ids = 0
  const newId = (kind: string) => `${kind}${String(++ids).padStart(4, '0')}`

  const image = (ref: string) => state.images.find((i) => i.id === ref || i.tags.includes(fullTag(ref)))
  const container = (name: string) => state.containers.find((c) => c.id === name || c.name === name)
  const drop = <T>(list: T[], item: T) => list.splice(list.indexOf(item), 1)
  const usedByContainers = (id: string) => state.containers.some((c) => c.image === id)
  /** A running container by name or id; else the engine's refusal. */
  const running = (name: string): FakeContainer => {
    const c = container(name)
    if (!c) throw engineError(404, `No such container: ${name}`)
    if (!c.running) throw engineError(409, `Container ${c.id} is not running`)
    return c
  }

  function createContainer(spec: ContainerSpec): FakeContainer {
    const from = image(spec.image)
    if (!from) throw new UserError(`cannot create a container from ${spec.image}: no such image`, { hint: 'the image is missing: build it first (pypackage-tasks image …)' })
    if (spec.name && container(spec.name)) throw engineError(409, `Conflict. The container name "/${spec.name}" is already in use`)
    const c: FakeContainer = { id: newId('c'), name: spec.name ?? newId('name'), image: from.id, labels: spec.labels ?? {}, running: true, exitCode: 0, hostPorts: {}, output: [], files: {} }
    if (spec.publish) c.hostPorts[spec.publish.containerPort] = spec.publish.hostPort || fake.freePort
    state.containers.push(c)
    return c
  }

  /** Its scripted output, at once; returns what the script says of its end (the exit code it will stop with). */
  function play(c: FakeContainer, spec: ContainerSpec): { exitCode: number; exitsAfterMs?: number; files?: Record<string, string> } {
    const { exitCode, output = [], exitsAfterMs, files } = fake.script(spec)
    for (const line of output) {
      c.output.push(line)
      spec.onOutput?.(line, 'stdout')
    }
    return { exitCode, exitsAfterMs, files }
  }

  /** The uploads as the real engine takes them: every file must be readable here (a missing one fails the copy, as the tar would). */
  function upload(spec: Pick<ContainerSpec, 'uploads'>, into?: FakeContainer): void {
    const copied: Record<string, string[]> = {}
    for (const u of spec.uploads ?? []) {
      const files = u.files ?? listFiles(u.from)
      for (const f of files) {
        const text = readFileSync(path.join(u.from, f), 'utf8')
        if (into) (into.files ??= {})[path.posix.join(u.to, f)] = text
      }
      copied[u.to] = [...(copied[u.to] ?? []), ...files]
    }
    fake.uploaded.push(copied)
  }

  /** The script's files under each download's `from`, written under its `to`. */
  function download(spec: Pick<ContainerSpec, 'downloads'>, files: Record<string, string>): void {
    for (const d of spec.downloads ?? []) {
      for (const [file, text] of Object.entries(files)) {
        const rel = path.posix.relative(d.from, file)
        if (rel.startsWith('..')) continue
        mkdirSync(path.dirname(path.join(d.to, rel)), { recursive: true })
        writeFileSync(path.join(d.to, rel), text)
      }
    }
  }

  const engine: Engine = {
    images: {
      async inspect(ref) {
        const i = image(ref)
        return i && { id: i.id, size: i.size ?? 0, created: new Date(i.created * 1000).toISOString(), labels: i.labels, tags: [...i.tags], user: i.user ?? '', workdir: i.workdir ?? '' }
      },
      async list(labels) {
        return state.images.filter((i) => matches(i.labels, labels)).map((i) => ({ id: i.id, tags: [...i.tags], created: i.created }))
      },
      async look(refs) {
        return Object.fromEntries(refs.flatMap((r) => (image(r) && /^[a-z0-9][a-z0-9._/:-]*$/.test(r) ? [[r, { id: image(r)!.id, size: image(r)!.size ?? 0 }]] : [])))
      },
      async tag(ref, repo, tag) {
        const i = image(ref)
        if (!i) throw engineError(404, `No such image: ${ref}`)
        const name = `${repo}:${tag}`
        // A name belongs to one image: it moves.
        for (const other of state.images) other.tags = other.tags.filter((t) => t !== name)
        i.tags.push(name)
      },
      async remove(ref, { force = false } = {}) {
        const i = image(ref)
        if (!i) return
        if (i.tags.includes(fullTag(ref)) && ref !== i.id) {
          i.tags = i.tags.filter((t) => t !== fullTag(ref))
          if (i.tags.length || usedByContainers(i.id)) return
        } else if (!force && (i.tags.length > 1 || usedByContainers(i.id))) {
          throw engineError(409, `conflict: unable to delete ${ref} - image is referenced in multiple repositories or used by a container`)
        }
        drop(state.images, i)
      },
      async removeUnused(ref) {
        const i = image(ref)
        if (!i) return false
        // By a name the image has others of: only that name goes (the engine untags).
        if (ref !== i.id && i.tags.includes(fullTag(ref)) && i.tags.length > 1) {
          i.tags = i.tags.filter((t) => t !== fullTag(ref))
          return true
        }
        if (usedByContainers(i.id)) return false
        drop(state.images, i)
        return true
      },
      async readFiles(ref, files) {
        const i = image(ref)
        if (!i) throw new UserError(`cannot open image ${ref}: No such image`, { hint: 'build it first (pypackage-tasks release), or name an existing image' })
        return files.map((f) => i.files?.[f])
      },
      async layout(ref) {
        return image(ref)?.layout
      },
      async load(tarball) {
        fake.loaded.push(tarball)
      },
    },
    containers: {
      async run(spec, signal) {
        if (signal?.aborted) throw interrupted(signal)
        const c = createContainer(spec)
        try {
          upload(spec)
          const { exitCode, files } = play(c, spec)
          c.exitCode = exitCode
          if (exitCode === 0) download(spec, files ?? {})
          return exitCode
        } finally {
          drop(state.containers, c)
        }
      },
      async start(spec, signal) {
        if (signal?.aborted) throw interrupted(signal)
        const c = createContainer(spec)
        upload(spec, c)
        let stopped: (code: number) => void = () => {}
        const exited = new Promise<number>((resolve) => (stopped = resolve))
        const { exitCode, exitsAfterMs } = play(c, spec)
        const end = (code: number) => {
          c.running = false
          c.exitCode = code
          stopped(code)
        }
        if (exitsAfterMs !== undefined) setTimeout(() => c.running && end(exitCode), exitsAfterMs)
        const running: Running = {
          id: c.id,
          hostPort: spec.publish ? c.hostPorts[spec.publish.containerPort] : undefined,
          host: '127.0.0.1',
          user: spec.user ?? image(spec.image)?.user ?? '',
          workdir: spec.workdir ?? image(spec.image)?.workdir ?? '',
          // Detached: nobody waits for it (as the real one, it never resolves).
          exited: spec.detached ? new Promise<number>(() => {}) : exited,
          stop: async () => end(exitCode),
          kill: async () => end(137),
          logs: async (lines) => c.output.slice(-lines),
          remove: async () => {
            end(exitCode)
            if (state.containers.includes(c)) drop(state.containers, c)
          },
        }
        return running
      },
      async inspect(name): Promise<ContainerInfo | undefined> {
        const c = container(name)
        return c && { id: c.id, name: c.name, running: c.running, exitCode: c.exitCode, hostPorts: { ...c.hostPorts }, host: '127.0.0.1', labels: { ...c.labels } }
      },
      async list(labels) {
        return state.containers.filter((c) => matches(c.labels, labels)).map((c) => ({ id: c.id, name: c.name, labels: c.labels }))
      },
      async remove(name) {
        const c = container(name)
        if (c) drop(state.containers, c)
      },
      async logs(name, lines) {
        const c = container(name)
        if (!c) throw engineError(404, `No such container: ${name}`)
        return c.output.slice(-lines)
      },
      async streamLogs(name, { tail, onOutput }) {
        for (const line of await engine.containers.logs(name, tail)) onOutput(line, 'stdout')
      },
      async exec(name) {
        const c = container(name)
        if (!c) throw engineError(404, `No such container: ${name}`)
        if (!c.running) throw engineError(409, `Container ${c.id} is not running`)
        return fake.execExitCode
      },
      // The exec is the script's turn: it sees the command and environment as a spec of the
      // container's image. Its stdin folders are copied in first; with `unpack`, every file it
      // leaves comes back there without its first path part (what a tar of that folder gives).
      async execStreaming(name, { cmd, env, onOutput, stdin, unpack, collect, signal }) {
        if (signal?.aborted) throw interrupted(signal)
        const c = running(name)
        if (stdin) upload({ uploads: stdin }, c)
        const { exitCode, output = [], files = {} } = fake.script({ image: c.image, cmd, env, onOutput })
        for (const line of output) onOutput(line, 'stderr')
        Object.assign((c.files ??= {}), files)
        if (exitCode === 0) collect?.(fake.collected ?? Buffer.alloc(0))
        if (exitCode === 0 && unpack) {
          for (const [file, text] of Object.entries(files)) {
            const rel = file.split('/').filter(Boolean).slice(1).join('/')
            mkdirSync(path.dirname(path.join(unpack, rel)), { recursive: true })
            writeFileSync(path.join(unpack, rel), text)
          }
        }
        return exitCode
      },
      async copyIn(name, uploads) {
        upload({ uploads }, running(name))
      },
      async runCollect(spec) {
        if (!image(spec.image)) throw new UserError(`cannot create a container from ${spec.image}: no such image`)
        const { exitCode, output = [] } = fake.script(spec)
        return { exitCode, output, file: exitCode === 0 ? fake.collected : undefined }
      },
    },
    networks: {
      async inspect(name) {
        const n = state.networks.find((x) => x.id === name || x.name === name)
        return n && { id: n.id, name: n.name }
      },
      async create(name, labels) {
        if (state.networks.some((n) => n.name === name)) throw engineError(409, `network with name ${name} already exists`)
        state.networks.push({ id: newId('n'), name, labels })
      },
      async list(labels) {
        return state.networks.filter((n) => matches(n.labels, labels)).map((n) => ({ id: n.id, name: n.name }))
      },
      async remove(name) {
        const n = state.networks.find((x) => x.id === name || x.name === name)
        if (n) drop(state.networks, n)
      },
    },
    volumes: {
      async inspect(name) {
        const v = state.volumes.find((x) => x.name === name)
        return v && { name: v.name, labels: v.labels }
      },
      async create(name, labels) {
        if (!state.volumes.some((v) => v.name === name)) state.volumes.push({ name, labels })
      },
      async list(labels) {
        return state.volumes.filter((v) => matches(v.labels, labels)).map((v) => ({ name: v.name, labels: v.labels }))
      },
      async remove(name) {
        const v = state.volumes.find((x) => x.name === name)
        if (v) drop(state.volumes, v)
      },
    },
    async build(req) {
      if (req.signal?.aborted) throw interrupted(req.signal)
      // The engine reads the whole context: so does the fake, or the tar stream would still be
      // reading the project's files after the test removed them.
      for await (const chunk of req.context) void chunk
      const built: FakeImage = { id: `sha256:${newId('i')}`, tags: [], labels: req.labels ?? {}, created: Math.floor(Date.now() / 1000) }
      state.images.push(built)
      for (const t of req.tags) await engine.images.tag(built.id, t.slice(0, t.lastIndexOf(':')), t.slice(t.lastIndexOf(':') + 1))
      return { id: built.id }
    },
    async builder(setting) {
      return setting === 'auto' ? 'buildkit' : setting
    },
    async push(repo, tag, opts = {}) {
      if (opts.signal?.aborted) throw interrupted(opts.signal)
      if (!image(`${repo}:${tag}`)) throw new UserError(`pushing ${repo}:${tag} failed: no such image`)
      return 'sha256:' + '0'.repeat(64)
    },
  }

  const calls: Call[] = []
  const failures = new Map<string, Error>()
  /** Record, then fail if told to, then answer. */
  const recorded = <T extends object>(scope: string, target: T): T => {
    const out = {} as Record<string, unknown>
    for (const [key, fn] of Object.entries(target)) {
      const method = scope ? `${scope}.${key}` : key
      out[key] = async (...args: unknown[]) => {
        calls.push({ method, args })
        const error = failures.get(method)
        if (error) throw 'statusCode' in error ? engineFailure([method, args[0]].filter((a) => typeof a === 'string').join(' '), error) : error
        return (fn as (...a: unknown[]) => Promise<unknown>)(...args)
      }
    }
    return out as T
  }
  const fake: FakeEngine = {
    images: recorded('images', engine.images),
    containers: recorded('containers', engine.containers),
    networks: recorded('networks', engine.networks),
    volumes: recorded('volumes', engine.volumes),
    ...recorded('', { build: engine.build, builder: engine.builder, push: engine.push }),
    state,
    calls,
    log: () => calls.map((c) => [c.method, typeof c.args[0] === 'string' ? c.args[0] : ''].join(' ').trim()),
    fail: (method, error) => void failures.set(method, error),
    script: () => ({ exitCode: 0 }),
    execExitCode: 0,
    freePort: 49153,
    uploaded: [],
    loaded: [],
  }
  return fake
}
