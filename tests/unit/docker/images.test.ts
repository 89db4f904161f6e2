import { Readable } from 'node:stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Docker } from '../../../lib/docker/client.js'
import { createImages } from '../../../lib/docker/images.js'
import { engineError } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'

// lib/docker/images.ts against a stub of the dockerode calls it makes: getImage(ref).inspect /
// tag / remove, listImages. The Engine's one not-found rule, from the images' side: a lookup of
// what is missing is undefined, removing what is gone is done, anything else is a UserError.

/** dockerode's answer to inspect, as the engine gives it for `acme/app-base:abc1234`. */
const INSPECTED = {
  Id: 'sha256:base',
  Size: 242_000_000,
  Created: '2026-11-24T19:10:42Z',
  RepoTags: ['acme/app-base:abc1234', 'acme/app-base:latest'],
  Config: { Labels: { 'pypackage-tasks.project': 'acme/app' }, User: 'app', WorkingDir: '/app' },
}

/**
 * A dockerode holding `present` images (by ref), answering inspect with `answer(ref)`. Removal
 * takes the ref away, and a second one gets the engine's 404, as the engine does. Every call is
 * recorded as `method ref options`.
 */
function stubDocker(present: string[], answer: (ref: string) => unknown = () => INSPECTED, list: unknown[] = []) {
  const images = new Set(present)
  const calls: string[] = []
  const missing = (ref: string) => engineError(404, `No such image: ${ref}`)
  const docker = {
    getImage: (ref: string) => ({
      async inspect() {
        calls.push(`inspect ${ref}`)
        if (!images.has(ref)) throw missing(ref)
        return answer(ref)
      },
      async tag(opts: unknown) {
        calls.push(`tag ${ref} ${JSON.stringify(opts)}`)
        if (!images.has(ref)) throw missing(ref)
      },
      async remove(opts: unknown) {
        calls.push(`remove ${ref} ${JSON.stringify(opts)}`)
        if (!images.delete(ref)) throw missing(ref)
      },
    }),
    async listImages(opts: unknown) {
      calls.push(`listImages ${JSON.stringify(opts)}`)
      return list
    },
  }
  return { images: createImages(docker as unknown as Docker), calls, present: images }
}

/** A dockerode whose every image call fails with `status`. */
function failingDocker(status: number, message = 'layer store broken\nsecond line') {
  const fail = async () => {
    throw engineError(status, message)
  }
  return createImages({ getImage: () => ({ inspect: fail, tag: fail, remove: fail }), listImages: fail } as unknown as Docker)
}

// ---------------------------------------------------------------------------------------------
const Inspect = suite('images.inspect')

Inspect("the engine's answer as the tool reads it", async () => {
  const { images } = stubDocker(['acme/app-base:abc1234'])
  assert.equal(
    await images.inspect('acme/app-base:abc1234'),
    {
      id: 'sha256:base',
      size: 242_000_000,
      created: '2026-11-24T19:10:42Z',
      labels: { 'pypackage-tasks.project': 'acme/app' },
      tags: ['acme/app-base:abc1234', 'acme/app-base:latest'],
      user: 'app',
      workdir: '/app',
    },
    'id, size, created, labels, tags, user and workdir taken from Id, Size, Created, Config.Labels, RepoTags, Config.User, Config.WorkingDir',
  )
})

Inspect('an image without Config, labels or names: empty values, never undefined', async () => {
  const { images } = stubDocker(['sha256:bare'], () => ({ Id: 'sha256:bare', Size: 1, Created: 'x', RepoTags: null, Config: { Labels: null } }))
  const info = await images.inspect('sha256:bare')
  assert.equal(info?.labels, {}, 'Config.Labels null → {}')
  assert.equal(info?.tags, [], 'RepoTags null → []')
  assert.is(info?.user, '', 'no User → "" (root)')
  assert.is(info?.workdir, '', 'no WorkingDir → ""')
})

Inspect('a superseded build (<none>:<none>) has no names', async () => {
  const { images } = stubDocker(['sha256:old'], () => ({ ...INSPECTED, RepoTags: ['<none>:<none>'] }))
  assert.equal((await images.inspect('sha256:old'))?.tags, [], '<none>:<none> is not a name')
})

Inspect('404: undefined, not an error', async () => {
  const { images, calls } = stubDocker([])
  assert.is(await images.inspect('acme/app-base:latest'), undefined, 'a missing image is undefined')
  assert.equal(calls, ['inspect acme/app-base:latest'], 'asked the engine once, for that ref')
})

Inspect('400: a malformed reference, said so with the format', async () => {
  const e = await rejectedUserError(failingDocker(400, 'invalid reference format').inspect('Acme/App'), 'inspect of Acme/App')
  assert.is(e.message, '"Acme/App" is not a valid image reference')
  assert.match(e.hint ?? '', /\[registry\/\]name\[:tag\] in lower case/, 'the hint shows the format')
  assert.ok(e.cause, "the engine's error is kept as the cause (--verbose)")
})

Inspect("500: a UserError with what was asked and the engine's first line", async () => {
  const e = await rejectedUserError(failingDocker(500).inspect('acme/app-base:latest'), 'inspect on a broken engine')
  assert.is(e.message, 'the engine failed to look up acme/app-base:latest: (HTTP code 500) layer store broken', 'only the first line of the engine message')
  assert.is(e.hint, 'check that the Docker engine is running, then retry')
})

Inspect.run()

// ---------------------------------------------------------------------------------------------
const List = suite('images.list')

List('asks for every label given, and maps the answer; <none>:<none> is no name', async () => {
  const { images, calls } = stubDocker(
    [],
    undefined,
    [
      { Id: 'sha256:a', RepoTags: ['acme/app-base:latest'], Created: 100 },
      { Id: 'sha256:b', RepoTags: ['<none>:<none>'], Created: 50 },
      { Id: 'sha256:c', Created: 10 },
    ],
  )
  const found = await images.list({ 'pypackage-tasks.project': 'acme/app', 'pypackage-tasks.task': 'release' })
  assert.equal(calls, ['listImages {"filters":{"label":["pypackage-tasks.project=acme/app","pypackage-tasks.task=release"]}}'], 'one label filter per label, key=value')
  assert.equal(found, [
    { id: 'sha256:a', tags: ['acme/app-base:latest'], created: 100 },
    { id: 'sha256:b', tags: [], created: 50 },
    { id: 'sha256:c', tags: [], created: 10 },
  ])
})

List('an engine failure is a UserError naming the listing', async () => {
  const e = await rejectedUserError(failingDocker(500).list({ a: 'b' }), 'list on a broken engine')
  assert.is(e.message, 'the engine failed to list images: (HTTP code 500) layer store broken')
})

List.run()

// ---------------------------------------------------------------------------------------------
const Look = suite('images.look')

Look('one inspect per ref, side by side (no image listing: the engine walks every image for one); each found ref`s id and size; a ref alone means :latest; what the engine lacks is absent', async () => {
  const { images, calls } = stubDocker(['acme/app-base:abc1234', 'acme/app-base', 'debian:bookworm-slim'], (ref) => ({ ...INSPECTED, Id: ref.startsWith('debian') ? 'sha256:debian' : 'sha256:base' }))
  const found = await images.look(['acme/app-base:abc1234', 'acme/app-base', 'debian:bookworm-slim', 'acme/app-release:abc1234', 'debian:bookworm-slim'])
  assert.equal(calls.sort(), ['inspect acme/app-base', 'inspect acme/app-base:abc1234', 'inspect acme/app-release:abc1234', 'inspect debian:bookworm-slim'], 'each ref once, no listImages')
  const [base, debian] = [{ id: 'sha256:base', size: 242_000_000 }, { id: 'sha256:debian', size: 242_000_000 }]
  assert.equal(found, { 'acme/app-base:abc1234': base, 'acme/app-base': base, 'debian:bookworm-slim': debian })
})

Look('only plain name[:tag] refs are asked for; none left: no request', async () => {
  const { images, calls } = stubDocker([])
  assert.equal(await images.look(['debian@sha256:0123', 'Upper/case:1', 'a/b:*']), {})
  assert.equal(calls, [])
})

Look('an engine failure is a UserError naming the lookup', async () => {
  const e = await rejectedUserError(failingDocker(500).look(['a:b']), 'look on a broken engine')
  assert.is(e.message, 'the engine failed to look up images: (HTTP code 500) layer store broken')
})

Look.run()

// ---------------------------------------------------------------------------------------------
const Tag = suite('images.tag')

Tag('tags the ref with repo and tag, as dockerode takes them', async () => {
  const { images, calls } = stubDocker(['sha256:rel'])
  await images.tag('sha256:rel', 'acme/app-release', 'v1')
  assert.equal(calls, ['tag sha256:rel {"repo":"acme/app-release","tag":"v1"}'])
})

Tag('tagging a missing image is a failure (only lookups and removals take 404 as an answer)', async () => {
  const e = await rejectedUserError(stubDocker([]).images.tag('sha256:gone', 'acme/app-release', 'v1'), 'tag of a missing image')
  assert.is(e.message, 'the engine failed to tag sha256:gone as acme/app-release:v1: (HTTP code 404) No such image: sha256:gone')
})

Tag.run()

// ---------------------------------------------------------------------------------------------
const Remove = suite('images.remove and removeUnused')

Remove('remove: neither forced nor noprune unless asked', async () => {
  const { images, calls } = stubDocker(['a', 'b'])
  await images.remove('a')
  await images.remove('b', { force: true, noprune: true })
  assert.equal(calls, ['remove a {"force":false,"noprune":false}', 'remove b {"force":true,"noprune":true}'])
})

Remove('remove is idempotent: the second removal (404) is done too', async () => {
  const { images, calls, present } = stubDocker(['acme/app-release:v1'])
  await images.remove('acme/app-release:v1')
  await images.remove('acme/app-release:v1') // would reject if 404 were not taken as done
  assert.is(present.size, 0, 'the image is gone')
  assert.is(calls.length, 2, 'both removals asked the engine')
})

Remove('remove: 409 (in use) is a UserError naming the image', async () => {
  const e = await rejectedUserError(failingDocker(409, 'conflict: image is being used by running container').remove('acme/app-base:latest'), 'remove of an image in use')
  assert.is(e.message, 'the engine failed to remove image acme/app-base:latest: (HTTP code 409) conflict: image is being used by running container')
})

Remove('removeUnused: true when removed, false when already gone, and prunes its untagged parents', async () => {
  const { images, calls } = stubDocker(['sha256:old'])
  assert.is(await images.removeUnused('sha256:old'), true, 'removed')
  assert.is(await images.removeUnused('sha256:old'), false, 'a second time: gone (404), so not removed by us')
  assert.equal(calls[0], 'remove sha256:old {"noprune":false}', 'parents left untagged are pruned with it')
})

Remove('removeUnused: false when a container or child still uses it (409); other failures throw', async () => {
  assert.is(await failingDocker(409).removeUnused('sha256:base'), false, '409: kept')
  const e = await rejectedUserError(failingDocker(500).removeUnused('sha256:base'), 'removeUnused on a broken engine')
  assert.is(e.message, 'the engine failed to remove image sha256:base: (HTTP code 500) layer store broken')
})

Remove.run()

// ---------------------------------------------------------------------------------------------
const Layout = suite('images.layout')

Layout('layers, history oldest first, container config and platform; undefined when absent', async () => {
  const history = [
    { CreatedBy: 'CMD ["/start.sh"]', Created: 2, Comment: 'buildkit.dockerfile.v0', Size: 0 },
    { CreatedBy: 'RUN make', Created: 1, Comment: '', Size: 10 },
  ]
  const answer = () => ({ ...INSPECTED, RootFS: { Type: 'layers', Layers: ['sha256:a'] }, Architecture: 'amd64', Os: 'linux' })
  const { images } = stubDocker([])
  const withHistory = createImages({
    getImage: (ref: string) => ({ inspect: () => answer(), history: async () => (ref === 'acme/app-release:latest' ? [...history] : []) }),
  } as unknown as Docker)
  assert.equal(await withHistory.layout('acme/app-release:latest'), {
    diffIds: ['sha256:a'],
    history: [
      { createdBy: 'RUN make', created: 1, comment: '', size: 10 },
      { createdBy: 'CMD ["/start.sh"]', created: 2, comment: 'buildkit.dockerfile.v0', size: 0 },
    ],
    config: INSPECTED.Config,
    architecture: 'amd64',
    os: 'linux',
  })
  assert.is(await images.layout('acme/other:latest'), undefined, 'a missing image has no layout')
})

Layout.run()

// ---------------------------------------------------------------------------------------------
const Load = suite('images.load')

/** A dockerode whose loadImage answers `lines` (JSON messages, one per line). */
const loading = (lines: string[]) => {
  const sent: Buffer[] = []
  const docker = {
    async loadImage(body: AsyncIterable<Buffer>) {
      for await (const c of body) sent.push(c)
      return Readable.from(lines.map((l) => Buffer.from(`${l}\n`)))
    },
  }
  return { images: createImages(docker as unknown as Docker), sent }
}

Load('sends the tarball; a quiet answer is done', async () => {
  const { images, sent } = loading(['{"stream":"Loaded image: acme/app-release:latest"}'])
  await images.load(Buffer.from('tarball'))
  assert.is(Buffer.concat(sent).toString(), 'tarball', 'the body is the tarball')
})

Load('an error inside the answer is a UserError naming it', async () => {
  const { images } = loading(['{"errorDetail":{"message":"invalid diffID for layer 11"},"error":"invalid diffID for layer 11"}'])
  const e = await rejectedUserError(images.load(Buffer.from('tarball')), 'a load the engine refused')
  assert.match(e.message, /refused the appended image: invalid diffID for layer 11/)
  assert.match(e.hint ?? '', /--force/)
})

Load.run()
