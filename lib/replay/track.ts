import fs from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Engine } from '../docker/engine.js'
import type { Emit, Event } from '../events.js'
import type { GitRead } from '../git.js'
import { makeRecord, replayKey, replayPath, saveRecord } from './record.js'

// What a release read, for the replay record (record.ts): every path it looked at through node:fs
// — our code's calls and our dependencies' alike (fast-glob, docker-modem's ~/.docker), sync,
// callback and promise forms — every environment variable it asked for, and every image it
// asked the engine about. A record that lists what was read by hand would miss the next reader;
// this one cannot. Paths the run wrote to (its lock, its caches) are kept apart: their folders
// are compared by their entries, not by their times, which the run itself changed.

/** What one run read and wrote. */
export interface Reads {
  /** Absolute paths stat'ed, opened, read or listed. */
  paths: Set<string>
  /** Absolute paths created, written, renamed or removed. */
  written: Set<string>
  /** Environment variables asked for → their value (null: unset). */
  env: Map<string, string | null>
  /** Image refs asked about → the id the engine gave ('' when it had none). */
  images: Map<string, string>
  /** The run asked the engine for something other than images' ids: it did work, not a look. */
  acted: boolean
}

const READERS = ['stat', 'lstat', 'readFile', 'readdir', 'open', 'access', 'exists', 'realpath', 'opendir', 'readlink'] as const
const WRITERS = ['writeFile', 'appendFile', 'mkdir', 'rmdir', 'rm', 'unlink', 'rename', 'link', 'symlink', 'copyFile', 'cp', 'truncate', 'utimes', 'chmod', 'chown'] as const
/** Writers whose second path is the one written (rename, link, symlink, copyFile, cp): both counted. */
const TWO_PATHS = new Set(['rename', 'link', 'symlink', 'copyFile', 'cp'])

type Target = Record<string, unknown>
type AnyFn = (...args: unknown[]) => unknown

function asPath(arg: unknown): string | undefined {
  if (typeof arg === 'string') return path.resolve(arg)
  if (arg instanceof URL && arg.protocol === 'file:') return fileURLToPath(arg)
  if (Buffer.isBuffer(arg)) return path.resolve(arg.toString())
  return undefined // a file descriptor: its path was counted when it was opened
}

/** An open's flags that write ('w', 'a', 'r+', or numeric with O_WRONLY/O_RDWR/O_CREAT). */
function opensToWrite(flags: unknown): boolean {
  if (typeof flags === 'string') return /[wa+]/.test(flags)
  if (typeof flags === 'number') return (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT)) !== 0
  return false
}

/** Replace `obj[name]` with a function that tells `onCall` its arguments first; the undo goes to `undo`. */
function wrap(obj: Target, name: string, onCall: (args: unknown[]) => void, undo: (() => void)[]): void {
  const original = obj[name]
  if (typeof original !== 'function') return
  const wrapper = function (this: unknown, ...args: unknown[]) {
    onCall(args)
    return (original as AnyFn).apply(this, args)
  }
  // fs.exists's promisified form, realpath.native: what callers find on the function itself.
  for (const key of Reflect.ownKeys(original)) {
    if (key === 'length' || key === 'name' || key === 'prototype') continue
    Object.defineProperty(wrapper, key, Object.getOwnPropertyDescriptor(original, key)!)
  }
  const custom = (original as { [promisify.custom]?: unknown })[promisify.custom]
  if (custom) Object.defineProperty(wrapper, promisify.custom, { value: custom })
  obj[name] = wrapper
  undo.push(() => (obj[name] = original))
}

function watchFs(reads: Reads, undo: (() => void)[]): void {
  const read = (args: unknown[]) => {
    const p = asPath(args[0])
    if (p) reads.paths.add(p)
  }
  const opened = (args: unknown[]) => {
    read(args)
    const p = asPath(args[0])
    if (p && opensToWrite(args[1])) reads.written.add(p)
  }
  const written = (name: string) => (args: unknown[]) => {
    for (const arg of TWO_PATHS.has(name) ? args.slice(0, 2) : args.slice(0, 1)) {
      const p = asPath(arg)
      if (p) reads.written.add(p)
    }
  }
  // Undone last (undo runs in reverse): the named imports follow the originals once they are back.
  undo.push(() => syncBuiltinESMExports())
  const targets: [Target, string][] = [
    [fs as unknown as Target, ''],
    [fs as unknown as Target, 'Sync'],
    [fs.promises as unknown as Target, ''],
  ]
  for (const [obj, suffix] of targets) {
    for (const name of READERS) wrap(obj, name + suffix, name === 'open' ? opened : read, undo)
    for (const name of WRITERS) wrap(obj, name + suffix, written(name), undo)
    wrap(obj, 'createReadStream', read, undo)
    wrap(obj, 'createWriteStream', written('writeFile'), undo)
  }
  // `import { statSync } from 'node:fs'` bindings follow the module object only when told to.
  syncBuiltinESMExports()
}

function watchEnv(reads: Reads, undo: (() => void)[]): void {
  const real = process.env
  // A copy of the whole environment (a child process's, made key by key) is not a read of each
  // variable: what the child answers is what counts, and it is checked itself (git's answer).
  let copying = false
  const asked = (key: string | symbol, value: unknown) => {
    if (typeof key === 'string' && !copying && !reads.env.has(key)) reads.env.set(key, typeof value === 'string' ? value : null)
  }
  process.env = new Proxy(real, {
    get(target, key) {
      const value = Reflect.get(target, key)
      asked(key, value)
      return value
    },
    has(target, key) {
      asked(key, Reflect.get(target, key))
      return Reflect.has(target, key)
    },
    ownKeys(target) {
      copying = true
      queueMicrotask(() => (copying = false))
      return Reflect.ownKeys(target)
    },
  })
  undo.push(() => (process.env = real))
}

/**
 * Start counting what the process reads. `stop` puts node:fs and process.env back. A run may be
 * answered later from what was counted only if nothing else could change its answer: its code,
 * its arguments and these reads (record.ts).
 */
export function trackReads(): { reads: Reads; stop: () => void } {
  const reads: Reads = { paths: new Set(), written: new Set(), env: new Map(), images: new Map(), acted: false }
  const undo: (() => void)[] = []
  watchFs(reads, undo)
  watchEnv(reads, undo)
  let stopped = false
  return {
    reads,
    stop() {
      if (stopped) return
      stopped = true
      for (const u of undo.reverse()) u()
    },
  }
}

/** `obj` with each of its functions marking the run as one that acted when called. */
function acting<T extends object>(obj: T, reads: Reads): T {
  return new Proxy(obj, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        reads.acted = true
        return (value as AnyFn).apply(target, args)
      }
    },
  })
}

/**
 * The engine, counting the images asked about (inspect, look) and whether anything else was asked
 * (a build, a container, a tag: the run did work, and is not one to answer from a record).
 */
export function watchEngine(engine: Engine, reads: Reads): Engine {
  const images = acting(engine.images, reads)
  const looking: Engine['images'] = Object.create(images)
  looking.inspect = async (ref) => {
    const info = await engine.images.inspect(ref)
    reads.images.set(ref, info?.id ?? '')
    return info
  }
  looking.look = async (refs) => {
    const found = await engine.images.look(refs)
    for (const ref of refs) reads.images.set(ref, found[ref]?.id ?? '')
    return found
  }
  return {
    ...acting(engine, reads),
    images: looking,
    containers: acting(engine.containers, reads),
    networks: acting(engine.networks, reads),
    volumes: acting(engine.volumes, reads),
  }
}

/** A run counted for its replay record: from the start of the task to its end. */
export interface Recording {
  /** The engine the run uses, counting what it asks. */
  engine(e: Engine): Engine
  /** An event sink that also keeps what the run says. */
  said(emit: Emit): Emit
  /** The run ended with `code`: stop counting, and record it if it only looked (0, every node skipped). */
  finish(code: number, o: { git?: { root: string; read: GitRead }; context?: string; format: (e: Event) => string | undefined }): Promise<void>
  /** Stop counting, nothing recorded (idempotent). */
  stop(): void
}

/** Start counting the run of the command `argv` in `cwd` for the record of that command. */
export function startRecording(argv: string[], cwd: string): Recording {
  const file = replayPath(replayKey(argv, cwd).key)
  const { reads, stop } = trackReads()
  const events: Event[] = []
  return {
    engine: (e) => watchEngine(e, reads),
    said: (emit) => (e) => {
      events.push(e)
      emit(e)
    },
    async finish(code, { git, context, format }) {
      stop()
      if (code !== 0) return
      const lines = events.map(format).filter((l) => l !== undefined)
      const record = makeRecord(reads, { events, lines, git, context }, Date.now())
      if (record) await saveRecord(file, record)
    },
    stop,
  }
}
