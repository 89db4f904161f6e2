import { existsSync } from 'node:fs'
import path from 'node:path'
import { labelsFor } from '../docker/labels.js'
import { UserError } from '../errors.js'
import { IMAGE_MANIFEST, IMAGE_SBOM, releaseRepo, releaseSbomPath } from '../pipeline/release.js'
import type { Context } from '../context.js'
import { action } from '../graph/action.js'
import type { NodeResult } from '../pipeline/image-graph.js'
import { done } from './outcome.js'
import type { TaskDef } from './types.js'

interface InstalledWheel {
  name: string
  version: string
  wheel: string
  sha256: string
}

export const inspect: TaskDef = {
  name: 'inspect',
  description: 'Print the wheels an image installed (name, version, sha256), from its manifest',
  args: [{ name: 'image', description: 'image to read (default: <namespace>/<app>-release:latest)' }],
  options: [],
  lock: false,
  async nodes(ctx, args) {
    const image = args.positional[0] ?? `${releaseRepo(ctx.project)}:latest`
    return [
      action<Context, NodeResult>({
        id: 'inspect',
        title: 'Inspect',
        quiet: true,
        describe: async () => ({ do: 'inspect', image }),
        run: async (c) => {
          await readImage(c, image, args.positional[0] === undefined)
          return { result: done() }
        },
      }),
    ]
  },
}

/** The wheels an image installed and where its SBOM is (`ours`: the default image, whose SBOM copy beside the wheelhouse counts). */
async function readImage(ctx: Context, image: string, ours: boolean): Promise<void> {
  const [text, sbom] = await (await ctx.engine()).images.readFiles(image, [IMAGE_MANIFEST, IMAGE_SBOM], labelsFor(ctx.project.prefix, 'inspect', ctx.runId))
  if (text === undefined) {
    throw new UserError(`${image} has no ${IMAGE_MANIFEST}`, { hint: "it was not built by pypackage-tasks' release Dockerfile (or predates manifests): rebuild it with pypackage-tasks release" })
  }
  let wheels: InstalledWheel[]
  try {
    wheels = JSON.parse(text) as InstalledWheel[]
  } catch (e) {
    throw new UserError(`${image}'s ${IMAGE_MANIFEST} is not valid JSON: ${(e as Error).message}`, { hint: 'rebuild the image with pypackage-tasks release' })
  }
  ctx.emit({ type: 'inspect:wheels', image, wheels: wheels.map(({ name, version, sha256 }) => ({ name, version, sha256 })) })
  if (sbom !== undefined) {
    // The copy beside the wheelhouse is the last release build's: named only for the default image.
    const beside = releaseSbomPath(ctx.project.wheelhouse)
    const copy = ours && existsSync(beside) ? path.relative(ctx.project.root, beside) : undefined
    ctx.emit({ type: 'inspect:sbom', image, path: IMAGE_SBOM, copy })
  }
}
