import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { MOUNT } from '../../../lib/pipeline/builder-mounts.js'
import { buildWheels } from '../../../lib/pipeline/wheels.js'
import { wheelInputs } from '../../../lib/pipeline/wheel-inputs.js'
import { MANIFEST } from '../../../lib/pipeline/wheel-manifest.js'
import type { ContainerSpec } from '../../../lib/docker/engine.js'
import { createFakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// ---------------------------------------------------------------------------------------------
const BuildWheels = suite('buildWheels (a fresh builder container: engine.warmBuilder false)')
let root: string
BuildWheels.before.each(() => {
  root = makeTemp('build-wheels')
  writeTree(root, {
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.gitignore': 'local_settings.py\n',
    'local_settings.py': 'SECRET = 1\n',
    'app.py': 'app = None\n',
    'requirements.txt': 'flask\n',
    '.venv/bin/python': '',
    '.cache/links/flask-2.2.2-py3-none-any.whl': 'flask',
  })
})
BuildWheels.after.each(() => removeTemp(root))

const APP = 'app-0-py3-none-any.whl'
const FLASK = 'flask-2.2.2-py3-none-any.whl'
/** What the builder leaves in its /wheelhouse: the app's wheel built, and everything resolved. */
const BUILT = { [`/wheelhouse/local/app/${APP}`]: 'app', [`/wheelhouse/all/${APP}`]: 'app', [`/wheelhouse/all/${FLASK}`]: 'flask' }

async function build(answer: { exitCode: number; files?: Record<string, string> }) {
  const engine = createFakeEngine({ images: [{ id: 'sha256:builder', tags: ['acme/app-builder:abc1234'], labels: {}, created: 1 }] })
  engine.script = () => answer
  const { ctx } = taskContext(engine, { root, git: { sha: 'abc1234', dirty: false }, shape: 'detect', config: { pip: { findLinks: ['.cache/links'], noIndex: true }, engine: { warmBuilder: false } } })
  const inputs = await wheelInputs(ctx.project, 'sha256:builder')
  const spec = () => engine.calls.find((c) => c.method === 'containers.run')!.args[0] as ContainerSpec
  return { engine, spec, result: buildWheels(ctx, 'acme/app-builder:abc1234', inputs, () => {}) }
}

BuildWheels("what goes in: the listed source files, their lists, the find-links folder; pip's cache a volume; /wheelhouse comes out", async () => {
  const { engine, spec, result } = await build({ exitCode: 0, files: BUILT })
  await result
  const s = spec()
  assert.equal(
    s.uploads!.map((u) => u.to),
    [MOUNT.source, MOUNT.sources, '/find-links/0'],
  )
  assert.equal(s.uploads![0].files, ['.gitignore', 'app.py', 'requirements.txt'], 'the source as sources.ts selects it: no ignored file, no virtualenv, no .git, no .cache')
  assert.equal(s.binds, ['pypackage-tasks-pip-cache:/pip-cache'], 'no host path: only the named volume')
  assert.equal(
    s.downloads!.map((d) => d.from),
    [MOUNT.wheelhouse],
  )
  assert.equal(Object.keys(engine.uploaded[0]).sort(), ['/application', '/find-links/0', '/sources'], 'the fake engine got them')
})

BuildWheels('what came out replaces the wheelhouse, with its manifest; the staging folder is gone', async () => {
  const { result } = await build({ exitCode: 0, files: BUILT })
  const { manifest } = await result
  assert.equal(manifest.packages, { app: APP })
  assert.equal(manifest.dependencies, [FLASK])
  assert.equal(readdirSync(path.join(root, 'wheelhouse')).sort(), [APP, MANIFEST, FLASK].sort())
  assert.not.ok(existsSync(path.join(root, '.pypackage')), 'no staging folder left')
})

BuildWheels('a second build uploads the previous wheelhouse too', async () => {
  await (
    await build({ exitCode: 0, files: BUILT })
  ).result
  writeTree(root, { 'app.py': 'app = 1\n' })
  const { spec, result } = await build({ exitCode: 0, files: BUILT })
  await result
  assert.ok(
    spec().uploads!.some((u) => u.from === path.join(root, 'wheelhouse') && u.to === MOUNT.previous),
    'the previous wheelhouse, for the wheels it reuses',
  )
})

BuildWheels('a failed builder: nothing comes back, the wheelhouse is as it was', async () => {
  await (
    await build({ exitCode: 0, files: BUILT })
  ).result
  const before = readdirSync(path.join(root, 'wheelhouse')).sort()
  writeTree(root, { 'app.py': 'app = 2\n' })
  const { result } = await build({ exitCode: 1, files: { [`/wheelhouse/all/broken.whl`]: 'x' } })
  await rejectedUserError(result, 'the builder fails')
  assert.equal(readdirSync(path.join(root, 'wheelhouse')).sort(), before, 'the wheelhouse unchanged')
  assert.not.ok(existsSync(path.join(root, '.pypackage')), 'no staging folder left')
})

BuildWheels.run()
