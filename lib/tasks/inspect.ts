import { readFileFromImage } from '../docker/files.js'
import { labelsFor } from '../docker/labels.js'
import { UserError } from '../errors.js'
import { IMAGE_MANIFEST, releaseRepo } from '../pipeline/release.js'
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
    const text = await readFileFromImage(await ctx.docker(), image, IMAGE_MANIFEST, labelsFor(ctx.project.prefix, 'inspect', ctx.runId))
    if (text === undefined) {
      throw new UserError(`${image} has no ${IMAGE_MANIFEST}`, { hint: 'it was not built by pypackage-tasks\' release Dockerfile (or predates manifests): rebuild it with pypackage-tasks release' })
    }
    const wheels = JSON.parse(text) as InstalledWheel[]
    const width = Math.max(...wheels.map((w) => w.name.length))
    ctx.emit({ type: 'info', message: `${image}: ${wheels.length} wheels installed` })
    for (const w of wheels) ctx.emit({ type: 'info', message: `  ${w.name.padEnd(width)}  ${w.version.padEnd(10)}  sha256:${w.sha256}` })
    return 0
  },
}
