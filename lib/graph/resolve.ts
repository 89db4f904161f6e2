import path from 'node:path'
import { UserError } from '../errors.js'
import type { ImageDir } from './discover.js'
import { declaredArgs, DockerfileSyntaxError, externalRefs, instructions, parseFrom } from './dockerfile.js'

export interface ImageNode {
  name: string
  dir: string
  dockerfile: string
  /** Repository without tag: <namespace>/<app>-<name>. */
  repo: string
  /** Our images this one is built FROM (names), in FROM order. */
  parents: string[]
  /** Images from elsewhere (e.g. debian:bookworm-slim) that must already be on the engine. */
  external: string[]
  /** ARG names the Dockerfile declares. */
  args: Set<string>
}

export type ImageGraph = Map<string, ImageNode>

/** Split `repo[:tag][@digest]` into repo and tag (a colon after the last slash is a tag, not a port). */
export function splitRef(ref: string): { repo: string; tag?: string } {
  const noDigest = ref.split('@')[0]
  const slash = noDigest.lastIndexOf('/')
  const colon = noDigest.lastIndexOf(':')
  if (colon > slash) return { repo: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) }
  return { repo: noDigest }
}

/** Which of our images a FROM ref names, if any: `<prefix>-<name>` with any tag. */
export function matchOurImage(ref: string, prefix: string, names: Iterable<string>): string | undefined {
  // docker.io/ and library/ are implied by the engine: compare without them on both sides.
  const hub = (r: string) => r.toLowerCase().replace(/^(docker\.io\/)?(library\/)?/, '')
  const repo = hub(splitRef(ref).repo)
  for (const name of names) if (repo === hub(`${prefix}-${name}`)) return name
  return undefined
}

/** `parse` of one Dockerfile, its syntax errors as the user's to fix, at file:line. */
function readDockerfile<T>(img: ImageDir, parse: () => T): T {
  try {
    return parse()
  } catch (e) {
    if (!(e instanceof DockerfileSyntaxError)) throw e
    throw new UserError(`${img.dockerfile}:${e.line}: ${e.message}`, { hint: 'fix the Dockerfile there: the engine would refuse it too' })
  }
}

/** Parse every Dockerfile's FROM lines into a graph of our images. Pure. */
export function resolveGraph(images: ImageDir[], prefix: string, buildArgs: Record<string, string>): ImageGraph {
  const names = images.map((i) => i.name)
  const graph: ImageGraph = new Map()
  for (const img of images) {
    const all = readDockerfile(img, () => parseFrom(img.text, buildArgs))
    if (all.length === 0) {
      const first = instructions(img.text).find((i) => i.keyword !== 'ARG')
      throw new UserError(first ? `${img.dockerfile}:${first.line}: expected FROM, found "${first.keyword}"` : `${img.dockerfile} has no FROM line`, {
        hint: 'start the Dockerfile with FROM <image> (after any ARG lines)',
      })
    }
    const parents: string[] = []
    const external: string[] = []
    for (const f of externalRefs(all)) {
      if (!f.ref) {
        throw new UserError(`${img.dockerfile}:${f.line}: FROM names an empty image (an ARG without a value?)`, {
          hint: 'give the ARG a default before the first FROM, or pass it in "buildArgs" of .pypackagerc.json',
        })
      }
      const ours = matchOurImage(f.ref, prefix, names)
      if (ours) parents.push(ours)
      else external.push(f.ref)
    }
    graph.set(img.name, { name: img.name, dir: img.dir, dockerfile: img.dockerfile, repo: `${prefix}-${img.name}`, parents, external, args: declaredArgs(img.text) })
  }
  return graph
}

/**
 * The images to build for `targets`, parents before children, each once. A FROM cycle is an
 * error naming the whole loop.
 */
export function buildOrder(graph: ImageGraph, targets: string[]): string[] {
  const order: string[] = []
  const done = new Set<string>()
  const visiting: string[] = []
  const visit = (name: string) => {
    if (done.has(name)) return
    const node = graph.get(name)
    if (!node) {
      const known = [...graph.keys()]
      throw new UserError(`no image named "${name}"`, {
        hint: known.length ? `known images: ${known.join(', ')} (folders holding a Dockerfile)` : 'create <dockerDir>/<name>/Dockerfile',
      })
    }
    const at = visiting.indexOf(name)
    if (at >= 0) {
      const loop = [...visiting.slice(at), name]
      throw new UserError(`FROM cycle between images: ${loop.join(' → ')} (infinite loop from ${loop[loop.length - 2]} to ${name})`, {
        hint: `an image cannot be built FROM itself or one of its descendants: fix the FROM line in ${path.join(graph.get(loop[loop.length - 2])!.dockerfile)}`,
      })
    }
    visiting.push(name)
    for (const p of node.parents) visit(p)
    visiting.pop()
    done.add(name)
    order.push(name)
  }
  for (const t of targets) visit(t)
  return order
}
