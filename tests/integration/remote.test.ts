import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli } from '../helpers/cli.js'
import { imageExists, removeProject } from '../helpers/engine.js'
import { startEngineProxy, type EngineProxy } from '../helpers/proxy.js'

// DOCKER_HOST=tcp://…: the same engine, reached over TCP through a proxy on 127.0.0.1 (a second
// dockerd would do as well); the proxy counts connections, so the test knows TCP was used.
const ns = `pptestremote${process.pid}`
const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-remote-'))
mkdirSync(path.join(dir, 'docker/base'), { recursive: true })
writeFileSync(path.join(dir, '.pypackagerc.json'), JSON.stringify({ namespace: ns, app: 'tcp' }))
writeFileSync(path.join(dir, 'docker/base/Dockerfile'), `FROM debian:bookworm-slim\nRUN echo built over tcp ${process.pid} > /proof\n`)
let proxy: EngineProxy

const remote = suite('remote engine over tcp:// (DOCKER_HOST)')

remote.before(async () => {
  proxy = await startEngineProxy()
})

remote.after(async () => {
  await proxy?.close()
  await removeProject(`${ns}/tcp`)
  rmSync(dir, { recursive: true, force: true })
})

remote('image builds (BuildKit session included) through DOCKER_HOST=tcp://', async () => {
  const r = await runCli(['image', 'docker/base'], { cwd: dir, env: { DOCKER_HOST: proxy.url } })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.ok(proxy.accepted() > 0, 'the CLI went through the TCP proxy')
  assert.ok(await imageExists(`${ns}/tcp-base:latest`), 'the image exists on the engine')
})

remote('run -- <cmd> attaches to a container over tcp:// and returns its exit code', async () => {
  const before = proxy.accepted()
  const r = await runCli(['run', '--image', `${ns}/tcp-base:latest`, '--', 'sh', '-c', 'cat /proof; exit 3'], { cwd: dir, env: { DOCKER_HOST: proxy.url } })
  assert.is(r.code, 3, r.stderr)
  assert.match(r.stdout, /built over tcp/)
  assert.ok(proxy.accepted() > before, 'through the proxy again')
})

remote.run()
