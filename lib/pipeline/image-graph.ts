import path from 'node:path'
import type { Context } from '../context.js'
import { UserError } from '../errors.js'
import { discoverImages } from '../graph/discover.js'
import { resolveGraph, type ImageGraph, type ImageNode } from '../graph/resolve.js'
import { builtinDockerDir, type Project } from '../project.js'
import type { PythonChoice } from '../python.js'
import type { Inputs } from './inputs.js'

/** What a graph node hands to the nodes that need it. */
export interface NodeResult {
  /** Image id (images) or builder-independent marker (wheels). */
  id: string
  ref?: string
  inputs: Inputs
  /** Built in this run (not found up to date): what depends on it cannot be cached from before. */
  built?: boolean
  /** An image's size in bytes, as the check that found it up to date learned it (--metadata-file). */
  size?: number
  /** An action node's answer: the exit code of the command it ran (run --, test, manage). */
  exitCode?: number
}

/** Build args every image gets: FROM lines use IMAGE_PREFIX to name their parents. */
function baseBuildArgs(ctx: Context): Record<string, string> {
  return { IMAGE_PREFIX: ctx.project.prefix, ...ctx.project.config.buildArgs }
}

/**
 * The images the app's Python comes from: the builder, the release image and their ancestors
 * (docker/base). Only they are built FROM the Python's OS image; another image (the database)
 * keeps its own FROM. Marked by loadGraph, when they take the OS image (ARG OS_IMAGE).
 */
const pythonNodes = new WeakSet<ImageNode>()

/** Projects whose Dockerfiles take no OS_IMAGE: they decide the Python themselves (found by loadGraph). */
const ownPython = new WeakSet<Project>()

/**
 * The Python the project's release runs, as the tool chose it (lib/python.ts); undefined when
 * the project's own Dockerfiles decide it (none of the builder's and release's takes ARG
 * OS_IMAGE): then nothing names a Python it does not control, and none is asked for.
 */
export function appPython(ctx: Context): PythonChoice | undefined {
  return ownPython.has(ctx.project) ? undefined : ctx.project.python()
}

/** The Python an image runs (major.minor), when it is one the app's Python comes from. */
export function pythonOf(ctx: Context, node: ImageNode): string | undefined {
  return pythonNodes.has(node) ? ctx.project.python().version : undefined
}

/** The common build args, and for the Python's images its OS image (OS_IMAGE) and version (PYTHON_VERSION, which docker/base checks). */
function buildArgsOf(ctx: Context, python: boolean): Record<string, string> {
  if (!python) return baseBuildArgs(ctx)
  const { image, version } = ctx.project.python()
  return { ...baseBuildArgs(ctx), OS_IMAGE: image, PYTHON_VERSION: version }
}

/** The build args an image gets: the common ones and `extra`, only those its Dockerfile declares (the engine warns about others). */
export function declaredBuildArgs(ctx: Context, node: ImageNode, extra: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries({ ...buildArgsOf(ctx, pythonNodes.has(node)), ...extra }).filter(([k]) => node.args.has(k)))
}

/**
 * Discover docker/*\/Dockerfile and resolve their FROM lines into our image graph. `builtins`:
 * images a task needs that the project may not have scaffolded (the release environment's
 * database for a project init gave no docker/postgres): then the tool's own Dockerfile is used.
 * `warn: false`: git's warning is left to graphWithRoles (a graph loaded ahead of its turn).
 */
export async function loadGraph(ctx: Context, builtins: string[] = [], { warn = true } = {}): Promise<ImageGraph> {
  if (warn) warnAboutGit(ctx)
  const own = await discoverImages(ctx.project.dockerDir)
  const missing = builtins.filter((name) => !own.some((i) => i.name === name))
  const shipped = missing.length && ctx.project.dockerDir !== builtinDockerDir ? (await discoverImages(builtinDockerDir)).filter((i) => missing.includes(i.name)) : []
  const images = [...own, ...shipped]
  if (images.length === 0) {
    const rel = path.relative(ctx.project.root, ctx.project.dockerDir) || '.'
    throw new UserError(`no images found: ${rel}/*/Dockerfile matches nothing`, {
      hint: `create ${rel}/base/Dockerfile, ${rel}/builder/Dockerfile and ${rel}/release/Dockerfile, or set "dockerDir" in .pypackagerc.json`,
    })
  }
  const graph = resolveGraph(images, ctx.project.prefix, baseBuildArgs(ctx))
  const chain = [...pythonChain(graph, [ctx.project.config.images.builder, ctx.project.config.images.release])]
  if (!chain.length) return graph
  if (!chain.some((n) => graph.get(n)!.args.has('OS_IMAGE'))) {
    ownPython.add(ctx.project)
    return graph
  }
  // Again for the Python's images, with its OS image: their FROM lines name it. A Python the
  // project cannot have is an error here, before anything is built.
  for (const node of resolveGraph(
    images.filter((i) => chain.includes(i.name)),
    ctx.project.prefix,
    buildArgsOf(ctx, true),
  ).values()) {
    graph.set(node.name, node)
    pythonNodes.add(node)
  }
  return graph
}

/** `roots` (those the graph has) and every image they are built FROM, up the graph. */
function pythonChain(graph: ImageGraph, roots: string[]): Set<string> {
  const chain = new Set<string>()
  const visit = (name: string) => {
    const node = graph.get(name)
    if (!node || chain.has(name)) return
    chain.add(name)
    node.parents.forEach(visit)
  }
  roots.forEach(visit)
  return chain
}

/** The engine lacks `ref`, an image `node` is FROM: how to get it, said for a Python's OS image. */
export function missingExternal(ctx: Context, node: ImageNode, ref: string): UserError {
  const python = pythonNodes.has(node) && node.args.has('OS_IMAGE') ? ctx.project.python() : undefined
  const load = `\`docker pull ${ref}\`, or with no registry \`docker load -i <file>\` of a saved copy (in the pypackage-tasks repository: OS_IMAGE=${ref} bash .ci/os-image.sh)`
  if (python?.image === ref) {
    return new UserError(`Python ${python.version} runs on ${ref}, which the engine does not have (${imageLabel(ctx, node)}/Dockerfile is FROM it)`, {
      hint: `load it, then retry: ${load}; or ask for a Python whose OS image the engine has`,
    })
  }
  return new UserError(`${imageLabel(ctx, node)}/Dockerfile is FROM ${ref}, which the engine does not have`, { hint: `load it, then retry: ${load}` })
}

const toldAboutGit = new WeakSet<Context>()

/**
 * Say, once per run, why a git checkout's images get content tags rather than the commit (git
 * refuses to read a checkout another user owns): before any image is built or tagged, so it is
 * never drawn over by the task view.
 */
export function warnAboutGit(ctx: Context): void {
  if (!ctx.project.gitUntrusted || toldAboutGit.has(ctx)) return
  toldAboutGit.add(ctx)
  ctx.emit({ type: 'git:untrusted', ...ctx.project.gitUntrusted })
}

/** Names the image folder for a user: "docker/base". */
export function imageLabel(ctx: Context, node: ImageNode): string {
  const rel = path.relative(ctx.project.root, node.dir)
  // The tool's own Dockerfiles (a project without docker/) live outside the project.
  return rel.startsWith('..') ? `docker/${node.name} (built-in)` : rel || node.name
}

/** Turn `docker/builder`, `docker/builder/`, `builder` into the image name "builder". */
export function imageNameFromArg(arg: string, dockerDir: string, root: string, configured = 'docker'): string {
  const abs = path.resolve(root, arg)
  if (path.dirname(abs) === dockerDir) return path.basename(abs)
  // `docker/base` still names the image when the Dockerfiles are the tool's built-in ones.
  if (path.dirname(path.normalize(arg).replace(/\/$/, '')) === path.normalize(configured)) return path.basename(path.normalize(arg))
  if (!arg.includes('/')) return arg
  throw new UserError(`${arg} is not an image folder under ${path.relative(root, dockerDir) || '.'}`, {
    hint: `name a folder holding a Dockerfile, e.g. ${path.relative(root, path.join(dockerDir, 'base'))}`,
  })
}

/** The image graph (`loaded`, else loadGraph's), checked to hold the builder and release images the pipeline needs. */
export async function graphWithRoles(ctx: Context, loaded?: ImageGraph): Promise<ImageGraph> {
  warnAboutGit(ctx) // said once: a graph loaded without a word (lookAhead) gets it here
  const graph = loaded ?? (await loadGraph(ctx))
  const { builder, release } = ctx.project.config.images
  for (const [role, name] of [
    ['builder', builder],
    ['release', release],
  ] as const) {
    if (!graph.has(name)) {
      const rel = path.relative(ctx.project.root, ctx.project.dockerDir) || '.'
      throw new UserError(`no ${role} image: ${rel}/${name}/Dockerfile does not exist`, {
        hint: `create it, or set "images.${role}" in .pypackagerc.json to one of: ${[...graph.keys()].join(', ')}`,
      })
    }
  }
  return graph
}
