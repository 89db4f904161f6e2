import type { Context } from '../context.js'
import type { Engine } from '../docker/engine.js'
import { labelsFor } from '../docker/labels.js'
import { interrupted } from '../errors.js'
import { action } from '../graph/action.js'
import { diagnoseHardening, hardeningFor } from '../pipeline/hardening.js'
import type { NodeResult } from '../pipeline/image-graph.js'
import { requireImage } from '../pipeline/release.js'
import { exitedError, outputKeeper, waitForAnswer } from '../pipeline/serving.js'
import { appEnv } from '../project.js'
import { done } from '../tasks/outcome.js'

type Hardening = ReturnType<typeof hardeningFor>

/** The user an image's containers run as (its USER; '' = root), and where (its WORKDIR). */
async function runsAs(engine: Engine, image: string): Promise<{ user: string; workdir: string }> {
  const info = await engine.images.inspect(image)
  return { user: info?.user ?? '', workdir: info?.workdir ?? '' }
}

/**
 * The container's output, printed as it comes and kept: the last lines say why the app stopped;
 * once it serves (`servingAs` set), a line showing the hardening in the way (a request that wrote
 * to the read-only filesystem) gets the cause and the key, once.
 */
function watchOutput(ctx: Context, hardened: Hardening) {
  const kept = outputKeeper()
  const state: { servingAs?: { user: string; workdir: string }; named: boolean } = { named: false }
  const onOutput = (line: string, stream: 'stdout' | 'stderr') => {
    ctx.emit({ type: 'output', stream, line })
    kept.keep(line)
    const why = hardened && state.servingAs && !state.named ? diagnoseHardening([line], 'run', { ...hardened, ...state.servingAs }) : undefined
    if (why) {
      state.named = true
      ctx.emit({ type: 'hardening:blocked', cause: why.cause, hint: why.hint })
    }
  }
  return { kept, state, onOutput }
}

type Watched = ReturnType<typeof watchOutput>
interface Base {
  image: string
  env: Record<string, string>
  labels: Record<string, string>
  hardened: Hardening
  onOutput: Watched['onOutput']
}

/** A one-off command: its exit code is the task's; when the hardening caused a failure, that is only said. */
async function runCommand(ctx: Context, base: Base, watched: Watched, cmd: string[]): Promise<number> {
  const engine = await ctx.engine()
  const code = await engine.containers.run({ ...base, cmd }, ctx.signal)
  const { hardened } = base
  const why = code !== 0 && hardened ? diagnoseHardening([...watched.kept.evidence, ...watched.kept.tail], 'run', { ...hardened, ...(await runsAs(engine, base.image)) }) : undefined
  if (why) ctx.emit({ type: 'hardening:blocked', cause: why.cause, hint: why.hint, exitCode: code })
  return code
}

/** Until Ctrl-C (then stop it and say "interrupted") or the container's own exit code. */
async function untilStopped(ctx: Context, exited: Promise<number>, stop: () => Promise<void>): Promise<number> {
  const aborted = new Promise<'aborted'>((resolve) => {
    if (ctx.signal.aborted) resolve('aborted')
    ctx.signal.addEventListener('abort', () => resolve('aborted'), { once: true })
  })
  const result = await Promise.race([exited, aborted])
  if (result !== 'aborted') return result
  await stop().catch(() => undefined) // already stopping or gone: remove() follows
  throw interrupted(ctx.signal)
}

/** Serve on 127.0.0.1:`hostPort`; say "Serving" once the app answers (an app that stops first gets its cause instead). */
async function serve(ctx: Context, base: Base, watched: Watched, hostPort: number): Promise<void> {
  const running = await (await ctx.engine()).containers.start({ ...base, publish: { containerPort: ctx.project.config.release.port, hostPort } }, ctx.signal)
  try {
    const url = `http://${running.host}:${running.hostPort}`
    let exited: number | undefined
    running.exited.then(
      (c) => (exited = c),
      () => undefined,
    )
    // One that is slow to start is announced anyway after a minute (it may be migrating a large database).
    const diagnosis = base.hardened && { ...base.hardened, user: running.user, workdir: running.workdir }
    const answer = await waitForAnswer(url, async () => exited, ctx.signal, 60_000)
    if ('exited' in answer) {
      if (answer.exited !== 0) throw exitedError(answer.exited, watched.kept.tail, { task: 'run', hardened: diagnosis, evidence: watched.kept.evidence })
      return
    }
    watched.state.servingAs = { user: running.user, workdir: running.workdir }
    ctx.emit({ type: 'serving', url, image: base.image })
    const result = await untilStopped(ctx, running.exited, () => running.stop(3))
    if (result !== 0) throw exitedError(result, watched.kept.tail, { task: 'run', hardened: diagnosis, answered: 'answered' in answer, evidence: watched.kept.evidence })
  } finally {
    await running.remove()
  }
}

/** Serve `image` (undefined: the release image) on `hostPort`, or run `cmd` in it when given. */
export function serveNode(image: string | undefined, hostPort: number, cmd: string[]) {
  return action<Context, NodeResult>({
    id: 'run',
    title: 'Run',
    quiet: true,
    describe: async (c) => {
      const { ref } = await requireImage(c, image)
      return cmd.length ? { do: 'run', image: ref, command: cmd } : { do: 'serve', image: ref, hostPort }
    },
    run: async (c) => {
      const { ref } = await requireImage(c, image)
      const hardened = hardeningFor(c.project.config, 'run')
      const watched = watchOutput(c, hardened)
      const base = { image: ref, env: appEnv(c.project.config), labels: labelsFor(c.project.prefix, 'run', c.runId), hardened, onOutput: watched.onOutput }
      if (cmd.length) return { result: done(await runCommand(c, base, watched, cmd)) }
      await serve(c, base, watched, hostPort)
      return { result: done() }
    },
  })
}
