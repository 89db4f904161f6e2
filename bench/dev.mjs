#!/usr/bin/env node
// The dev scenario: `pypackage-tasks dev` on a copy of the example app, then N edits of the index
// view, one at a time; for each, the time from the save to the first response of the new view
// (polled here, every 20 ms) and the time dev itself reports (dev:served: save → first answer).
// Prints the median and the spread (min-max) of both. Timings never enter the test suite.
//
// Also from bench/run.mjs (measureDev), so its goal is judged in the same run as the others.
//
//   node bench/dev.mjs [--edits 10] [--keep]
import { spawn, execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const namespace = 'bench-dev'
const dir = path.join(os.tmpdir(), 'pypackage-bench-dev')
const VIEWS = 'example/polls/views.py'

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * Run dev on a fresh copy of the example and make `edits` edits, one at a time. Each edit's
 * save → new response (polled) and dev's own dev:served figure, in ms, with the stages' share.
 */
export async function measureDev({ edits = 10, keep = false, log = console.log } = {}) {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const p of ['example', 'docker']) cpSync(path.join(repo, p), path.join(dir, p), { recursive: true })
  const config = JSON.parse(readFileSync(path.join(repo, '.pypackagerc.json'), 'utf8'))
  delete config.$schema
  Object.assign(config, { namespace })
  config.pip.findLinks = [path.join(repo, '.cache/pyindex')]
  writeFileSync(path.join(dir, '.pypackagerc.json'), JSON.stringify(config, null, 2))
  const original = readFileSync(path.join(dir, VIEWS), 'utf8')
  const viewSaying = (text) =>
    original.replace(/def index\(request\):\n( {4}.*\n|\n)*?(?=\n\ndef )/, `def index(request):\n    return HttpResponse(${JSON.stringify(text)}, content_type="text/plain")\n`)
  writeFileSync(path.join(dir, VIEWS), viewSaying('edit 0'))

  const events = []
  const child = spawn(process.execPath, [path.join(repo, 'bin/pypackage-tasks.js'), 'dev', '--port', '0', '--json'], {
    cwd: dir,
    env: { ...process.env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let buffer = ''
  child.stdout.on('data', (d) => {
    buffer += d
    const lines = buffer.split('\n')
    buffer = lines.pop()
    for (const l of lines) if (l.startsWith('{')) events.push(JSON.parse(l))
  })
  const exited = new Promise((resolve) => child.on('close', resolve))

  /** Wait (bounded) until `check` answers something. */
  async function until(what, check, ms) {
    const deadline = Date.now() + ms
    for (;;) {
      const v = await check()
      if (v !== undefined) return v
      if (child.exitCode !== null) throw new Error(`dev exited (${child.exitCode}) while waiting for ${what}`)
      if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`)
      await sleep(20)
    }
  }
  const body = async (url) => {
    try {
      return await (await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) })).text()
    } catch {
      return undefined
    }
  }

  const seen = []
  const reported = []
  const stages = []
  try {
    const url = await until('serving', async () => events.find((e) => e.type === 'serving')?.url, 600_000)
    await until('dev:watching', async () => (events.some((e) => e.type === 'dev:watching') ? true : undefined), 60_000)
    for (let i = 1; i <= edits; i++) {
      const text = `edit ${i}`
      const saved = Date.now()
      writeFileSync(path.join(dir, VIEWS), viewSaying(text))
      await until(`"${text}" served`, async () => ((await body(url)) === text ? true : undefined), 300_000)
      seen.push(Date.now() - saved)
      const served = await until('dev:served', async () => events.filter((e) => e.type === 'dev:served')[i - 1], 30_000)
      reported.push(served.ms)
      // Where the time went: the stages of this rebuild (their task:done), the rest is the watch, the checks and the swap.
      const since = events.indexOf(events.filter((e) => e.type === 'dev:change')[i - 1])
      const done = (id) => events.slice(since).find((e) => e.type === 'task:done' && e.id === id)?.ms ?? 0
      stages.push({ wheels: done('wheels'), release: done('image:release'), rest: served.ms - done('wheels') - done('image:release') })
      log(`edit ${i}/${edits}: served after ${(seen.at(-1) / 1000).toFixed(2)} s (dev says ${(served.ms / 1000).toFixed(2)} s)`)
    }
  } finally {
    child.kill('SIGINT')
    const code = await Promise.race([exited, sleep(60_000).then(() => 'timeout')])
    if (code !== 130) console.error(`dev ended with ${code}, not 130`)
    if (!keep) {
      // The project's warm builder and appender stay between builds by design: not after the benchmark.
      const warm = execFileSync('docker', ['ps', '-aq', '--filter', `label=pypackage-tasks.project=${namespace}/pollsite`], { encoding: 'utf8' }).trim()
      if (warm) spawnSync('docker', ['rm', '-f', ...warm.split('\n')], { stdio: 'ignore' })
      const ids = execFileSync('docker', ['images', '-q', '--filter', `reference=${namespace}/*`], { encoding: 'utf8' }).trim()
      if (ids) spawnSync('docker', ['rmi', '-f', ...new Set(ids.split('\n'))], { stdio: 'ignore' })
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return { seen, reported, stages }
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const s = (ms) => (ms / 1000).toFixed(2)
const line = (what, xs) => `${what}: median ${s(median(xs))} s, spread ${s(Math.min(...xs))}-${s(Math.max(...xs))} s`

/** What measureDev measured, as lines: medians and spreads over the edits. */
export function devLines({ seen, reported, stages }, edits = seen.length) {
  return [
    `pypackage-tasks dev — ${new Date().toISOString()} — ${edits} edits of the example's index view`,
    line('save → new response (polled every 20 ms)', seen),
    line('save → first answer (dev:served)', reported),
    line(
      '  of which the wheels stage',
      stages.map((x) => x.wheels),
    ),
    line(
      '  of which the release image stage',
      stages.map((x) => x.release),
    ),
    line(
      '  of which the rest (debounce, input checks, old container removed, new one started and answering)',
      stages.map((x) => x.rest),
    ),
    `load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (${os.cpus().length} CPUs)`,
  ]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const edits = Number(args.includes('--edits') ? args[args.indexOf('--edits') + 1] : '10')
  const report = devLines(await measureDev({ edits, keep: args.includes('--keep') }), edits).join('\n')
  console.log(`\n${report}`)
  mkdirSync(path.join(repo, 'bench/results'), { recursive: true })
  writeFileSync(path.join(repo, 'bench/results/dev.md'), report + '\n')
}
