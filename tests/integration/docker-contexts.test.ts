import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli, runCommand } from '../helpers/cli.js'
import { closedPort, writeDockerConfig, writeDockerContext } from '../helpers/docker-contexts.js'
import { imageExists, removeProject } from '../helpers/engine.js'
import { startEngineProxy, type EngineProxy } from '../helpers/proxy.js'

// Docker contexts switch the engine for real: a context whose endpoint is a TCP proxy to the local
// engine (the proxy counts connections), chosen by --context, DOCKER_CONTEXT and currentContext in
// a temp DOCKER_CONFIG; TLS contexts through a TLS front that wants a client certificate (made with
// openssl here). Every run starts from an environment without DOCKER_HOST/DOCKER_CONTEXT.
const ns = `pptestctx${process.pid}`
const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-contexts-'))
const project = path.join(dir, 'project')
const config = path.join(dir, 'docker-config')
mkdirSync(path.join(project, 'docker/base'), { recursive: true })
writeFileSync(path.join(project, '.pypackagerc.json'), JSON.stringify({ namespace: ns, app: 'ctx' }))
writeFileSync(path.join(project, 'docker/base/Dockerfile'), `FROM debian:bookworm-slim\nRUN echo built through a context ${process.pid} > /proof\n`)
const clean = { DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined, DOCKER_CONFIG: config }
let proxy: EngineProxy
let tlsFront: TlsFront | undefined
let pem: Record<string, string>

interface TlsFront {
  url: string
  /** TLS connections with a client certificate the CA signed. */
  authorized(): number
  close(): Promise<void>
}

/** The engine's socket behind TLS: the server's certificate and the client's both signed by `ca`. */
async function startTlsFront(pki: Record<string, string>): Promise<TlsFront> {
  let authorized = 0
  const open = new Set<net.Socket>()
  const server = tls.createServer({ key: pki['server.key'], cert: pki['server.pem'], ca: pki['ca.pem'], requestCert: true, rejectUnauthorized: true }, (client) => {
    if (client.authorized) authorized++
    const engine = net.connect({ path: '/var/run/docker.sock' })
    for (const s of [client, engine]) {
      open.add(s)
      s.on('error', () => s.destroy()).on('close', () => (client.destroy(), engine.destroy()))
    }
    client.pipe(engine).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    url: `tcp://127.0.0.1:${port}`,
    authorized: () => authorized,
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve))
      for (const s of open) s.destroy()
      await closed
    },
  }
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, from openssl (one day valid). */
async function makeCertificates(at: string): Promise<Record<string, string>> {
  mkdirSync(at, { recursive: true })
  const script = [
    'set -e',
    'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 1 -subj /CN=pptest-ca',
    'printf "subjectAltName=IP:127.0.0.1\\n" > server.ext',
    'printf "extendedKeyUsage=clientAuth\\n" > client.ext',
    'for who in server client; do',
    '  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $who.key -out $who.csr -subj /CN=pptest-$who',
    '  openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $who.pem -days 1 -extfile $who.ext',
    'done',
  ].join('\n')
  const r = await runCommand('sh', ['-c', script], { cwd: at, timeoutMs: 60_000 })
  assert.is(r.code, 0, `openssl made the test certificates\n${r.stderr}`)
  return Object.fromEntries(['ca.pem', 'server.pem', 'server.key', 'client.pem', 'client.key'].map((f) => [f, readFileSync(path.join(at, f), 'utf8')]))
}

const contexts = suite('Docker contexts select the engine')

contexts.before(async () => {
  proxy = await startEngineProxy()
  writeDockerContext(config, 'viaproxy', { Host: proxy.url, SkipTLSVerify: false })
})

contexts.after(async () => {
  await proxy?.close()
  await tlsFront?.close()
  await removeProject(`${ns}/ctx`)
  rmSync(dir, { recursive: true, force: true })
})

contexts('--context NAME: the build goes to the context, even with DOCKER_HOST set elsewhere', async () => {
  const nowhere = `tcp://127.0.0.1:${await closedPort()}`
  const r = await runCli(['--context', 'viaproxy', 'image', 'docker/base'], { cwd: project, env: { ...clean, DOCKER_HOST: nowhere } })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.ok(proxy.accepted() > 0, 'the CLI went through the context endpoint (the proxy)')
  assert.ok(await imageExists(`${ns}/ctx-base:latest`), 'the image exists on the engine')
})

contexts('DOCKER_CONTEXT=NAME: the run goes to the context', async () => {
  const before = proxy.accepted()
  const r = await runCli(['image', 'docker/base'], { cwd: project, env: { ...clean, DOCKER_CONTEXT: 'viaproxy' } })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.ok(proxy.accepted() > before, 'through the proxy')
})

contexts('currentContext in DOCKER_CONFIG/config.json: the run goes to the context', async () => {
  const current = path.join(dir, 'docker-config-current')
  writeDockerContext(current, 'viaproxy', { Host: proxy.url, SkipTLSVerify: false })
  writeDockerConfig(current, { currentContext: 'viaproxy' })
  const before = proxy.accepted()
  const r = await runCli(['image', 'docker/base'], { cwd: project, env: { ...clean, DOCKER_CONFIG: current } })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.ok(proxy.accepted() > before, 'through the proxy')
})

contexts('DOCKER_HOST wins over DOCKER_CONTEXT (the docker CLI rule): the proxy sees nothing', async () => {
  const before = proxy.accepted()
  const r = await runCli(['image', 'docker/base'], { cwd: project, env: { ...clean, DOCKER_CONTEXT: 'viaproxy', DOCKER_HOST: 'unix:///var/run/docker.sock' } })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.is(proxy.accepted(), before, 'the local socket was used, not the context')
})

contexts('an unknown context: exit 1, one error listing the contexts, nothing reaches an engine', async () => {
  const before = proxy.accepted()
  const r = await runCli(['image', 'docker/base', '--context', 'nope'], { cwd: project, env: clean })
  assert.is(r.code, 1, r.stderr)
  const lines = r.stderr.trim().split('\n')
  assert.is(lines[0], 'error: there is no Docker context "nope" (chosen by --context); the contexts are: default, viaproxy')
  assert.match(lines[1], /^hint: create it: `docker context create nope --docker host=tcp:\/\/HOST:2375`/)
  assert.is(lines.length, 2, `two lines, no stack:\n${r.stderr}`)
  assert.is(proxy.accepted(), before, 'no engine was dialled')
})

contexts('a TLS context: ca, cert and key from the store; the BuildKit build goes through a TLS front', async () => {
  pem = await makeCertificates(path.join(dir, 'pki'))
  tlsFront = await startTlsFront(pem)
  writeDockerContext(config, 'viatls', { Host: tlsFront.url, SkipTLSVerify: false }, { ca: pem['ca.pem'], cert: pem['client.pem'], key: pem['client.key'] })
  const r = await runCli(['image', 'docker/base', '--force'], { cwd: project, env: { ...clean, DOCKER_CONTEXT: 'viatls' } })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.ok(tlsFront.authorized() > 0, 'the TLS front saw a client certificate it trusts')
})

contexts('TLS without the CA: refused unless the context says SkipTLSVerify', async () => {
  const front = tlsFront!
  writeDockerContext(config, 'noca', { Host: front.url, SkipTLSVerify: false }, { cert: pem['client.pem'], key: pem['client.key'] })
  const refused = await runCli(['image', 'docker/base', '--context', 'noca'], { cwd: project, env: clean })
  assert.is(refused.code, 1, refused.stderr)
  assert.match(refused.stderr, `error: no Docker engine answers at ${front.url} (Docker context "noca", chosen by --context)`)
  writeDockerContext(config, 'skipverify', { Host: front.url, SkipTLSVerify: true }, { cert: pem['client.pem'], key: pem['client.key'] })
  const before = front.authorized()
  const r = await runCli(['image', 'docker/base', '--context', 'skipverify'], { cwd: project, env: clean })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.ok(front.authorized() > before, 'through the TLS front, unverified')
})

contexts.run()
