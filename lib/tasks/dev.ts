import { parsePort } from '../args.js'
import { dryRunOption, parseConcurrency } from './options.js'
import type { TaskDef } from './types.js'

/** How long a burst of saves may last (an editor's write, rename and chmod; a formatter after it): one rebuild for all. */
const DEBOUNCE_MS = 150

export const dev: TaskDef = {
  name: 'dev',
  description: 'Release and serve on 127.0.0.1:<port>, then rebuild and restart the app on each saved change until Ctrl-C',
  args: [],
  options: [
    { name: 'port', value: 'N', description: 'host port to publish (default: run.hostPort, 8000; 0 = any free port, kept across restarts)' },
    { name: 'concurrency', value: 'N', description: 'images built at once (default: from the CPU count, 2 to 4)' },
    dryRunOption,
  ],
  notes:
    'Watches the files the wheels are built from (.dockerignore / .gitignore respected) and the image folders. A failed rebuild keeps the previous image serving; the next save retries. The project lock is held only while building.',
  // Taken for each build, not for the session: `make test` runs between rebuilds.
  lock: false,
  // A long-running loop with the app's output: plain lines, never the listr2 view.
  view: 'lines',
  async nodes(ctx, args) {
    const hostPort = parsePort(args.options.port, ctx.project.config.run.hostPort)
    const concurrency = parseConcurrency(args.options.concurrency)
    const { devNode } = await import('../nodes/dev.js')
    const node = (needs: string[]) => devNode({ hostPort, concurrency, debounceMs: DEBOUNCE_MS }, needs)
    if (!ctx.dryRun) return [node([])] // it builds the release graph itself, once per change
    // A dry run: what the first build would do (as `release --dry-run`), then the serving.
    const { releaseNodes } = await import('../nodes/dev.js')
    const { imageNodeId } = await import('../graph/ids.js')
    return [...(await releaseNodes(ctx, concurrency)), node([imageNodeId(ctx.project.config.images.release)])]
  },
}
