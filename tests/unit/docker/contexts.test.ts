import { mkdirSync, writeFileSync } from 'node:fs'
import { Agent } from 'node:https'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { chooseContext, contextId, dockerConfigDir, endpointOptions, listContexts, readContext, resolveEndpoint, type ContextChoice, type StoredContext } from '../../../lib/docker/contexts.js'
import { contextMetaFile, writeDockerConfig, writeDockerContext } from '../../helpers/docker-contexts.js'
import { rejectedUserError, userError } from '../helpers/catch.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'

// Docker contexts as the docker CLI resolves and stores them, against temp DOCKER_CONFIG folders.

const byFlag = (name: string): ContextChoice => ({ name, source: '--context' })

const ContextId = suite('contextId')
ContextId('the sha256 of the name, in hex (what docker/cli names the folders)', () => {
  // `printf remote | sha256sum`
  assert.is(contextId('remote'), 'b71199ebd070b36beab7317920c2c2f1d777df8d05e5527d8458fda57cb17a7a')
})
ContextId.run()

const ConfigDir = suite('dockerConfigDir')
ConfigDir('DOCKER_CONFIG when set, else ~/.docker', () => {
  assert.is(dockerConfigDir({ DOCKER_CONFIG: '/x/y' }), '/x/y')
  assert.is(dockerConfigDir({ DOCKER_CONFIG: '' }), path.join(os.homedir(), '.docker'))
})
ConfigDir.run()

const Choose = suite('chooseContext')
let chooseDir: string
Choose.before(() => {
  chooseDir = makeTemp('ctx-choose')
  writeDockerConfig(chooseDir, { currentContext: 'fromconfig' })
})
Choose.after(() => removeTemp(chooseDir))
// The docker CLI's order (cli/command/cli.go resolveContextName): --context, then DOCKER_HOST (which
// means `default`), then DOCKER_CONTEXT, then currentContext, then `default`.
const precedence: { name: string; flag?: string; env: NodeJS.ProcessEnv; config?: boolean; want: ContextChoice | ((dir: string) => ContextChoice) }[] = [
  { name: '--context wins over everything', flag: 'cli', env: { DOCKER_HOST: 'tcp://h:1', DOCKER_CONTEXT: 'env' }, config: true, want: { name: 'cli', source: '--context' } },
  { name: '--context default wins too', flag: 'default', env: { DOCKER_CONTEXT: 'env' }, config: true, want: { name: 'default', source: '--context' } },
  { name: 'DOCKER_HOST means default, over DOCKER_CONTEXT and currentContext', env: { DOCKER_HOST: 'tcp://h:1', DOCKER_CONTEXT: 'env' }, config: true, want: { name: 'default', source: 'DOCKER_HOST' } },
  { name: 'DOCKER_CONTEXT over currentContext', env: { DOCKER_CONTEXT: 'env' }, config: true, want: { name: 'env', source: 'DOCKER_CONTEXT' } },
  { name: 'currentContext in the config file', env: {}, config: true, want: (dir) => ({ name: 'fromconfig', source: 'currentContext', file: path.join(dir, 'config.json') }) },
  { name: 'nothing set: default', env: {}, config: false, want: { name: 'default', source: 'nothing' } },
  { name: 'empty values count as unset', flag: '', env: { DOCKER_HOST: '', DOCKER_CONTEXT: '' }, config: true, want: (dir) => ({ name: 'fromconfig', source: 'currentContext', file: path.join(dir, 'config.json') }) },
]
for (const c of precedence) {
  Choose(c.name, async () => {
    const dir = c.config ? chooseDir : path.join(chooseDir, 'nothing-here')
    const got = await chooseContext(c.flag, { ...c.env, DOCKER_CONFIG: dir })
    assert.equal(got, typeof c.want === 'function' ? c.want(dir) : c.want)
  })
}
Choose('the config file is not read when something before it decides', async () => {
  const dir = makeTemp('ctx-unread')
  try {
    writeFileSync(path.join(dir, 'config.json'), '{ broken')
    assert.equal(await chooseContext(undefined, { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'env' }), { name: 'env', source: 'DOCKER_CONTEXT' })
    const e = await rejectedUserError(chooseContext(undefined, { DOCKER_CONFIG: dir }), 'broken config.json, read')
    assert.match(e.message, path.join(dir, 'config.json'), 'the error names the config file')
  } finally {
    removeTemp(dir)
  }
})
Choose('a currentContext that is not a string names the file', async () => {
  const dir = makeTemp('ctx-notname')
  try {
    writeDockerConfig(dir, { currentContext: 3 })
    const e = await rejectedUserError(chooseContext(undefined, { DOCKER_CONFIG: dir }), 'currentContext: 3')
    assert.match(e.message, `${path.join(dir, 'config.json')} has a currentContext that is not a name`)
  } finally {
    removeTemp(dir)
  }
})
Choose.run()

const Read = suite('readContext')
let store: string
Read.before(() => {
  store = makeTemp('ctx-store')
  writeDockerContext(store, 'plain', { Host: 'tcp://10.0.0.5:2375', SkipTLSVerify: false })
  writeDockerContext(store, 'secure', { Host: 'tcp://10.0.0.6:2376', SkipTLSVerify: false }, { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' })
  writeDockerContext(store, 'sock', { Host: 'unix:///run/user/1000/docker.sock', SkipTLSVerify: false })
})
Read.after(() => removeTemp(store))
Read('a plain tcp context: its host, no TLS', async () => {
  const c = await readContext(store, byFlag('plain'))
  assert.equal(c, { name: 'plain', file: contextMetaFile(store, 'plain'), host: 'tcp://10.0.0.5:2375', skipTLSVerify: false, tls: undefined })
})
Read('TLS material is read from contexts/tls/<sha256>/docker/', async () => {
  const c = await readContext(store, byFlag('secure'))
  assert.equal(
    { ca: c.tls?.ca?.toString(), cert: c.tls?.cert?.toString(), key: c.tls?.key?.toString() },
    { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' },
  )
})
Read('keys are matched as Go matches them: in any case', async () => {
  const dir = makeTemp('ctx-case')
  try {
    const file = contextMetaFile(dir, 'lower')
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, JSON.stringify({ name: 'lower', endpoints: { docker: { host: 'tcp://h:1', skipTLSVerify: true } } }))
    const c = await readContext(dir, byFlag('lower'))
    assert.equal([c.host, c.skipTLSVerify], ['tcp://h:1', true])
  } finally {
    removeTemp(dir)
  }
})
Read('an unknown name: one error listing default and the stored names, and how to create one', async () => {
  const e = await rejectedUserError(readContext(store, byFlag('nope')), 'unknown context')
  assert.is(e.message, 'there is no Docker context "nope" (chosen by --context); the contexts are: default, plain, secure, sock')
  assert.match(e.hint ?? '', 'docker context create nope --docker host=tcp://HOST:2375')
})
Read('an unknown name chosen by currentContext says where it was named and how to go back', async () => {
  const e = await rejectedUserError(readContext(store, { name: 'gone', source: 'currentContext', file: '/h/.docker/config.json' }), 'unknown current context')
  assert.match(e.message, '"gone" (the currentContext in /h/.docker/config.json)')
  assert.match(e.hint ?? '', 'docker context use default')
})
Read('an empty store lists only default', async () => {
  const e = await rejectedUserError(readContext(path.join(store, 'none'), { name: 'x', source: 'DOCKER_CONTEXT' }), 'empty store')
  assert.match(e.message, 'the contexts are: default')
  assert.match(e.hint ?? '', 'unset it')
})
for (const [what, text, says] of [
  ['not JSON', '{"Name": "bad", ', 'is not valid JSON'],
  ['no docker endpoint', '{"Name": "bad", "Endpoints": {}}', 'has no docker endpoint'],
  ['a Host that is not a string', '{"Name": "bad", "Endpoints": {"docker": {"Host": 5}}}', 'has an Endpoints.docker whose Host is not a string'],
] as const) {
  Read(`a meta.json with ${what} is an error naming the file`, async () => {
    const dir = makeTemp('ctx-bad')
    try {
      const file = contextMetaFile(dir, 'bad')
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, text)
      const e = await rejectedUserError(readContext(dir, byFlag('bad')), what)
      assert.match(e.message, `the Docker context "bad" (chosen by --context) cannot be used: ${file} ${says}`)
      assert.match(e.hint ?? '', 'docker context rm bad')
    } finally {
      removeTemp(dir)
    }
  })
}
Read('a meta.json that cannot be read is an error naming the file', async () => {
  const dir = makeTemp('ctx-unreadable')
  try {
    // A folder where the file should be: unreadable for root too (EACCES would not be).
    const file = contextMetaFile(dir, 'odd')
    mkdirSync(file, { recursive: true })
    const e = await rejectedUserError(readContext(dir, byFlag('odd')), 'unreadable')
    assert.match(e.message, `${file} cannot be read (EISDIR)`)
  } finally {
    removeTemp(dir)
  }
})
Read('a context without a Host is the local socket, as the docker CLI takes it', async () => {
  const dir = makeTemp('ctx-nohost')
  try {
    writeDockerContext(dir, 'nohost', { SkipTLSVerify: false })
    assert.is((await readContext(dir, byFlag('nohost'))).host, 'unix:///var/run/docker.sock')
  } finally {
    removeTemp(dir)
  }
})
Read.run()

const List = suite('listContexts')
List('names from each meta.json, sorted; broken ones left out; no store: none', async () => {
  const dir = makeTemp('ctx-list')
  try {
    assert.equal(await listContexts(dir), [])
    writeDockerContext(dir, 'zeta', { Host: 'tcp://z:1' })
    writeDockerContext(dir, 'alpha', { Host: 'tcp://a:1' })
    const broken = contextMetaFile(dir, 'broken')
    mkdirSync(path.dirname(broken), { recursive: true })
    writeFileSync(broken, 'nope')
    assert.equal(await listContexts(dir), ['alpha', 'zeta'])
  } finally {
    removeTemp(dir)
  }
})
List.run()

const Options = suite('endpointOptions')
const stored = (host: string, more: Partial<StoredContext> = {}): StoredContext => ({ name: 'c', file: '/s/meta.json', host, skipTLSVerify: false, ...more })
const blank = { socketPath: undefined, host: undefined, port: undefined, protocol: undefined, username: undefined, ca: undefined, cert: undefined, key: undefined, agent: undefined, pathPrefix: undefined }
Options('unix://: the socket path, every other key present and undefined (DOCKER_HOST must not leak in)', () => {
  assert.equal(endpointOptions(stored('unix:///run/docker.sock'), {}), { ...blank, socketPath: '/run/docker.sock' })
})
Options('tcp:// without TLS: plain http to host and port', () => {
  assert.equal(endpointOptions(stored('tcp://10.0.0.5:2375'), {}), { ...blank, protocol: 'http', host: '10.0.0.5', port: '2375', pathPrefix: '/' })
})
Options('tcp:// without a port: 2375, or 2376 with TLS', () => {
  assert.is(endpointOptions(stored('tcp://h'), {}).port, 2375)
  assert.is(endpointOptions(stored('tcp://h', { tls: {} }), {}).port, 2376)
})
Options('tcp:// with TLS files: https with ca, cert and key as buffers', () => {
  const tls = { ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') }
  assert.equal(endpointOptions(stored('tcp://h:2376', { tls }), {}), { ...blank, protocol: 'https', host: 'h', port: '2376', pathPrefix: '/', ...tls })
})
Options('a cert without its key is not sent (the docker CLI needs both)', () => {
  const o = endpointOptions(stored('tcp://h:2376', { tls: { ca: Buffer.from('CA'), cert: Buffer.from('CERT') } }), {})
  assert.equal([o.protocol, o.ca?.toString(), o.cert, o.key], ['https', 'CA', undefined, undefined])
})
Options('SkipTLSVerify: https through an agent that accepts any certificate', () => {
  const o = endpointOptions(stored('tcp://h:2376', { skipTLSVerify: true }), {})
  assert.is(o.protocol, 'https')
  assert.instance(o.agent, Agent)
  assert.is(o.agent?.options.rejectUnauthorized, false)
})
Options('ssh://: user, host, port 22 by default, the ssh agent from SSH_AUTH_SOCK', () => {
  assert.equal(endpointOptions(stored('ssh://deploy@build.example'), { SSH_AUTH_SOCK: '/tmp/agent' }), {
    ...blank,
    protocol: 'ssh',
    host: 'build.example',
    port: 22,
    username: 'deploy',
    sshOptions: { agent: '/tmp/agent' },
  })
})
Options('an IPv6 host loses its brackets', () => {
  assert.is(endpointOptions(stored('tcp://[::1]:2375'), {}).host, '::1')
})
Options('another scheme is an error naming the context, the host and the file', () => {
  const e = userError(() => endpointOptions(stored('fd://3'), {}), 'fd://')
  assert.is(e.message, 'the Docker context "c" has an endpoint this tool cannot reach: fd://3 (in /s/meta.json)')
})
Options.run()

const Resolve = suite('resolveEndpoint')
let resolveDir: string
Resolve.before(() => {
  resolveDir = makeTemp('ctx-resolve')
  writeDockerContext(resolveDir, 'remote', { Host: 'tcp://127.0.0.1:2999', SkipTLSVerify: false })
  writeDockerConfig(resolveDir, { currentContext: 'remote' })
})
Resolve.after(() => removeTemp(resolveDir))
Resolve('default: DOCKER_HOST (or the local socket) and no options, so dockerode reads the environment', async () => {
  const e = await resolveEndpoint('default', { DOCKER_CONFIG: resolveDir, DOCKER_HOST: 'tcp://h:1' })
  assert.equal(e, { choice: { name: 'default', source: '--context' }, host: 'tcp://h:1' })
  assert.is((await resolveEndpoint('default', { DOCKER_CONFIG: resolveDir })).host, 'unix:///var/run/docker.sock')
})
Resolve('a stored context: its host and the options for it', async () => {
  const e = await resolveEndpoint(undefined, { DOCKER_CONFIG: resolveDir })
  assert.equal(e.choice, { name: 'remote', source: 'currentContext', file: path.join(resolveDir, 'config.json') })
  assert.is(e.host, 'tcp://127.0.0.1:2999')
  assert.equal([e.options?.host, e.options?.port, e.options?.protocol], ['127.0.0.1', '2999', 'http'])
})
Resolve('DOCKER_HOST beats the current context: the default endpoint', async () => {
  const e = await resolveEndpoint(undefined, { DOCKER_CONFIG: resolveDir, DOCKER_HOST: 'tcp://h:1' })
  assert.equal(e, { choice: { name: 'default', source: 'DOCKER_HOST' }, host: 'tcp://h:1' })
})
Resolve.run()
