import { PassThrough, Readable } from 'node:stream'
import tar from 'tar-stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Docker } from '../../../lib/docker/client.js'
import { readFilesFromImage, runCollecting } from '../../../lib/docker/files.js'
import { createImages } from '../../../lib/docker/images.js'
import { engineError } from '../../helpers/fake-engine.js'
import { rejected, rejectedUserError } from '../helpers/catch.js'

// lib/docker/files.ts: files read out of an image without running it. The stub's container
// answers getArchive with a tar stream made by tar-stream, as the engine sends one (the path's
// last element as the entry's name), so the test reads through the real tar extraction.

type Entry = { name: string; type?: 'file' | 'directory' | 'symlink'; text?: string; linkname?: string }

/** A tar archive of `entries`, as a stream, in chunks of `chunk` bytes (the engine sends it in pieces). */
async function archive(entries: Entry[], chunk = 7): Promise<Readable> {
  const pack = tar.pack()
  for (const e of entries) {
    if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory' })
    else if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname })
    else pack.entry({ name: e.name }, e.text ?? '')
  }
  pack.finalize()
  const chunks: Buffer[] = []
  for await (const c of pack) chunks.push(c as Buffer)
  const all = Buffer.concat(chunks)
  const pieces: Buffer[] = []
  for (let at = 0; at < all.length; at += chunk) pieces.push(all.subarray(at, at + chunk))
  return Readable.from(pieces)
}

/**
 * A dockerode whose createContainer makes a container holding `files` (absolute path → entries
 * of its archive); every call recorded. `getArchive` may be replaced to misbehave.
 */
function stubDocker(files: Record<string, Entry[]>, opts: { getArchive?: (path: string) => Promise<NodeJS.ReadableStream>; create?: () => Promise<never>; exitCode?: number } = {}) {
  const calls: string[] = []
  const container = {
    async getArchive({ path }: { path: string }) {
      calls.push(`getArchive ${path}`)
      if (opts.getArchive) return opts.getArchive(path)
      if (!files[path]) throw engineError(404, `Could not find the file ${path} in container c1`)
      return archive(files[path])
    },
    async remove(o: unknown) {
      calls.push(`remove ${JSON.stringify(o)}`)
    },
    async start() {
      calls.push('start')
    },
    async putArchive(body: Buffer, o: { path: string }) {
      calls.push(`putArchive ${o.path} ${body.length}`)
    },
    async wait() {
      calls.push('wait')
      return { StatusCode: opts.exitCode ?? 0 }
    },
    async logs() {
      // One stdout frame, as the engine sends a non-TTY container's log.
      const line = Buffer.from('Installed app-1-py3-none-any.whl (3 files)\n')
      const head = Buffer.alloc(8)
      head[0] = 1
      head.writeUInt32BE(line.length, 4)
      return Buffer.concat([head, line])
    },
  }
  const docker = {
    async createContainer(spec: unknown) {
      calls.push(`createContainer ${JSON.stringify(spec)}`)
      if (opts.create) return opts.create()
      return container
    },
  }
  return { docker: docker as unknown as Docker, calls }
}

const MANIFEST = '{\n  "wheels": [{"name": "django", "version": "4.2.11"}]\n}\n'
const LABELS = { 'pypackage-tasks.project': 'acme/app', 'pypackage-tasks.task': 'inspect' }

// ---------------------------------------------------------------------------------------------
const Read = suite('readFilesFromImage')

Read("each file's text, in the order asked; a file the image lacks is undefined", async () => {
  const { docker } = stubDocker({
    '/app/pypackage-manifest.json': [{ name: 'pypackage-manifest.json', text: MANIFEST }],
    '/app/sbom.cdx.json': [{ name: 'sbom.cdx.json', text: '{"bomFormat": "CycloneDX"}' }],
  })
  const texts = await readFilesFromImage(docker, 'acme/app-release:latest', ['/app/sbom.cdx.json', '/app/missing.json', '/app/pypackage-manifest.json'], LABELS)
  assert.equal(texts, ['{"bomFormat": "CycloneDX"}', undefined, MANIFEST])
})

Read('a container is created (labelled, never started), and removed (forced) after reading', async () => {
  const { docker, calls } = stubDocker({ '/app/a': [{ name: 'a', text: 'x' }] })
  await readFilesFromImage(docker, 'acme/app-release:latest', ['/app/a'], LABELS)
  assert.equal(calls, [
    'createContainer {"Image":"acme/app-release:latest","Labels":{"pypackage-tasks.project":"acme/app","pypackage-tasks.task":"inspect"},"Entrypoint":["/bin/true"]}',
    'getArchive /app/a',
    'remove {"force":true}',
  ])
})

Read('a file larger than one tar block, sent in small chunks, arrives whole', async () => {
  const big = Array.from({ length: 400 }, (_, i) => `line ${i} ✓`).join('\n')
  const { docker } = stubDocker({ '/app/big.txt': [{ name: 'big.txt', text: big }] })
  const [text] = await readFilesFromImage(docker, 'img', ['/app/big.txt'], {})
  assert.is(text?.length, big.length, 'every character, the multi-byte ones too')
  assert.is(text, big)
})

Read('an empty file is "", not undefined (it exists)', async () => {
  const { docker } = stubDocker({ '/app/empty': [{ name: 'empty', text: '' }] })
  assert.equal(await readFilesFromImage(docker, 'img', ['/app/empty'], {}), [''])
})

Read('a path that is a symlink (the engine archives the link itself): no file text, undefined', async () => {
  const { docker } = stubDocker({ '/app/link.json': [{ name: 'link.json', type: 'symlink', linkname: 'real.json' }] })
  assert.equal(await readFilesFromImage(docker, 'img', ['/app/link.json'], {}), [undefined])
})

Read('an image the engine does not have: a UserError saying to build it', async () => {
  const { docker } = stubDocker({}, { create: () => Promise.reject(engineError(404, 'No such image: acme/app-release:latest\nmore')) })
  const e = await rejectedUserError(readFilesFromImage(docker, 'acme/app-release:latest', ['/app/a'], {}), 'readFiles of a missing image')
  assert.is(e.message, 'cannot open image acme/app-release:latest: (HTTP code 404) No such image: acme/app-release:latest')
  assert.match(e.hint ?? '', /build it first/, 'the hint says to build it')
})

Read('another creation failure: a UserError without the build hint', async () => {
  const { docker } = stubDocker({}, { create: () => Promise.reject(engineError(500, 'no space left on device')) })
  const e = await rejectedUserError(readFilesFromImage(docker, 'img', ['/app/a'], {}), 'readFiles on a full disk')
  assert.is(e.message, 'cannot open image img: (HTTP code 500) no space left on device')
  assert.is(e.hint, undefined, 'building would not help')
})

Read('a failure while reading still removes the container', async () => {
  const { docker, calls } = stubDocker({}, { getArchive: () => Promise.reject(engineError(500, 'archive failed')) })
  const e = await rejected(readFilesFromImage(docker, 'img', ['/app/a'], {}), 'readFiles with a failing archive')
  assert.match((e as Error).message, /archive failed/, "the engine's failure comes through")
  assert.is(calls.at(-1), 'remove {"force":true}', 'the container is removed in finally')
})

Read('an archive that is not a tar: an error, and the container removed', async () => {
  const { docker, calls } = stubDocker({}, { getArchive: async () => Readable.from([Buffer.from('x'.repeat(1024))]) })
  await rejected(readFilesFromImage(docker, 'img', ['/app/a'], {}), 'readFiles of garbage')
  assert.is(calls.at(-1), 'remove {"force":true}')
})

Read('the engine going away mid-transfer: one UserError naming the file, and the container removed', async () => {
  const { docker, calls } = stubDocker(
    {},
    {
      getArchive: async () => {
        const s = new PassThrough()
        setTimeout(() => s.destroy(new Error('socket hang up')), 5)
        return s
      },
    },
  )
  const e = await rejectedUserError(readFilesFromImage(docker, 'img', ['/app/a'], {}), 'readFiles with a lost connection')
  assert.match(e.message, /\/app\/a/, 'it names the file')
  assert.match(e.message, /socket hang up/, "the stream's failure comes through")
  assert.is(calls.at(-1), 'remove {"force":true}', 'the container is removed')
})

Read('an archive that ends inside the file: one UserError, and the container removed', async () => {
  const whole = Buffer.concat(await (await archive([{ name: 'a', text: 'x'.repeat(3000) }], 1 << 20)).toArray())
  const { docker, calls } = stubDocker({}, { getArchive: async () => Readable.from([whole.subarray(0, 1500)]) })
  const e = await rejectedUserError(readFilesFromImage(docker, 'img', ['/app/a'], {}), 'readFiles of a truncated archive')
  assert.match(e.message, /\/app\/a/, 'it names the file')
  assert.is(calls.at(-1), 'remove {"force":true}', 'the container is removed')
})

Read('a failing removal after a failed read: the read failure is the one reported', async () => {
  const { docker } = stubDocker({}, { getArchive: () => Promise.reject(engineError(500, 'archive failed')) })
  const base = await (docker as unknown as { createContainer(): Promise<{ remove(): Promise<void> }> }).createContainer()
  base.remove = () => Promise.reject(engineError(500, 'connection refused'))
  const e = await rejectedUserError(readFilesFromImage(docker, 'img', ['/app/a'], {}), 'readFiles with a failing removal')
  assert.match(e.message, /archive failed/)
})

Read.run()

// ---------------------------------------------------------------------------------------------
const ViaImages = suite('images.readFiles')

ViaImages('the Engine reads files through readFilesFromImage, with the labels given', async () => {
  const { docker, calls } = stubDocker({ '/app/a': [{ name: 'a', text: 'x' }] })
  assert.equal(await createImages(docker).readFiles('img', ['/app/a'], LABELS), ['x'])
  assert.match(calls[0], /"Labels":\{"pypackage-tasks.project":"acme\/app"/)
})

ViaImages.run()

// ---------------------------------------------------------------------------------------------
const Collect = suite('runCollecting')

const SPEC = { image: 'acme/app-release:latest', cmd: ['/tmp/append/run.sh'], labels: LABELS }

Collect('files in, run, output, the file back, removed: in that order', async () => {
  const { docker, calls } = stubDocker({ '/tmp/append/layer.tar': [{ name: 'layer.tar', text: 'LAYER' }] })
  const r = await runCollecting(docker, SPEC, { dir: '/tmp', tar: Buffer.from('files') }, '/tmp/append/layer.tar')
  assert.equal([r.exitCode, r.output, r.file?.toString()], [0, ['Installed app-1-py3-none-any.whl (3 files)'], 'LAYER'])
  assert.equal(calls.slice(1), ['putArchive /tmp 5', 'start', 'wait', 'getArchive /tmp/append/layer.tar', 'remove {"force":true}'])
})

Collect('a run that made no file: its exit code and no file; the container is removed all the same', async () => {
  const { docker, calls } = stubDocker({}, { exitCode: 3 })
  const r = await runCollecting(docker, SPEC, { dir: '/tmp', tar: Buffer.from('files') }, '/tmp/append/layer.tar')
  assert.equal([r.exitCode, r.file], [3, undefined])
  assert.is(calls[calls.length - 1], 'remove {"force":true}')
})

Collect('a failing read is an engine failure, and the container is still removed', async () => {
  const { docker, calls } = stubDocker({}, { getArchive: () => Promise.reject(engineError(500, 'driver failed')) })
  const e = await rejectedUserError(runCollecting(docker, SPEC, { dir: '/tmp', tar: Buffer.from('x') }, '/tmp/append/layer.tar'), 'a failing read')
  assert.match(e.message, /read \/tmp\/append\/layer.tar .*driver failed/)
  assert.is(calls[calls.length - 1], 'remove {"force":true}')
})

Collect.run()
