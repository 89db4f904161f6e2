import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import type { Shape } from '../../../lib/shape/detect.js'
import { parsePyproject } from '../../../lib/shape/pyproject.js'
import * as assert from 'uvu/assert'
import { dependencyPart, staticDependencies } from '../../../lib/nodes/prewarm.js'

const lines = (...l: string[]) => l.join('\n') + '\n'

// ---------------------------------------------------------------------------------------------
const DependencyPart = suite('dependencyPart: the release Dockerfile up to our own wheels')

const release = lines(
  'ARG IMAGE_PREFIX=pypackage/app',
  'FROM ${IMAGE_PREFIX}-base',
  'ENV PIP_NO_INDEX=1',
  'COPY start.sh /',
  'COPY wheels/deps/ /tmp/wheels/deps/',
  'RUN pip install --no-index --no-deps /tmp/wheels/deps/*.whl \\',
  ' && rm -rf /tmp/wheels',
  '# our wheels',
  'COPY wheels/app/ /tmp/wheels/app/',
  'RUN python /install_wheels.py /tmp/wheels/app/*.whl',
  'USER app',
)

DependencyPart('cuts before the first instruction that reads wheels/app, keeping continuation lines whole', () => {
  const part = dependencyPart(release)!
  assert.ok(part, 'a part should be found')
  assert.ok(part.endsWith(' && rm -rf /tmp/wheels\n# our wheels\n'), `the deps RUN should be kept whole:\n${part}`)
  assert.not.match(part, 'wheels/app', 'nothing that reads our wheels should remain')
  assert.ok(release.startsWith(part), 'the part should be the beginning of the file, unchanged (the same cache keys)')
})

const none: { name: string; text: string }[] = [
  { name: 'no COPY of wheels/app', text: lines('FROM base', 'COPY wheels/deps/ /tmp/d/', 'RUN pip install /tmp/d/*.whl') },
  { name: 'wheels/app before wheels/deps', text: lines('FROM base', 'COPY wheels/app/ /tmp/a/', 'COPY wheels/deps/ /tmp/d/') },
  { name: 'no wheels/deps at all', text: lines('FROM base', 'COPY wheels/app/ /tmp/a/') },
  { name: 'two stages', text: lines('FROM base AS deps', 'COPY wheels/deps/ /tmp/d/', 'FROM deps', 'COPY wheels/app/ /tmp/a/') },
]
for (const c of none) {
  DependencyPart(`nothing to build ahead: ${c.name}`, () => {
    assert.is(dependencyPart(c.text), undefined)
  })
}

DependencyPart.run()

// ---------------------------------------------------------------------------------------------
const StaticDependencies = suite('staticDependencies: what pip downloads ahead of the builder')

const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-prewarm-'))
const write = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
  writeFileSync(path.join(dir, rel), text)
}

StaticDependencies.after(() => rmSync(dir, { recursive: true, force: true }))

/** A shape as detectShape makes it, for the parts staticDependencies reads. */
const shapeOf = (text: string | undefined, over: Partial<Shape> = {}): Shape => ({
  kind: 'package',
  backend: 'setuptools.build_meta',
  pyproject: text === undefined ? undefined : parsePyproject(text),
  requirements: [],
  declared: [],
  sqlite: [],
  tests: { tools: { kind: 'none' }, command: [] },
  server: ['gunicorn'],
  ...over,
})

StaticDependencies("the app's dependencies without our local packages (by their pyproject name, normalized)", () => {
  write('libs/speedups/pyproject.toml', lines('[project]', 'name = "my-speedups"'))
  mkdirSync(path.join(dir, 'libs/plainlib'), { recursive: true }) // no pyproject: its folder name
  const shape = shapeOf(lines('[project]', 'name = "site"', 'dependencies = ["Django>=3.2", "My_Speedups>=0.1", "gunicorn", "plainlib"]'))
  const deps = staticDependencies(shape, [path.join(dir, 'libs/speedups'), path.join(dir, 'libs/plainlib')])
  assert.equal(deps, ['Django>=3.2', 'gunicorn'], 'our packages are left out, and gunicorn is not added twice')
})

StaticDependencies('the server the tool adds, when the app does not declare one', () => {
  const shape = shapeOf(lines('[project]', 'name = "api"', 'dependencies = ["starlette"]'), { server: ['gunicorn', 'uvicorn'] })
  assert.equal(staticDependencies(shape, []), ['starlette', 'gunicorn', 'uvicorn'], 'gunicorn and uvicorn are added for an ASGI app')
})

StaticDependencies('an application: its declared requirements, or nothing when they are in requirement files', () => {
  assert.equal(staticDependencies(shapeOf(undefined, { kind: 'application', declared: ['flask>=2.2'] }), []), ['flask>=2.2', 'gunicorn'], 'a uv application declares them in [project]')
  assert.is(staticDependencies(shapeOf(undefined, { kind: 'application', requirements: ['requirements.txt'] }), []), undefined, 'requirements.txt: not known before pip reads it')
})

StaticDependencies('nothing when the app declares them dynamically or has no pyproject.toml', () => {
  assert.is(staticDependencies(shapeOf(lines('[project]', 'name = "d"', 'dynamic = ["dependencies"]')), []), undefined, 'dynamic dependencies')
  assert.is(staticDependencies(shapeOf(undefined), []), undefined, 'a bare setup.py')
})

StaticDependencies.run()
