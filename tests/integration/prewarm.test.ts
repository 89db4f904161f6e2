import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LABEL_PROJECT, LABEL_TASK } from '../../lib/docker/labels.js'
import { repoRoot, runCli } from '../helpers/cli.js'
import { containersOf, docker, removeProject } from '../helpers/engine.js'

// A project whose base image is new (a layer of its own at the end), so nothing built FROM it can
// come from BuildKit's cache: the situation of a first build or a new OS image.
const ns = `pptestpw${process.pid}`
const project = `${ns}/pollsite`
const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-prewarm-'))
for (const p of ['example', 'docker']) cpSync(path.join(repoRoot, p), path.join(dir, p), { recursive: true })
appendFileSync(path.join(dir, 'docker/base/Dockerfile'), `RUN echo ${ns}-${Date.now()} > /etc/pypackage-test-nonce\n`)
const config = JSON.parse(readFileSync(path.join(repoRoot, '.pypackagerc.json'), 'utf8'))
delete config.$schema
writeFileSync(path.join(dir, '.pypackagerc.json'), JSON.stringify({ ...config, namespace: ns, pip: { ...config.pip, findLinks: [path.join(repoRoot, '.cache/pyindex')] } }))

interface Event {
  time: string
  type: string
  id?: string
  data?: { prewarm?: { installed?: number } }
  reason?: { is: string; because?: string; image?: string }
  step?: string
  line?: string
}
const events = (stdout: string): Event[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Event)
const at = (evs: Event[], type: string, id: string) => evs.find((e) => e.type === type && e.id === id)

const prewarm = suite('release dependencies built ahead of the wheels (real engine, BuildKit)')

prewarm.after(async () => {
  await removeProject(project)
  rmSync(dir, { recursive: true, force: true })
})

prewarm('a new base: the dependency layers build beside the builder, and the release build finds them cached', async () => {
  const r = await runCli(['release', '--json'], { cwd: dir })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  const evs = events(r.stdout)
  const done = at(evs, 'task:done', 'prewarm')
  assert.ok(done, `the prewarm ran:\n${r.stdout.slice(-3000)}`)
  assert.is(done!.data?.prewarm?.installed, 8, 'eight dependency wheels installed into cached layers')
  const started = at(evs, 'task:start', 'prewarm')!
  const builderDone = at(evs, 'task:done', 'image:builder')!
  assert.ok(Date.parse(started.time) < Date.parse(builderDone.time), 'it starts while the builder builds')
  // In the release build, the dependency install is a cache hit: the step, then "Using cache".
  const release = evs.filter((e) => e.id === 'image:release' && (e.type === 'build:step' || e.type === 'build:output'))
  const step = release.findIndex((e) => e.step?.includes('pip install --no-index --no-deps /tmp/wheels/deps/'))
  assert.ok(step >= 0, 'the release build has the dependency step')
  assert.match(release[step + 1]?.line ?? '', /Using cache/, `the dependency step came from the cache:\n${JSON.stringify(release.slice(step, step + 3))}`)
  // Nothing of it is left: no image or container of the prewarm, no staging folder.
  const images = await docker.listImages({ all: true, filters: { label: [`${LABEL_PROJECT}=${project}`, `${LABEL_TASK}=prewarm`] } })
  assert.is(images.length, 0, 'the prewarm image is removed (its layers live in the build cache)')
  assert.is((await containersOf(project)).length, 0, 'no container left')
  assert.not.ok(existsSync(path.join(dir, '.pypackage')), 'no staging folder left')
})

prewarm('nothing changed: the prewarm is skipped, saying why', async () => {
  const r = await runCli(['release', '--json'], { cwd: dir })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.equal(at(events(r.stdout), 'task:skip', 'prewarm')?.reason, { is: 'prewarm-idle', because: 'parent-current', image: 'docker/base' }, 'skipped: docker/base is unchanged')
})

prewarm('--concurrency 1: no room beside the builder, so no prewarm at all', async () => {
  const r = await runCli(['release', '--json', '--concurrency', '1'], { cwd: dir })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.not.ok(
    events(r.stdout).some((e) => e.id === 'prewarm'),
    'no prewarm node',
  )
})

prewarm.run()
