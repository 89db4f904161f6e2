import { spawn } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { makeTemp, removeTemp } from './helpers/tmp.js'

// .ci/engine.sh with a fake dockerd and docker on PATH: what a terminal's Ctrl-C does to the
// engine that `npm start` started. The terminal sends SIGINT to its whole foreground process
// group; dockerd must not be in it (a Go program: it installs its own SIGINT handler and stops).
const repo = fileURLToPath(new URL('../../../', import.meta.url))
const Engine = suite('.ci/engine.sh')

let dir = ''
Engine.before(() => {
  dir = makeTemp('engine-script')
  // The fake engine records its pid and waits; the fake client answers once it runs.
  writeFileSync(path.join(dir, 'dockerd'), `#!/bin/sh\necho $$ > "${dir}/dockerd.pid"\nexec sleep 60\n`)
  writeFileSync(path.join(dir, 'docker'), `#!/bin/sh\n[ -f "${dir}/dockerd.pid" ] || exit 1\necho 20.10.24\n`)
  for (const f of ['dockerd', 'docker']) chmodSync(path.join(dir, f), 0o755)
})
Engine.after(() => {
  const pid = existsSync(path.join(dir, 'dockerd.pid')) ? Number(readFileSync(path.join(dir, 'dockerd.pid'), 'utf8')) : 0
  if (pid) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  removeTemp(dir)
})

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

Engine('the engine it starts outlives a Ctrl-C to the command that started it', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}:${process.env.PATH}` }
  delete env.DOCKER_HOST
  // A foreground job: its own process group, engine.sh then a long step (like `npm start`'s run).
  const job = spawn('bash', ['-c', `bash .ci/engine.sh && touch "${dir}/started" && sleep 30`], { cwd: repo, env, detached: true, stdio: 'ignore' })
  const deadline = Date.now() + 20_000
  while (!existsSync(path.join(dir, 'started'))) {
    assert.ok(Date.now() < deadline, 'engine.sh should report the engine up within 20 s')
    await new Promise((r) => setTimeout(r, 50))
  }
  const pid = Number(readFileSync(path.join(dir, 'dockerd.pid'), 'utf8'))
  const exited = new Promise((r) => job.on('exit', r))
  process.kill(-job.pid!, 'SIGINT') // what the terminal does on Ctrl-C
  await exited
  await new Promise((r) => setTimeout(r, 300))
  assert.ok(alive(pid), 'dockerd is still running after the Ctrl-C')
  const session = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[3]
  assert.is.not(Number(session), job.pid, "dockerd runs in a session of its own, not the terminal job's")
})

Engine.run()
