import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LABEL_TASK } from '../../lib/docker/labels.js'
import { bin, repoRoot, runCli, runCommand, startCli, stopCli } from '../helpers/cli.js'
import { containersOf, docker, execIn, imageExists, removeProject } from '../helpers/engine.js'
import { httpGet, poll, within } from '../helpers/poll.js'

// The example app, copied as a new user's project (no git: tags are content-derived), under a
// namespace of its own so the test's images never collide with anyone's.
const ns = `pptest${process.pid}`
const project = `${ns}/pollsite`
const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-e2e-'))
for (const p of ['example', 'docker', 'Makefile', 'pypackage.mk']) cpSync(path.join(repoRoot, p), path.join(dir, p), { recursive: true })
// Things that must never reach an image, planted where a careless context would pick them up.
writeFileSync(path.join(dir, 'docker/release/.env'), 'DJANGO_SECRET_KEY=planted-secret\n')
mkdirSync(path.join(dir, 'docker/release/.git'), { recursive: true })
writeFileSync(path.join(dir, 'docker/release/.git/HEAD'), 'ref: refs/heads/main\n')
const config = JSON.parse(readFileSync(path.join(repoRoot, '.pypackagerc.json'), 'utf8'))
config.namespace = ns
config.pip.findLinks = [path.join(repoRoot, '.cache/pyindex')]
delete config.$schema
writeFileSync(path.join(dir, '.pypackagerc.json'), JSON.stringify(config, null, 2))

const cli = (args: string[]) => runCli(args, { cwd: dir })
const ref = (image: string) => `${project}-${image}:latest`

/**
 * The C compilers an image has, each name looked up on its own: dash's `command -v gcc cc c++`
 * answers for gcc only. `probe-done` proves the loop ran to its end.
 */
async function compilersIn(image: string): Promise<string[]> {
  const probe = await execIn(image, ['sh', '-c', 'for c in gcc cc c++ g++ clang; do command -v "$c" >/dev/null && echo "found $c"; done; echo probe-done'])
  assert.match(probe.output, /probe-done/, `the compiler probe ran in ${image}:\n${probe.output}`)
  return [...probe.output.matchAll(/^found (\S+)/gm)].map((m) => m[1])
}

/** Every Python.h in an image, wherever an install put it (as root, so find's exit code means something). */
async function pythonHeadersIn(image: string): Promise<string[]> {
  const found = await execIn(image, ['sh', '-c', 'find / -xdev -name Python.h -print; echo "find-exit=$?"'], { user: '0' })
  assert.match(found.output, /^find-exit=0\r?$/m, `find searched ${image} without an error:\n${found.output}`)
  return found.output.split(/\r?\n/).filter((l) => l.startsWith('/'))
}

const e2e = suite('pipeline on the example app (real engine)')

e2e.after(async () => {
  await removeProject(project)
  rmSync(dir, { recursive: true, force: true })
})

e2e('image docker/base: builds the base, tagged :<tag> and :latest', async () => {
  const r = await cli(['image', 'docker/base'])
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  const tag = r.stdout.match(new RegExp(`${ns}/pollsite-base:(c[0-9a-f]{12})`))?.[1]
  assert.ok(tag && (await imageExists(`${project}-base:${tag}`)), 'the version tag exists')
  assert.ok(await imageExists(ref('base')), ':latest exists')
  const venv = await execIn(ref('base'), ['sh', '-c', 'command -v python'])
  assert.is(venv.output.trim(), '/appenv/bin/python', 'the entrypoint activates the virtualenv')
})

e2e('image docker/builder: the builder has a compiler', async () => {
  const r = await cli(['image', 'docker/builder'])
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.match(r.stdout, /Image docker\/base \[skipped: up to date/, 'the base is reused')
  const gcc = await execIn(ref('builder'), ['gcc', '--version'])
  assert.is(gcc.code, 0, 'gcc runs in the builder')
  // The probe the release check relies on finds every compiler name, not only the first.
  assert.equal(await compilersIn(ref('builder')), ['gcc', 'cc', 'c++', 'g++'], "the compiler probe finds each of the builder's compilers")
  assert.ok((await pythonHeadersIn(ref('builder'))).length > 0, "the header probe finds the builder's Python.h")
})

e2e('build: wheels for the app, the C extension and every dependency; no container left', async () => {
  const r = await cli(['build'])
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  const wheels = readdirSync(path.join(dir, 'wheelhouse'))
  for (const want of [/^pollsite-0\.1\.0-py3-none-any\.whl$/, /^speedups-0\.1\.0-cp311-cp311-linux_x86_64\.whl$/, /^django-3\.2/i, /^gunicorn-/, /^whitenoise-/, /^asgiref-/, /^pytz-/, /^sqlparse-/]) {
    assert.ok(
      wheels.some((w) => want.test(w)),
      `wheelhouse should hold ${want}: ${wheels.join(', ')}`,
    )
  }
  assert.equal(await containersOf(project), [], 'the builder container is removed')
  assert.not.ok(existsSync(path.join(dir, 'example/build')) || readdirSync(path.join(dir, 'example')).some((f) => f.endsWith('.egg-info')), 'the source folder stays clean')
})

e2e('build, Ctrl-C while pip works: exits 130, removes the builder container, leaves the wheelhouse as it was', async () => {
  // A package whose build takes a minute, so the interrupt lands while the builder runs.
  mkdirSync(path.join(dir, 'slowpkg'), { recursive: true })
  writeFileSync(path.join(dir, 'slowpkg/setup.py'), 'import time\ntime.sleep(60)\nfrom setuptools import setup\nsetup(name="slowpkg", version="1")\n')
  // A fresh builder container (the warm one: warm-builder.test.ts).
  writeFileSync(path.join(dir, 'slow.json'), JSON.stringify({ ...config, source: 'slowpkg', localPackages: [], engine: { warmBuilder: false } }))
  const before = readdirSync(path.join(dir, 'wheelhouse')).sort()
  const app = startCli(['build', '--config', 'slow.json'], { cwd: dir })
  try {
    await poll('the builder container to start', async () => ((await containersOf(project)).some((c) => c.Labels[LABEL_TASK] === 'build') ? true : undefined), 60_000, 100)
    app.child.kill('SIGINT')
    const started = Date.now()
    assert.is(await within(app.done, 30_000, 'the build to exit after SIGINT'), 130, `an interrupted build exits 130:\n${app.output()}`)
    assert.ok(Date.now() - started < 10_000, 'it stops promptly')
  } finally {
    // Whatever failed above, the build must not outlive the test: it holds the project lock.
    await stopCli(app)
  }
  assert.equal(await containersOf(project), [], 'the builder container is removed')
  assert.equal(readdirSync(path.join(dir, 'wheelhouse')).sort(), before, 'the wheelhouse is exactly as before')
  assert.not.ok(existsSync(path.join(dir, '.pypackage')), 'no staging folder is left')
})

e2e('release: installs only wheels; no compiler, no headers, not root', async () => {
  const r = await cli(['release'])
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.match(r.stdout, /Image docker\/builder \[skipped: up to date/, 'images that exist are not rebuilt')
  assert.match(r.stdout, /✔ Image docker\/release: .*pollsite-release:c[0-9a-f]{12} \(\+ :latest\)\s+\d+ MB/, 'summary names image and size')
  assert.equal(await compilersIn(ref('release')), [], 'no compiler in the release (gcc, cc, c++, g++, clang, each looked up)')
  assert.equal(await pythonHeadersIn(ref('release')), [], 'no Python headers in the release')
  const info = await docker.getImage(ref('release')).inspect()
  assert.is(info.Config.User, 'app', 'the image runs as the app user')
  const ext = await execIn(ref('release'), ['python', '-c', 'import speedups, speedups._speedups as m; print(m.__file__)'])
  assert.match(ext.output, /_speedups\.cpython-311.*\.so/, 'the compiled extension is installed')
})

e2e('release hardening: OCI labels, a HEALTHCHECK, no .env/.git/wheelhouse leftovers, no secret in history', async () => {
  const info = await docker.getImage(ref('release')).inspect()
  const labels = info.Config.Labels ?? {}
  // A copy outside git: the source is the folder, and there is no revision to claim (the labels
  // of a git checkout: the last test of this suite).
  assert.is(labels['org.opencontainers.image.source'], `file://${dir}`, 'outside git, the source is the project folder')
  assert.is(labels['org.opencontainers.image.revision'], undefined, 'outside git, no revision is claimed')
  assert.is(labels['org.opencontainers.image.version'], '0.1.0', 'the version comes from pyproject.toml')
  const epoch = Number(process.env.SOURCE_DATE_EPOCH) || 315532800
  assert.is(labels['org.opencontainers.image.created'], new Date(epoch * 1000).toISOString(), 'outside git, created is SOURCE_DATE_EPOCH or 1980-01-01 (never the clock)')
  assert.ok((info.Config as { Healthcheck?: { Test?: string[] } }).Healthcheck?.Test?.length, 'the image has a HEALTHCHECK')
  // As root, so find reads everywhere and its exit code means something; /start.sh (ours, always
  // there) proves the search reached the files.
  const found = await execIn(
    ref('release'),
    ['sh', '-c', 'find / -xdev \\( -name .env -o -name .git -o -name "*.whl" -o -name wheelhouse -o -name node_modules -o -name start.sh \\) -print; echo "find-exit=$?"'],
    { user: '0' },
  )
  assert.match(found.output, /^find-exit=0\r?$/m, `find searched the whole image without an error:\n${found.output}`)
  const paths = found.output.split(/\r?\n/).filter((l) => l.startsWith('/'))
  assert.ok(paths.includes('/start.sh'), `find reached the image's files (/start.sh):\n${found.output}`)
  // Debian's python3-pip keeps its own pip and setuptools wheels there: not ours, not leftovers.
  const leftovers = paths.filter((l) => l !== '/start.sh' && !l.startsWith('/usr/share/python-wheels/'))
  assert.equal(leftovers, [], 'no .env, .git, wheel, wheelhouse or node_modules in the image')
  const history = await docker.getImage(ref('release')).history()
  assert.not.match(JSON.stringify(history), /planted-secret|SECRET_KEY=|TOKEN|PASSWORD/, 'docker history shows no secret')
})

e2e('release again, nothing changed: every stage skipped without building', async () => {
  const before = (await docker.getImage(ref('release')).inspect()).Id
  const r = await cli(['release'])
  assert.is(r.code, 0, r.stderr)
  for (const stage of ['Image docker/base', 'Image docker/builder', 'Wheels → wheelhouse', 'Image docker/release']) {
    assert.match(r.stdout, new RegExp(`↓ ${stage} \\[skipped: up to date`), `${stage} is skipped:\n${r.stdout}`)
  }
  assert.is((await docker.getImage(ref('release')).inspect()).Id, before, 'the release image is the same')
})

e2e('release --dry-run v1 --smoke: every step is said (builds, then the tag and the smoke test), nothing done', async () => {
  const before = (await docker.getImage(ref('release')).inspect()).RepoTags ?? []
  const r = await cli(['release', '--dry-run', 'v1', '--smoke'])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /↓ would skip\s+Image docker\/release: up to date/, r.stdout)
  assert.match(r.stdout, new RegExp(`▶ would run\\s+Tag the release image: tag ${ns}/pollsite-release: (\\S+, )*v1$`, 'm'), `the tags are named:\n${r.stdout}`)
  assert.match(r.stdout, new RegExp(`▶ would run\\s+Smoke test: start ${ns}/pollsite-release:latest, GET /, /static/\\S+\\.css, stop it$`, 'm'), `the smoke steps are named:\n${r.stdout}`)
  assert.equal((await docker.getImage(ref('release')).inspect()).RepoTags ?? [], before, 'no tag added')
  assert.equal((await containersOf(project)).length, 0, 'no container started')
})

e2e('release v1 --metadata-file, nothing changed: each image found up to date with its id, size and every tag (v1 among the release`s)', async () => {
  const r = await cli(['release', 'v1', '--metadata-file', 'meta.json'])
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { images: Record<string, { id: string; built: boolean; tags: string[]; size?: number }> }
  for (const name of ['base', 'builder', 'release']) {
    const [image, info] = [meta.images[name], await docker.getImage(ref(name)).inspect()]
    assert.ok(image && !image.built, `${name} is recorded, found up to date: ${JSON.stringify(meta.images)}`)
    assert.is(image!.id, info.Id, `${name}'s id`)
    assert.is(image!.size, info.Size, `${name}'s size, as the engine has it`)
    assert.ok(image!.tags.includes(ref(name)), `${name}'s tags include :latest: ${image!.tags.join(', ')}`)
    for (const tag of image!.tags) assert.ok(info.RepoTags?.includes(tag), `${tag} is a name the engine has for ${name}`)
  }
  assert.ok(meta.images.release!.tags.includes(`${project}-release:v1`), `the release tags are listed: ${meta.images.release!.tags.join(', ')}`)
})

e2e('files the project ignores never start a build: gitignored output, a log, editor swap files (and none reaches a wheel)', async () => {
  // example/.gitignore lists staticfiles/ (collectstatic's output when run locally).
  for (const [rel, text] of Object.entries({ 'example/staticfiles/admin/base.css': 'body {}', 'example/.test2.log': 'x', 'example/polls/.views.py.swp': 'x', 'example/polls/views.py~': 'x' })) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
    writeFileSync(path.join(dir, rel), text)
  }
  const plan = await cli(['plan'])
  assert.is(plan.code, 0, plan.stderr)
  assert.match(plan.stdout, /would skip\s+Wheels → wheelhouse/, `the wheels stay up to date:\n${plan.stdout}`)
  const r = await cli(['build', '--force'])
  assert.is(r.code, 0, r.stderr)
  const app = readdirSync(path.join(dir, 'wheelhouse')).find((w) => w.startsWith('pollsite-'))!
  const names = execFileSync('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', path.join(dir, 'wheelhouse', app)], { encoding: 'utf8' })
  assert.not.match(names, /staticfiles|\.swp|\.log|~$/m, `the wheel holds none of them:\n${names}`)
  rmSync(path.join(dir, 'example/staticfiles'), { recursive: true })
})

e2e('one-line change in the app: plan says which file; only the app wheel is made again (patched: a module it holds); dependency layer cached', async () => {
  const views = path.join(dir, 'example/polls/views.py')
  writeFileSync(views, readFileSync(views, 'utf8') + '\n# a one-line change\n')
  const plan = await cli(['plan'])
  assert.is(plan.code, 0, plan.stderr)
  assert.match(plan.stdout, /would build Wheels → wheelhouse: example\/polls\/views\.py changed/, plan.stdout)
  assert.match(plan.stdout, /would skip\s+Image docker\/builder/, 'the builder is untouched')
  const speedups = readdirSync(path.join(dir, 'wheelhouse')).find((w) => w.startsWith('speedups-'))!
  const speedupsBytes = readFileSync(path.join(dir, 'wheelhouse', speedups))
  const r = await cli(['release'])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /patched pollsite-0\.1\.0-py3-none-any\.whl \(1 file\); reused speedups-/, `only the app wheel is made, patched:\n${r.stdout}`)
  assert.ok(readFileSync(path.join(dir, 'wheelhouse', speedups)).equals(speedupsBytes), 'the C extension wheel is reused as is')
  // Only the app's wheels changed: the release image gets its app layer appended, so the
  // dependency layer is not even looked at (lib/pipeline/app-layer.ts; the Docker build of the
  // same change is compared with it in append-layer.test.ts).
  assert.match(r.stdout, /Image docker\/release \(.*one app layer appended to the previous image/, `the release image is appended:\n${r.stdout}`)
  assert.not.match(r.stdout, /RUN pip install --no-index --no-deps \/tmp\/wheels\/deps/, 'no dependency step runs, cached or not')
})

e2e('wheels are reproducible: a forced rebuild gives byte-identical files', async () => {
  const wheelhouse = path.join(dir, 'wheelhouse')
  const digest = () =>
    readdirSync(wheelhouse)
      .filter((w) => w.endsWith('.whl'))
      .sort()
      .map((w) => [
        w,
        createHash('sha256')
          .update(readFileSync(path.join(wheelhouse, w)))
          .digest('hex'),
      ])
  const before = digest()
  const r = await cli(['build', '--force'])
  assert.is(r.code, 0, r.stderr)
  assert.equal(digest(), before, 'same sources, same wheel bytes')
})

e2e('run: serves / (reads the database) and /static on a free port, then removes its container', async () => {
  const app = startCli(['run', '--port', '0'], { cwd: dir })
  try {
    const url = await poll('the run task to print its URL', async () => app.output().match(/Serving (http:\/\/127\.0\.0\.1:\d+)\//)?.[1], 60_000)
    const page = await poll(
      'the app to answer',
      async () => {
        const res = await httpGet(`${url}/`)
        return res.status === 200 ? res : undefined
      },
      60_000,
    )
    assert.match(page.body, /What is your favourite Python packaging tool\?/, 'the page shows the question read from the database')
    assert.match(page.body, /260637549/, 'the page shows the value computed by the C extension')
    const css = await httpGet(`${url}/static/polls/style.css`)
    assert.is(css.status, 200, 'the static file is served')
    assert.match(css.type, /text\/css/)
    const [running] = (await containersOf(project)).filter((c) => c.Labels[LABEL_TASK] === 'run')
    assert.ok(running, 'the run container carries our labels')
    const health = await poll(
      'the HEALTHCHECK to report healthy',
      async () => {
        const s = (await docker.getContainer(running.Id).inspect()).State.Health?.Status
        return s === 'healthy' || s === 'unhealthy' ? s : undefined
      },
      60_000,
      500,
    )
    assert.is(health, 'healthy', 'the container becomes healthy')
    const top = await docker.getContainer(running.Id).top({ ps_args: '-o user,pid,comm' } as object)
    const users = (top.Processes as string[][]).map((p) => p[0])
    assert.ok(users.length > 0 && users.every((u) => u !== 'root' && u !== '0'), `no process runs as root: ${users.join(', ')}`)
    app.child.kill('SIGINT')
    assert.is(await within(app.done, 30_000, 'run to exit after SIGINT'), 130, 'Ctrl-C stops the run with 130')
  } finally {
    await stopCli(app, 'SIGINT')
  }
  assert.equal(await containersOf(project), [], 'the container is removed')
})

e2e('run -- <cmd>: a one-off command in the virtualenv, exit code passed through', async () => {
  const ok = await cli(['run', '--', 'python', '-m', 'django', 'check'])
  assert.is(ok.code, 0, ok.stderr)
  assert.match(ok.stdout, /System check identified no issues/)
  const fail = await cli(['run', '--', 'sh', '-c', 'exit 7'])
  assert.is(fail.code, 7, "the command's exit code is the task's")
  assert.equal(await containersOf(project), [], 'one-off containers are removed')
})

e2e("test: the app's tests run in the builder with the test extra; args after -- reach pytest; failures exit non-zero", async () => {
  const ok = await cli(['test', '--', '-q', '-k', 'index'])
  assert.is(ok.code, 0, `${ok.stdout}\n${ok.stderr}`)
  assert.match(ok.stdout, /passed, \d+ deselected/, `the -k argument reached pytest:\n${ok.stdout}`)
  writeFileSync(path.join(dir, 'example/polls/test_broken.py'), 'def test_broken():\n    assert 1 + 1 == 3\n')
  try {
    const bad = await cli(['test'])
    assert.is(bad.code, 1, "a failing test gives pytest's exit code 1")
    assert.match(bad.stdout, /1 failed/, 'the failure is reported in the streamed output')
    assert.match(bad.stdout, /test_broken/)
  } finally {
    rmSync(path.join(dir, 'example/polls/test_broken.py'))
  }
  assert.equal(await containersOf(project), [], 'the test container is removed')
})

e2e('--json: one JSON event per line, with durations, images and wheels; errors as events too', async () => {
  const r = await cli(['release', '--force', '--json'])
  assert.is(r.code, 0, r.stderr)
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; id?: string; ms?: number; data?: { image?: { id: string; tags: string[]; size: number }; wheels?: { file: string; sha256: string }[] } })
  const release = events.find((e) => e.type === 'task:done' && e.id === 'image:release')
  assert.ok(release?.data?.image?.id.startsWith('sha256:') && release.data.image.size > 0, 'the release image: id and size')
  assert.ok(
    release!.data!.image!.tags.some((t) => t.endsWith(':latest')),
    'and its tags',
  )
  assert.ok(typeof release!.ms === 'number', 'with a duration')
  const wheels = events.find((e) => e.type === 'task:done' && e.id === 'wheels')
  assert.ok(
    wheels?.data?.wheels?.some((w) => w.file.startsWith('pollsite-') && /^[0-9a-f]{64}$/.test(w.sha256)),
    'the wheels, with sha256',
  )
  const bad = await cli(['image', 'docker/nope', '--json'])
  assert.is(bad.code, 1)
  const err = JSON.parse(bad.stdout.trim().split('\n').pop()!)
  assert.is(err.type, 'error')
  assert.match(err.message, /no image named "nope"/)
  assert.ok(err.hint, 'the hint travels too')
})

e2e('release --smoke: starts the image, GETs / and a static file with status and latency, removes it', async () => {
  const r = await cli(['release', '--smoke'])
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.match(r.stdout, /smoke: GET \/ → 200 \(\d+ ms\)/)
  assert.match(r.stdout, /smoke: GET \/static\/polls\/style\.css → 200 \(\d+ ms\)/)
  assert.equal(await containersOf(project), [], 'the smoke container is removed')
})

e2e('manifest: the release image and the file next to the wheelhouse list what pip installed; inspect prints it', async () => {
  const beside = JSON.parse(readFileSync(path.join(dir, 'wheelhouse-manifest.json'), 'utf8')) as { name: string; version: string; wheel: string; sha256: string }[]
  const wheelhouse = path.join(dir, 'wheelhouse')
  for (const w of ['pollsite', 'speedups', 'Django', 'gunicorn', 'whitenoise']) {
    const entry = beside.find((e) => e.name === w)
    assert.ok(entry, `${w} is in the manifest`)
    const bytes = readFileSync(path.join(wheelhouse, entry!.wheel))
    assert.is(entry!.sha256, createHash('sha256').update(bytes).digest('hex'), `${w}: the sha256 of the wheel that was installed`)
  }
  const r = await cli(['inspect'])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, new RegExp(`${beside.length} wheels installed`), 'as many as the manifest lists')
  assert.match(r.stdout, /Django\s+3\.2\.25\s+sha256:[0-9a-f]{64}/)
  assert.equal(await containersOf(project), [], 'inspect leaves no container')
})

e2e('make release: the Makefile delegates to the same pipeline', async () => {
  const r = await runCommand('make', ['release', 'ARGS=--force'], { cwd: dir, env: { PYPACKAGE_TASKS: `${process.execPath} ${bin}` } })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.match(r.stdout, /✔ Wheels → wheelhouse/)
  assert.match(r.stdout, /✔ Image docker\/release/)
})

// Last: from here on the project is a git checkout (its tags become commit-based).
e2e('in a git checkout: the release labels name the full commit, the remote and the commit time; -dirty with changes', async () => {
  const remote = 'https://example.com/team/pollsite.git'
  const time = '2001-02-03T04:05:06.000Z'
  // No global or system git config: the checkout is exactly what this test made.
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_COMMITTER_DATE: time, GIT_AUTHOR_DATE: time },
    })
      .toString()
      .trim()
  git('init', '-q')
  git('remote', 'add', 'origin', remote)
  git('add', '-A')
  git('commit', '-q', '-m', 'the example')
  const head = git('rev-parse', 'HEAD')
  assert.match(head, /^[0-9a-f]{40}$/, 'the commit exists')
  const oci = async () => {
    const labels = (await docker.getImage(ref('release')).inspect()).Config.Labels ?? {}
    return Object.fromEntries(['revision', 'source', 'created'].map((k) => [k, labels[`org.opencontainers.image.${k}`]]))
  }
  // image <release> packs the wheelhouse as it is; --force: the labels are not build inputs.
  const clean = await cli(['image', 'docker/release', '--force'])
  assert.is(clean.code, 0, `${clean.stdout}\n${clean.stderr}`)
  assert.equal(await oci(), { revision: head, source: remote, created: time }, 'a clean checkout: the commit, the remote, the commit time')
  writeFileSync(path.join(dir, 'example/polls/views.py'), readFileSync(path.join(dir, 'example/polls/views.py'), 'utf8') + '\n# not committed\n')
  const dirty = await cli(['image', 'docker/release', '--force'])
  assert.is(dirty.code, 0, `${dirty.stdout}\n${dirty.stderr}`)
  assert.equal(await oci(), { revision: `${head}-dirty`, source: remote, created: time }, 'uncommitted changes: the same commit, marked -dirty')
})

e2e.run()
