import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { packContext } from '../../lib/docker/build-context.js'
import { LABEL_PROJECT } from '../../lib/docker/labels.js'
import { runCli, runCommand, startCli, stopCli } from '../helpers/cli.js'
import { poll, within } from '../helpers/poll.js'
import { docker, removeProject } from '../helpers/engine.js'

// After a rebuild the previous image of ours is untagged (`<none>:<none>`): clean must still
// finish, and leave nothing of the project's.
const ns = `pptest${process.pid}c`
const project = `${ns}/cleanme`
const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-clean-'))
writeFileSync(path.join(dir, 'pyproject.toml'), '[project]\nname = "cleanme"\nversion = "1"\n')
writeFileSync(path.join(dir, '.pypackagerc.json'), JSON.stringify({ namespace: ns, app: 'cleanme' }))

const Clean = suite('clean after rebuilds')
Clean.after(async () => {
  await removeProject(project)
  rmSync(dir, { recursive: true, force: true })
})

/** Build a one-line image of the project's under `tag`; `n` makes each build a different image. */
async function build(tag: string, n: number): Promise<string> {
  const dockerfile = `FROM debian:bookworm-slim\nLABEL build=${n}\n`
  const stream = await docker.buildImage(await packContext([{ name: 'Dockerfile', content: Buffer.from(dockerfile) } as never]), { t: tag, labels: { [LABEL_PROJECT]: project } })
  let id = ''
  await new Promise((resolve, reject) =>
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolve(undefined)),
      (m: { aux?: { ID?: string }; error?: string }) => {
        if (m.error) reject(new Error(m.error))
        if (m.aux?.ID) id = m.aux.ID
      },
    ),
  )
  return id
}

Clean('superseded (untagged) images are removed with the rest; clean exits 0', async () => {
  const first = await build(`${project}-base:latest`, 1)
  await build(`${project}-base:latest`, 2) // the first is now <none>:<none>
  const before = await docker.listImages({ filters: { label: [`${LABEL_PROJECT}=${project}`] } })
  assert.ok(
    before.some((i) => i.Id === first && (i.RepoTags ?? ['<none>:<none>']).every((t) => t === '<none>:<none>')),
    'the first build is untagged, as after release --force',
  )
  const r = await runCli(['clean'], { cwd: dir })
  assert.is(r.code, 0, `clean finishes:\n${r.stdout}\n${r.stderr}`)
  const after = await docker.listImages({ filters: { label: [`${LABEL_PROJECT}=${project}`] } })
  assert.equal(after, [], 'no image of the project is left')
})

Clean('clean waits while another run holds the project lock (a release building), then cleans', async () => {
  const wheelhouse = path.join(dir, 'wheelhouse')
  mkdirSync(wheelhouse, { recursive: true })
  writeFileSync(path.join(wheelhouse, 'app-1-py3-none-any.whl'), 'wheel')
  // A live holder: this test's own process, as a release in progress would be.
  mkdirSync(path.join(dir, '.pypackage'), { recursive: true })
  writeFileSync(path.join(dir, '.pypackage/lock'), JSON.stringify({ pid: process.pid, task: 'release', since: new Date().toISOString() }))
  const app = startCli(['clean'], { cwd: dir })
  try {
    await poll('clean to say it waits for the release', async () => (/waiting for release \(pid \d+/.test(app.stdout()) ? true : undefined), 30_000)
    assert.ok(existsSync(path.join(wheelhouse, 'app-1-py3-none-any.whl')), 'the wheelhouse a release is using is left alone while it holds the lock')
    rmSync(path.join(dir, '.pypackage/lock'))
    assert.is(await within(app.done, 30_000, 'clean to finish once the lock is free'), 0, app.output())
    assert.not.ok(existsSync(wheelhouse), 'then the wheelhouse goes')
  } finally {
    await stopCli(app)
  }
})

Clean.run()

// ---------------------------------------------------------------------------------------------
const Superseded = suite('a rebuild under the same tag removes the image it superseded')
const repo = mkdtempSync(path.join(os.tmpdir(), 'pptest-superseded-'))
const repoProject = `${ns}/superseded`
Superseded.after(async () => {
  await removeProject(repoProject)
  rmSync(repo, { recursive: true, force: true })
})

Superseded('an edit in a dirty tree, built twice: the first image is gone, the second tagged', async () => {
  const git = (...args: string[]) => runCommand('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: repo })
  mkdirSync(path.join(repo, 'docker/base'), { recursive: true })
  writeFileSync(path.join(repo, 'pyproject.toml'), '[project]\nname = "superseded"\nversion = "1"\n')
  writeFileSync(path.join(repo, '.pypackagerc.json'), JSON.stringify({ namespace: ns, app: 'superseded' }))
  writeFileSync(path.join(repo, 'docker/base/Dockerfile'), 'FROM debian:bookworm-slim\nCOPY note.txt /note.txt\n')
  writeFileSync(path.join(repo, 'docker/base/note.txt'), 'committed\n')
  await git('init', '-q')
  await git('add', '.')
  await git('commit', '-qm', 'first')
  const ids: string[] = []
  for (const text of ['edit one\n', 'edit two\n']) {
    writeFileSync(path.join(repo, 'docker/base/note.txt'), text) // the tag stays <sha>-dirty
    const r = await runCli(['image', 'docker/base'], { cwd: repo })
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
    ids.push((await docker.getImage(`${repoProject}-base:latest`).inspect()).Id)
  }
  assert.is.not(ids[0], ids[1], 'the edit made a new image')
  const first = await docker
    .getImage(ids[0])
    .inspect()
    .catch(() => undefined)
  assert.is(first, undefined, 'the superseded image (untagged by the rebuild) was removed')
})

Superseded.run()
