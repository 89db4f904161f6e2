import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Docker } from '../../../lib/docker/client.js'
import { createNetworks } from '../../../lib/docker/networks.js'
import { engineError } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'

// lib/docker/networks.ts against a stub of dockerode's getNetwork / createNetwork / listNetworks:
// lookups answer undefined on 404, creation refuses a second network of the same name, removal
// of what is gone is done, lists filter by every label.

/** A dockerode holding `present` networks by name; removal takes one away (then 404), creation adds one. */
function stubDocker(present: string[], listed: unknown[] = []) {
  const networks = new Set(present)
  const calls: string[] = []
  const docker = {
    getNetwork: (name: string) => ({
      async inspect() {
        calls.push(`inspect ${name}`)
        if (!networks.has(name)) throw engineError(404, `network ${name} not found`)
        return { Id: `id-${name}`, Name: name, Driver: 'bridge' }
      },
      async remove() {
        calls.push(`remove ${name}`)
        if (!networks.delete(name)) throw engineError(404, `network ${name} not found`)
      },
    }),
    async createNetwork(opts: { Name: string }) {
      calls.push(`createNetwork ${JSON.stringify(opts)}`)
      if (networks.has(opts.Name)) throw engineError(409, `network with name ${opts.Name} already exists`)
      networks.add(opts.Name)
    },
    async listNetworks(opts: unknown) {
      calls.push(`listNetworks ${JSON.stringify(opts)}`)
      return listed
    },
  }
  return { networks: createNetworks(docker as unknown as Docker), calls, present: networks }
}

const Networks = suite('networks')

Networks('inspect: id and name; 404 is undefined', async () => {
  const { networks } = stubDocker(['acme-app-net'])
  assert.equal(await networks.inspect('acme-app-net'), { id: 'id-acme-app-net', name: 'acme-app-net' }, 'only id and name')
  assert.is(await networks.inspect('acme-other-net'), undefined, 'a missing network is undefined')
})

Networks('inspect: another failure is a UserError naming the network', async () => {
  const docker = { getNetwork: () => ({ inspect: async () => Promise.reject(engineError(500, 'iptables failed\nmore')) }) }
  const e = await rejectedUserError(createNetworks(docker as unknown as Docker).inspect('acme-app-net'), 'inspect on a broken engine')
  assert.is(e.message, 'the engine failed to inspect network acme-app-net: (HTTP code 500) iptables failed')
  assert.is(e.hint, 'check that the Docker engine is running, then retry')
})

Networks('create: labelled, asking the engine to refuse a duplicate name', async () => {
  const { networks, calls } = stubDocker([])
  await networks.create('acme-app-net', { 'pypackage-tasks.project': 'acme/app' })
  assert.equal(calls, ['createNetwork {"Name":"acme-app-net","Labels":{"pypackage-tasks.project":"acme/app"},"CheckDuplicate":true}'])
})

Networks('create: a name already taken is a UserError (not a second network beside it)', async () => {
  const { networks, present } = stubDocker(['acme-app-net'])
  const e = await rejectedUserError(networks.create('acme-app-net', {}), 'create of an existing network')
  assert.is(e.message, 'the engine failed to create network acme-app-net: (HTTP code 409) network with name acme-app-net already exists')
  assert.is(present.size, 1, 'still one network of that name')
})

Networks('list: every label as a filter; id and name', async () => {
  const { networks, calls } = stubDocker([], [{ Id: 'n1', Name: 'acme-app-net', Labels: { a: 'b' } }])
  assert.equal(await networks.list({ 'pypackage-tasks.project': 'acme/app', 'pypackage-tasks.task': 'environment' }), [{ id: 'n1', name: 'acme-app-net' }])
  assert.equal(calls, ['listNetworks {"filters":{"label":["pypackage-tasks.project=acme/app","pypackage-tasks.task=environment"]}}'])
})

Networks('remove: idempotent, the second removal (404) is done', async () => {
  const { networks, calls, present } = stubDocker(['acme-app-net'])
  await networks.remove('acme-app-net')
  await networks.remove('acme-app-net')
  assert.is(present.size, 0)
  assert.equal(calls, ['remove acme-app-net', 'remove acme-app-net'])
})

Networks('remove: a network still in use (403) is a UserError naming it', async () => {
  const docker = { getNetwork: () => ({ remove: async () => Promise.reject(engineError(403, 'error while removing network: network acme-app-net has active endpoints')) }) }
  const e = await rejectedUserError(createNetworks(docker as unknown as Docker).remove('acme-app-net'), 'remove of a network in use')
  assert.match(e.message, /^the engine failed to remove network acme-app-net: \(HTTP code 403\) .*active endpoints$/)
})

Networks.run()
