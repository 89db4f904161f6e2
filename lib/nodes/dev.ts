import path from 'node:path'
import type { Context } from '../context.js'
import type { Engine } from '../docker/engine.js'
import { labelsFor } from '../docker/labels.js'
import { interrupted, isUserError, UserError } from '../errors.js'
import { readGit } from '../git.js'
import { action } from '../graph/action.js'
import { execute, type Node } from '../graph/execute.js'
import { imageNodeId } from '../graph/ids.js'
import { withProjectLock, type LockWait } from '../lock.js'
import { DATA_FOLDERS, hardeningFor } from '../pipeline/hardening.js'
import { graphWithRoles, type NodeResult } from '../pipeline/image-graph.js'
import { releaseBuildArgs, releaseRepo } from '../pipeline/release.js'
import { exitedError, outputKeeper, waitForAnswer } from '../pipeline/serving.js'
import { changedFiles, folderWatcher, snapshotSources, toolOutput, watchedFolders, type FolderWatcher, type Snapshot } from '../pipeline/watch.js'
import { appEnv, type Project } from '../project.js'
import { detectShape } from '../shape/detect.js'
import { done } from '../tasks/outcome.js'
import { pipelineNodes } from './pipeline.js'

/** How dev runs: where it serves, how many builds at once, how long a burst of saves may last. */
export interface DevOptions {
  hostPort: number
  concurrency: number
  debounceMs: number
}

/** Said when a container that was serving stopped by itself (it is removed by then). */
type OnExit = (served: Served, code: number) => void

/** The app's container, and the image it serves. */
interface Served {
  stop(): Promise<void>
  image: string
  url: string
  hostPort: number
  /** What its first answer to GET / was. */
  status: number
}

/** The project as it is now: a save may change its shape (entry point, requirements) and its git state (the -dirty tag). */
async function currentProject(project: Project): Promise<Project> {
  let shape: ReturnType<Project['shape']> | undefined
  const git = project.git && ((await readGit(project.root)).state ?? project.git)
  return { ...project, git, shape: () => (shape ??= detectShape(project.source, project.config)) }
}

/**
 * The release graph, as the release task builds it (no tags, no smoke test), under the project lock
 * (held only while building: other tasks run between rebuilds). Returns the release image's id.
 */
async function buildRelease(ctx: Context, opts: DevOptions): Promise<string> {
  const onWait = (wait: LockWait) => ctx.emit({ type: 'lock:wait', ...wait })
  return withProjectLock(ctx.project.root, 'dev', { signal: ctx.signal, onWait }, async () => {
    const c: Context = { ...ctx, project: await currentProject(ctx.project) }
    const results = await execute<Context, NodeResult>(await releaseNodes(c, opts.concurrency), c, { emit: ctx.emit, concurrency: opts.concurrency })
    return results.get(imageNodeId(c.project.config.images.release))!.id
  })
}

/** The release graph's nodes, the release image last (what dev builds, and what its dry run shows). */
export async function releaseNodes(ctx: Context, concurrency: number): Promise<Node<Context, NodeResult>[]> {
  await releaseBuildArgs(ctx) // nothing to serve: said before building anything
  return pipelineNodes(ctx, await graphWithRoles(ctx), [ctx.project.config.images.release], { prewarm: concurrency > 1 })
}

/**
 * Start `image` on 127.0.0.1:`hostPort` (0: a free port) as `run` does, its output printed as it
 * comes; resolves once it answers GET /. One that stops first is removed, and its cause thrown;
 * so is one that answers with a server error when `mustAnswer` (the previous image did not: a
 * Django view that no longer imports fails at the first request, not at start).
 */
async function startServing(ctx: Context, session: Pick<DevState, 'keep' | 'onExit'>, image: string, hostPort: number, mustAnswer = false): Promise<Served> {
  const { config } = ctx.project
  const hardened = hardeningFor(config, 'run')
  const kept = outputKeeper()
  const onOutput = (line: string, stream: 'stdout' | 'stderr') => {
    ctx.emit({ type: 'output', stream, line })
    kept.keep(line)
  }
  const labels = labelsFor(ctx.project.prefix, 'dev', ctx.runId)
  const publish = { containerPort: config.release.port, hostPort }
  const spec = { image, env: appEnv(config), labels, hardened, keep: session.keep, onOutput, publish }
  const running = await (await ctx.engine()).containers.start(spec, ctx.signal)
  let exited: number | undefined
  // Once it has answered, an exit of its own (not our removal) is news: it is removed, and said;
  // before, it is this function's error.
  let served: Served | undefined
  let removing = false
  const stop = async () => {
    removing = true
    await running.remove()
  }
  running.exited.then(
    (code) => {
      exited = code
      if (served && !removing)
        void stop()
          .catch(() => undefined) // gone already
          .then(() => session.onExit(served!, code))
    },
    () => undefined,
  )
  try {
    const url = `http://${running.host}:${running.hostPort}`
    const answer = await waitForAnswer(url, async () => exited, ctx.signal, 60_000)
    if ('exited' in answer) throw exitedError(answer.exited, kept.tail, { task: 'run', hardened: hardened && { ...hardened, user: running.user, workdir: running.workdir }, evidence: kept.evidence })
    if ('answered' in answer && answer.status >= 500 && mustAnswer) {
      throw new UserError(`it answers GET / with ${answer.status}`, { details: kept.tail.slice(-15), hint: 'its output is above: fix the error, then save' })
    }
    served = { stop, image, url, hostPort: running.hostPort ?? hostPort, status: 'answered' in answer ? answer.status : 0 }
    return served
  } catch (e) {
    await stop()
    throw e
  }
}

/** A volume of the session for each folder the app writes (its data), labelled as its containers are. */
async function keepVolumes(ctx: Context, engine: Engine): Promise<Record<string, string>> {
  const folders = hardeningFor(ctx.project.config, 'run')?.writable ?? DATA_FOLDERS
  const keep: Record<string, string> = {}
  for (const folder of folders.filter((f) => f !== '/tmp')) {
    const name = `${ctx.project.prefix.replace(/\//g, '-')}-dev-${ctx.runId}-${path.posix.basename(folder)}`
    await engine.volumes.create(name, labelsFor(ctx.project.prefix, 'dev', ctx.runId))
    keep[folder] = name
  }
  return keep
}

/** What the loop keeps between changes. */
interface DevState {
  served?: Served
  /** The sources as the last build saw them. */
  snapshot: Snapshot
  /** The last rebuild failed: the next save retries even if it changes nothing. */
  retry: boolean
  /** Where the app is served: the port --port gave, or the free one the first container got. */
  hostPort: number
  /** The app's data folders → the session's volumes: what the app wrote outlives a restart (and migrations only add). */
  keep: Record<string, string>
  onExit: OnExit
}

/** The failure, as the dev:failed event carries it; an interrupt is thrown on. */
function failure(ctx: Context, e: unknown): { message: string; hint?: string; details?: string[] } {
  if (ctx.signal.aborted) throw interrupted(ctx.signal)
  if (!isUserError(e)) throw e // a bug: not something a save can fix
  return { message: e.message, ...(e.hint ? { hint: e.hint } : {}), ...(e.details?.length ? { details: e.details } : {}) }
}

/**
 * Serve `image` instead of what serves now: the old container is removed first (the port is the
 * same), then the new one starts. One that stops before answering gives the port back to the
 * previous image, and says so: false.
 */
async function replace(ctx: Context, state: DevState, image: string): Promise<boolean> {
  const previous = state.served!
  await previous.stop()
  state.served = undefined
  try {
    state.served = await startServing(ctx, state, image, previous.hostPort, previous.status < 500)
    return true
  } catch (e) {
    const why = failure(ctx, e)
    try {
      state.served = await startServing(ctx, state, previous.image, previous.hostPort)
    } catch (again) {
      failure(ctx, again) // said by the dev:failed below: nothing serves
    }
    ctx.emit({ type: 'dev:failed', stage: 'start', ...why, ...(state.served ? { url: state.served.url } : {}) })
    state.retry = true
    return false
  }
}

/** One change: rebuild, then serve the new image; a failure keeps the previous one serving. */
async function applyChange(ctx: Context, opts: DevOptions, state: DevState, savedAt: number): Promise<void> {
  let image: string
  try {
    image = await buildRelease(ctx, opts)
  } catch (e) {
    ctx.emit({ type: 'dev:failed', stage: 'build', ...failure(ctx, e), ...(state.served ? { url: state.served.url } : {}) })
    state.retry = true
    return
  }
  const restarted = image !== state.served?.image
  if (state.served && restarted) {
    if (!(await replace(ctx, state, image))) return
  } else if (!state.served) {
    state.served = await startServing(ctx, state, image, state.hostPort).catch((e) => {
      ctx.emit({ type: 'dev:failed', stage: 'start', ...failure(ctx, e) })
      return undefined
    })
    if (!state.served) return void (state.retry = true)
  }
  state.retry = false
  ctx.emit({ type: 'dev:served', ms: Date.now() - savedAt, url: state.served.url, image, restarted })
}

/** Wait for a save that changes the sources (or any save after a failure); returns when it began. */
async function nextChange(ctx: Context, watcher: FolderWatcher, state: DevState): Promise<number> {
  for (;;) {
    const savedAt = await watcher.next(ctx.signal)
    let now: Snapshot
    try {
      now = await snapshotSources(ctx.project)
    } catch {
      continue // a file removed while it was read: the next event says what is left
    }
    // A new folder (empty yet) is watched from now on; a removed one is dropped.
    watcher.sync(await watchedFolders(ctx.project))
    const files = changedFiles(state.snapshot, now)
    if (!files.length && !state.retry) continue
    state.snapshot = now
    ctx.emit({ type: 'dev:change', files })
    return savedAt
  }
}

/**
 * Release, serve, then watch the sources until Ctrl-C: each change rebuilds the release image and
 * replaces the container on the same port. The first build's failure ends the task (nothing to
 * serve); later ones keep the previous image serving. Ctrl-C removes the container.
 */
async function develop(ctx: Context, opts: DevOptions): Promise<void> {
  const watcher = folderWatcher(opts.debounceMs, toolOutput(ctx.project))
  const state: DevState = {
    snapshot: {},
    retry: false,
    hostPort: opts.hostPort,
    keep: {},
    onExit: (served, exitCode) => {
      if (state.served !== served) return
      state.served = undefined
      state.retry = true
      ctx.emit({ type: 'dev:exited', exitCode })
    },
  }
  // Its own handle: after Ctrl-C, ctx.engine() refuses, and the volumes still have to go.
  const engine = await ctx.engine()
  try {
    state.keep = await keepVolumes(ctx, engine)
    // Before the first build: a save during it is a change.
    state.snapshot = await snapshotSources(ctx.project)
    const folders = await watchedFolders(ctx.project)
    watcher.sync(folders)
    const image = await buildRelease(ctx, opts)
    state.served = await startServing(ctx, state, image, opts.hostPort)
    state.hostPort = state.served.hostPort
    ctx.emit({ type: 'serving', url: state.served.url, image: `${releaseRepo(ctx.project)}:latest` })
    ctx.emit({ type: 'dev:watching', files: Object.keys(state.snapshot).length, folders: folders.length })
    for (;;) await applyChange(ctx, opts, state, await nextChange(ctx, watcher, state))
  } finally {
    watcher.close()
    await state.served?.stop()
    for (const volume of Object.values(state.keep)) await engine.volumes.remove(volume)
  }
}

/** The dev session as one node (`needs`: the release image, in a dry run). */
export function devNode(opts: DevOptions, needs: string[] = []) {
  return action<Context, NodeResult>({
    id: 'dev',
    title: 'Dev',
    needs,
    quiet: true,
    describe: async (c) => ({ do: 'serve', image: `${releaseRepo(c.project)}:latest`, hostPort: opts.hostPort }),
    run: async (c) => {
      await develop(c, opts)
      return { result: done() }
    },
  })
}
