#!/usr/bin/env node
// The test command: the compiled uvu suites, unit first (no engine), then integration (real engine).
//   node tests/run.js [--unit | --integration] [word]   (word: a regular expression; only the test
//   files whose name, without .test.js, matches it: `lock` runs lock, lock-stress, locks; `^lock$` one)
// Each test file runs in a process of its own (dist/tests/helpers/run-file.js), which reports every
// test it registers and every outcome to a file as it happens. So a file that crashes, hangs past
// PPTEST_FILE_TIMEOUT seconds (default 600; then its process group is killed) or is skipped (no
// engine) loses only itself, and each of its tests that did not pass counts as failed, by name.
// Ends with one line `N passed, N failed` (CI reads it); the exit code is 1 on any failure.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const FOLDERS = ['unit', 'integration']
const args = process.argv.slice(2)
const flags = FOLDERS.map((d) => `--${d}`)
const unknown = args.find((a) => a.startsWith('-') && !flags.includes(a))
const words = args.filter((a) => !a.startsWith('-'))
const timeoutS = Number(process.env.PPTEST_FILE_TIMEOUT ?? 600)
const runFileJs = 'dist/tests/helpers/run-file.js'

let passed = 0
/** Everything that counts as failed: { file, name, reason } (name: `suite › test`, or what failed). */
const failures = []
const skipped = []
let interrupted

function fail(file, name, reason) {
  failures.push({ file, name, reason })
}

/** The compiled test files of one folder, relative to dist/tests, helpers excluded. */
function testFiles(dir) {
  const root = path.join('dist/tests', dir)
  // The word is a regular expression, matched against the name without `.test.js`: `lock$`.
  const word = words[0] ?? ''
  let pick
  try {
    pick = new RegExp(word, 'i')
  } catch {
    pick = new RegExp(word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i') // not a valid expression: the word as it is
  }
  return (
    readdirSync(root, { recursive: true })
      .filter((f) => f.endsWith('.test.js') && !f.split(path.sep).includes('helpers'))
      // The word matches the file's path under unit/ or integration/ (`tasks/push`) or its name alone (`^push$`).
      .filter((f) => [f, path.basename(f)].some((name) => pick.test(name.slice(0, -'.test.js'.length))))
      .sort()
      .map((f) => path.join(dir, f))
  )
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'pptest-run-'))
let reports = 0
let current

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal)
    return true
  } catch {
    return false // the group is gone
  }
}

/**
 * Run one file's child: its report events, how it ended. `list`: register and report only, with
 * its own TMPDIR (test files create their projects at load time) removed afterwards.
 */
function runFile(file, list = false) {
  const report = path.join(scratch, `${++reports}.jsonl`)
  const tmp = list ? mkdtempSync(path.join(scratch, 'tmp-')) : undefined
  // The releases' state records (lib/pipeline/state-record.ts) go to the run's scratch folder, not the user's cache.
  const env = { ...process.env, NO_COLOR: '1', PPTEST_REPORT: report, XDG_CACHE_HOME: path.join(scratch, 'cache'), ...(tmp ? { TMPDIR: tmp } : {}) }
  // Its own process group (detached), so a timeout takes the test's CLI runs and servers with it.
  const child = spawn(process.execPath, [runFileJs, path.join('dist/tests', file), ...(list ? ['--list'] : [])], {
    stdio: list ? ['ignore', 'ignore', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    detached: true,
    env,
  })
  let stderr = ''
  child.stderr?.on('data', (d) => (stderr += d))
  if (!list) current = child
  return new Promise((resolve) => {
    let timedOut = false
    const timer = setTimeout(
      () => {
        timedOut = true
        console.log(`\n${file}: still running after ${list ? 60 : timeoutS} s (PPTEST_FILE_TIMEOUT): stopping its process group`)
        killGroup(child, 'SIGTERM')
        setTimeout(() => killGroup(child, 'SIGKILL'), 5000).unref()
      },
      (list ? 60 : timeoutS) * 1000,
    )
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      current = undefined
      // What the file started and left running (a server, a CLI run) goes with it.
      const leftovers = killGroup(child, 'SIGKILL')
      const events = existsSync(report)
        ? readFileSync(report, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l))
        : []
      if (tmp) rmSync(tmp, { recursive: true, force: true })
      resolve({ events, code, signal, timedOut, leftovers, stderr })
    })
  })
}

/** Count one file's outcome from its events; whatever it registered and never reported failed. */
function tally(file, { events, code, signal, timedOut, leftovers }) {
  const tests = new Map()
  const outcome = new Map()
  let started
  let done = false
  const failedHere = failures.length
  for (const e of events) {
    if (e.kind === 'queued') {
      for (const t of e.tests) tests.set(t.id, `${e.suite} › ${t.name}`)
      for (const name of e.onlySkipped) fail(file, `${e.suite} › ${name}`, 'not run: a .only in its suite left it out (remove the .only)')
      for (const name of e.skipped) skipped.push(`${file}: ${e.suite} › ${name}`)
    } else if (e.kind === 'start') started = e.id
    else if (e.kind === 'pass') {
      outcome.set(e.id, 'pass')
      passed++
    } else if (e.kind === 'fail') {
      outcome.set(e.id, 'fail')
      fail(file, tests.get(e.id), e.error)
    } else if (e.kind === 'hook' && e.hook === 'before') {
      // Its tests never start: each is counted below, with this reason.
      for (const id of tests.keys()) if (id.startsWith(`${e.index}:`) && !outcome.has(id)) outcome.set(id, `not run: the suite's before hook failed: ${e.error}`)
    } else if (e.kind === 'hook') fail(file, `${e.suite} › (${e.hook} hook)`, e.error)
    else if (e.kind === 'never-run') for (const name of e.tests) fail(file, `${e.suite} › ${name}`, 'not run: registered, but its suite never calls .run()')
    else if (e.kind === 'load-fail') fail(file, '(loading the file)', `${e.error} (tests it registers after that point are unknown)`)
    else if (e.kind === 'lingering') fail(file, '(exit)', `the process did not end after its tests: ${e.resources.join(', ')} kept it alive`)
    else if (e.kind === 'done') done = true
  }
  const ended = events.some((e) => e.kind === 'load-fail')
    ? 'the file failed to load'
    : timedOut
      ? `the file timed out after ${timeoutS} s (PPTEST_FILE_TIMEOUT) and was killed`
      : interrupted
        ? `interrupted (${interrupted})`
        : `its process ended (${signal ?? `exit code ${code}`}) before reporting it`
  for (const [id, name] of tests) {
    const o = outcome.get(id)
    if (o === 'pass' || o === 'fail') continue
    if (o) fail(file, name, o)
    else if (id === started) fail(file, name, timedOut ? `hung: still running when ${ended}` : interrupted ? `${ended} while running` : `crashed while running: ${ended}`)
    else fail(file, name, `not run: ${ended}`)
  }
  if (done && timedOut && !events.some((e) => e.kind === 'lingering')) fail(file, '(exit)', `all its tests reported, but ${ended}`)
  // A non-zero exit nothing above explains (e.g. an error after the last test) is a failure too.
  if (failures.length === failedHere && !interrupted && (code !== 0 || signal)) fail(file, '(exit)', `its process ended with ${signal ?? `exit code ${code}`}`)
  if (leftovers) console.log(`\n(${file} left processes running in its process group: killed)`)
}

/** The tests of files that cannot run now (no engine): listed by name, each counted as failed. */
async function notRun(files, reason) {
  const lists = await Promise.all(files.map((f) => runFile(f, true)))
  files.forEach((file, i) => {
    const { events, stderr } = lists[i]
    const names = events.flatMap((e) => (e.kind === 'queued' ? e.tests.map((t) => `${e.suite} › ${t.name}`) : e.kind === 'never-run' ? e.tests.map((t) => `${e.suite} › ${t}`) : []))
    for (const name of names) fail(file, name, reason)
    if (!events.some((e) => e.kind === 'done') || events.some((e) => e.kind === 'load-fail')) fail(file, '(loading the file)', `its tests could not be listed:\n${stderr.trim()}`)
  })
}

/** The engine the integration suites need, asked the way they will ask it (DOCKER_HOST or the socket). */
async function engineAnswers() {
  const { default: Docker } = await import('dockerode')
  try {
    await Promise.race([new Docker().ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref())])
    return true
  } catch {
    return false
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // The running file gets the signal too (its CLI runs clean up), then no further file starts.
    // A second one does not wait for the file's own cleanup.
    if (current) killGroup(current, interrupted ? 'SIGKILL' : signal)
    interrupted = signal
  })
}

function summary() {
  if (skipped.length) console.log(`\n${skipped.length} skipped (test.skip):\n${skipped.map((s) => `  ${s}`).join('\n')}`)
  if (failures.length) {
    console.log(`\nFailed or not run (${failures.length}):`)
    // By file; tests that share a reason (the file crashed, no engine) under it once.
    const groups = []
    for (const f of failures) {
      const last = groups.at(-1)
      if (last && last.file === f.file && last.reason === f.reason) last.names.push(f.name)
      else groups.push({ file: f.file, reason: f.reason, names: [f.name] })
    }
    let file
    for (const g of groups) {
      if (g.file !== file) console.log(`  ${(file = g.file)}`)
      const reason = g.reason.split('\n').join('\n      ')
      if (g.names.length === 1) console.log(`    ✘ ${g.names[0]}: ${reason}`)
      else console.log(`    ✘ ${g.names.length} tests, ${reason}:\n${g.names.map((n) => `        ${n}`).join('\n')}`)
    }
  }
  console.log(`\n${passed} passed, ${failures.length} failed`)
  process.exitCode = failures.length ? 1 : 0
}

async function main() {
  if (unknown) {
    console.log(`unknown option ${unknown}: use ${flags.join(' / ')} and a word that test file names must match`)
    return fail('(arguments)', unknown, 'unknown option')
  }
  const dirs = FOLDERS.filter((d) => !flags.some((f) => args.includes(f)) || args.includes(`--${d}`))
  for (const dir of dirs) {
    if (!existsSync(path.join('dist/tests', dir)) || !existsSync(runFileJs)) {
      console.log(`missing dist/tests/${dir} or ${runFileJs}: run \`npm run build\` first`)
      return fail(dir, '(build)', 'not compiled')
    }
  }
  const files = Object.fromEntries(dirs.map((d) => [d, testFiles(d)]))
  if (!Object.values(files).flat().length) {
    console.log(`no test file matches ${words[0]}${dirs.length < FOLDERS.length ? ` in dist/tests/${dirs[0]}` : ''}`)
    return fail('(arguments)', words[0] ?? '', 'no test file matches')
  }
  for (const dir of dirs) {
    if (!files[dir].length) continue
    if (dir === 'integration' && !(await engineAnswers())) {
      // One line, then each integration test counted (and listed) as not run.
      console.log(
        `\nintegration tests need a Docker engine, and none answers on ${process.env.DOCKER_HOST ?? '/var/run/docker.sock'}: run \`bash .ci/setup.sh\` (starts one, with the OS image and the offline index), or \`npm test\`, which does`,
      )
      await notRun(files[dir], 'not run: no Docker engine answers')
      continue
    }
    console.log(`\n=== ${dir} tests ===`)
    for (const file of files[dir]) {
      if (interrupted) {
        fail(file, '(whole file)', `not run: interrupted (${interrupted})`)
        continue
      }
      console.log(`\n${file}`)
      tally(file, await runFile(file))
    }
  }
}

try {
  await main()
} finally {
  rmSync(scratch, { recursive: true, force: true })
  summary()
}
