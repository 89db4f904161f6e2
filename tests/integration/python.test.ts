import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LABEL_PYTHON } from '../../lib/docker/labels.js'
import { MANIFEST } from '../../lib/pipeline/wheel-manifest.js'
import { repoRoot, runCli, startCli, stopCli } from '../helpers/cli.js'
import { containersOf, docker, imageExists, removeProject } from '../helpers/engine.js'
import { httpGet, poll } from '../helpers/poll.js'
import { tail } from '../helpers/project.js'

// One small Django site (tests/fixtures/pyversions, Django 3.2 and 4.2 alike) packaged for two
// Pythons end to end: 3.11 (no Python asked for: the default, bookworm, Django 3.2 from
// .cache/pyindex) and 3.13 (.python-version: trixie, Django 4.2 from .cache/pyindex-3.13; each
// project's config points pip at its Python's offline index). The release runs that Python,
// names it (plan, label, manifest, tags) and serves.

interface Case {
  python: string
  /** What .python-version says; none: the default. */
  pythonVersionFile?: string
  os: string
  index: string
  django: RegExp
  /** plan's line about the Python. */
  planLine: string
  /** The version tag's suffix. */
  suffix: string
}

const cases: Case[] = [
  {
    python: '3.11',
    os: 'debian:bookworm-slim',
    index: path.join(repoRoot, '.cache/pyindex'),
    django: /django 3\.2\.\d+/,
    planLine: 'python: 3.11 (the default: .python-version or "python" in .pypackagerc.json choose another) on debian:bookworm-slim',
    suffix: '',
  },
  {
    python: '3.13',
    pythonVersionFile: '3.13\n',
    os: 'debian:trixie-slim',
    index: path.join(repoRoot, '.cache/pyindex-3.13'),
    django: /django 4\.2\.\d+/,
    planLine: 'python: 3.13 (.python-version: "3.13") on debian:trixie-slim',
    suffix: '-py3.13',
  },
]

for (const c of cases) {
  const test = suite(`Python ${c.python}: plan, release --smoke, run -- python --version, run serves`)
  const dir = mkdtempSync(path.join(os.tmpdir(), `pptest-python${c.python}-`))
  const namespace = `pptest${process.pid}py${c.python.replace('.', '')}`
  const project = `${namespace}/versite`
  const cli = (args: string[]) => runCli(args, { cwd: dir, timeoutMs: 540_000 })
  const times: string[] = []

  test.before(async () => {
    // What the case needs from the machine, said plainly: a missing index or OS image fails the case.
    assert.ok(existsSync(path.join(c.index, '.complete')) || c.python === '3.11', `the offline index for Python ${c.python} is at ${c.index} (see .ci/pyindex.sh)`)
    assert.ok(await imageExists(c.os), `the engine has ${c.os} (OS_IMAGE=${c.os} bash .ci/os-image.sh)`)
    cpSync(path.join(repoRoot, 'tests/fixtures/pyversions'), dir, { recursive: true })
    const config = { namespace, app: 'versite', pip: { noIndex: true, findLinks: [c.index], buildIsolation: false } }
    writeFileSync(path.join(dir, '.pypackagerc.json'), JSON.stringify(config, null, 2))
    if (c.pythonVersionFile) writeFileSync(path.join(dir, '.python-version'), c.pythonVersionFile)
  })
  test.after(async () => {
    console.log(`  times Python ${c.python}: ${times.join(', ')}`)
    await removeProject(project)
    rmSync(dir, { recursive: true, force: true })
  })

  test('plan names the Python, why it was chosen and its OS image', async () => {
    const r = await cli(['plan'])
    assert.is(r.code, 0, `plan succeeds:\n${r.stdout}\n${r.stderr}`)
    assert.ok(r.stdout.includes(c.planLine), `plan says "${c.planLine}":\n${r.stdout}`)
  })

  test('release --smoke: built FROM its OS image, named in the label, the tags and the wheelhouse; GET / 200', async () => {
    const started = Date.now()
    const r = await cli(['release', '--smoke'])
    times.push(`release --smoke ${((Date.now() - started) / 1000).toFixed(1)} s`)
    assert.is(r.code, 0, `release --smoke succeeds:\n${tail(r.stdout, 60)}\n${r.stderr}`)
    assert.match(r.stdout, /smoke: GET \/ → 200/, 'GET / is 200')
    const release = await docker.getImage(`${project}-release:latest`).inspect()
    assert.is(release.Config.Labels[LABEL_PYTHON], c.python, 'the release image is labelled with its Python')
    assert.is(release.Config.Labels['pypackage-tasks.os-image'], c.os, 'and its OS image')
    // No git here: content tags, c<12 hex>, with the Python's suffix (none for the default).
    const versionTag = new RegExp(`:c[0-9a-f]{12}${c.suffix.replace('.', '\\.')}$`)
    for (const image of ['base', 'builder', 'release']) {
      const { RepoTags } = await docker.getImage(`${project}-${image}:latest`).inspect()
      const tags = RepoTags.filter((t) => !t.endsWith(':latest'))
      assert.ok(tags.length === 1 && versionTag.test(tags[0]), `${image}: one version tag${c.suffix ? ` ending in ${c.suffix}` : ', as before'}: ${RepoTags.join(', ')}`)
    }
    const manifest = JSON.parse(readFileSync(path.join(dir, 'wheelhouse', MANIFEST), 'utf8')) as { python?: { version: string; image: string }; dependencies: string[] }
    assert.equal(manifest.python, { version: c.python, image: c.os }, 'the wheelhouse records the Python it was built for')
    assert.equal(await containersOf(project), [], 'smoke leaves no container')
  })

  test(`run -- python --version: Python ${c.python}`, async () => {
    const r = await cli(['run', '--', 'python', '--version'])
    assert.is(r.code, 0, `the command succeeds:\n${r.stdout}\n${r.stderr}`)
    assert.match(r.stdout, new RegExp(`^Python ${c.python.replace('.', '\\.')}\\.\\d+$`, 'm'), `it prints Python ${c.python}.x:\n${r.stdout}`)
  })

  test('run serves the site: GET / 200, from that Python and its Django', async () => {
    const app = startCli(['run', '--port', '0'], { cwd: dir })
    try {
      const url = await poll('the run task to print its URL', async () => app.output().match(/Serving (http:\/\/127\.0\.0\.1:\d+)\//)?.[1], 60_000)
      const page = await poll(
        'the app to answer 200',
        async () => {
          const res = await httpGet(`${url}/`).catch(() => undefined)
          return res?.status === 200 ? res : undefined
        },
        60_000,
      )
      assert.match(page.body, new RegExp(`^python ${c.python.replace('.', '\\.')}\\.\\d+ `), `the page comes from Python ${c.python}:\n${page.body}`)
      assert.match(page.body, c.django, `and its index's Django:\n${page.body}`)
    } finally {
      await stopCli(app, 'SIGINT')
    }
    assert.equal(await containersOf(project), [], 'run leaves no container')
  })

  if (c.pythonVersionFile) {
    test('asking for another Python: plan says why base and the wheels are rebuilt; back to it, nothing to rebuild', async () => {
      writeFileSync(path.join(dir, '.python-version'), '3.11\n')
      const r = await cli(['plan'])
      assert.is(r.code, 0, `plan succeeds:\n${r.stdout}\n${r.stderr}`)
      assert.match(r.stdout, /would build Wheels → wheelhouse: the wheels were built for Python 3\.13, the project now runs 3\.11/, `the wheels' reason:\n${r.stdout}`)
      assert.match(r.stdout, /would build Image docker\/base \(built-in\): .*build arg OS_IMAGE changed/, `the base image's reason:\n${r.stdout}`)
      writeFileSync(path.join(dir, '.python-version'), c.pythonVersionFile!)
      const back = await cli(['plan'])
      assert.match(back.stdout, /would skip +Wheels → wheelhouse: up to date/, `back on ${c.python}: the wheels are up to date:\n${back.stdout}`)
    })
  }

  test.run()
}
