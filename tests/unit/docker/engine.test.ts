import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createEngine, type Docker } from '../../../lib/docker/client.js'
import type { Engine } from '../../../lib/docker/engine.js'
import { engineError } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'

// The Engine over dockerode (lib/docker/): its one not-found convention, against a stub of the
// few dockerode calls each method makes. Lookups answer undefined on 404, removals take 404 as
// done, anything else is a UserError with the engine's first line and a hint.

const fails =
  (status: number, message = 'boom') =>
  async () => {
    throw engineError(status, message)
  }

/** A dockerode whose getImage/getContainer/getNetwork/getVolume hand out `handle`, and whose lists answer `lists`. */
function stubDocker(handle: Record<string, unknown>, lists: Record<string, unknown> = {}): { docker: Docker; asked: unknown[] } {
  const asked: unknown[] = []
  const get = (ref: string) => {
    asked.push(ref)
    return handle
  }
  const list = (name: string) => async (opts: unknown) => {
    asked.push(opts)
    return lists[name]
  }
  const docker = {
    getImage: get,
    getContainer: get,
    getNetwork: get,
    getVolume: get,
    listImages: list('images'),
    listContainers: list('containers'),
    listNetworks: list('networks'),
    listVolumes: list('volumes'),
  }
  return { docker: docker as unknown as Docker, asked }
}

// ---------------------------------------------------------------------------------------------
const Lookups = suite('lookups: undefined on 404, a UserError otherwise')

for (const [resource, call] of [
  ['images', (e: Engine) => e.images.inspect('acme/app:1')],
  ['containers', (e: Engine) => e.containers.inspect('acme-app-web')],
  ['networks', (e: Engine) => e.networks.inspect('acme-app-net')],
  ['volumes', (e: Engine) => e.volumes.inspect('acme-app-pgdata')],
] as const) {
  Lookups(`${resource}.inspect: 404 is undefined`, async () => {
    assert.is(await call(createEngine(stubDocker({ inspect: fails(404) }).docker)), undefined)
  })
  Lookups(`${resource}.inspect: 500 is a UserError with the engine's first line and a hint`, async () => {
    const e = await rejectedUserError(call(createEngine(stubDocker({ inspect: fails(500, 'layer store broken\nmore') }).docker)), '500')
    assert.match(e.message, /^the engine failed to (look up|inspect) .*: \(HTTP code 500\) layer store broken$/)
    assert.is(e.hint, 'check that the Docker engine is running, then retry')
  })
}

Lookups('images.inspect: 400 is a malformed reference, said so', async () => {
  const e = await rejectedUserError(createEngine(stubDocker({ inspect: fails(400) }).docker).images.inspect('Acme/App'), '400')
  assert.is(e.message, '"Acme/App" is not a valid image reference')
})

Lookups("images.inspect: the engine's answer as the tool reads it; <none>:<none> is no name", async () => {
  const inspect = async () => ({
    Id: 'sha256:1',
    Size: 42,
    Created: '2026-01-01T00:00:00Z',
    RepoTags: ['<none>:<none>', 'acme/app:1'],
    Config: { Labels: { a: 'b' }, User: 'app', WorkingDir: '/app' },
  })
  const info = await createEngine(stubDocker({ inspect }).docker).images.inspect('acme/app:1')
  assert.equal(info, { id: 'sha256:1', size: 42, created: '2026-01-01T00:00:00Z', labels: { a: 'b' }, tags: ['acme/app:1'], user: 'app', workdir: '/app' })
})

Lookups('containers.inspect: running state, exit code and published TCP ports', async () => {
  const inspect = async () => ({
    Id: 'c1',
    Name: '/acme-app-web',
    State: { Running: false, ExitCode: 3 },
    NetworkSettings: { Ports: { '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '49153' }], '9000/tcp': null } },
  })
  const info = await createEngine(stubDocker({ inspect }).docker).containers.inspect('acme-app-web')
  assert.equal(info, { id: 'c1', name: 'acme-app-web', running: false, exitCode: 3, hostPorts: { 8000: 49153 }, host: '127.0.0.1', labels: {} })
})

Lookups.run()

// ---------------------------------------------------------------------------------------------
const Removals = suite('removals: 404 is done, a UserError otherwise')

for (const [resource, call] of [
  ['images', (e: Engine) => e.images.remove('acme/app:1')],
  ['containers', (e: Engine) => e.containers.remove('acme-app-web')],
  ['networks', (e: Engine) => e.networks.remove('acme-app-net')],
  ['volumes', (e: Engine) => e.volumes.remove('acme-app-pgdata')],
] as const) {
  Removals(`${resource}.remove: 404 resolves`, async () => {
    await call(createEngine(stubDocker({ remove: fails(404) }).docker))
  })
  Removals(`${resource}.remove: 409 is a UserError naming what it removed`, async () => {
    const e = await rejectedUserError(call(createEngine(stubDocker({ remove: fails(409, 'in use') }).docker)), '409')
    assert.match(e.message, new RegExp(`^the engine failed to remove ${resource.slice(0, -1)} \\S+: \\(HTTP code 409\\) in use$`))
  })
}

Removals('containers.remove: always forced; anonymous volumes only when asked', async () => {
  const seen: unknown[] = []
  const { docker } = stubDocker({ remove: async (o: unknown) => void seen.push(o) })
  await createEngine(docker).containers.remove('a')
  await createEngine(docker).containers.remove('b', { volumes: true })
  assert.equal(seen, [
    { force: true, v: false },
    { force: true, v: true },
  ])
})

Removals('images.removeUnused: kept when in use (409), false when gone (404), true when removed', async () => {
  assert.is(await createEngine(stubDocker({ remove: fails(409) }).docker).images.removeUnused('x'), false, '409: kept')
  assert.is(await createEngine(stubDocker({ remove: fails(404) }).docker).images.removeUnused('x'), false, '404: gone')
  assert.is(await createEngine(stubDocker({ remove: async () => undefined }).docker).images.removeUnused('x'), true, 'removed')
  await rejectedUserError(createEngine(stubDocker({ remove: fails(500) }).docker).images.removeUnused('x'), '500')
})

Removals.run()

// ---------------------------------------------------------------------------------------------
const Lists = suite('lists select by every label given')

Lists('the label filter the engine gets, and the answer mapped', async () => {
  const { docker, asked } = stubDocker({}, { images: [{ Id: 'sha256:1', RepoTags: ['<none>:<none>'], Created: 5 }], volumes: { Volumes: null } })
  const engine = createEngine(docker)
  assert.equal(await engine.images.list({ 'pypackage-tasks.project': 'acme/app', 'pypackage-tasks.task': 'run' }), [{ id: 'sha256:1', tags: [], created: 5 }])
  assert.equal(await engine.volumes.list({ 'pypackage-tasks.project': 'acme/app' }), [], 'no Volumes key: no volumes')
  assert.equal(asked, [{ filters: { label: ['pypackage-tasks.project=acme/app', 'pypackage-tasks.task=run'] } }, { filters: { label: ['pypackage-tasks.project=acme/app'] } }])
})

Lists.run()
