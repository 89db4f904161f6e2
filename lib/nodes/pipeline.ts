import type { Context } from '../context.js'
import type { Node } from '../graph/execute.js'
import { buildOrder, type ImageGraph } from '../graph/resolve.js'
import { assertLocalPackages } from '../project.js'
import { checkLockAgainstProject } from '../shape/locks.js'
import { checkExternal, imageNode, lookOnce, type EarlyLook, type Look } from './image.js'
import { appPython, loadGraph, type NodeResult } from '../pipeline/image-graph.js'
import { listingsPath, openState, statePath, type RunState } from '../pipeline/state-record.js'
import { loadListings, saveListings } from '../glob.js'
import { prewarmNode } from './prewarm.js'
import { releaseBuildArgs, wheelEntries, writeReleaseManifest } from '../pipeline/release.js'
import { findLinksMounts } from '../pipeline/builder-mounts.js'
import { describeIndex, versionsInFolders } from '../pipeline/pip-errors.js'
import { wheelsNode } from './wheels.js'
import { UserError } from '../errors.js'
import type { Project } from '../project.js'
import { requirementsToLock, type Shape } from '../shape/detect.js'
import { readRequirements, unavailablePins } from '../shape/requirements.js'
import { imageNodeId, WHEELS } from '../graph/ids.js'

/**
 * Offline, every `==` pin of the requirement files must be in the find-links folders: all the
 * missing ones are named at once (pip stops at the first), before any build.
 */
function assertPinsAvailable(project: Project, shape: Shape): void {
  const { pip } = project.config
  if (!pip.noIndex || !shape.requirements.length) return
  const folders = findLinksMounts(project).map((f) => f.host)
  const missing = unavailablePins(readRequirements(project.source, shape.requirements), (name) => versionsInFolders(folders, name))
  if (!missing.length) return
  throw new UserError(`${missing.length} pinned requirement${missing.length > 1 ? 's are' : ' is'} not in ${describeIndex(project)}: ${missing.map((m) => m.req.text).join(', ')}`, {
    details: missing.map((m) => `${m.req.at}: ${m.req.text} (there: ${m.has.length ? m.has.join(', ') : 'none'})`),
    hint: 'add a folder holding them to "pip.findLinks" in .pypackagerc.json, or pin versions the folder has',
  })
}

/** What a release knows before its nodes run: its state record and the engine's one look. */
interface LookAhead {
  state?: RunState
  look: Look
}

/**
 * A release's graph, then its state record and the engine's one look, started before the
 * project's shape is detected, whose file reads then hide the engine's answer. Its errors wait
 * until awaited (graphWithRoles, pipelineNodes' `ahead`), after the shape's, as before.
 */
export function lookAhead(ctx: Context): { graph: Promise<ImageGraph>; known: Promise<LookAhead> } {
  // The folders' listings as the last release left them: a folder unchanged since is not listed again.
  loadListings(listingsPath(ctx.project.root))
  const early = guessLook(ctx)
  const graph = loadGraph(ctx, [], { warn: false })
  const known = graph.then(async (g) => {
    const { builder, release } = ctx.project.config.images
    const file = statePath(ctx.project.root, appPython(ctx)?.version)
    const guessed = await early
    const state = guessed?.file === file ? guessed.state : await openState(file)
    return { state, look: await lookOnce(ctx, g, buildOrder(g, [builder, release]), state, guessed?.file === file ? guessed.look : undefined) }
  })
  graph.catch(() => undefined)
  known.catch(() => undefined)
  return { graph, known }
}

/**
 * The state record where it most likely is (for the project's Python: the graph may still say its
 * Dockerfiles choose their own), and the one look it implies, asked at once, before the graph is
 * read. lookOnce uses the answer when it asked for every ref needed; any failure here is silent
 * (the same step, done in its turn, says what is wrong).
 */
async function guessLook(ctx: Context): Promise<{ file: string; state: RunState; look?: EarlyLook } | undefined> {
  let file: string
  try {
    file = statePath(ctx.project.root, ctx.project.python().version)
  } catch {
    return undefined
  }
  const state = await openState(file)
  const refs = state.lastLook()
  if (!refs) return { file, state }
  const answer = ctx
    .engine()
    .then((engine) => engine.images.look(refs))
    .catch(() => undefined)
  return { file, state, look: { refs, answer } }
}

/**
 * Graph nodes for `targets` (image names) and everything they need, parents first. The release
 * image needs the wheels, and the wheels need the builder; `withWheels` adds them for `build`.
 */
export async function pipelineNodes(
  ctx: Context,
  graph: ImageGraph,
  targets: string[],
  opts: { withWheels?: boolean; releaseBuildsWheels?: boolean; prewarm?: boolean; ahead?: Promise<LookAhead> } = {},
): Promise<Node<Context, NodeResult>[]> {
  const { builder, release } = ctx.project.config.images
  // `image docker/release` builds from the wheelhouse as it is; `release` builds the wheels first.
  const wheels = Boolean(opts.withWheels) || ((opts.releaseBuildsWheels ?? true) && targets.includes(release))
  if (wheels) {
    assertLocalPackages(ctx.project)
    // A project the tool cannot read, or a lock out of step with it, stops here, before any build.
    const shape = await ctx.project.shape()
    if (shape.lock) checkLockAgainstProject(shape.lock, requirementsToLock(shape))
    assertPinsAvailable(ctx.project, shape)
  }
  const names = buildOrder(graph, [...(wheels ? [builder] : []), ...targets])
  // A release keeps a state record (pipeline/state-record.ts): what it found, for the next one to check in one look.
  const releasing = wheels && targets.includes(release)
  // lookAhead's answer is for the release of this graph: [builder, release] and their parents, as `names`.
  const { state, look } = releasing && opts.ahead ? await opts.ahead : await lookNow(ctx, graph, names, releasing)
  const fromIds = await checkExternal(ctx, graph, names, look)
  const releaseExtras = {
    needs: wheels ? [WHEELS] : [],
    get: async (c: Context) => ({ entries: await wheelEntries(c), buildargs: await releaseBuildArgs(c) }),
    afterBuild: writeReleaseManifest,
    appendable: true,
    // The listings are kept by a release that had lookAhead read them (saving only those this run used).
    done: state && (async () => void (await Promise.all([state.save(), opts.ahead && saveListings(listingsPath(ctx.project.root))]))),
  }
  const known = { fromIds, look, state }
  const nodes = names.map((n) => imageNode(ctx, graph, n, n === release ? releaseExtras : undefined, known))
  if (!wheels) return nodes
  // With room for two builds at once, the release image's dependency layers build beside the builder.
  const prewarm = opts.prewarm && targets.includes(release) ? prewarmNode(ctx, graph, release) : undefined
  return [...nodes.filter((n) => n.id !== imageNodeId(release)), ...(prewarm ? [prewarm] : []), wheelsNode(ctx, state), ...nodes.filter((n) => n.id === imageNodeId(release))]
}

/** The state record (a release keeps one) and the one look, asked now. */
async function lookNow(ctx: Context, graph: ImageGraph, names: string[], releasing: boolean): Promise<LookAhead> {
  const state = releasing ? await openState(statePath(ctx.project.root, appPython(ctx)?.version)) : undefined
  return { state, look: await lookOnce(ctx, graph, names, state) }
}
