import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { cacheFolder, isSettled, writeCacheFile } from '../cache-file.js'
import type { Engine } from '../docker/engine.js'
import type { Event } from '../events.js'
import { readGit, type GitRead } from '../git.js'
import type { Reads } from './track.js'

// The replay record: a release that found everything up to date keeps what it read (track.ts)
// and what it said. The next identical command — same folder, same words, same tool — checks
// those reads (a stat each, the variables, one git, one engine request for the images' ids) and,
// when every one is as it was, says the same again without loading the pipeline: "no-change in
// one look". Any difference, any doubt, and the release runs in full (and may record anew).

const VERSION = 1

/** A path as it was read: [kind, size, mtimeMs, ctimeMs, ino, mode]; null: it did not exist. */
type Stamp = [kind: 'f' | 'd' | 'o', size: number, mtimeMs: number, ctimeMs: number, ino: number, mode: number] | null

export interface ReplayRecord {
  version: typeof VERSION
  /** The code that made it (this module's file's size and time): another build, another record. */
  tool: string
  env: Record<string, string | null>
  paths: Record<string, Stamp>
  /** Folders the run itself wrote in (its lock's): their entries, since their times are the run's. */
  entries: Record<string, string[]>
  /** The project folder git was asked about, and its answer. */
  git?: { root: string; read: GitRead }
  /** Image ref → id ('' = absent) for every image the run asked about. */
  images: Record<string, string>
  /** The Docker context the run was asked to use (--context), for the one request. */
  context?: string
  /** What it said: its events (for --json) and its plain lines. */
  events: Event[]
  lines: string[]
}

/**
 * A command's record key — its folder and the words that change what it does, all but how its
 * output is shown — and the --progress it asked for (--json, --plain, --progress MODE).
 */
export function replayKey(argv: string[], cwd: string): { key: string; progress?: string } {
  const words: string[] = []
  let progress: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') {
      words.push(...argv.slice(i))
      break
    }
    if (a === '--json' || a === '--plain') progress = a.slice(2)
    else if (a.startsWith('--progress=')) progress = a.slice('--progress='.length)
    else if (a === '--progress') progress = argv[++i]
    else if (a !== '--color' && a !== '--no-color') words.push(a)
  }
  return {
    key: createHash('sha256')
      .update(JSON.stringify([cwd, words]))
      .digest('hex')
      .slice(0, 20),
    progress,
  }
}

export const replayPath = (key: string, env: NodeJS.ProcessEnv = process.env): string => path.join(cacheFolder(env), `replay-${key}.json`)

/** This code's stamp: a new build of the tool is another tool. */
function toolStamp(): string {
  const st = statSync(fileURLToPath(import.meta.url))
  return `${st.size}:${st.mtimeMs}`
}

/**
 * A git folder (`.git`) counts by its kind only: git changes its times on every run (the index
 * refreshed by `describe --dirty`), and what it holds is checked by asking git again.
 */
const byKindOnly = (p: string) => path.basename(p) === '.git'

function stampOf(p: string): Stamp {
  let st: Stats
  try {
    st = statSync(p)
  } catch {
    return null
  }
  const kind = st.isFile() ? 'f' : st.isDirectory() ? 'd' : 'o'
  return byKindOnly(p) ? [kind, 0, 0, 0, 0, 0] : [kind, st.size, st.mtimeMs, st.ctimeMs, st.ino, st.mode]
}

const sameStamp = (a: Stamp, b: Stamp) => JSON.stringify(a) === JSON.stringify(b)

function entriesOf(dir: string): string[] | undefined {
  try {
    return readdirSync(dir).sort()
  } catch {
    return undefined
  }
}

/** Our own caches (the record itself, the state record, listings) and the kernel's files: never an input of what a release decides. */
function ignored(p: string, cache: string): boolean {
  return p === cache || p.startsWith(cache + path.sep) || p.startsWith('/proc/') || p.startsWith('/dev/')
}

/**
 * What to keep of a run that found everything up to date, or undefined when it cannot be answered
 * from a record: it did work, or something it read changed too recently to trust its stat.
 */
export function makeRecord(reads: Reads, said: Pick<ReplayRecord, 'events' | 'lines' | 'context' | 'git'>, now: number): ReplayRecord | undefined {
  const { events } = said
  if (reads.acted || !events.length || events.some((e) => e.type !== 'task:skip')) return undefined
  const cache = cacheFolder()
  const paths: ReplayRecord['paths'] = {}
  const entries: ReplayRecord['entries'] = {}
  // The folders holding what the run wrote (its lock) have the run's times: compared by their entries.
  const wroteIn = new Set([...reads.written].map((p) => path.dirname(p)))
  for (const p of reads.paths) {
    if (ignored(p, cache) || reads.written.has(p)) continue
    if (wroteIn.has(p)) {
      const names = entriesOf(p)
      if (names) entries[p] = names
      continue
    }
    const stamp = stampOf(p)
    if (stamp && !byKindOnly(p) && !isSettled({ mtimeMs: stamp[2], ctimeMs: stamp[3] }, now)) return undefined
    paths[p] = stamp
  }
  for (const p of reads.written) if (!ignored(p, cache) && !reads.paths.has(p)) paths[p] = stampOf(p)
  return { version: VERSION, tool: toolStamp(), env: Object.fromEntries(reads.env), paths, entries, images: Object.fromEntries(reads.images), ...said }
}

export async function saveRecord(file: string, record: ReplayRecord): Promise<void> {
  await writeCacheFile(file, JSON.stringify(record))
}

function readRecord(file: string): ReplayRecord | undefined {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as ReplayRecord
    return data.version === VERSION && typeof data.paths === 'object' && Array.isArray(data.events) && Array.isArray(data.lines) ? data : undefined
  } catch {
    return undefined
  }
}

/** Whether every path, folder and variable the record lists is as it was: the cheap checks, first. */
function localReadsHold(record: ReplayRecord, env: NodeJS.ProcessEnv): boolean {
  if (record.tool !== toolStamp()) return false
  for (const [name, value] of Object.entries(record.env)) if ((env[name] ?? null) !== value) return false
  for (const [p, stamp] of Object.entries(record.paths)) if (!sameStamp(stampOf(p), stamp)) return false
  for (const [dir, names] of Object.entries(record.entries)) if (JSON.stringify(entriesOf(dir)) !== JSON.stringify(names)) return false
  return true
}

/**
 * The recorded run when it may be answered from `file`: the same paths, variables, git answer
 * and image ids. `engine`: for the record's Docker context, connected without a ping (a failure
 * is a no, and the full run then says what is wrong).
 */
export async function replayable(file: string, engine: (context: string | undefined) => Promise<Engine>, env: NodeJS.ProcessEnv = process.env): Promise<ReplayRecord | undefined> {
  const record = readRecord(file)
  if (!record || !localReadsHold(record, env)) return undefined
  const refs = Object.keys(record.images)
  const [git, ids] = await Promise.all([
    record.git ? readGit(record.git.root) : undefined,
    engine(record.context)
      .then((e) => e.images.look(refs))
      .catch(() => undefined),
  ])
  if (JSON.stringify(git) !== JSON.stringify(record.git?.read)) return undefined
  if (!ids || refs.some((ref) => (ids[ref]?.id ?? '') !== record.images[ref])) return undefined
  return record
}
