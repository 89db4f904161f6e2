import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import tar from 'tar-stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Docker } from '../../../lib/docker/client.js'
import type { ContainerSpec, EngineSite } from '../../../lib/docker/container-spec.js'
import { demuxFrames, runContainer } from '../../../lib/docker/run-container.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

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
