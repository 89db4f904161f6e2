import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import tar from 'tar-stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Docker } from '../../../lib/docker/client.js'
import { bindsOf, createOptions, demuxFrames, runContainer, type ContainerSpec, type EngineSite } from '../../../lib/docker/run.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

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

// ---------------------------------------------------------------------------------------------
const DemuxFrames = suite('demuxFrames')

const frame = (stream: number, text: string) => {
  const body = Buffer.from(text)
  const head = Buffer.alloc(8)
  head[0] = stream
  head.writeUInt32BE(body.length, 4)
  return Buffer.concat([head, body])
}

DemuxFrames('stdout and stderr frames, in order, headers removed', () => {
  const buf = Buffer.concat([frame(1, 'Booting worker\n'), frame(2, "OSError: [Errno 30] Read-only file system: '/app/x'\n")])
  assert.is(demuxFrames(buf), "Booting worker\nOSError: [Errno 30] Read-only file system: '/app/x'\n")
})

DemuxFrames('an unframed log (a TTY container) is the text itself', () => {
  assert.is(demuxFrames(Buffer.from('plain text\n')), 'plain text\n')
})

DemuxFrames('an empty log is empty', () => {
  assert.is(demuxFrames(Buffer.alloc(0)), '')
})

DemuxFrames.run()

// ---------------------------------------------------------------------------------------------
const RunContainer = suite('runContainer: host folders in and out')
let root: string
RunContainer.before.each(() => {
  root = makeTemp('run-folders')
  writeTree(root, { 'src/app.py': 'x = 1\n' })
})
RunContainer.after.each(() => removeTemp(root))

/** A dockerode whose one container exits with `code` once started; its calls in order, in `calls`. */
function stubDocker(code: number) {
  const calls: string[] = []
  let started: () => void = () => {}
  const exited = new Promise<void>((resolve) => (started = resolve))
  const output = new PassThrough()
  const container = {
    id: 'c1',
    async putArchive(archive: NodeJS.ReadableStream, o: { path: string }) {
      const names: string[] = []
      const extract = tar.extract()
      extract.on('entry', (h, s, next) => {
        names.push(h.name)
        s.resume()
        s.on('end', next)
      })
      await pipeline(archive, extract)
      calls.push(`putArchive ${o.path} ${names.join(',')}`)
    },
    async getArchive(o: { path: string }) {
      calls.push(`getArchive ${o.path}`)
      const pack = tar.pack()
      pack.entry({ name: 'wheelhouse', type: 'directory' })
      pack.entry({ name: 'wheelhouse/a.whl' }, 'wheel')
      pack.finalize()
      return pack
    },
    async attach() {
      return output
    },
    async wait() {
      await exited
      output.end()
      return { StatusCode: code }
    },
    async start() {
      calls.push('start')
      started()
    },
    async inspect() {
      return { NetworkSettings: { Ports: {} }, Config: { User: '', WorkingDir: '' } }
    },
    async remove() {
      calls.push('remove')
    },
  }
  const docker = {
    async createContainer(opts: { HostConfig: { Binds?: string[] } }) {
      calls.push(`create ${JSON.stringify(opts.HostConfig.Binds ?? [])}`)
      return container
    },
  }
  return { docker: docker as unknown as Docker, calls }
}

const site = (sharedDisk: boolean): EngineSite => ({ sharedDisk, publishIp: '127.0.0.1', reachHost: '127.0.0.1' })
const spec = (): ContainerSpec => ({ image: 'ns/app-builder', uploads: [{ from: path.join(root, 'src'), to: '/application', files: ['app.py'] }], downloads: [{ from: '/wheelhouse', to: path.join(root, 'staging') }] })

RunContainer('through the API: copied in before it starts, copied out after a 0 exit, then removed', async () => {
  const { docker, calls } = stubDocker(0)
  assert.is(await runContainer(docker, spec(), undefined, site(false)), 0)
  assert.equal(calls, ['create []', 'putArchive / application,application/app.py', 'start', 'getArchive /wheelhouse', 'remove'])
  assert.is(readFileSync(path.join(root, 'staging/a.whl'), 'utf8'), 'wheel', 'the folder came back')
})

RunContainer('a non-zero exit: nothing is copied out (the caller keeps what it had)', async () => {
  const { docker, calls } = stubDocker(1)
  assert.is(await runContainer(docker, spec(), undefined, site(false)), 1)
  assert.not.ok(
    calls.some((c) => c.startsWith('getArchive')),
    calls.join('\n'),
  )
  assert.ok(calls.includes('remove'), 'removed all the same')
  assert.not.ok(existsSync(path.join(root, 'staging')))
})

RunContainer('a shared disk: bind mounts, no copies; the download folder made here first (not by the engine, as root)', async () => {
  const { docker, calls } = stubDocker(0)
  await runContainer(docker, spec(), undefined, site(true))
  assert.equal(calls, [`create ${JSON.stringify([`${root}/src:/application:ro`, `${root}/staging:/wheelhouse`])}`, 'start', 'remove'])
  assert.ok(existsSync(path.join(root, 'staging')), 'the folder exists before the container is made')
})

RunContainer.run()
