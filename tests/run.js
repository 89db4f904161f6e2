#!/usr/bin/env node
// The test command: compiled uvu suites, unit first (no engine), then integration (real engine).
// Ends with one line `N passed, N failed`. `--unit` runs the unit suites only.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'

// `--unit` / `--integration` pick one folder; a bare word filters test files by name.
const dirs = ['unit', 'integration'].filter((d) => !['--unit', '--integration'].some((f) => process.argv.includes(f)) || process.argv.includes(`--${d}`))
const only = process.argv.slice(2).find((a) => !a.startsWith('--'))
let passed = 0
let failed = 0

function runDir(dir) {
  return new Promise((resolve) => {
    const args = ['node_modules/uvu/bin.js', `dist/tests/${dir}`, only ? `${only}.*\\.test\\.js$` : '\\.test\\.js$', '-i', 'helpers']
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1' } })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      process.stdout.write(d)
    })
    child.on('close', (code) => {
      const plain = out.replace(/\x1b\[[0-9;]*m/g, '')
      const num = (label) => Number(plain.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? NaN)
      const total = num('Total')
      const ok = num('Passed')
      if (Number.isNaN(total) || Number.isNaN(ok)) {
        // The suite crashed before uvu could summarise: count it as one failure, never as a pass.
        failed += 1
      } else {
        // uvu's Total leaves out skipped tests: failures are Total − Passed.
        passed += ok
        failed += total - ok
        if (code !== 0 && total === ok) failed += 1
      }
      resolve()
    })
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

for (const dir of dirs) {
  if (dir === 'integration' && !(await engineAnswers())) {
    // One line instead of every suite crashing on ENOENT /var/run/docker.sock.
    console.log(`\nintegration tests need a Docker engine, and none answers on ${process.env.DOCKER_HOST ?? '/var/run/docker.sock'}: run \`bash .ci/setup.sh\` (starts one, with the OS image and the offline index), or \`npm test\`, which does`)
    failed += 1
    continue
  }
  if (!existsSync(`dist/tests/${dir}`)) {
    console.log(`missing dist/tests/${dir}: run \`npm run build\` first`)
    failed += 1
    continue
  }
  console.log(`\n=== ${dir} tests ===`)
  await runDir(dir)
}
console.log(`\n${passed} passed, ${failed} failed`)
process.exitCode = failed ? 1 : 0
