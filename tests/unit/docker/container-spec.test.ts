import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { bindsOf, createOptions, type ContainerSpec, type EngineSite } from '../../../lib/docker/container-spec.js'

// ---------------------------------------------------------------------------------------------
const CreateOptions = suite('createOptions')

const labels = { 'pypackage-tasks.project': 'ns/app', 'pypackage-tasks.task': 'run' }
const base: ContainerSpec = { image: 'ns/app-release:latest', labels, publish: { containerPort: 8000, hostPort: 0 } }

CreateOptions('hardened: read-only root filesystem, no capabilities, no privilege escalation', () => {
  const host = createOptions({ ...base, hardened: { writable: ['/app/data'] } }).HostConfig!
  assert.is(host.ReadonlyRootfs, true, 'the root filesystem should be read-only')
  assert.equal(host.CapDrop, ['ALL'], 'every capability should be dropped')
  assert.equal(host.SecurityOpt, ['no-new-privileges'], 'setuid binaries should not gain privileges')
  assert.is(host.Init, true, 'the init process stays')
})

CreateOptions('noHealthcheck: the image HEALTHCHECK off (Test NONE); otherwise the image’s own stands', () => {
  assert.equal(createOptions({ ...base, noHealthcheck: true }).Healthcheck, { Test: ['NONE'] })
  assert.is(createOptions(base).Healthcheck, undefined)
})

CreateOptions('hardened: a tmpfs at /tmp that allows exec, as a cluster emptyDir does', () => {
  const host = createOptions({ ...base, hardened: { writable: [] } }).HostConfig!
  assert.equal(Object.keys(host.Tmpfs ?? {}), ['/tmp'], 'only /tmp should be a tmpfs')
  assert.match(host.Tmpfs!['/tmp'], /(^|,)exec(,|$)/, 'exec should be allowed (Docker defaults to noexec)')
  assert.not.match(host.Tmpfs!['/tmp'], /noexec/)
})

CreateOptions('hardened: each writable folder is an anonymous volume, copied from the image, labelled like the container', () => {
  const host = createOptions({ ...base, hardened: { writable: ['/app/data', '/appenv/var', '/app/data', '/tmp'] } }).HostConfig!
  assert.equal(
    host.Mounts!.map((m) => m.Target),
    ['/app/data', '/appenv/var'],
    'one volume per folder: duplicates and /tmp (a tmpfs) left out',
  )
  for (const m of host.Mounts!) {
    assert.is(m.Type, 'volume', `${m.Target} should be a volume`)
    assert.is(m.Source, '', `${m.Target} should be anonymous (removed with the container)`)
    assert.is(m.VolumeOptions?.NoCopy, false, `${m.Target} should start as a copy of the image's folder (owner included)`)
    assert.equal(m.VolumeOptions?.Labels, labels, `${m.Target} should carry the container's labels, for clean`)
  }
})

CreateOptions('kept folders (dev): their named volume instead of an anonymous one, hardened; a bind, not hardened', () => {
  const keep = { '/app/data': 'ns-app-dev-1-data' }
  const host = createOptions({ ...base, hardened: { writable: ['/app/data', '/appenv/var'] }, keep }).HostConfig!
  assert.equal(
    host.Mounts!.map((m) => [m.Target, m.Source]),
    [
      ['/app/data', 'ns-app-dev-1-data'],
      ['/appenv/var', ''],
    ],
  )
  assert.is(host.Binds, undefined, 'no bind besides')
  assert.equal(createOptions({ ...base, binds: ['/src:/application:ro'], keep }).HostConfig!.Binds, ['/src:/application:ro', 'ns-app-dev-1-data:/app/data'])
})

CreateOptions('not hardened: none of it (a plain docker run)', () => {
  const host = createOptions(base).HostConfig!
  for (const key of ['ReadonlyRootfs', 'CapDrop', 'SecurityOpt', 'Tmpfs', 'Mounts'] as const) {
    assert.is(host[key], undefined, `${key} should not be set`)
  }
})

CreateOptions('the rest of the spec: image, env, labels, loopback port', () => {
  const opts = createOptions({ ...base, env: { A: '1' }, cmd: ['python', '-V'], hardened: { writable: [] } })
  assert.is(opts.Image, 'ns/app-release:latest')
  assert.equal(opts.Env, ['A=1'])
  assert.equal(opts.Cmd, ['python', '-V'])
  assert.equal(opts.Labels, labels)
  assert.equal(opts.HostConfig!.PortBindings, { '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] }, 'published on 127.0.0.1 only, any free port')
})

CreateOptions('an engine elsewhere: ports published on every interface of its machine (its loopback is out of reach from here)', () => {
  const site: EngineSite = { sharedDisk: false, publishIp: '', reachHost: 'build-host' }
  assert.equal(createOptions(base, site).HostConfig!.PortBindings, { '8000/tcp': [{ HostIp: '', HostPort: '' }] })
})

CreateOptions.run()

// ---------------------------------------------------------------------------------------------
const BindsOf = suite('bindsOf')

const here = (sharedDisk: boolean): EngineSite => ({ sharedDisk, publishIp: '127.0.0.1', reachHost: '127.0.0.1' })
const folders: ContainerSpec = {
  image: 'ns/app-builder',
  binds: ['pypackage-tasks-pip-cache:/pip-cache'],
  uploads: [
    { from: '/home/me/app', to: '/application', files: ['setup.py'] },
    { from: '/home/me/wheels', to: '/find-links/0' },
  ],
  downloads: [{ from: '/wheelhouse', to: '/home/me/app/.pypackage/wheels-1' }],
}

BindsOf('a shared disk: uploads read-only, downloads writable, the named volumes kept', () => {
  assert.equal(bindsOf(folders, here(true)), [
    'pypackage-tasks-pip-cache:/pip-cache',
    '/home/me/app:/application:ro',
    '/home/me/wheels:/find-links/0:ro',
    '/home/me/app/.pypackage/wheels-1:/wheelhouse',
  ])
})

BindsOf('its own disk: the named volumes only (the folders travel as archives)', () => {
  assert.equal(bindsOf(folders, here(false)), ['pypackage-tasks-pip-cache:/pip-cache'])
  assert.equal(createOptions(folders, here(false)).HostConfig!.Binds, ['pypackage-tasks-pip-cache:/pip-cache'], 'what the engine is asked for')
})

BindsOf('nothing to mount: no Binds at all', () => {
  assert.is(bindsOf({ image: 'x' }, here(true)), undefined)
  assert.is(bindsOf({ image: 'x' }, here(false)), undefined)
})

BindsOf.run()

