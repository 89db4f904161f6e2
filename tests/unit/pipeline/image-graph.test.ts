import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Context } from '../../../lib/context.js'
import { appPython, declaredBuildArgs, loadGraph, missingExternal, pythonOf, warnAboutGit } from '../../../lib/pipeline/image-graph.js'
import type { Event } from '../../../lib/events.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

const PY311 = { version: '3.11', image: 'debian:bookworm-slim', imageFrom: 'built-in', from: { source: 'default' } }

// ---------------------------------------------------------------------------------------------
const WarnAboutGit = suite('warnAboutGit: a checkout git will not read is said once per run')

const dir = makeTemp('images')
writeTree(dir, { 'docker/base/Dockerfile': 'FROM debian:bookworm-slim\n', 'docker/release/Dockerfile': 'ARG IMAGE_PREFIX\nFROM ${IMAGE_PREFIX}-base\n' })
WarnAboutGit.after(() => removeTemp(dir))

/** A run's context as far as loadGraph and warnAboutGit look, collecting what it emits. */
function run(gitUntrusted?: { repo: string; fix: string }): { ctx: Context; events: Event[] } {
  const events: Event[] = []
  const project = { root: dir, dockerDir: `${dir}/docker`, prefix: 'acme/app', config: { buildArgs: {}, images: { builder: 'builder', release: 'release' } }, gitUntrusted, python: () => PY311 }
  return { ctx: { project, emit: (e: Event) => events.push(e) } as unknown as Context, events }
}

WarnAboutGit('one info event however many times the graph is loaded and tags are made', async () => {
  const { ctx, events } = run({ repo: '/x', fix: 'git config --global --add safe.directory /x' })
  await loadGraph(ctx)
  await loadGraph(ctx)
  warnAboutGit(ctx) // as tagRelease does after the build
  assert.equal(events, [{ type: 'git:untrusted', repo: '/x', fix: 'git config --global --add safe.directory /x' }], 'exactly one event, with the folder and the fix')
})

WarnAboutGit('each run says it once', async () => {
  const first = run({ repo: '/w', fix: 'f' })
  const second = run({ repo: '/w', fix: 'f' })
  await loadGraph(first.ctx)
  await loadGraph(second.ctx)
  assert.is(first.events.length + second.events.length, 2, 'one event per run')
})

WarnAboutGit('nothing to say: no event', async () => {
  const { ctx, events } = run(undefined)
  await loadGraph(ctx)
  warnAboutGit(ctx)
  assert.equal(events, [], 'no event without a warning')
})

WarnAboutGit.run()

// ---------------------------------------------------------------------------------------------
const PythonGraph = suite("loadGraph: the Python's images are built FROM its OS image")

const PY313 = { version: '3.13', image: 'debian:trixie-slim', imageFrom: 'built-in', from: { source: '.python-version', file: '.python-version', value: '3.13' } }
const OS_FROM = 'ARG OS_IMAGE=debian:bookworm-slim\nFROM ${OS_IMAGE}\n'
let pyDir: string
PythonGraph.before.each(() => {
  pyDir = makeTemp('python-graph')
  writeTree(pyDir, {
    'docker/base/Dockerfile': OS_FROM + 'ARG PYTHON_VERSION\nRUN true\n',
    'docker/builder/Dockerfile': 'ARG IMAGE_PREFIX\nFROM ${IMAGE_PREFIX}-base\n',
    'docker/release/Dockerfile': 'ARG IMAGE_PREFIX\nFROM ${IMAGE_PREFIX}-base\n',
    'docker/postgres/Dockerfile': OS_FROM,
  })
})
PythonGraph.after.each(() => removeTemp(pyDir))

/** loadGraph's context for the project at pyDir running `python`, with `buildArgs`. */
function pyContext(python: object, buildArgs: Record<string, string> = {}): Context {
  const project = { root: pyDir, dockerDir: `${pyDir}/docker`, prefix: 'acme/app', config: { buildArgs, images: { builder: 'builder', release: 'release' } }, python: () => python }
  return { project, emit: () => {} } as unknown as Context
}

PythonGraph("base (the builder's and release's parent) FROM the Python's OS image; the database keeps its own", async () => {
  const ctx = pyContext(PY313)
  const graph = await loadGraph(ctx)
  assert.equal(graph.get('base')!.external, ['debian:trixie-slim'], "base: Python 3.13's OS image")
  assert.equal(graph.get('postgres')!.external, ['debian:bookworm-slim'], "postgres: its Dockerfile's default (postgresql-15 is bookworm's)")
  assert.equal(declaredBuildArgs(ctx, graph.get('base')!), { OS_IMAGE: 'debian:trixie-slim', PYTHON_VERSION: '3.13' }, 'the base gets the OS image and the version, its inputs')
  assert.equal(declaredBuildArgs(ctx, graph.get('postgres')!), {}, 'postgres: no OS_IMAGE from the Python')
  assert.equal(declaredBuildArgs(ctx, graph.get('builder')!), { IMAGE_PREFIX: 'acme/app' })
  assert.equal(
    ['base', 'builder', 'release', 'postgres'].map((n) => pythonOf(ctx, graph.get(n)!)),
    ['3.13', '3.13', '3.13', undefined],
    'the Python of each image (its tags carry it)',
  )
})

PythonGraph('"buildArgs.OS_IMAGE" still reaches the other images that take it', async () => {
  const ctx = pyContext({ ...PY311, image: 'mirror/debian:bookworm-slim' }, { OS_IMAGE: 'mirror/debian:bookworm-slim' })
  const graph = await loadGraph(ctx)
  assert.equal([graph.get('base')!.external, graph.get('postgres')!.external], [['mirror/debian:bookworm-slim'], ['mirror/debian:bookworm-slim']])
})

PythonGraph('Dockerfiles that take no OS_IMAGE decide the Python: none is resolved, named or asked for', async () => {
  writeTree(pyDir, { 'docker/base/Dockerfile': 'FROM python:3.12-slim\n' })
  const ctx = pyContext({})
  ctx.project.python = () => {
    throw new Error('the Python is not resolved: a .python-version saying 3.12 would be an error')
  }
  const graph = await loadGraph(ctx)
  assert.equal(graph.get('base')!.external, ['python:3.12-slim'], 'FROM as the Dockerfile says')
  assert.is(appPython(ctx), undefined, 'no Python of the tool')
  assert.equal(
    ['base', 'builder', 'release'].map((n) => pythonOf(ctx, graph.get(n)!)),
    [undefined, undefined, undefined],
    'no suffix on their tags',
  )
})

PythonGraph("Dockerfiles that take it: appPython is the project's", async () => {
  const ctx = pyContext(PY313)
  await loadGraph(ctx)
  assert.equal(appPython(ctx), PY313)
})

PythonGraph("the engine lacking an image: for the Python's, named with the Python and how to load it", async () => {
  const ctx = pyContext(PY313)
  const graph = await loadGraph(ctx)
  const e = missingExternal(ctx, graph.get('base')!, 'debian:trixie-slim')
  assert.is(e.message, 'Python 3.13 runs on debian:trixie-slim, which the engine does not have (docker/base/Dockerfile is FROM it)')
  for (const how of ['docker pull debian:trixie-slim', 'docker load -i', 'OS_IMAGE=debian:trixie-slim bash .ci/os-image.sh']) assert.ok(e.hint?.includes(how), `the hint names ${how}: ${e.hint}`)
  const other = missingExternal(ctx, graph.get('postgres')!, 'debian:bookworm-slim')
  assert.is(other.message, 'docker/postgres/Dockerfile is FROM debian:bookworm-slim, which the engine does not have')
  assert.match(other.hint ?? '', /docker pull debian:bookworm-slim/)
})

PythonGraph.run()
