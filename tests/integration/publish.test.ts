import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli } from '../helpers/cli.js'
import { docker, imageExists } from '../helpers/engine.js'
import { freePort, startRegistry } from '../helpers/registry.js'

// push publishes <namespace>/<app>-release:latest; a small image stands in for a real release
// here (the pipeline tests build real ones), so this suite needs no Python build.
const ns = `pptestpub${process.pid}`
const repo = `${ns}/app-release`
const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-publish-'))
writeFileSync(path.join(dir, '.pypackagerc.json'), JSON.stringify({ namespace: ns, app: 'app' }))
let registry: { host: string; stop: () => Promise<void> }

const publish = suite('tag and push to a real registry (Debian docker-registry on 127.0.0.1)')

publish.before(async () => {
  registry = await startRegistry()
  await docker.getImage('debian:bookworm-slim').tag({ repo, tag: 'latest' })
})

publish.after(async () => {
  await registry?.stop()
  const mine = await docker.listImages({ filters: { reference: [`${repo}`, `*/${repo}`, `${repo}:*`] } })
  for (const img of mine) for (const t of img.RepoTags ?? []) if (t.includes(repo)) await docker.getImage(t).remove({ noprune: true }).catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
})

publish('tag: extra tags on the release image; an invalid tag is one clear error', async () => {
  const r = await runCli(['tag', 'v1', 'stable'], { cwd: dir })
  assert.is(r.code, 0, r.stderr)
  assert.ok(await imageExists(`${repo}:v1`) && (await imageExists(`${repo}:stable`)), 'both tags exist')
  const bad = await runCli(['tag', '.bad'], { cwd: dir })
  assert.is(bad.code, 1)
  assert.match(bad.stderr, /error: "\.bad" is not a valid image tag/)
})

publish('push, then pull back from the registry: the same image', async () => {
  const r = await runCli(['push', 'v1', '--registry', registry.host, '--metadata-file', 'pushed.json'], { cwd: dir })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  const meta = JSON.parse(readFileSync(path.join(dir, 'pushed.json'), 'utf8')) as { pushed: { ref: string; digest?: string }[] }
  const v1 = meta.pushed.find((p) => p.ref === `${registry.host}/${repo}:v1`)
  assert.match(v1?.digest ?? '', /^sha256:[0-9a-f]{64}$/, `--metadata-file records the digest the registry gave v1: ${JSON.stringify(meta)}`)
  assert.match(r.stdout, new RegExp(`pushed ${registry.host}/${repo}:v1 sha256:[0-9a-f]{64}`))
  assert.match(r.stdout, new RegExp(`pushed ${registry.host}/${repo}:latest`))
  const remote = `${registry.host}/${repo}`
  const id = (await docker.getImage(`${repo}:latest`).inspect()).Id
  await docker.getImage(`${remote}:v1`).remove({ noprune: true })
  const stream = await docker.pull(`${remote}:v1`)
  await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve(undefined))))
  assert.is((await docker.getImage(`${remote}:v1`).inspect()).Id, id, 'pulled back, it is the image we pushed')
})

publish('registry down: retries with backoff, then one clear error; no misleading tag left', async () => {
  const down = `127.0.0.1:${await freePort()}`
  const r = await runCli(['push', 'v2', '--registry', down], { cwd: dir })
  assert.is(r.code, 1)
  assert.match(r.stdout, /retrying in 1 s \(attempt 2\/4\)/, 'the first retry waits 1 s')
  assert.match(r.stdout, /retrying in 4 s \(attempt 4\/4\)/, 'the backoff doubles up to the bound')
  assert.match(r.stderr, /error: pushing .* failed after 4 attempts: .*connection refused/)
  assert.match(r.stderr, /hint: the registry did not answer/)
  assert.not.ok(await imageExists(`${down}/${repo}:v2`), 'the tag for the unreachable registry is taken back')
})

publish('push without a registry says how to name one', async () => {
  const r = await runCli(['push'], { cwd: dir })
  assert.is(r.code, 1)
  assert.match(r.stderr, /error: push needs a registry/)
  assert.match(r.stderr, /hint: set "registry" in \.pypackagerc\.json/)
})

publish.run()
