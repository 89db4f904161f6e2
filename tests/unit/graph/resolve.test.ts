import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ImageDir } from '../../../lib/graph/discover.js'
import { buildOrder, matchOurImage, resolveGraph, splitRef, type ImageGraph, type ImageNode } from '../../../lib/graph/resolve.js'
import { userError } from '../helpers/catch.js'

const PREFIX = 'acme/app'

/** An image folder as discoverImages returns it, with the Dockerfile text given inline. */
function dir(name: string, ...text: string[]): ImageDir {
  return { name, dir: path.join('docker', name), dockerfile: path.join('docker', name, 'Dockerfile'), text: text.join('\n') }
}

/** A graph from `name: parents` only, for buildOrder. */
function graphOf(parents: Record<string, string[]>): ImageGraph {
  const g: ImageGraph = new Map()
  for (const [name, ps] of Object.entries(parents)) {
    const node: ImageNode = { name, dir: `docker/${name}`, dockerfile: `docker/${name}/Dockerfile`, repo: `${PREFIX}-${name}`, parents: ps, external: [], args: new Set() }
    g.set(name, node)
  }
  return g
}

// ---------------------------------------------------------------------------------------------
const SplitRef = suite('splitRef')

const splits: [string, { repo: string; tag?: string }][] = [
  ['debian', { repo: 'debian' }],
  ['debian:bookworm-slim', { repo: 'debian', tag: 'bookworm-slim' }],
  ['acme/app-base:latest', { repo: 'acme/app-base', tag: 'latest' }],
  ['localhost:5000/a/b:tag', { repo: 'localhost:5000/a/b', tag: 'tag' }],
  ['localhost:5000/a/b', { repo: 'localhost:5000/a/b' }], // the colon of a port is not a tag
  ['a/b@sha256:0123abcd', { repo: 'a/b' }], // the colon of a digest is not a tag
  ['a/b:1.0@sha256:0123abcd', { repo: 'a/b', tag: '1.0' }],
  ['localhost:5000/a@sha256:0123abcd', { repo: 'localhost:5000/a' }],
]
for (const [ref, want] of splits) {
  SplitRef(ref, () => {
    assert.equal(splitRef(ref), want, `"${ref}" should split into ${JSON.stringify(want)}`)
  })
}

SplitRef.run()

// ---------------------------------------------------------------------------------------------
const MatchOurImage = suite('matchOurImage')

const names = ['base', 'builder', 'release']
const matches: [string, string | undefined][] = [
  ['acme/app-base', 'base'],
  ['acme/app-builder:latest', 'builder'],
  ['acme/app-release:abc1234-dirty', 'release'],
  ['acme/app-base@sha256:0123abcd', 'base'],
  ['docker.io/acme/app-base', 'base'], // Docker Hub written out is the same repository
  ['ACME/App-Base', 'base'],
  ['acme/app-basement', undefined], // a longer name is another image
  ['acme/app-', undefined],
  ['other/app-base', undefined],
  ['acme/other-base', undefined],
  ['localhost:5000/acme/app-base', undefined], // another registry is another image
  ['debian:bookworm-slim', undefined],
  ['base', undefined],
]
for (const [ref, want] of matches) {
  MatchOurImage(`${ref} → ${want ?? 'not ours'}`, () => {
    assert.is(matchOurImage(ref, PREFIX, names), want, `"${ref}" with prefix "${PREFIX}" should ${want ? `be our image "${want}"` : 'not be ours'}`)
  })
}

MatchOurImage('a prefix written with capitals still matches', () => {
  assert.is(matchOurImage('acme/app-base', 'Acme/App', names), 'base', 'the comparison should ignore case on both sides')
})

MatchOurImage('accepts any iterable of names', () => {
  assert.is(matchOurImage('acme/app-builder', PREFIX, new Set(names)), 'builder', 'a Set of names should work like an array')
})

MatchOurImage.run()

// ---------------------------------------------------------------------------------------------
const ResolveGraph = suite('resolveGraph')

const images = [
  dir('base', 'FROM debian:bookworm-slim', 'RUN true'),
  dir('builder', 'ARG IMAGE_PREFIX', 'FROM ${IMAGE_PREFIX}-base', 'ARG PIP_VERSION=23'),
  dir('release', 'ARG IMAGE_PREFIX', 'FROM ${IMAGE_PREFIX}-builder AS wheels', 'FROM python:3.11-slim AS py', 'FROM ${IMAGE_PREFIX}-base', 'COPY --from=wheels /w /w', 'COPY --from=py /x /x'),
]

ResolveGraph('tells our parents from external images, through ARG-substituted FROM lines', () => {
  const g = resolveGraph(images, PREFIX, { IMAGE_PREFIX: PREFIX })
  assert.equal([...g.keys()], ['base', 'builder', 'release'], 'every image folder should be a node, in input order')
  assert.equal(g.get('base')!.parents, [], 'base should have no parent of ours')
  assert.equal(g.get('base')!.external, ['debian:bookworm-slim'], 'base should need debian from elsewhere')
  assert.equal(g.get('builder')!.parents, ['base'], '${IMAGE_PREFIX}-base should resolve to our base image')
  assert.equal(g.get('builder')!.external, [], 'builder should need nothing external')
  assert.equal(g.get('release')!.parents, ['builder', 'base'], 'release should have builder and base as parents, in FROM order')
  assert.equal(g.get('release')!.external, ['python:3.11-slim'], 'release should need python from elsewhere, and not its stage names')
})

ResolveGraph("fills each node's repo, paths and declared ARGs", () => {
  const g = resolveGraph(images, PREFIX, { IMAGE_PREFIX: PREFIX })
  const builder = g.get('builder')!
  assert.is(builder.repo, 'acme/app-builder', 'repo should be <prefix>-<name>')
  assert.is(builder.dir, path.join('docker', 'builder'), 'dir should be the image folder')
  assert.is(builder.dockerfile, path.join('docker', 'builder', 'Dockerfile'), 'dockerfile should be the Dockerfile path')
  assert.equal([...builder.args], ['IMAGE_PREFIX', 'PIP_VERSION'], 'args should list every ARG, before and after FROM')
})

ResolveGraph('an ARG default gives the parent when no build arg is passed', () => {
  const g = resolveGraph([dir('base', 'FROM debian'), dir('app', 'ARG P=acme/app', 'FROM $P-base:latest')], PREFIX, {})
  assert.equal(g.get('app')!.parents, ['base'], 'the ARG default should resolve the FROM to our base image')
})

ResolveGraph('without the build arg a prefix-less FROM is taken as external', () => {
  const g = resolveGraph([dir('base', 'FROM debian'), dir('app', 'ARG P', 'FROM ${P:-python}:3.11')], PREFIX, {})
  assert.equal(g.get('app')!.parents, [], 'a FROM that does not resolve to our prefix should not be a parent')
  assert.equal(g.get('app')!.external, ['python:3.11'], 'it should be external, after substitution')
})

ResolveGraph('a Dockerfile without FROM is a UserError naming it', () => {
  const e = userError(() => resolveGraph([dir('base', '# nothing yet', 'RUN true')], PREFIX, {}), 'a Dockerfile without FROM')
  assert.match(e.message, path.join('docker', 'base', 'Dockerfile'), 'the message should name the Dockerfile')
  assert.match(e.message, 'expected FROM, found "RUN"', 'the message should name what stands where FROM belongs')
  assert.match(e.hint ?? '', 'FROM <image>', 'the hint should show how to start the Dockerfile')
})

ResolveGraph('a misspelt FROM is named with its line; an empty Dockerfile says FROM is missing', () => {
  const e = userError(() => resolveGraph([dir('base', 'ARG X=1', 'FROMM debian')], PREFIX, {}), 'FROMM')
  assert.match(e.message, /Dockerfile:2: expected FROM, found "FROMM"/, 'names the line and the word')
  const empty = userError(() => resolveGraph([dir('base', '# only a comment')], PREFIX, {}), 'empty')
  assert.match(empty.message, 'has no FROM line')
})

ResolveGraph('an empty FROM ref is a UserError naming the file and line', () => {
  const e = userError(() => resolveGraph([dir('app', 'ARG IMAGE_PREFIX', '', 'FROM ${IMAGE_PREFIX}')], PREFIX, {}), 'an ARG without value in FROM')
  assert.match(e.message, `${path.join('docker', 'app', 'Dockerfile')}:3:`, 'the message should name the Dockerfile and the FROM line number')
  assert.match(e.message, 'empty image', 'the message should say the image name is empty')
  assert.match(e.hint ?? '', 'buildArgs', 'the hint should name the "buildArgs" config key')
})

ResolveGraph('an empty list gives an empty graph', () => {
  assert.is(resolveGraph([], PREFIX, {}).size, 0, 'no image folders should give no nodes')
})

ResolveGraph.run()

// ---------------------------------------------------------------------------------------------
const BuildOrder = suite('buildOrder')

const chain = graphOf({ release: ['builder', 'base'], builder: ['base'], base: [], tools: [] })
const orders: { name: string; graph: ImageGraph; targets: string[]; want: string[] }[] = [
  { name: 'a root alone', graph: chain, targets: ['base'], want: ['base'] },
  { name: 'parents first', graph: chain, targets: ['builder'], want: ['base', 'builder'] },
  { name: 'each image once, even when reached twice', graph: chain, targets: ['release'], want: ['base', 'builder', 'release'] },
  { name: 'several targets share their parents', graph: chain, targets: ['builder', 'release', 'base'], want: ['base', 'builder', 'release'] },
  { name: 'unrelated targets in the order given', graph: chain, targets: ['tools', 'builder'], want: ['tools', 'base', 'builder'] },
  { name: 'a target repeated', graph: chain, targets: ['base', 'base'], want: ['base'] },
  { name: 'no targets', graph: chain, targets: [], want: [] },
  {
    name: 'a diamond',
    graph: graphOf({ top: ['left', 'right'], left: ['root'], right: ['root'], root: [] }),
    targets: ['top'],
    want: ['root', 'left', 'right', 'top'],
  },
]
for (const c of orders) {
  BuildOrder(c.name, () => {
    assert.equal(buildOrder(c.graph, c.targets), c.want, `building ${JSON.stringify(c.targets)} should go ${c.want.join(' → ') || '(nothing)'}`)
  })
}

BuildOrder('an unknown image is a UserError listing the known images', () => {
  const e = userError(() => buildOrder(chain, ['relase']), 'an unknown target')
  assert.is(e.message, 'no image named "relase"', 'the message should name the unknown image')
  assert.match(e.hint ?? '', 'known images: release, builder, base, tools', 'the hint should list every known image')
})

BuildOrder('an unknown parent is reported by name too', () => {
  const e = userError(() => buildOrder(graphOf({ app: ['ghost'] }), ['app']), 'a parent that is not in the graph')
  assert.match(e.message, '"ghost"', 'the message should name the missing parent')
})

BuildOrder('with no images at all, the hint says how to create one', () => {
  const e = userError(() => buildOrder(new Map(), ['base']), 'an empty graph')
  assert.match(e.hint ?? '', '<name>/Dockerfile', 'the hint should say where a Dockerfile goes')
})

const cycles: { name: string; graph: ImageGraph; targets: string[]; loop: string; from: string; to: string; file: string }[] = [
  { name: 'two images', graph: graphOf({ a: ['b'], b: ['a'] }), targets: ['a'], loop: 'a → b → a', from: 'b', to: 'a', file: 'docker/b/Dockerfile' },
  { name: 'three images', graph: graphOf({ a: ['b'], b: ['c'], c: ['a'] }), targets: ['a'], loop: 'a → b → c → a', from: 'c', to: 'a', file: 'docker/c/Dockerfile' },
  { name: 'a loop below the target, without the target', graph: graphOf({ top: ['a'], a: ['b'], b: ['a'] }), targets: ['top'], loop: 'a → b → a', from: 'b', to: 'a', file: 'docker/b/Dockerfile' },
  { name: 'an image FROM itself', graph: graphOf({ a: ['a'] }), targets: ['a'], loop: 'a → a', from: 'a', to: 'a', file: 'docker/a/Dockerfile' },
]
for (const c of cycles) {
  BuildOrder(`a FROM cycle of ${c.name} is a UserError naming the loop in order`, () => {
    const e = userError(() => buildOrder(c.graph, c.targets), `a cycle of ${c.name}`)
    assert.match(e.message, `FROM cycle between images: ${c.loop} (`, `the message should show the loop as "${c.loop}"`)
    assert.match(e.message, `infinite loop from ${c.from} to ${c.to}`, `the message should name the edge that closes the loop (${c.from} to ${c.to})`)
    assert.match(e.hint ?? '', c.file, `the hint should name the Dockerfile to fix (${c.file})`)
  })
}

BuildOrder('resolveGraph and buildOrder together find a cycle written in Dockerfiles', () => {
  const g = resolveGraph([dir('a', 'FROM acme/app-b'), dir('b', 'ARG P=acme/app', 'FROM $P-a')], PREFIX, {})
  const e = userError(() => buildOrder(g, ['b']), 'Dockerfiles FROM each other')
  assert.match(e.message, 'b → a → b', 'the loop should start at the target and follow the FROM lines')
})

BuildOrder.run()
