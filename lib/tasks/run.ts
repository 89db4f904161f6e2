import { appEnv } from '../project.js'
import { parsePort } from '../args.js'
import { labelsFor } from '../docker/labels.js'
import { runContainer, startContainer } from '../docker/run.js'
import { UserError, interrupted } from '../errors.js'
import { requireImage } from '../pipeline/release.js'
import type { TaskDef } from './types.js'

export const run: TaskDef = {
  name: 'run',
  description: 'Serve the release image on 127.0.0.1:<port>, or run a one-off command in it (run -- <cmd…>)',
  args: [],
  options: [
    { name: 'port', value: 'N', description: 'host port to publish (default: run.hostPort, 8000; 0 = any free port)' },
    { name: 'image', value: 'REF', description: 'image to run (default: <namespace>/<app>-release:latest)' },
  ],
  notes: 'After `--`, the command runs in the image\'s virtualenv and its exit code is returned, e.g. `run -- python -m django check`.',
  async run(ctx, args) {
    const docker = await ctx.docker()
    const { ref: image } = await requireImage(ctx, typeof args.options.image === 'string' ? args.options.image : undefined)
    const { project } = ctx
    const output = (line: string, stream: 'stdout' | 'stderr') => ctx.emit({ type: 'output', stream, line })
    const base = { image, env: appEnv(project.config), labels: labelsFor(project.prefix, 'run', ctx.runId), onOutput: output }
    if (args.rest.length) return runContainer(docker, { ...base, cmd: args.rest }, ctx.signal)

    const containerPort = project.config.release.port
    const running = await startContainer(docker, { ...base, publish: { containerPort, hostPort: parsePort(args.options.port, project.config.run.hostPort) } }, ctx.signal)
    try {
      ctx.emit({ type: 'info', message: `Serving http://127.0.0.1:${running.hostPort}/ from ${image} (Ctrl-C stops and removes the container)` })
      const stopped = new Promise<'aborted'>((resolve) => {
        if (ctx.signal.aborted) resolve('aborted')
        ctx.signal.addEventListener('abort', () => resolve('aborted'), { once: true })
      })
      const result = await Promise.race([running.exited, stopped])
      if (result === 'aborted') {
        await running.container.stop({ t: 3 }).catch(() => undefined) // already stopping or gone: remove() follows
        throw interrupted(ctx.signal)
      }
      if (result !== 0) throw new UserError(`the app exited with code ${result}`, { hint: 'its output is above' })
      return 0
    } finally {
      await running.remove()
    }
  },
}
