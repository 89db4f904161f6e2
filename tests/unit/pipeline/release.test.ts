import { existsSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  IMAGE_MANIFEST,
  IMAGE_SBOM,
  releaseBuildArgs,
  releaseImage,
  releaseManifestPath,
  releaseRepo,
  releaseSbomPath,
  requireImage,
  wheelEntries,
  writeReleaseManifest,
} from '../../../lib/pipeline/release.js'
import { MANIFEST } from '../../../lib/pipeline/wheel-manifest.js'
import { detectShape } from '../../../lib/shape/detect.js'
import { createFakeEngine, type FakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { config } from '../helpers/config.js'
import { taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// lib/pipeline/release.ts: the release image's name, its build args from the project's shape, the
// wheelhouse as context entries, and the manifest and SBOM copied out of the built image.

const APP_WHEEL = 'app-1.0-py3-none-any.whl'
const DEP_WHEEL = 'django-4.2.11-py3-none-any.whl'

/** A wheelhouse the tool built: two wheels and its manifest. */
const WHEELHOUSE = {
  [`wheelhouse/${APP_WHEEL}`]: 'app wheel',
  [`wheelhouse/${DEP_WHEEL}`]: 'django wheel',
  [`wheelhouse/${MANIFEST}`]: JSON.stringify({ inputs: { 'app/x.py': 'h' }, packages: { app: APP_WHEEL }, dependencies: [DEP_WHEEL], sha256: { [APP_WHEEL]: 'a1', [DEP_WHEEL]: 'd1' } }),
}

/** A Django project: manage.py, mysite/ with settings (sqlite) and wsgi.py, requirements.txt. */
const DJANGO = {
  'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
  'mysite/__init__.py': '',
  'mysite/settings.py':
    'from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nDATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}\n',
  'mysite/wsgi.py': 'import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\napplication = get_wsgi_application()\n',
  'requirements.txt': 'Django==4.2.11\n',
}

let root: string

/** A context for acme/app at `root`, its shape found from the files for real, with `overrides` in its config. */
function contextOn(engine: FakeEngine, overrides: Record<string, unknown> = {}) {
  const made = taskContext(engine, { root })
  made.ctx.project.config = config(overrides)
  made.ctx.project.shape = () => detectShape(root, made.ctx.project.config)
  return made
}

// ---------------------------------------------------------------------------------------------
const Names = suite('releaseRepo, requireImage, releaseImage, manifest paths')
Names.before.each(() => void (root = makeTemp('release')))
Names.after.each(() => removeTemp(root))

Names('releaseRepo: <prefix>-<images.release>', () => {
  const { ctx } = contextOn(createFakeEngine())
  assert.is(releaseRepo(ctx.project), 'acme/app-release')
  ctx.project.config = config({ images: { release: 'web' } })
  assert.is(releaseRepo(ctx.project), 'acme/app-web', 'the configured folder name')
})

Names("requireImage: the release image's :latest by default, with its id", async () => {
  const engine = createFakeEngine({ images: [{ id: 'sha256:rel', tags: ['acme/app-release:latest'], labels: {}, created: 1 }] })
  assert.equal(await requireImage(contextOn(engine).ctx), { id: 'sha256:rel', ref: 'acme/app-release:latest' })
  assert.equal(await releaseImage(contextOn(engine).ctx), { id: 'sha256:rel', repo: 'acme/app-release' })
})

Names('requireImage: another ref when given; a missing one is a UserError saying to build it', async () => {
  const engine = createFakeEngine({ images: [{ id: 'sha256:v1', tags: ['acme/app-release:v1'], labels: {}, created: 1 }] })
  assert.equal(await requireImage(contextOn(engine).ctx, 'acme/app-release:v1'), { id: 'sha256:v1', ref: 'acme/app-release:v1' })
  const e = await rejectedUserError(requireImage(contextOn(engine).ctx), 'no :latest')
  assert.is(e.message, 'image acme/app-release:latest does not exist')
  assert.is(e.hint, 'build it first: pypackage-tasks release')
  await rejectedUserError(releaseImage(contextOn(createFakeEngine()).ctx), 'releaseImage without an image')
})

Names('manifest and SBOM: next to the wheelhouse, and where the image keeps them', () => {
  assert.is(releaseManifestPath('/p/wheelhouse'), '/p/wheelhouse-manifest.json')
  assert.is(releaseSbomPath('/p/wheelhouse'), '/p/wheelhouse-sbom.cdx.json')
  assert.is(IMAGE_MANIFEST, '/app/pypackage-manifest.json', 'docker/release writes it there; inspect reads it there')
  assert.is(IMAGE_SBOM, '/app/sbom.cdx.json')
})

Names.run()

// ---------------------------------------------------------------------------------------------
const Entries = suite('wheelEntries')
Entries.before.each(() => void (root = makeTemp('release-entries')))
Entries.after.each(() => removeTemp(root))

Entries('dependencies under wheels/deps/, our own under wheels/app/, each with its manifest hash', async () => {
  writeTree(root, WHEELHOUSE)
  assert.equal(await wheelEntries(contextOn(createFakeEngine()).ctx), [
    { name: `wheels/deps/${DEP_WHEEL}`, abs: path.join(root, 'wheelhouse', DEP_WHEEL), hash: 'd1' },
    { name: `wheels/app/${APP_WHEEL}`, abs: path.join(root, 'wheelhouse', APP_WHEEL), hash: 'a1' },
  ])
})

Entries('no manifest (no wheels built by the tool): a UserError saying to build them', async () => {
  writeTree(root, { [`wheelhouse/${APP_WHEEL}`]: 'a wheel from elsewhere' })
  const e = await rejectedUserError(wheelEntries(contextOn(createFakeEngine()).ctx), 'a wheelhouse without manifest')
  assert.is(e.message, 'the wheelhouse (wheelhouse) holds no wheels built by pypackage-tasks')
  assert.match(e.hint ?? '', /pypackage-tasks build/)
})

Entries('a wheelhouse built for another Python: refused (the image task installs it as it is), naming both', async () => {
  const manifest = JSON.parse(WHEELHOUSE[`wheelhouse/${MANIFEST}`]) as Record<string, unknown>
  writeTree(root, { ...WHEELHOUSE, [`wheelhouse/${MANIFEST}`]: JSON.stringify({ ...manifest, python: { version: '3.11', image: 'debian:bookworm-slim' } }), '.python-version': '3.13\n' })
  const e = await rejectedUserError(wheelEntries(contextOn(createFakeEngine()).ctx), 'wheels for 3.11, project on 3.13')
  assert.is(e.message, 'the wheelhouse (wheelhouse) holds wheels built for Python 3.11, and the project now runs Python 3.13')
  writeTree(root, { '.python-version': '3.11\n' })
  assert.is((await wheelEntries(contextOn(createFakeEngine()).ctx)).length, 2, 'the same Python: its wheels')
})

Entries.run()

// ---------------------------------------------------------------------------------------------
const Args = suite('releaseBuildArgs')
Args.before.each(() => void (root = makeTemp('release-args')))
Args.after.each(() => removeTemp(root))

Args('a Django project: served by its wsgi.py, settings, migrate on release, its sqlite file, the app wheel', async () => {
  writeTree(root, { ...DJANGO, ...WHEELHOUSE })
  const args = await releaseBuildArgs(contextOn(createFakeEngine(), { release: { env: { DJANGO_DEBUG: '0' } } }).ctx)
  assert.equal(args, {
    APP_SERVE: 'wsgi',
    APP_TARGET: 'mysite.wsgi:application',
    WSGI_APP: 'mysite.wsgi:application',
    APP_COMMAND: '',
    APP_CALLABLE: '',
    DJANGO_SETTINGS_MODULE: 'mysite.settings',
    RELEASE_COMMAND: 'python -m django migrate --noinput',
    RELEASE_ON_START: '',
    DATA_FILES: 'db.sqlite3',
    APP_LAYOUT: 'application',
    BUILD_ENV: '{"DJANGO_DEBUG":"0"}',
    APP_PORT: '8000',
    APP_WHEEL: APP_WHEEL,
  })
})

Args("a Django app served by a Procfile: the user's command as it is, and the same with the tool's wrapper for start.sh", async () => {
  writeTree(root, { ...DJANGO, Procfile: 'web: gunicorn mysite.wsgi --log-file -\n' })
  const args = await releaseBuildArgs(contextOn(createFakeEngine()).ctx)
  assert.equal(
    { APP_SERVE: args.APP_SERVE, APP_TARGET: args.APP_TARGET, APP_COMMAND: args.APP_COMMAND, APP_CALLABLE: args.APP_CALLABLE },
    { APP_SERVE: 'command', APP_TARGET: 'gunicorn mysite.wsgi --log-file -', APP_COMMAND: 'gunicorn pypackage_serve:wsgi --log-file -', APP_CALLABLE: 'mysite.wsgi:application' },
  )
})

Args('before the first build (no wheelhouse): APP_WHEEL is empty, not an error', async () => {
  writeTree(root, DJANGO)
  assert.is((await releaseBuildArgs(contextOn(createFakeEngine()).ctx)).APP_WHEEL, '')
})

Args('an ASGI app: no WSGI_APP (read only by Dockerfiles of WSGI apps); no settings, no release command', async () => {
  writeTree(root, { 'main.py': 'from fastapi import FastAPI\napp = FastAPI()\n', 'requirements.txt': 'fastapi\n' })
  const args = await releaseBuildArgs(contextOn(createFakeEngine(), { release: { port: 9000, releaseOnStart: true } }).ctx)
  assert.equal(
    {
      APP_SERVE: args.APP_SERVE,
      APP_TARGET: args.APP_TARGET,
      DJANGO_SETTINGS_MODULE: args.DJANGO_SETTINGS_MODULE,
      RELEASE_COMMAND: args.RELEASE_COMMAND,
      APP_PORT: args.APP_PORT,
      RELEASE_ON_START: args.RELEASE_ON_START,
    },
    { APP_SERVE: 'asgi', APP_TARGET: 'main:app', DJANGO_SETTINGS_MODULE: '', RELEASE_COMMAND: '', APP_PORT: '9000', RELEASE_ON_START: '1' },
  )
  assert.not.ok('WSGI_APP' in args, 'no WSGI_APP for an ASGI app')
})

Args('nothing to serve: a UserError naming the ways to say what', async () => {
  writeTree(root, { 'tool.py': 'def main():\n    pass\n', 'requirements.txt': 'click\n' })
  const e = await rejectedUserError(releaseBuildArgs(contextOn(createFakeEngine()).ctx), 'a project with no app')
  assert.match(e.message, /^cannot tell which app to serve/)
  assert.match(e.hint ?? '', /"release": \{ "wsgi": "package\.module:app" \}/)
})

Args.run()

// ---------------------------------------------------------------------------------------------
const Copy = suite('writeReleaseManifest')
Copy.before.each(() => void (root = makeTemp('release-manifest')))
Copy.after.each(() => removeTemp(root))

Copy('the image’s manifest and SBOM copied next to the wheelhouse, read with the release labels; no temp file left', async () => {
  const engine = createFakeEngine({ images: [{ id: 'sha256:rel', tags: [], labels: {}, created: 1, files: { [IMAGE_MANIFEST]: '{"wheels":[]}', [IMAGE_SBOM]: '{"bomFormat":"CycloneDX"}' } }] })
  const { ctx } = contextOn(engine)
  writeTree(root, { 'wheelhouse/x': '' })
  await writeReleaseManifest(ctx, 'sha256:rel')
  assert.is(readFileSync(path.join(root, 'wheelhouse-manifest.json'), 'utf8'), '{"wheels":[]}')
  assert.is(readFileSync(path.join(root, 'wheelhouse-sbom.cdx.json'), 'utf8'), '{"bomFormat":"CycloneDX"}')
  assert.equal(
    readdirSync(root).filter((f) => f.endsWith('.tmp')),
    [],
    'written atomically: no .tmp left',
  )
  const call = engine.calls.find((c) => c.method === 'images.readFiles')
  assert.equal(call?.args.slice(0, 2), ['sha256:rel', [IMAGE_MANIFEST, IMAGE_SBOM]])
  assert.is((call?.args[2] as Record<string, string>)['pypackage-tasks.task'], 'release', 'its helper container labelled as the release task’s')
})

Copy('known already (an appended image: its layer held them): written from those, no container to read them', async () => {
  const engine = createFakeEngine({ images: [{ id: 'sha256:rel', tags: [], labels: {}, created: 1, files: { [IMAGE_MANIFEST]: 'from the image' } }] })
  const { ctx } = contextOn(engine)
  writeTree(root, { 'wheelhouse/x': '' })
  await writeReleaseManifest(ctx, 'sha256:rel', { [IMAGE_MANIFEST]: '{"from":"layer"}', [IMAGE_SBOM]: '{"bomFormat":"CycloneDX","from":"layer"}' })
  assert.is(readFileSync(path.join(root, 'wheelhouse-manifest.json'), 'utf8'), '{"from":"layer"}')
  assert.is(readFileSync(path.join(root, 'wheelhouse-sbom.cdx.json'), 'utf8'), '{"bomFormat":"CycloneDX","from":"layer"}')
  assert.is(engine.calls.filter((c) => c.method === 'images.readFiles').length, 0)
  // Only one of them known: both read from the image, as before.
  await writeReleaseManifest(ctx, 'sha256:rel', { [IMAGE_MANIFEST]: 'partial' })
  assert.is(readFileSync(path.join(root, 'wheelhouse-manifest.json'), 'utf8'), 'from the image')
})

Copy('an image that keeps no SBOM (a Dockerfile of the user’s own): an older copy is removed, not left describing another image', async () => {
  const engine = createFakeEngine({ images: [{ id: 'sha256:rel', tags: [], labels: {}, created: 1, files: { [IMAGE_MANIFEST]: 'new' } }] })
  writeTree(root, { 'wheelhouse-manifest.json': 'old', 'wheelhouse-sbom.cdx.json': 'old sbom' })
  await writeReleaseManifest(contextOn(engine).ctx, 'sha256:rel')
  assert.is(readFileSync(path.join(root, 'wheelhouse-manifest.json'), 'utf8'), 'new')
  assert.not.ok(existsSync(path.join(root, 'wheelhouse-sbom.cdx.json')), 'the stale SBOM is gone')
})

Copy.run()
