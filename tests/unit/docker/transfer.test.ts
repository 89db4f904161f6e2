import { chmodSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import tar from 'tar-stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type Dockerode from 'dockerode'
import { downloadFrom, extractInto, foldersOf, packUploads, uploadInto } from '../../../lib/docker/transfer.js'
import { engineError } from '../../helpers/fake-engine.js'
import { rejected, rejectedUserError } from '../helpers/catch.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// lib/docker/transfer.ts: host folders into a container and back through the Engine API's
// archives. The archives are read and made with tar-stream, as the engine reads and sends them.

interface Entry {
  name: string
  type: string
  mode: number
  uid: number
  gid: number
  text: string
  linkname?: string
}

async function entriesOf(archive: NodeJS.ReadableStream): Promise<Entry[]> {
  const extract = tar.extract()
  const out: Entry[] = []
  extract.on('entry', (h, stream, next) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: unknown) => chunks.push(c as Buffer))
    stream.on('end', () => {
      out.push({ name: h.name, type: h.type ?? 'file', mode: h.mode ?? 0, uid: h.uid ?? -1, gid: h.gid ?? -1, text: Buffer.concat(chunks).toString(), linkname: h.linkname ?? undefined })
      next()
    })
  })
  await pipeline(archive, extract)
  return out
}

/** A tar of `entries`, as the engine sends a folder (its own name first). */
function archiveOf(entries: { name: string; type?: 'file' | 'directory' | 'symlink'; text?: string; mode?: number; linkname?: string }[]): Readable {
  const pack = tar.pack()
  for (const e of entries) {
    if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory', mode: e.mode ?? 0o755 })
    else if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname })
    else pack.entry({ name: e.name, mode: e.mode ?? 0o644 }, e.text ?? '')
  }
  pack.finalize()
  return pack as unknown as Readable
}

let root: string

// ---------------------------------------------------------------------------------------------
const FoldersOf = suite('foldersOf')

FoldersOf('every folder above each name, parents first, once; a name ending in / is a folder itself', () => {
  assert.equal(foldersOf(['application/', 'application/pkg/mod.py', 'application/pkg/sub/x.py', 'find-links/0/a.whl']), ['application', 'find-links', 'application/pkg', 'find-links/0', 'application/pkg/sub'])
})

FoldersOf('a file at the top needs none', () => {
  assert.equal(foldersOf(['setup.py']), [])
})

FoldersOf.run()

// ---------------------------------------------------------------------------------------------
const PackUploads = suite('packUploads')
PackUploads.before.each(() => void (root = makeTemp('transfer-pack')))
PackUploads.after.each(() => removeTemp(root))

PackUploads('each upload under its container folder (no leading slash), folders first, owned by root', async () => {
  writeTree(root, { 'src/app.py': 'print(1)\n', 'src/pkg/__init__.py': '', 'links/a.whl': 'wheel' })
  const entries = await entriesOf(
    await packUploads([
      { from: path.join(root, 'src'), to: '/application' },
      { from: path.join(root, 'links'), to: '/find-links/0' },
    ]),
  )
  assert.equal(
    entries.map((e) => `${e.type} ${e.name}`),
    ['directory application', 'directory find-links', 'directory application/pkg', 'directory find-links/0', 'file application/app.py', 'file application/pkg/__init__.py', 'file find-links/0/a.whl'],
  )
  assert.ok(
    entries.every((e) => e.uid === 0 && e.gid === 0),
    'every entry is root:root in the container',
  )
  assert.is(entries.find((e) => e.name === 'application/app.py')!.text, 'print(1)\n', 'the bytes of the file')
})

PackUploads('a file list: only those files, whatever else the folder holds', async () => {
  writeTree(root, { 'src/app.py': '', 'src/.env': 'SECRET=1', 'src/.git/HEAD': '', 'src/notes.log': '' })
  const entries = await entriesOf(await packUploads([{ from: path.join(root, 'src'), to: '/application', files: ['app.py'] }]))
  assert.equal(
    entries.map((e) => e.name),
    ['application', 'application/app.py'],
  )
})

PackUploads("modes as the host has them; symlinks as links, as a bind mount shows them", async () => {
  writeTree(root, { 'src/run.sh': '#!/bin/sh\n', 'src/data.txt': 'x' })
  chmodSync(path.join(root, 'src/run.sh'), 0o755)
  chmodSync(path.join(root, 'src/data.txt'), 0o600)
  symlinkSync('data.txt', path.join(root, 'src/link.txt'))
  const entries = await entriesOf(await packUploads([{ from: path.join(root, 'src'), to: '/a' }]))
  const by = (n: string) => entries.find((e) => e.name === `a/${n}`)!
  assert.is(by('run.sh').mode & 0o777, 0o755)
  assert.is(by('data.txt').mode & 0o777, 0o600)
  assert.is(by('link.txt').type, 'symlink')
  assert.is(by('link.txt').linkname, 'data.txt')
})

PackUploads('a listed file that is missing fails the stream with a UserError naming it', async () => {
  mkdirSync(path.join(root, 'src'))
  const archive = await packUploads([{ from: path.join(root, 'src'), to: '/a', files: ['gone.py'] }])
  const e = await rejectedUserError(entriesOf(archive), 'a missing file')
  assert.match(e.message, /cannot read .*gone\.py \(ENOENT\)/)
})

PackUploads.run()

// ---------------------------------------------------------------------------------------------
const ExtractInto = suite('extractInto')
ExtractInto.before.each(() => void (root = makeTemp('transfer-extract')))
ExtractInto.after.each(() => removeTemp(root))

ExtractInto("the folder's contents land in `to` (its own name dropped), with the container's modes", async () => {
  const to = path.join(root, 'staging')
  await extractInto(
    archiveOf([
      { name: 'wheelhouse', type: 'directory' },
      { name: 'wheelhouse/all', type: 'directory' },
      { name: 'wheelhouse/all/a-1.0-py3-none-any.whl', text: 'wheel', mode: 0o644 },
      { name: 'wheelhouse/run', text: 'x', mode: 0o755 },
      { name: 'wheelhouse/link', type: 'symlink', linkname: 'run' },
    ]),
    to,
  )
  assert.is(readFileSync(path.join(to, 'all/a-1.0-py3-none-any.whl'), 'utf8'), 'wheel')
  assert.is(lstatSync(path.join(to, 'all/a-1.0-py3-none-any.whl')).mode & 0o777, 0o644)
  assert.is(lstatSync(path.join(to, 'run')).mode & 0o777, 0o755, 'the mode in the archive, not this umask')
  assert.is(readlinkSync(path.join(to, 'link')), 'run')
  assert.is(lstatSync(path.join(to, 'run')).uid, process.getuid!(), "owned by this process's user (hostOwner)")
})

ExtractInto('an entry that climbs out of `to` is refused', async () => {
  const e = (await rejected(extractInto(archiveOf([{ name: 'wheelhouse/../../escaped', text: 'x' }]), path.join(root, 'staging')), 'a climbing entry')) as Error
  assert.match(e.message, /points outside/)
})

ExtractInto.run()

// ---------------------------------------------------------------------------------------------
const Copies = suite('uploadInto / downloadFrom')
Copies.before.each(() => void (root = makeTemp('transfer-copy')))
Copies.after.each(() => removeTemp(root))

/** A dockerode container whose archive calls are recorded; `put`/`get` answer as told. */
function stubContainer(opts: { put?: (archive: NodeJS.ReadableStream) => Promise<void>; get?: (p: string) => Promise<NodeJS.ReadableStream> } = {}) {
  const calls: string[] = []
  const container = {
    async putArchive(archive: NodeJS.ReadableStream, o: { path: string }) {
      calls.push(`putArchive ${o.path}`)
      if (opts.put) return opts.put(archive)
      await entriesOf(archive)
    },
    async getArchive(o: { path: string }) {
      calls.push(`getArchive ${o.path}`)
      return opts.get!(o.path)
    },
  }
  return { container: container as unknown as Dockerode.Container, calls }
}

Copies('every upload in one request at /; none at all without uploads', async () => {
  writeTree(root, { 'a/x': '1', 'b/y': '2' })
  const { container, calls } = stubContainer()
  await uploadInto(container, [
    { from: path.join(root, 'a'), to: '/a' },
    { from: path.join(root, 'b'), to: '/b' },
  ])
  await uploadInto(container, [])
  assert.equal(calls, ['putArchive /'])
})

Copies("the engine's refusal is a UserError naming what was copied", async () => {
  writeTree(root, { 'a/x': '1' })
  const { container } = stubContainer({
    put: async (archive) => {
      archive.resume()
      throw engineError(500, 'no space left on device')
    },
  })
  const e = await rejectedUserError(uploadInto(container, [{ from: path.join(root, 'a'), to: '/application' }]), 'the engine refuses')
  assert.match(e.message, /the engine failed to copy \/application into the container: .*no space left on device/)
})

Copies('a file that cannot be read is the error reported, not the broken request', async () => {
  mkdirSync(path.join(root, 'a'))
  const { container } = stubContainer({
    put: async (archive) => {
      await entriesOf(archive).catch(() => undefined)
      throw engineError(500, 'unexpected EOF')
    },
  })
  const e = await rejectedUserError(uploadInto(container, [{ from: path.join(root, 'a'), to: '/a', files: ['gone.py'] }]), 'an unreadable file')
  assert.match(e.message, /cannot read .*gone\.py/)
})

Copies('downloads: each folder fetched and unpacked into its `to`', async () => {
  const { container, calls } = stubContainer({ get: async () => archiveOf([{ name: 'out', type: 'directory' }, { name: 'out/a.whl', text: 'w' }]) })
  await downloadFrom(container, [{ from: '/out', to: path.join(root, 'staging') }])
  assert.equal(calls, ['getArchive /out'])
  assert.is(readFileSync(path.join(root, 'staging/a.whl'), 'utf8'), 'w')
})

Copies('a folder the container does not have is a UserError naming it', async () => {
  const { container } = stubContainer({
    get: async () => {
      throw engineError(404, 'Could not find the file /wheelhouse in container c1')
    },
  })
  const e = await rejectedUserError(downloadFrom(container, [{ from: '/wheelhouse', to: path.join(root, 'staging') }]), 'a missing folder')
  assert.match(e.message, /copy \/wheelhouse out of the container/)
})

Copies.run()
