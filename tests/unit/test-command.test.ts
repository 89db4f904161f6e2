import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

// The test command stands alone: `npm test` prepares what the suites need (.ci/setup.sh: an
// engine, the OS image, the offline index) before tests/run.js; and tests/run.js, run by hand
// where no engine answers, says so in one line and runs no integration suite (none crashes on
// `connect ENOENT`, each counting as a failure of its own).
const repo = fileURLToPath(new URL('../../../', import.meta.url))

const TestCommand = suite('npm test and tests/run.js without an engine')

TestCommand('package.json`s test script prepares the machine (.ci/setup.sh) before it runs tests/run.js, and only if the build and lint pass', () => {
  const script: string = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')).scripts.test
  const steps = script.split('&&').map((s) => s.trim())
  const setup = steps.indexOf('bash .ci/setup.sh')
  const run = steps.findIndex((s) => /^node tests\/run\.js\b/.test(s))
  assert.ok(setup >= 0 && run >= 0, `the test script runs both, each as a step of its own: ${script}`)
  assert.ok(setup < run, `.ci/setup.sh comes before tests/run.js: ${script}`)
  assert.is(steps.length, script.split('&&').length, 'every step is chained with &&: a failed setup stops the run')
})

TestCommand('no engine answering: one line naming .ci/setup.sh, the integration tests counted as not run, none started (no ENOENT)', () => {
  // The integration mode, for two files only: their tests are listed, none is run.
  const r = spawnSync(process.execPath, ['tests/run.js', '--integration', '^(publish|init)$'], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent.sock' },
    timeout: 60_000,
  })
  const out = `${r.stdout}${r.stderr}`
  assert.is(r.status, 1, `the run fails (nothing was tested):\n${out}`)
  const lines = out.split('\n').filter((l) => /none answers/.test(l))
  assert.is(lines.length, 1, `one line says what is missing:\n${out}`)
  assert.match(lines[0]!, /integration tests need a Docker engine, and none answers on unix:\/\/\/nonexistent\.sock: run `bash \.ci\/setup\.sh`/, 'it names the engine asked and how to start one')
  assert.not.match(out, /ENOENT/, `no suite crashed on a missing socket:\n${out}`)
  assert.not.match(out, /=== integration tests ===/, 'no integration suite started')
  assert.match(out, /✘ \d+ tests, not run: no Docker engine answers/, 'each test is counted, as not run')
  assert.match(out, /^0 passed, [1-9]\d* failed$/m, 'the closing count')
})

TestCommand.run()
