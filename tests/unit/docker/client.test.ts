import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, engineSite } from '../../../lib/docker/client.js'
import { closedPort, writeDockerConfig, writeDockerContext } from '../../helpers/docker-contexts.js'
import { rejectedUserError } from '../helpers/catch.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'

// connect() through Docker contexts, where nothing answers: the errors name the context, its
// endpoint and how it was chosen. No engine is needed (a closed port on 127.0.0.1 refuses at once).


const Connect = suite('connect')
let dir: string
let port: number
Connect.before(async () => {
  dir = makeTemp('ctx-connect')
  port = await closedPort()
  writeDockerContext(dir, 'dead', { Host: `tcp://127.0.0.1:${port}`, SkipTLSVerify: false })
  writeDockerConfig(dir, { currentContext: 'dead' })
})
Connect.after(() => removeTemp(dir))

Connect('an unknown --context: one error listing the contexts, before dialling anything', async () => {
  const e = await rejectedUserError(connect({ context: 'nope', env: { DOCKER_CONFIG: dir } }), 'unknown context')
  assert.is(e.message, 'there is no Docker context "nope" (chosen by --context); the contexts are: default, dead')
  assert.match(e.hint ?? '', 'docker context create nope --docker host=')
})
Connect('an unreachable context: "no Docker engine answers at" its endpoint, naming the context', async () => {
  const e = await rejectedUserError(connect({ context: 'dead', env: { DOCKER_CONFIG: dir, DOCKER_HOST: 'unix:///nowhere.sock' }, timeoutMs: 3000 }), 'unreachable')
  assert.is(e.message, `no Docker engine answers at tcp://127.0.0.1:${port} (Docker context "dead", chosen by --context)`)
  assert.match(e.hint ?? '', 'start the engine there, or pass another --context NAME')
})
Connect('chosen by currentContext: the message says so, the hint says how to switch', async () => {
  const e = await rejectedUserError(connect({ env: { DOCKER_CONFIG: dir }, timeoutMs: 3000 }), 'unreachable current context')
  assert.match(e.message, `(Docker context "dead", the currentContext in ${dir}/config.json)`)
  assert.match(e.hint ?? '', 'docker context use NAME')
})
Connect.run()

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
const EngineSite = suite('engineSite')

const cases: { name: string; host?: string; sharedDisk?: boolean | null; want: ReturnType<typeof engineSite> }[] = [
  { name: 'no host (the default context without DOCKER_HOST): the local socket shares this disk; ports on loopback', want: { sharedDisk: true, publishIp: '127.0.0.1', reachHost: '127.0.0.1' } },
  { name: 'unix://: the same', host: 'unix:///run/user/1000/docker.sock', want: { sharedDisk: true, publishIp: '127.0.0.1', reachHost: '127.0.0.1' } },
  { name: 'tcp://: another machine; ports on its interfaces, reached at its host', host: 'tcp://build-host:2375', want: { sharedDisk: false, publishIp: '', reachHost: 'build-host' } },
  { name: 'tcp:// on loopback (a dockerd in a container, a tunnel): still not this disk', host: 'tcp://127.0.0.1:2375', want: { sharedDisk: false, publishIp: '', reachHost: '127.0.0.1' } },
  { name: 'ssh://: the remote user\'s engine', host: 'ssh://me@build-host', want: { sharedDisk: false, publishIp: '', reachHost: 'build-host' } },
  { name: 'engine.sharedDisk true over tcp:// (the same machine through a proxy): binds', host: 'tcp://127.0.0.1:2375', sharedDisk: true, want: { sharedDisk: true, publishIp: '', reachHost: '127.0.0.1' } },
  { name: 'engine.sharedDisk false on the socket (a socket forwarded from elsewhere): archives', sharedDisk: false, want: { sharedDisk: false, publishIp: '127.0.0.1', reachHost: '127.0.0.1' } },
  { name: 'engine.sharedDisk null: decided by the address', host: 'tcp://h:2375', sharedDisk: null, want: { sharedDisk: false, publishIp: '', reachHost: 'h' } },
]
for (const c of cases) {
  EngineSite(c.name, () => {
    assert.equal(engineSite(c.host, c.sharedDisk), c.want)
  })
}

EngineSite.run()
