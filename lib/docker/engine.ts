import { UserError } from '../errors.js'
import type { Builder, BuildRequest } from './build-image.js'
import type { PushOptions } from './push.js'
import type { ContainerSpec } from './container-spec.js'
import type { Running } from './run-container.js'
import type { ExecOptions } from './exec.js'
import type { Upload } from './transfer.js'

export type { ContainerSpec, Running }

/**
 * What the tool needs from a Docker engine, by resource (as dockerode splits its own files).
 * lib/docker/ implements it over dockerode (client.ts: createEngine); tests pass a fake of it
 * (tests/helpers/fake-engine.ts), so nothing else knows dockerode.
 *
 * One not-found convention: a lookup (`inspect`) answers undefined for what the engine does not
 * have, a removal of what is already gone is done, and every other failure throws a UserError
 * (engineFailure, or the more specific one run-container.ts, build-image.ts, push.ts and files.ts give).
 */
export interface Engine {
  images: Images
  containers: Containers
  networks: Networks
  volumes: Volumes
  /** Build an image; a failed step is a UserError naming it (build-image.ts). */
  build(req: BuildRequest): Promise<{ id: string }>
  /** The builder a setting means on this engine: 'auto' is BuildKit when its API offers it. */
  builder(setting: 'auto' | Builder): Promise<Builder>
  /** Push `repo:tag` with bounded retries (push.ts); returns the pushed digest. */
  push(repo: string, tag: string, opts?: PushOptions): Promise<string>
}

/** Labels to match, every one of them: `{ 'pypackage-tasks.project': 'acme/app' }`. */
export type Labels = Record<string, string>

export interface ImageInfo {
  id: string
  /** Bytes. */
  size: number
  created: string
  labels: Labels
  /** Its names (`repo:tag`); none for an image a rebuild superseded. */
  tags: string[]
  /** The user its containers run as (its USER; '' = root), and where (its WORKDIR). */
  user: string
  workdir: string
}

/** An image as the one look found it: its id, and its size in bytes. */
export interface ImageBrief {
  id: string
  size: number
}

interface ImageSummary {
  id: string
  tags: string[]
  /** Seconds since the epoch. */
  created: number
}

export interface Images {
  /** The image, or undefined when the engine does not have it; a malformed reference is a UserError. */
  inspect(ref: string): Promise<ImageInfo | undefined>
  /** Every image carrying all `labels`. */
  list(labels: Labels): Promise<ImageSummary[]>
  /**
   * Which of `refs` (`repo:tag`) the engine has, each one's id and size, in one round of requests side by
   * side: a ref it lacks, or one not written as plain `name[:tag]` (a digest), is absent.
   */
  look(refs: string[]): Promise<Record<string, ImageBrief>>
  tag(ref: string, repo: string, tag: string): Promise<void>
  /**
   * Remove a name (or, by id, the image). `force`: also when containers use it; `noprune`: keep
   * the untagged parents it leaves.
   */
  remove(ref: string, opts?: { force?: boolean; noprune?: boolean }): Promise<void>
  /** Remove unless a container or a child image still uses it: false when kept. */
  removeUnused(ref: string): Promise<boolean>
  /** Files out of the image without running it: each one's text, or undefined when it has none. */
  readFiles(image: string, files: string[], labels: Labels): Promise<(string | undefined)[]>
  /** Its layers (diff ids), history (oldest first), container config, platform: what a new image on top of it needs; undefined when absent. */
  layout(ref: string): Promise<ImageLayout | undefined>
  /** Load a `docker save` tarball (POST /images/load); layers the engine has may be left out of it. */
  load(tarball: Buffer): Promise<void>
}

/** One step of an image's history, as the engine reports it (created: seconds since the epoch). */
export interface HistoryStep {
  createdBy: string
  created: number
  comment: string
  size: number
}

export interface ImageLayout {
  diffIds: string[]
  history: HistoryStep[]
  /** The image's container config (User, Env, Cmd, Healthcheck, Labels, …) as the engine keeps it. */
  config: Record<string, unknown>
  architecture: string
  os: string
}

export interface ContainerInfo {
  id: string
  name: string
  running: boolean
  exitCode: number
  /** Container TCP port → the host port it is published on. */
  hostPorts: Record<number, number>
  /** Where those ports are reached from here (127.0.0.1 on the local engine). */
  host: string
  labels: Labels
}

interface ContainerSummary {
  id: string
  name: string
  labels: Labels
}

export interface Containers {
  /** Run to completion and remove it, also on failure and on abort; the exit code (run-container.ts). */
  run(spec: ContainerSpec, signal?: AbortSignal): Promise<number>
  /** Create, attach and start; the caller removes it (`Running.remove()` in a `finally`), unless detached. */
  start(spec: ContainerSpec, signal?: AbortSignal): Promise<Running>
  /** A container by name or id, running or stopped, or undefined. */
  inspect(name: string): Promise<ContainerInfo | undefined>
  /** Every container carrying all `labels`, stopped ones included. */
  list(labels: Labels): Promise<ContainerSummary[]>
  /** Stop and remove; `volumes`: its anonymous volumes too. */
  remove(name: string, opts?: { volumes?: boolean }): Promise<void>
  /** Its last `lines` lines, stdout and stderr interleaved. */
  logs(name: string, lines: number): Promise<string[]>
  /** Its output, line by line, until the log ends (`follow`: until the container stops) or `signal` aborts. */
  streamLogs(name: string, opts: { tail: number; follow: boolean; signal?: AbortSignal; onOutput: (line: string, stream: 'stdout' | 'stderr') => void }): Promise<void>
  /** Run `cmd` in the running container, output discarded; its exit code. */
  exec(name: string, cmd: string[]): Promise<number>
  /**
   * Run `cmd` in the running container with `env`, each output line to onOutput, folders into its
   * stdin and a tar from its stdout unpacked here if asked (exec.ts); its exit code. On abort the
   * container is removed (the API cannot signal an exec's process), then the abort thrown.
   */
  execStreaming(name: string, opts: ExecOptions): Promise<number>
  /** Copy folders of this machine into the (running) container, as a created one gets its uploads. */
  copyIn(name: string, uploads: Upload[], signal?: AbortSignal): Promise<void>
  /**
   * Create a container, unpack `files.tar` at `files.dir` in it, run it to completion, then read
   * the file `collect` out of it; removed in every case. Its exit code, output lines, and the
   * file's bytes (undefined when it made none).
   */
  runCollect(spec: ContainerSpec, files: { dir: string; tar: Buffer }, collect: string, signal?: AbortSignal): Promise<{ exitCode: number; output: string[]; file?: Buffer }>
}

export interface Networks {
  inspect(name: string): Promise<{ id: string; name: string } | undefined>
  create(name: string, labels: Labels): Promise<void>
  list(labels: Labels): Promise<{ id: string; name: string }[]>
  remove(name: string): Promise<void>
}

export interface Volumes {
  inspect(name: string): Promise<{ name: string; labels: Labels } | undefined>
  /** An existing volume of that name is kept as it is (the engine answers with it). */
  create(name: string, labels: Labels): Promise<void>
  list(labels: Labels): Promise<{ name: string; labels: Labels }[]>
  remove(name: string): Promise<void>
}

/** The engine answered 404: what was asked for does not exist. The one place that reads it. */
export function notFound(e: unknown): boolean {
  return (e as { statusCode?: number } | undefined)?.statusCode === 404
}

/**
 * Any other failure of a request, as the user reads it: what we asked for, the engine's first
 * line, what to do. (A stack would say nothing the engine's message does not.)
 */
export function engineFailure(what: string, e: unknown): UserError {
  return new UserError(`the engine failed to ${what}: ${(e as Error).message.split('\n')[0]}`, { hint: 'check that the Docker engine is running, then retry', cause: e })
}

/** A request: its answer, or an engineFailure. */
export async function ask<T>(what: string, p: Promise<T>): Promise<T> {
  try {
    return await p
  } catch (e) {
    throw engineFailure(what, e)
  }
}

/** A lookup: undefined when the engine does not have it. */
export async function unlessNotFound<T>(what: string, p: Promise<T>): Promise<T | undefined> {
  try {
    return await p
  } catch (e) {
    if (notFound(e)) return undefined
    throw engineFailure(what, e)
  }
}

/** A removal: already gone is the state we want. */
export async function ignoreNotFound(what: string, p: Promise<unknown>): Promise<void> {
  await unlessNotFound(what, p)
}
