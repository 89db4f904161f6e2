import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli } from '../helpers/cli.js'
import { docker, removeProject } from '../helpers/engine.js'

// A project in a git checkout that another user owns (a CI volume, a shared folder): git refuses
// to read it ("detected dubious ownership"), images fall back to content tags, and the run says
// so once, with the fix; with the fix applied, the commit tags the image.
const ns = `pptestgit${process.pid}`
const project = `${ns}/imgs`
const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-gitowner-'))
const write = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
  writeFileSync(path.join(dir, rel), text)
}
write('.pypackagerc.json', JSON.stringify({ namespace: ns, app: 'imgs' }))
write('docker/base/Dockerfile', 'FROM debian:bookworm-slim\nCOPY hello.txt /hello.txt\n')
write('docker/base/hello.txt', `hello from ${ns}\n`)
// git with no global or system config: a developer's safe.directory must not hide the case.
const emptyConfig = path.join(os.tmpdir(), `${ns}-gitconfig-empty`)
const trustingConfig = path.join(os.tmpdir(), `${ns}-gitconfig-trusting`)
writeFileSync(emptyConfig, '')
writeFileSync(trustingConfig, `[safe]\n\tdirectory = ${dir}\n`)
const gitEnv = (config: string) => ({ GIT_CONFIG_GLOBAL: config, GIT_CONFIG_NOSYSTEM: '1', ...(process.getuid?.() === 0 ? {} : { GIT_TEST_ASSUME_DIFFERENT_OWNER: '1' }) })
const git = (...args: string[]) =>
  execFileSync('git', ['-C', dir, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { env: { ...process.env, ...gitEnv(emptyConfig), GIT_TEST_ASSUME_DIFFERENT_OWNER: '0' } }).toString()
git('init', '-q')
git('add', '-A')
git('commit', '-q', '-m', 'one')
const sha = git('rev-parse', '--short=7', 'HEAD').trim()
// As root, give the checkout away (the real case); otherwise git's own switch for the same check.
if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'nobody', dir])

const tags = async () => (await docker.listImages({ filters: { reference: [`${project}-base`] } })).flatMap((i) => i.RepoTags ?? []).map((t) => t.split(':').pop()!)

const owner = suite('a checkout another user owns (real engine)')

owner.after(async () => {
  await removeProject(project)
  rmSync(dir, { recursive: true, force: true })
  for (const f of [emptyConfig, trustingConfig]) rmSync(f, { force: true })
})

owner('plan says once that git refuses the checkout, with the fix', async () => {
  const r = await runCli(['plan', '--json', 'docker/base'], { cwd: dir, env: gitEnv(emptyConfig) })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  const said = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; repo?: string; fix?: string })
    .filter((e) => e.type === 'git:untrusted')
  assert.is(said.length, 1, `one event:\n${r.stdout}`)
  assert.is(said[0].repo, dir, 'the folder git refuses')
  assert.is(said[0].fix, `git config --global --add safe.directory ${dir}`, 'the fix, ready to paste')
})

owner('image: a content tag and the warning once; with safe.directory set, the commit and no warning', async () => {
  const refused = await runCli(['image', 'docker/base'], { cwd: dir, env: gitEnv(emptyConfig) })
  assert.is(refused.code, 0, `${refused.stdout}\n${refused.stderr}`)
  assert.is(refused.stdout.split('detected dubious ownership').length - 1, 1, `said once:\n${refused.stdout}`)
  assert.ok(
    (await tags()).some((t) => /^c[0-9a-f]{12}$/.test(t)),
    `a content tag: ${await tags()}`,
  )
  assert.not.ok((await tags()).includes(sha), 'no commit tag while git refuses')

  const trusted = await runCli(['image', 'docker/base'], { cwd: dir, env: gitEnv(trustingConfig) })
  assert.is(trusted.code, 0, `${trusted.stdout}\n${trusted.stderr}`)
  assert.not.match(trusted.stdout + trusted.stderr, /dubious/, 'nothing to say once the checkout is trusted')
  assert.ok((await tags()).includes(sha), `the commit ${sha} tags the image: ${await tags()}`)
})

owner.run()
