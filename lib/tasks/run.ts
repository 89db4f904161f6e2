import { parsePort } from '../args.js'
import { dryRunOption } from './options.js'
import type { TaskDef } from './types.js'

export const run: TaskDef = {
  name: 'run',
  // A whole command: its words are its own, options included.
  rest: { shown: '<command…>', options: false },
  description: 'Serve the release image on 127.0.0.1:<port>, or run a one-off command in it (run -- <cmd…>)',
  args: [],
  options: [
    { name: 'port', value: 'N', description: 'host port to publish (default: run.hostPort, 8000; 0 = any free port)' },
    { name: 'image', value: 'REF', description: 'image to run (default: <namespace>/<app>-release:latest)' },
    dryRunOption,
  ],
  notes: "After `--`, the command runs in the image's virtualenv and its exit code is returned, e.g. `run -- python -m django check`.",
  lock: false,
  view: 'lines',
  async nodes(ctx, args) {
    const image = typeof args.options.image === 'string' ? args.options.image : undefined
    const { serveNode } = await import('../nodes/serve.js')
    return [serveNode(image, parsePort(args.options.port, ctx.project.config.run.hostPort), args.rest)]
  },
}
