import net from 'node:net'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect } from '../../../lib/docker/client.js'
import { writeDockerConfig, writeDockerContext } from '../../helpers/docker-contexts.js'
import { rejectedUserError } from '../helpers/catch.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'

// connect() through Docker contexts, where nothing answers: the errors name the context, its
// endpoint and how it was chosen. No engine is needed (a closed port on 127.0.0.1 refuses at once).

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

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
