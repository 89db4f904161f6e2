import { appEnv } from '../project.js'
import type { Context } from '../context.js'
import { labelsFor } from '../docker/labels.js'
import { UserError } from '../errors.js'
import { hardeningFor, type HardenedRun } from './hardening.js'
import { exitedError, get, outputKeeper, waitForAnswer, whyStopped } from './serving.js'

export interface SmokeResult {
  path: string
  status: number
  ms: number
}

/** What a failing app's log says a user should do. Pure. */
export function smokeHint(logs: string[], hardened?: HardenedRun): string {
  const why = whyStopped(logs, 'smoke', hardened)
  if (why) return `${why.cause}: ${why.hint}`
  const text = logs.join('\n')
  if (/no such table|relation "?[\w.]+"? does not exist|Table '[\w.]+' doesn't exist/i.test(text)) {
    return 'the app\'s database has no tables yet: give the release phase the command that creates them ("release.releaseCommand") and run it before the server with "release.releaseOnStart": true, or use start + bootstrap'
  }
  return "the app's log is above"
}

/** `/` and one static file of the app (the first .css under a static/ folder of the source). */
export async function smokePaths(source: string): Promise<string[]> {
  const { default: fg } = await import('fast-glob')
  const [css] = (await fg('**/static/**/*.css', { cwd: source, ignore: ['**/node_modules/**', 'build/**'] })).sort()
  return ['/', ...(css ? [`/static/${css.slice(css.lastIndexOf('static/') + 'static/'.length)}`] : [])]
}

/**
 * Start the image on a free loopback port, wait until it answers HTTP, GET each path and report
 * status and latency, then stop and remove it. Any status ≥ 400, or no answer in time, fails.
 */
export async function smoke(ctx: Context, image: string, paths: string[], timeoutMs = 60_000): Promise<SmokeResult[]> {
  const engine = await ctx.engine()
  const output = outputKeeper()
  const logs = output.tail
  const hardened = hardeningFor(ctx.project.config, 'smoke')
  const running = await engine.containers.start(
    {
      image,
      env: appEnv(ctx.project.config),
      labels: labelsFor(ctx.project.prefix, 'smoke', ctx.runId),
      publish: { containerPort: ctx.project.config.release.port, hostPort: 0 },
      hardened,
      onOutput: (line) => output.keep(line),
    },
    ctx.signal,
  )
  try {
    const base = `http://${running.host}:${running.hostPort}`
    const diagnosis = hardened && { ...hardened, user: running.user, workdir: running.workdir }
    let exited: number | undefined
    running.exited.then(
      (c) => (exited = c),
      () => undefined,
    )
    const started = Date.now()
    const answer = await waitForAnswer(base, async () => exited, ctx.signal, timeoutMs)
    if ('exited' in answer) throw exitedError(answer.exited, logs, { task: 'smoke', hardened: diagnosis, evidence: output.evidence })
    if ('timedOut' in answer) throw new UserError(`the app did not answer on ${base}/ within ${timeoutMs / 1000} s`, { details: logs, hint: smokeHint([...output.evidence, ...logs], diagnosis) })
    ctx.emit({ type: 'smoke:ready', image, url: base, ms: Date.now() - started })
    const results: SmokeResult[] = []
    for (const p of paths) {
      const r = await get(`${base}${p}`, ctx.signal).catch((e: unknown) => {
        if (ctx.signal.aborted) throw e
        // The app took the connection and never answered (a hung view, a worker stuck): the app's fault, said as such.
        throw new UserError(`smoke test failed: GET ${p} did not answer: ${(e as Error).message}`, { details: logs, hint: smokeHint([...output.evidence, ...logs], diagnosis) })
      })
      results.push({ path: p, ...r })
      ctx.emit({ type: 'smoke:response', path: p, status: r.status, ms: r.ms })
    }
    const bad = results.filter((r) => r.status >= 400)
    if (bad.length) {
      throw new UserError(`smoke test failed: ${bad.map((r) => `GET ${r.path} → ${r.status}`).join(', ')}`, { details: logs, hint: smokeHint([...output.evidence, ...logs], diagnosis) })
    }
    return results
  } finally {
    await running.remove()
  }
}
