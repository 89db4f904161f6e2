import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Docker } from '../../lib/docker/client.js'
import { PushProgress, isTransient, pushImage, registryHost } from '../../lib/docker/push.js'
import { UserError } from '../../lib/errors.js'
import { branchTag, releaseTags } from '../../lib/tags.js'
import { credentialHelper, dockerHubKey, readDockerConfig, registryAuth, registryKey, resolveRegistryAuth, runHelper } from '../../lib/credentials.js'
import { rejectedUserError } from './helpers/catch.js'
import { makeTemp, removeTemp } from './helpers/tmp.js'

const BranchTag = suite('branchTag')
for (const [branch, want] of [
  ['main', 'main'],
  ['feature/Login', 'feature-login'],
  ['-x-', 'x'],
  ['..', undefined],
  ['rel/1.2', 'rel-1.2'],
] as const) {
  BranchTag(`${branch} → ${want}`, () => assert.is(branchTag(branch), want))
}
BranchTag.run()

const ReleaseTags = suite('releaseTags')
ReleaseTags('commit, branch and extras, each once', () => {
  assert.equal(releaseTags({ sha: 'abc1234', dirty: false }, 'main', ['v1', 'stable', 'main']), ['abc1234', 'main', 'v1', 'stable'])
})
ReleaseTags('a dirty tree says so in the commit tag', () => {
  assert.equal(releaseTags({ sha: 'abc1234', dirty: true }, undefined, []), ['abc1234-dirty'])
})
ReleaseTags('outside git: only the extras', () => {
  assert.equal(releaseTags(undefined, undefined, ['v1']), ['v1'])
})
ReleaseTags('an invalid extra tag is a UserError naming it', () => {
  try {
    releaseTags(undefined, undefined, ['ok', 'no/slash'])
    assert.unreachable('must throw')
  } catch (e) {
    assert.instance(e, UserError)
    assert.match((e as UserError).message, '"no/slash" is not a valid image tag')
  }
})
ReleaseTags.run()

const RegistryAuth = suite('registryAuth')
const auth = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64')
RegistryAuth('the environment wins over the config file', () => {
  const a = registryAuth('r.example', { PYPACKAGE_REGISTRY_USERNAME: 'env', PYPACKAGE_REGISTRY_PASSWORD: 'pw' }, { auths: { 'r.example': { auth: auth('file', 'x') } } })
  assert.equal(a, { username: 'env', password: 'pw', serveraddress: 'r.example' })
})
RegistryAuth("docker login's auths entry is decoded (also under https://), passwords may hold colons", () => {
  assert.equal(registryAuth('r.example', {}, { auths: { 'https://r.example': { auth: auth('u', 'p:w') } } }), { username: 'u', password: 'p:w', serveraddress: 'r.example' })
})
RegistryAuth('an identity token is passed as such', () => {
  assert.equal(registryAuth('r.example', {}, { auths: { 'r.example': { identitytoken: 'tok' } } }), { identitytoken: 'tok', serveraddress: 'r.example' })
})
RegistryAuth('no credentials anywhere: anonymous', () => {
  assert.equal(registryAuth('r.example', {}, undefined), { serveraddress: 'r.example' })
  assert.equal(registryAuth('r.example', { PYPACKAGE_REGISTRY_USERNAME: 'only-user' }, { auths: {} }), { serveraddress: 'r.example' }, 'a username without a password is not used')
})
RegistryAuth("Docker Hub: docker login's https://index.docker.io/v1/ entry, for docker.io and for names without a host", () => {
  const config = { auths: { [dockerHubKey]: { auth: auth('hubuser', 'hubpw') } } }
  for (const registry of ['docker.io', 'index.docker.io', 'myuser']) {
    assert.equal(registryAuth(registry, {}, config), { username: 'hubuser', password: 'hubpw', serveraddress: dockerHubKey }, registry)
  }
})
RegistryAuth('a legacy key with scheme and path (https://r.example/v1/) names the same registry', () => {
  assert.equal(registryAuth('r.example', {}, { auths: { 'https://r.example/v1/': { auth: auth('u', 'p') } } }), { username: 'u', password: 'p', serveraddress: 'r.example' })
})
RegistryAuth.run()

const IsTransient = suite('isTransient')
for (const [msg, want] of [
  ['Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused', true],
  ['received unexpected HTTP status: 503 Service Unavailable', true],
  ['net/http: TLS handshake timeout', true],
  ['unauthorized: authentication required', false],
  ['denied: requested access to the resource is denied', false],
  ['invalid reference format', false],
] as const) {
  IsTransient(`${want ? 'retried' : 'not retried'}: ${msg}`, () => assert.is(isTransient(msg), want))
}
IsTransient.run()

const RegistryHost = suite('registryHost and registryKey')
for (const [name, host, key] of [
  ['127.0.0.1:5000/ns/app', '127.0.0.1:5000', '127.0.0.1:5000'],
  ['registry.example.com/team', 'registry.example.com', 'registry.example.com'],
  ['localhost/ns/app', 'localhost', 'localhost'],
  ['docker.io/ns/app', 'docker.io', dockerHubKey],
  ['index.docker.io', 'docker.io', dockerHubKey],
  ['myuser/app', 'docker.io', dockerHubKey],
] as const) {
  RegistryHost(`${name} → ${host}, key ${key}`, () => {
    assert.is(registryHost(name), host)
    assert.is(registryKey(name), key)
  })
}
RegistryHost.run()

const CredentialHelper = suite('credentialHelper')
CredentialHelper('credHelpers for this registry wins over credsStore', () => {
  assert.equal(credentialHelper('r.example', { credsStore: 'desktop', credHelpers: { 'r.example': 'ecr-login' } }), { name: 'ecr-login', setting: 'credHelpers' })
})
CredentialHelper('credsStore for every other registry', () => {
  assert.equal(credentialHelper('other.example', { credsStore: 'desktop', credHelpers: { 'r.example': 'ecr-login' } }), { name: 'desktop', setting: 'credsStore' })
})
CredentialHelper("Docker Hub's helper is keyed by https://index.docker.io/v1/", () => {
  assert.equal(credentialHelper('docker.io', { credHelpers: { [dockerHubKey]: 'hub' } }), { name: 'hub', setting: 'credHelpers' })
})
CredentialHelper('no helper configured', () => {
  assert.is(credentialHelper('r.example', { auths: {} }), undefined)
  assert.is(credentialHelper('r.example', undefined), undefined)
})
CredentialHelper.run()

// Real helper programs (tiny sh scripts in a temp folder), run the way the CLI runs them.
const Resolve = suite('resolveRegistryAuth')
let bin: string | undefined
const file = '/home/u/.docker/config.json'

/** A docker-credential-<name> script: prints `out` (on stdout), exits with `code`; records its argv and stdin. */
function helper(name: string, out: string, code = 0): string {
  const program = path.join(bin!, `docker-credential-${name}`)
  writeFileSync(program, `#!/bin/sh\nread -r server\necho "$1 $server" > '${program}.asked'\nprintf '%s\\n' '${out}'\nexit ${code}\n`)
  chmodSync(program, 0o755)
  return program
}

/** runHelper, but finding the program in our temp folder (as PATH would). */
const inBin = (program: string, key: string, signal?: AbortSignal) => runHelper(path.join(bin!, program), key, signal)

Resolve.before(() => {
  bin = makeTemp('credhelpers')
})
Resolve.after(() => removeTemp(bin))

Resolve("a helper's Username/Secret; it was asked `get` with the registry host on stdin", async () => {
  const program = helper('good', JSON.stringify({ ServerURL: 'r.example', Username: 'u', Secret: 's' }))
  const r = await resolveRegistryAuth('r.example', {}, { file, config: { credsStore: 'good' } }, { run: inBin })
  assert.equal(r.auth, { username: 'u', password: 's', serveraddress: 'r.example' })
  assert.is(r.from, `docker-credential-good (credsStore in ${file})`)
  assert.is(readFileSync(`${program}.asked`, 'utf8'), 'get r.example\n')
})
Resolve('Docker Hub: the helper is asked for https://index.docker.io/v1/', async () => {
  const program = helper('hub', JSON.stringify({ ServerURL: dockerHubKey, Username: 'u', Secret: 's' }))
  const r = await resolveRegistryAuth('docker.io', {}, { file, config: { credHelpers: { [dockerHubKey]: 'hub' } } }, { run: inBin })
  assert.equal(r.auth, { username: 'u', password: 's', serveraddress: dockerHubKey })
  assert.is(readFileSync(`${program}.asked`, 'utf8'), `get ${dockerHubKey}\n`)
})
Resolve('Username "<token>": the Secret is an identity token', async () => {
  helper('token', JSON.stringify({ ServerURL: 'r.example', Username: '<token>', Secret: 'refresh-token' }))
  const r = await resolveRegistryAuth('r.example', {}, { file, config: { credsStore: 'token' } }, { run: inBin })
  assert.equal(r.auth, { identitytoken: 'refresh-token', serveraddress: 'r.example' })
})
Resolve('"credentials not found" (exit 1): anonymous, as for the docker CLI', async () => {
  helper('none', 'credentials not found in native keychain', 1)
  const r = await resolveRegistryAuth('r.example', {}, { file, config: { credsStore: 'none', auths: { 'r.example': { auth: auth('file', 'x') } } } }, { run: inBin })
  assert.equal(r, { auth: { serveraddress: 'r.example' }, from: `docker-credential-none (credsStore in ${file})` }, 'a configured helper is the only source, as for the CLI: no fallback to auths')
})
Resolve('a helper missing from PATH: one UserError naming it and the config setting', async () => {
  const e = await rejectedUserError(resolveRegistryAuth('r.example', {}, { file, config: { credHelpers: { 'r.example': 'absent' } } }, { run: inBin }), 'missing helper')
  assert.match(e.message, 'docker-credential-absent, and it was not found on PATH')
  assert.match(e.hint ?? '', `install docker-credential-absent, or remove "absent" from credHelpers in ${file}`)
})
Resolve('a helper that fails otherwise: its message, and how to try it by hand', async () => {
  helper('broken', 'gpg: decryption failed: No secret key', 2)
  const e = await rejectedUserError(resolveRegistryAuth('r.example', {}, { file, config: { credsStore: 'broken' } }, { run: inBin }), 'failing helper')
  assert.match(e.message, 'the credential helper docker-credential-broken failed for r.example: gpg: decryption failed')
  assert.match(e.hint ?? '', 'echo r.example | docker-credential-broken get')
})
Resolve('a helper that answers with no JSON: a UserError, not a crash', async () => {
  helper('chatty', 'hello')
  const e = await rejectedUserError(resolveRegistryAuth('r.example', {}, { file, config: { credsStore: 'chatty' } }, { run: inBin }), 'no JSON')
  assert.match(e.message, 'gave no JSON')
})
Resolve('a helper that hangs (a locked keyring): Ctrl-C ends it at once', async () => {
  const program = path.join(bin!, 'docker-credential-hang')
  writeFileSync(program, '#!/bin/sh\nexec sleep 30\n')
  chmodSync(program, 0o755)
  const controller = new AbortController()
  setTimeout(() => controller.abort('SIGINT'), 100)
  const started = Date.now()
  const e = await rejectedUserError(resolveRegistryAuth('r.example', {}, { file, config: { credsStore: 'hang' } }, { run: inBin, signal: controller.signal }), 'interrupted')
  assert.match(e.message, 'interrupted')
  assert.ok(Date.now() - started < 5000, 'it did not wait for the helper')
})
Resolve('the environment comes first: no helper is run', async () => {
  const never = async () => assert.unreachable('the helper must not run') as never
  const r = await resolveRegistryAuth('r.example', { PYPACKAGE_REGISTRY_USERNAME: 'e', PYPACKAGE_REGISTRY_PASSWORD: 'p' }, { file, config: { credsStore: 'x' } }, { run: never })
  assert.equal(r.auth, { username: 'e', password: 'p', serveraddress: 'r.example' })
  assert.is(r.from, 'PYPACKAGE_REGISTRY_USERNAME/PYPACKAGE_REGISTRY_PASSWORD')
})
Resolve('no helper: the auths entry, named as the source', async () => {
  const r = await resolveRegistryAuth('r.example', {}, { file, config: { auths: { 'r.example': { auth: auth('u', 'p') } } } })
  assert.equal(r, { auth: { username: 'u', password: 'p', serveraddress: 'r.example' }, from: `the "auths" entry for r.example in ${file}` })
})
Resolve.run()

const ReadDockerConfig = suite('readDockerConfig')
let cfgDir: string | undefined
ReadDockerConfig.after(() => removeTemp(cfgDir))
ReadDockerConfig('no file: no config, and the path it looked at', async () => {
  cfgDir = makeTemp('dockerconfig')
  assert.equal(await readDockerConfig({ DOCKER_CONFIG: cfgDir }), { file: path.join(cfgDir, 'config.json') })
})
ReadDockerConfig('a broken file is an error naming it, not a silent anonymous push', async () => {
  writeFileSync(path.join(cfgDir!, 'config.json'), '{"credsStore": ')
  const e = await rejectedUserError(readDockerConfig({ DOCKER_CONFIG: cfgDir }), 'broken config')
  assert.match(e.message, `the Docker config ${path.join(cfgDir!, 'config.json')} is not valid JSON`)
})
ReadDockerConfig.run()

const Progress = suite('PushProgress')
Progress('one line per layer state change; Preparing/Waiting and untied messages are not shown', () => {
  const p = new PushProgress(10_000, () => 0)
  const lines = [
    { status: 'The push refers to repository [r/x]' },
    { status: 'Preparing', id: 'aaaaaaaaaaaa' },
    { status: 'Preparing', id: 'bbbbbbbbbbbb' },
    { status: 'Waiting', id: 'aaaaaaaaaaaa' },
    { status: 'Layer already exists', id: 'bbbbbbbbbbbb' },
    { status: 'Pushing', id: 'aaaaaaaaaaaa', progressDetail: { current: 512, total: 40_000_000 } },
    { status: 'Pushing', id: 'aaaaaaaaaaaa', progressDetail: { current: 12_000_000, total: 40_000_000 } },
    { status: 'Pushed', id: 'aaaaaaaaaaaa' },
    { status: 'v1: digest: sha256:0 size: 528' },
  ]
    .map((m) => p.feed(m))
    .filter(Boolean)
  assert.equal(lines, ['Layer already exists bbbbbbbbbbbb', 'Pushing aaaaaaaaaaaa: 1 kB/40 MB', 'Pushed aaaaaaaaaaaa'])
})
Progress('a long upload repeats its progress at most every interval', () => {
  let now = 0
  const p = new PushProgress(10_000, () => now)
  const seen: (string | undefined)[] = []
  for (let mb = 1; mb <= 30; mb++) {
    now = mb * 1000 // one message a second
    seen.push(p.feed({ status: 'Pushing', id: 'cccccccccccc', progressDetail: { current: mb * 1e6, total: 3e9 } }))
  }
  assert.equal(seen.filter(Boolean), ['Pushing cccccccccccc: 1.0 MB/3.00 GB', 'Pushing cccccccccccc: 11 MB/3.00 GB', 'Pushing cccccccccccc: 21 MB/3.00 GB'])
})
Progress.run()

/** An engine whose push answers with these stream messages (what dockerode's push stream carries). */
function fakeEngine(messages: object[]): Docker {
  const push = async () => Readable.from(messages.map((m) => `${JSON.stringify(m)}\r\n`))
  return { getImage: () => ({ push }) } as unknown as Docker
}

const Push = suite('pushImage')
Push('layer progress reaches onOutput; the digest is returned', async () => {
  const out: string[] = []
  const digest = await pushImage(
    fakeEngine([{ status: 'Preparing', id: 'aaaaaaaaaaaa' }, { status: 'Pushed', id: 'aaaaaaaaaaaa' }, { aux: { Tag: 'v1', Digest: 'sha256:abc', Size: 528 } }]),
    'r.example/ns/app',
    'v1',
    { onOutput: (l) => out.push(l) },
  )
  assert.is(digest, 'sha256:abc')
  assert.equal(out, ['Pushed aaaaaaaaaaaa'])
})
Push('anonymous and refused: authentication is required, and how to give it', async () => {
  const e = await rejectedUserError(pushImage(fakeEngine([{ error: 'no basic auth credentials' }]), 'r.example/ns/app', 'v1', { auth: { serveraddress: 'r.example' } }), 'anonymous')
  assert.match(e.message, 'pushing r.example/ns/app:v1 failed: r.example requires authentication, and no credentials for it were found')
  assert.match(e.hint ?? '', 'docker login r.example')
  assert.match(e.hint ?? '', 'credHelpers or credsStore')
  const asked = await rejectedUserError(
    pushImage(fakeEngine([{ error: 'no basic auth credentials' }]), 'r.example/ns/app', 'v1', { auth: { serveraddress: 'r.example' }, authFrom: 'docker-credential-x (credsStore in c.json)' }),
    'helper had none',
  )
  assert.match(asked.message, 'r.example requires authentication, and docker-credential-x (credsStore in c.json) has no credentials for it')
})
Push('credentials refused: names where they came from; not retried', async () => {
  let pushes = 0
  const engine = { getImage: () => ({ push: async () => (pushes++, Readable.from(['{"error":"unauthorized: authentication required"}\n'])) }) } as unknown as Docker
  const from = `docker-credential-pass (credsStore in ${file})`
  const e = await rejectedUserError(pushImage(engine, 'r.example/ns/app', 'v1', { auth: { username: 'u', password: 'bad', serveraddress: 'r.example' }, authFrom: from, backoffMs: 1 }), 'refused')
  assert.match(e.message, `the registry refused the credentials from ${from}: unauthorized`)
  assert.match(e.hint ?? '', `check what ${from} gives for r.example`)
  assert.is(pushes, 1, 'an auth failure is not retried')
})
Push.run()
