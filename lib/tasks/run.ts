import { appEnv } from '../project.js'
import { parsePort } from '../args.js'
import { labelsFor } from '../docker/labels.js'
import type { Engine } from '../docker/engine.js'
import { interrupted } from '../errors.js'
import { diagnoseHardening, hardeningFor } from '../pipeline/hardening.js'
import { requireImage } from '../pipeline/release.js'
import { exitedError, outputKeeper, waitForAnswer } from '../pipeline/serving.js'
import type { TaskDef } from './types.js'

/** The user an image's containers run as (its USER; '' = root), and where (its WORKDIR). */
async function runsAs(engine: Engine, image: string): Promise<{ user: string; workdir: string }> {
  const info = await engine.images.inspect(image)
  return { user: info?.user ?? '', workdir: info?.workdir ?? '' }
}

export const run: TaskDef = {
  name: 'run',
  // A whole command: its words are its own, options included.
  rest: { shown: '<command…>', options: false },
  description: 'Serve the release image on 127.0.0.1:<port>, or run a one-off command in it (run -- <cmd…>)',
  args: [],
  options: [
    { name: 'port', value: 'N', description: 'host port to publish (default: run.hostPort, 8000; 0 = any free port)' },
    { name: 'image', value: 'REF', description: 'image to run (default: <namespace>/<app>-release:latest)' },
  ],
  notes: "After `--`, the command runs in the image's virtualenv and its exit code is returned, e.g. `run -- python -m django check`.",
  async run(ctx, args) {
    const engine = await ctx.engine()
    const { ref: image } = await requireImage(ctx, typeof args.options.image === 'string' ? args.options.image : undefined)
    const { project } = ctx
    const hardened = hardeningFor(project.config, 'run')
    // The last lines say why the app stopped; once it serves, a line showing the hardening in the
    // way (a request that wrote to the read-only filesystem) gets the cause and the key, once.
    const kept = outputKeeper()
    let serving: { user: string; workdir: string } | undefined
    let named = false
    const output = (line: string, stream: 'stdout' | 'stderr') => {
      ctx.emit({ type: 'output', stream, line })
      kept.keep(line)
      const why = hardened && serving && !named ? diagnoseHardening([line], 'run', { ...hardened, ...serving }) : undefined
      if (why) {
        named = true
        ctx.emit({ type: 'hardening:blocked', cause: why.cause, hint: why.hint })
      }
    }
    const base = { image, env: appEnv(project.config), labels: labelsFor(project.prefix, 'run', ctx.runId), hardened, onOutput: output }
    if (args.rest.length) {
      const code = await engine.containers.run({ ...base, cmd: args.rest }, ctx.signal)
      // The command's exit code is the task's: the cause, when it is the hardening, is only said.
      const why = code !== 0 && hardened ? diagnoseHardening([...kept.evidence, ...kept.tail], 'run', { ...hardened, ...(await runsAs(engine, image)) }) : undefined
      if (why) ctx.emit({ type: 'hardening:blocked', cause: why.cause, hint: why.hint, exitCode: code })
      return code
    }

    const containerPort = project.config.release.port
    const running = await engine.containers.start({ ...base, publish: { containerPort, hostPort: parsePort(args.options.port, project.config.run.hostPort) } }, ctx.signal)
    try {
      const url = `http://127.0.0.1:${running.hostPort}`
      let exited: number | undefined
      running.exited.then(
        (c) => (exited = c),
        () => undefined,
      )
      // Say "Serving" once it does: an app that stops first gets its cause instead. One that is
      // slow to start is announced anyway after a minute (it may be migrating a large database).
      const diagnosis = hardened && { ...hardened, user: running.user, workdir: running.workdir }
      const answer = await waitForAnswer(url, async () => exited, ctx.signal, 60_000)
      if ('exited' in answer) {
        if (answer.exited !== 0) throw exitedError(answer.exited, kept.tail, { task: 'run', hardened: diagnosis, evidence: kept.evidence })
        return 0
      }
      serving = { user: running.user, workdir: running.workdir }
      ctx.emit({ type: 'serving', url, image })
      const stopped = new Promise<'aborted'>((resolve) => {
        if (ctx.signal.aborted) resolve('aborted')
        ctx.signal.addEventListener('abort', () => resolve('aborted'), { once: true })
      })
      const result = await Promise.race([running.exited, stopped])
      if (result === 'aborted') {
        await running.stop(3).catch(() => undefined) // already stopping or gone: remove() follows
        throw interrupted(ctx.signal)
      }
      if (result !== 0) throw exitedError(result, kept.tail, { task: 'run', hardened: diagnosis, answered: 'answered' in answer, evidence: kept.evidence })
      return 0
    } finally {
      await running.remove()
    }
  },
}
