#!/usr/bin/env node
// Bind mounts against the Engine API's archives: how much copying the builder's folders in and
// the wheels out costs, on the engine this machine runs. The example app's `build` after a
// one-line change in example/polls/views.py, with "engine": {"sharedDisk": true} (binds) and
// false (archives), alternating, in a fresh builder container each time (engine.warmBuilder false:
// the warm builder sends a build's files with its exec either way); medians of the whole command
// and of its wheels stage. Run alone
// (`node bench/transfer.mjs [--reps 7]`) or from bench/run.mjs.
import { execFileSync, spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const namespace = 'bench-transfer'
const modes = { bind: true, archive: false }

function prepare(dir) {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const p of ['example', 'docker']) cpSync(path.join(repo, p), path.join(dir, p), { recursive: true })
  cpSync(path.join(repo, '.cache/pyindex'), path.join(dir, 'pyindex'), { recursive: true })
}

function configure(dir, sharedDisk) {
  const config = JSON.parse(readFileSync(path.join(repo, '.pypackagerc.json'), 'utf8'))
  delete config.$schema
  Object.assign(config, { namespace, engine: { sharedDisk, warmBuilder: false } })
  config.pip.findLinks = ['pyindex']
  writeFileSync(path.join(dir, '.pypackagerc.json'), JSON.stringify(config, null, 2))
}

/** One `build`: seconds for the whole command, and its wheels stage's (from the --json events). */
function build(dir) {
  const started = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [path.join(repo, 'bin/pypackage-tasks.js'), 'build', '--json'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 64 << 20 })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (r.status !== 0) throw new Error(`build failed (exit ${r.status}):\n${r.stdout?.slice(-3000)}\n${r.stderr?.slice(-3000)}`)
  const done = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .find((e) => e.type === 'task:done' && e.id === 'wheels')
  return { seconds, wheels: (done?.ms ?? NaN) / 1000 }
}

function removeImages() {
  // The project's warm builder and appender stay between builds by design: not after the benchmark.
  const warm = execFileSync('docker', ['ps', '-aq', '--filter', `label=pypackage-tasks.project=${namespace}/pollsite`], { encoding: 'utf8' }).trim()
  if (warm) spawnSync('docker', ['rm', '-f', ...warm.split('\n')], { stdio: 'ignore' })
  const ids = execFileSync('docker', ['images', '-q', '--filter', `reference=${namespace}/*`], { encoding: 'utf8' }).trim()
  if (ids) spawnSync('docker', ['rmi', '-f', ...new Set(ids.split('\n'))], { stdio: 'ignore' })
}

/** Medians per mode: { bind: { seconds, wheels }, archive: { seconds, wheels }, reps }. */
export function measureTransfer(reps = 5, log = console.log) {
  const dir = path.join(os.tmpdir(), 'pypackage-bench-transfer')
  prepare(dir)
  const runs = Object.fromEntries(Object.keys(modes).map((m) => [m, []]))
  try {
    // The images and a first wheelhouse, untimed: every timed run is a one-line change.
    configure(dir, true)
    build(dir)
    let change = 0
    for (let rep = 0; rep < reps; rep++) {
      // Alternate which goes first, so a drift in the machine's load falls on both alike.
      const order = rep % 2 ? ['archive', 'bind'] : ['bind', 'archive']
      for (const mode of order) {
        configure(dir, modes[mode])
        appendFileSync(path.join(dir, 'example/polls/views.py'), `\n# transfer bench change ${++change}\n`)
        const r = build(dir)
        runs[mode].push(r)
        log(`transfer rep ${rep + 1}/${reps} ${mode.padEnd(7)} build ${r.seconds.toFixed(2)} s  wheels stage ${r.wheels.toFixed(2)} s`)
      }
    }
  } finally {
    removeImages()
    rmSync(dir, { recursive: true, force: true })
  }
  const med = (mode, key) => median(runs[mode].map((r) => r[key]))
  // Each repetition's pair ran back to back: their ratio is less at the mercy of a busy machine than the ratio of medians.
  const paired = runs.archive.map((a, i) => a.seconds / runs.bind[i].seconds)
  return {
    reps,
    runs,
    paired: { ratio: median(paired), archiveSlower: paired.filter((r) => r > 1).length },
    ...Object.fromEntries(Object.keys(modes).map((m) => [m, { seconds: med(m, 'seconds'), wheels: med(m, 'wheels') }])),
  }
}

export function transferLines(t) {
  return [
    `host folders into the builder, wheels out (one-line change, \`build\`, medians of ${t.reps}):`,
    `  bind mounts ${t.bind.seconds.toFixed(2)} s (wheels stage ${t.bind.wheels.toFixed(2)} s), archives through the API ${t.archive.seconds.toFixed(2)} s (wheels stage ${t.archive.wheels.toFixed(2)} s): archive / bind ${(t.archive.seconds / t.bind.seconds).toFixed(2)}× (stage ${(t.archive.wheels / t.bind.wheels).toFixed(2)}×)`,
    `  paired (each repetition's two runs back to back): archive / bind ${t.paired.ratio.toFixed(2)}× (median), archives slower in ${t.paired.archiveSlower} of ${t.reps}`,
  ]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--reps')
  const t = measureTransfer(i > 0 ? Number(process.argv[i + 1]) : 7)
  console.log(`\n${transferLines(t).join('\n')}`)
}
