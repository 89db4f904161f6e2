import path from 'node:path'
import { execute } from '../../../../lib/graph/execute.js'
import { wheelInputs } from '../../../../lib/pipeline/wheel-inputs.js'
import { appPython } from '../../../../lib/pipeline/image-graph.js'
import { writeManifest } from '../../../../lib/pipeline/wheel-manifest.js'
import { sha256 } from '../../../../lib/pipeline/inputs.js'
import { image } from '../../../../lib/tasks/image.js'
import { createFakeEngine, type FakeEngine } from '../../../helpers/fake-engine.js'
import { LABEL_PROJECT } from '../../../../lib/docker/labels.js'
import { PREFIX, args, taskContext } from '../../helpers/context.js'
import { writeTree } from '../../helpers/tmp.js'

/** The git state the task tests run with: the commit tag is abc1234. */
export const git = { sha: 'abc1234', dirty: false }

/** The one static file of the project (smoke GETs it). */
export const CSS = '/static/app/style.css'

/**
 * A small Flask application (app.py, requirements.txt, test tools in requirements-test.txt) with
 * the three images the pipeline needs: base FROM the OS image, builder and release FROM base.
 */
export function writeFlaskProject(root: string, extra: Record<string, string | null> = {}): string {
  return writeTree(root, {
    'app.py': 'from flask import Flask\n\napp = Flask(__name__)\n',
    'requirements.txt': 'flask\n',
    'requirements-test.txt': 'pytest\n',
    'static/app/style.css': 'body {}\n',
    'docker/base/Dockerfile': 'FROM debian:bookworm-slim\nRUN true\n',
    'docker/builder/Dockerfile': 'ARG IMAGE_PREFIX\nFROM ${IMAGE_PREFIX}-base\nRUN true\n',
    'docker/release/Dockerfile': 'ARG IMAGE_PREFIX\nFROM ${IMAGE_PREFIX}-base\nARG APP_TARGET\nCOPY wheels /wheels\n',
    ...extra,
  })
}

/** A fake engine with the OS image the base image is FROM. */
export const osEngine = (): FakeEngine => createFakeEngine({ images: [{ id: 'sha256:debian', tags: ['debian:bookworm-slim'], labels: {}, created: 10 }] })

/** writeFlaskProject asking for Python `version` (.python-version), its base FROM the Python's OS image as the tool's own is. */
export function writePythonProject(root: string, version: string): string {
  return writeFlaskProject(root, { '.python-version': `${version}\n`, 'docker/base/Dockerfile': 'ARG OS_IMAGE=debian:bookworm-slim\nFROM ${OS_IMAGE}\nARG PYTHON_VERSION\nRUN true\n' })
}

/** osEngine with Python 3.13's OS image too. */
export function pythonEngine(): FakeEngine {
  const engine = osEngine()
  engine.state.images.push({ id: 'sha256:trixie', tags: ['debian:trixie-slim'], labels: {}, created: 10 })
  return engine
}

/**
 * The project at `root` as a previous run left it: base and builder built (by the image task, on
 * the fake), and a wheelhouse whose manifest records the inputs the wheels node computes now, so
 * both are up to date. The engine's call log is cleared.
 */
export async function builtEngine(root: string, engine = osEngine()): Promise<FakeEngine> {
  const { ctx } = taskContext(engine, { root, git, shape: 'detect' })
  await execute(await image.nodes(ctx, args('docker/builder')), ctx, { emit: () => {}, concurrency: 1 })
  const builder = engine.state.images.find((i) => i.tags.includes('acme/app-builder:latest'))!
  const wheel = 'app-0.1-py3-none-any.whl'
  writeTree(root, { [`wheelhouse/${wheel}`]: 'a wheel' })
  const python = appPython(ctx) // the Python the wheels are for (none when the Dockerfiles decide it)
  await writeManifest(path.join(root, 'wheelhouse'), {
    inputs: await wheelInputs(ctx.project, builder.id),
    packages: { app: wheel },
    dependencies: [],
    sha256: { [wheel]: sha256('a wheel') },
    ...(python ? { python: { version: python.version, image: python.image } } : {}),
  })
  engine.calls.length = 0
  return engine
}

/** The release phase the environment project's Procfile declares (bootstrap runs it). */
export const RELEASE_COMMAND = 'flask --app app init-db'

/** writeFlaskProject, with a database image (docker/postgres) and a release phase in its Procfile. */
export function writeEnvironmentProject(root: string): string {
  return writeFlaskProject(root, {
    'docker/postgres/Dockerfile': 'FROM debian:bookworm-slim\nRUN true\n',
    Procfile: `web: gunicorn app:app\nrelease: ${RELEASE_COMMAND}\n`,
  })
}

/** osEngine with the release image built (the database image is not: the environment tasks build it). */
export function releasedEngine(): FakeEngine {
  const engine = osEngine()
  engine.state.images.push({ id: 'sha256:rel', tags: ['acme/app-release:latest'], labels: { [LABEL_PROJECT]: PREFIX }, created: 200, user: 'app', workdir: '/app' })
  return engine
}
