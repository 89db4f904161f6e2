import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Docker from 'dockerode'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LABEL_PROJECT } from '../../lib/docker/labels.js'
import { runCli } from '../helpers/cli.js'
import { docker, imageExists, removeProject } from '../helpers/engine.js'

/** A throwaway project with three image folders: a parent, a child FROM it, and one that fails. */
function makeProject(namespace: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-images-'))
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
    writeFileSync(path.join(dir, rel), text)
  }
  write('.pypackagerc.json', JSON.stringify({ namespace, app: 'imgs' }))
  write('docker/base/Dockerfile', 'FROM debian:bookworm-slim\nCOPY hello.txt /hello.txt\n')
  write('docker/base/hello.txt', `hello from ${namespace}\n`)
  write('docker/child/Dockerfile', 'ARG IMAGE_PREFIX=none\nFROM ${IMAGE_PREFIX}-base\nRUN cat /hello.txt\n')
  // The namespace in the failing command marks a container of this build, whoever else uses the engine.
  write('docker/broken/Dockerfile', `FROM debian:bookworm-slim\nRUN echo "about to fail: first line" && echo "second line (${namespace})" && exit 3\n`)
  return dir
}

const ns = `pptest${process.pid}`
const project = `${ns}/imgs`
const dir = makeProject(ns)
const changeId = `${process.pid}-${Date.now()}`

const images = suite('image task (real engine)')

images.after(async () => {
  await removeProject(project)
})

images('builds a missing parent first, then the image, each tagged :<content tag> and :latest', async () => {
  const r = await runCli(['image', 'docker/child'], { cwd: dir })
  assert.is(r.code, 0, `image docker/child should succeed:\n${r.stdout}\n${r.stderr}`)
  const baseAt = r.stdout.indexOf('Image docker/base')
  const childAt = r.stdout.indexOf('Image docker/child')
  assert.ok(baseAt >= 0 && childAt > baseAt, `base should be built before child:\n${r.stdout}`)
  const tag = r.stdout.match(new RegExp(`${ns}/imgs-child:(c[0-9a-f]{12})`))?.[1]
  assert.ok(tag, `outside git the tag should be c + 12 hex of the inputs:\n${r.stdout}`)
  for (const ref of [`${project}-child:${tag}`, `${project}-child:latest`, `${project}-base:latest`]) {
    assert.ok(await imageExists(ref), `${ref} should exist on the engine`)
  }
  assert.match(r.stdout, /Step \d+\/\d+ : RUN cat \/hello.txt/, "the engine's build steps are shown as they stream")
})

images('a second run skips both images, naming the tag that is up to date; --force rebuilds', async () => {
  const r = await runCli(['image', 'docker/child'], { cwd: dir })
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, new RegExp(`Image docker/base \\[skipped: up to date \\(${ns}/imgs-base:c[0-9a-f]{12}\\)\\]`))
  assert.match(r.stdout, /Image docker\/child \[skipped: up to date/, 'an unchanged target is skipped too')
  const forced = await runCli(['image', 'docker/child', '--force'], { cwd: dir })
  assert.is(forced.code, 0, forced.stderr)
  assert.match(forced.stdout, /▶ Image docker\/base \(--force\)/)
  assert.match(forced.stdout, /✔ Image docker\/child: /)
})

images('plan: names the changed file and the knock-on rebuild, builds nothing', async () => {
  const before = (await docker.getImage(`${project}-base:latest`).inspect()).Id
  // Unique per run: BuildKit's cache outlives the images, and a cached RUN prints nothing.
  writeFileSync(path.join(dir, 'docker/base/hello.txt'), `changed ${changeId}\n`)
  const r = await runCli(['plan', 'docker/child'], { cwd: dir })
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /would build Image docker\/base: docker\/base\/hello\.txt changed/, `says which input changed:\n${r.stdout}`)
  assert.match(r.stdout, /would build Image docker\/child: parent image docker\/base rebuilt/)
  assert.is((await docker.getImage(`${project}-base:latest`).inspect()).Id, before, 'nothing was built')
})

images('a changed parent input makes the parent out of date: both are rebuilt, not skipped', async () => {
  const r = await runCli(['image', 'docker/child'], { cwd: dir })
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /▶ Image docker\/base \(docker\/base\/hello\.txt changed\)/, `the base is rebuilt after its context changed:\n${r.stdout}`)
  assert.match(r.stdout, /▶ Image docker\/child \(parent image docker\/base rebuilt\)/)
  assert.match(r.stdout, new RegExp(`\\n\\s+changed ${changeId}\\n`), 'the child sees the new parent')
})

images('a failing RUN step shows its output, exits non-zero, tags nothing and leaves no container', async () => {
  // This build's containers only: labelled with the project, or (a builder's step container)
  // running the broken step, which names this test's namespace. Other jobs' containers are not ours.
  const ours = async () => (await docker.listContainers({ all: true })).filter((c) => c.Labels?.[LABEL_PROJECT] === project || c.Command.includes(ns)).map((c) => `${c.Names[0]} (${c.Command})`)
  assert.equal(await ours(), [], 'no container of this test before the build')
  const r = await runCli(['image', 'docker/broken'], { cwd: dir })
  assert.is(r.code, 1, 'a failed build exits 1')
  assert.match(r.stderr, /error: building docker\/broken failed at Step 2\/\d+ : RUN/, `names the failing step:\n${r.stderr}`)
  assert.match(r.stderr, /about to fail: first line/, "shows the step's own output")
  assert.match(r.stderr, /second line/, "shows the step's last lines")
  assert.match(r.stderr, /hint: /, 'says what to do')
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace without --verbose')
  assert.equal(await ours(), [], 'no container is left behind')
  assert.not.ok(await imageExists(`${project}-broken:latest`), 'nothing is tagged')
})

images('an unknown image folder is one clear error', async () => {
  const r = await runCli(['image', 'docker/nope'], { cwd: dir })
  assert.is(r.code, 1)
  assert.match(r.stderr, /error: no image named "nope"/)
  assert.match(r.stderr, /hint: known images: base, broken, child/)
})

images.run()

const engine = suite('no engine answering')

for (const host of ['unix:///tmp/pptest-no-such.sock', 'tcp://127.0.0.1:1']) {
  engine(`DOCKER_HOST=${host}: one error line with what to do, non-zero exit`, async () => {
    const r = await runCli(['image', 'docker/base'], { cwd: dir, env: { DOCKER_HOST: host } })
    assert.is(r.code, 1)
    const lines = r.stderr.trim().split('\n')
    assert.is(lines[0], `error: no Docker engine answers at ${host}`)
    assert.match(lines[1] ?? '', /^hint: start the engine there/)
    assert.is(lines.length, 2, `exactly an error and a hint:\n${r.stderr}`)
  })
}

engine('the tests\' imageExists: absent only on a 404; an engine that does not answer is an error, never "absent"', async () => {
  assert.is(await imageExists(`${ns}/never-built:none`), false, 'a 404 is "absent"')
  assert.is(await imageExists('debian:bookworm-slim'), true, 'an image the engine holds exists')
  const nowhere = new Docker({ socketPath: '/tmp/pptest-no-such.sock' })
  const error = await imageExists('debian:bookworm-slim', nowhere).then(
    (answer) => `answered ${answer}`,
    (e: Error) => e,
  )
  assert.instance(error, Error, `an engine that does not answer is an error, not an answer: ${error}`)
  assert.match((error as Error).message, /ENOENT|connect/, 'the error is the failed connection')
})

engine.after(() => rmSync(dir, { recursive: true, force: true }))

engine.run()
