import { appEnv } from '../project.js'
import fg from 'fast-glob'
import type { Context } from '../context.js'
import { labelsFor } from '../docker/labels.js'
import { startContainer } from '../docker/run.js'
import { UserError, interrupted } from '../errors.js'

export interface SmokeResult {
  path: string
  status: number
  ms: number
}

/** What a failing app's log says a user should do. Pure. */
export function smokeHint(logs: string[]): string {
  const text = logs.join('\n')
  if (/no such table|relation "?[\w.]+"? does not exist|Table '[\w.]+' doesn't exist/i.test(text)) {
    return 'the app\'s database has no tables yet: give the release phase the command that creates them ("release.releaseCommand") and run it before the server with "release.releaseOnStart": true, or use start + bootstrap'
  }
  return "the app's log is above"
}

/** `/` and one static file of the app (the first .css under a static/ folder of the source). */
export async function smokePaths(source: string): Promise<string[]> {
  const [css] = (await fg('**/static/**/*.css', { cwd: source, ignore: ['**/node_modules/**', 'build/**'] })).sort()
  return ['/', ...(css ? [`/static/${css.slice(css.lastIndexOf('static/') + 'static/'.length)}`] : [])]
}

async function get(url: string, signal: AbortSignal, timeoutMs = 5000): Promise<{ status: number; ms: number }> {
  // A timer of our own, not AbortSignal.any/timeout: on Node 20 those can be collected before
  // they fire, and a connection the port proxy accepted for a server not yet listening then hangs.
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  const onAbort = () => controller.abort(signal.reason)
  signal.addEventListener('abort', onAbort, { once: true })
  const started = performance.now()
  try {
    const res = await fetch(url, { signal: controller.signal })
    await res.arrayBuffer()
    return { status: res.status, ms: Math.round(performance.now() - started) }
  } finally {
    clearTimeout(timer)
    signal.removeEventListener('abort', onAbort)
  }
}

/**
 * Start the image on a free loopback port, wait until it answers HTTP, GET each path and report
 * status and latency, then stop and remove it. Any status ≥ 400, or no answer in time, fails.
 */
export async function smoke(ctx: Context, image: string, paths: string[], timeoutMs = 60_000): Promise<SmokeResult[]> {
  const docker = await ctx.docker()
  const logs: string[] = []
  const running = await startContainer(
    docker,
    {
      image,
      env: appEnv(ctx.project.config),
      labels: labelsFor(ctx.project.prefix, 'smoke', ctx.runId),
      publish: { containerPort: ctx.project.config.release.port, hostPort: 0 },
      onOutput: (line) => {
        logs.push(line)
        if (logs.length > 30) logs.shift()
      },
    },
    ctx.signal,
  )
  try {
    const base = `http://127.0.0.1:${running.hostPort}`
    const deadline = Date.now() + timeoutMs
    let exited: number | undefined
    running.exited.then((c) => (exited = c), () => undefined)
    const started = Date.now()
    for (;;) {
      if (ctx.signal.aborted) throw interrupted(ctx.signal)
      if (exited !== undefined) throw new UserError(`the app exited with code ${exited} before answering`, { details: logs, hint: 'its output is above: fix the start-up error, then retry' })
      try {
        await get(`${base}/`, ctx.signal)
        break
      } catch {
        // Not listening yet: poll again until the deadline.
      }
      if (Date.now() > deadline) throw new UserError(`the app did not answer on ${base}/ within ${timeoutMs / 1000} s`, { details: logs, hint: 'its output is above' })
      await new Promise((r) => setTimeout(r, 250))
    }
    ctx.emit({ type: 'info', message: `smoke: ${image} answered on ${base}/ after ${((Date.now() - started) / 1000).toFixed(1)} s` })
    const results: SmokeResult[] = []
    for (const p of paths) {
      const r = await get(`${base}${p}`, ctx.signal)
      results.push({ path: p, ...r })
      ctx.emit({ type: 'info', message: `smoke: GET ${p} → ${r.status} (${r.ms} ms)` })
    }
    const bad = results.filter((r) => r.status >= 400)
    if (bad.length) {
      throw new UserError(`smoke test failed: ${bad.map((r) => `GET ${r.path} → ${r.status}`).join(', ')}`, { details: logs, hint: smokeHint(logs) })
    }
    return results
  } finally {
    await running.remove()
  }
}
