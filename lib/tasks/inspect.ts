import { existsSync } from 'node:fs'
import path from 'node:path'
import { readFilesFromImage } from '../docker/files.js'
import { labelsFor } from '../docker/labels.js'
import { UserError } from '../errors.js'
import { IMAGE_MANIFEST, IMAGE_SBOM, releaseRepo, releaseSbomPath } from '../pipeline/release.js'
import type { TaskDef } from './types.js'

export interface InstalledWheel {
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
  async run(ctx, args) {
    const image = args.positional[0] ?? `${releaseRepo(ctx.project)}:latest`
    const [text, sbom] = await readFilesFromImage(await ctx.docker(), image, [IMAGE_MANIFEST, IMAGE_SBOM], labelsFor(ctx.project.prefix, 'inspect', ctx.runId))
    if (text === undefined) {
      throw new UserError(`${image} has no ${IMAGE_MANIFEST}`, { hint: 'it was not built by pypackage-tasks\' release Dockerfile (or predates manifests): rebuild it with pypackage-tasks release' })
    }
    const wheels = JSON.parse(text) as InstalledWheel[]
    const width = Math.max(...wheels.map((w) => w.name.length))
    ctx.emit({ type: 'info', message: `${image}: ${wheels.length} wheels installed` })
    for (const w of wheels) ctx.emit({ type: 'info', message: `  ${w.name.padEnd(width)}  ${w.version.padEnd(10)}  sha256:${w.sha256}` })
    if (sbom !== undefined) {
      // The copy beside the wheelhouse is the last release build's: named only for the default image.
      const beside = releaseSbomPath(ctx.project.wheelhouse)
      const copy = args.positional[0] === undefined && existsSync(beside) ? `, copied to ${path.relative(ctx.project.root, beside)}` : ''
      ctx.emit({ type: 'info', message: `${image}: SBOM (CycloneDX 1.5, wheels and Debian packages) at ${IMAGE_SBOM}${copy}` })
    }
    return 0
  },
}
