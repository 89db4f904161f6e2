import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Docker } from '../../../lib/docker/client.js'
import { createVolumes } from '../../../lib/docker/volumes.js'
import { engineError } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'

// lib/docker/volumes.ts against a stub of dockerode's getVolume / createVolume / listVolumes:
// lookups answer undefined on 404, removal of what is gone is done, lists filter by every label.

/** A dockerode holding `present` volumes (name → labels); removal takes one away (then 404). */
function stubDocker(present: Record<string, Record<string, string> | null>, listed: unknown = { Volumes: [] }) {
  const volumes = new Map(Object.entries(present))
  const calls: string[] = []
  const docker = {
    getVolume: (name: string) => ({
      async inspect() {
        calls.push(`inspect ${name}`)
        if (!volumes.has(name)) throw engineError(404, `get ${name}: no such volume`)
        return { Name: name, Driver: 'local', Labels: volumes.get(name) }
      },
      async remove() {
        calls.push(`remove ${name}`)
        if (!volumes.delete(name)) throw engineError(404, `get ${name}: no such volume`)
      },
    }),
    async createVolume(opts: { Name: string; Labels: Record<string, string> }) {
      calls.push(`createVolume ${JSON.stringify(opts)}`)
      // The engine answers an existing name with that volume, unchanged.
      if (!volumes.has(opts.Name)) volumes.set(opts.Name, opts.Labels)
    },
    async listVolumes(opts: unknown) {
      calls.push(`listVolumes ${JSON.stringify(opts)}`)
      return listed
    },
  }
  return { volumes: createVolumes(docker as unknown as Docker), calls, present: volumes }
}

const Volumes = suite('volumes')

Volumes('inspect: name and labels (none: {}); 404 is undefined', async () => {
  const { volumes } = stubDocker({ 'acme-app-pgdata': { 'pypackage-tasks.db-password': 'pw' }, 'anonymous': null })
  assert.equal(await volumes.inspect('acme-app-pgdata'), { name: 'acme-app-pgdata', labels: { 'pypackage-tasks.db-password': 'pw' } })
  assert.equal(await volumes.inspect('anonymous'), { name: 'anonymous', labels: {} }, 'Labels null → {}')
  assert.is(await volumes.inspect('acme-other-pgdata'), undefined, 'a missing volume is undefined')
})

Volumes('inspect: another failure is a UserError naming the volume', async () => {
  const docker = { getVolume: () => ({ inspect: async () => Promise.reject(engineError(500, 'disk full')) }) }
  const e = await rejectedUserError(createVolumes(docker as unknown as Docker).inspect('acme-app-pgdata'), 'inspect on a broken engine')
  assert.is(e.message, 'the engine failed to inspect volume acme-app-pgdata: (HTTP code 500) disk full')
})

Volumes('create: named and labelled', async () => {
  const { volumes, calls, present } = stubDocker({})
  await volumes.create('acme-app-pgdata', { 'pypackage-tasks.project': 'acme/app' })
  assert.equal(calls, ['createVolume {"Name":"acme-app-pgdata","Labels":{"pypackage-tasks.project":"acme/app"}}'])
  assert.equal(present.get('acme-app-pgdata'), { 'pypackage-tasks.project': 'acme/app' })
})

Volumes('create: a failure is a UserError naming the volume', async () => {
  const docker = { createVolume: async () => Promise.reject(engineError(500, 'driver local failed')) }
  const e = await rejectedUserError(createVolumes(docker as unknown as Docker).create('acme-app-pgdata', {}), 'create on a broken engine')
  assert.is(e.message, 'the engine failed to create volume acme-app-pgdata: (HTTP code 500) driver local failed')
})

Volumes('list: every label as a filter; name and labels; an answer without Volumes is none', async () => {
  const { volumes, calls } = stubDocker({}, { Volumes: [{ Name: 'acme-app-pgdata', Labels: { a: 'b' } }, { Name: 'bare', Labels: null }] })
  assert.equal(await volumes.list({ 'pypackage-tasks.project': 'acme/app' }), [
    { name: 'acme-app-pgdata', labels: { a: 'b' } },
    { name: 'bare', labels: {} },
  ])
  assert.equal(calls, ['listVolumes {"filters":{"label":["pypackage-tasks.project=acme/app"]}}'])
  assert.equal(await stubDocker({}, { Volumes: null, Warnings: [] }).volumes.list({}), [], 'Volumes: null → []')
})

Volumes('remove: idempotent, the second removal (404) is done', async () => {
  const { volumes, present } = stubDocker({ 'acme-app-pgdata': {} })
  await volumes.remove('acme-app-pgdata')
  await volumes.remove('acme-app-pgdata')
  assert.is(present.size, 0)
})

Volumes('remove: a volume in use (409) is a UserError naming it', async () => {
  const docker = { getVolume: () => ({ remove: async () => Promise.reject(engineError(409, 'remove acme-app-pgdata: volume is in use')) }) }
  const e = await rejectedUserError(createVolumes(docker as unknown as Docker).remove('acme-app-pgdata'), 'remove of a volume in use')
  assert.is(e.message, 'the engine failed to remove volume acme-app-pgdata: (HTTP code 409) remove acme-app-pgdata: volume is in use')
})

Volumes.run()
