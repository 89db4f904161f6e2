import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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

/** Every tag of ours (local and registry-qualified): the tests tag nothing else. */
async function removeOurTags(): Promise<void> {
  const mine = await docker.listImages({ filters: { reference: [`${repo}`, `*/${repo}`, `${repo}:*`] } })
  for (const img of mine)
    for (const t of img.RepoTags ?? [])
      if (t.includes(repo))
        await docker
          .getImage(t)
          .remove({ noprune: true })
          .catch(() => undefined)
}

publish.after(async () => {
  await registry?.stop()
  await removeOurTags()
})

publish('tag: extra tags on the release image; an invalid tag is one clear error', async () => {
  const r = await runCli(['tag', 'v1', 'stable'], { cwd: dir })
  assert.is(r.code, 0, r.stderr)
  assert.ok((await imageExists(`${repo}:v1`)) && (await imageExists(`${repo}:stable`)), 'both tags exist')
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
  // Layer progress: one line per layer state, the layer named by its short id (as docker push does).
  const layers = (await docker.getImage(`${repo}:latest`).inspect()).RootFS.Layers ?? []
  assert.ok(layers.length > 0, 'the image has layers')
  for (const layer of layers) {
    const short = layer.replace(/^sha256:/, '').slice(0, 12)
    assert.match(r.stdout, new RegExp(`push ${registry.host}/${repo}:v1: Pushed ${short}$`, 'm'), `the first tag's push shows layer ${short} pushed:\n${r.stdout}`)
    assert.match(r.stdout, new RegExp(`push ${registry.host}/${repo}:latest: Layer already exists ${short}$`, 'm'), `the next tag's push finds layer ${short} there:\n${r.stdout}`)
  }
  assert.not.match(r.stdout, /Preparing|Waiting|\[=+>/, 'no per-tick progress bars or bookkeeping states in plain output')
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

// Credentials as the docker CLI finds them, against a registry that requires them (htpasswd).
const creds = suite('credentials: env, credsStore, credHelpers (a real docker-credential-* helper), against a registry with htpasswd auth')
const home = mkdtempSync(path.join(os.tmpdir(), 'pptest-creds-'))
const configDir = path.join(home, 'docker')
const configFile = path.join(configDir, 'config.json')
const helperLog = path.join(home, 'helper.log')
const user = 'pptest'
const password = `right-${process.pid}`
let secure: { host: string; stop: () => Promise<void> }

/** docker-credential-pptest on PATH: answers `get` for the registries in `answers`, "not found" for the rest, as helpers do. */
function writeHelper(answers: Record<string, { Username: string; Secret: string }>): void {
  mkdirSync(path.join(home, 'bin'), { recursive: true })
  const cases = Object.entries(answers)
    .map(([server, a]) => `  '${server}') printf '%s\\n' '${JSON.stringify({ ServerURL: server, ...a })}' ;;`)
    .join('\n')
  const script = `#!/bin/sh\nread -r server\necho "$1 $server" >> '${helperLog}'\n[ "$1" = get ] || exit 0\ncase "$server" in\n${cases}\n  *) echo 'credentials not found in native keychain'; exit 1 ;;\nesac\n`
  writeFileSync(path.join(home, 'bin', 'docker-credential-pptest'), script)
  chmodSync(path.join(home, 'bin', 'docker-credential-pptest'), 0o755)
  rmSync(helperLog, { force: true })
}

function writeDockerConfig(config: object): void {
  mkdirSync(configDir, { recursive: true })
  writeFileSync(configFile, JSON.stringify(config))
}

/** The CLI's environment: our Docker config and helper, and no credentials of the caller's. */
const credEnv = (extra: NodeJS.ProcessEnv = {}) => ({
  DOCKER_CONFIG: configDir,
  PATH: `${path.join(home, 'bin')}:${process.env.PATH}`,
  PYPACKAGE_REGISTRY_USERNAME: '',
  PYPACKAGE_REGISTRY_PASSWORD: '',
  ...extra,
})

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error:'))

creds.before(async () => {
  secure = await startRegistry({ users: { [user]: password } })
  await docker.getImage('debian:bookworm-slim').tag({ repo, tag: 'latest' })
})

creds.after(async () => {
  await secure?.stop()
  await removeOurTags()
  rmSync(home, { recursive: true, force: true })
  rmSync(dir, { recursive: true, force: true })
})

creds('credsStore: the default helper is asked for the registry (host on stdin) and its credentials push', async () => {
  writeHelper({ [secure.host]: { Username: user, Secret: password } })
  writeDockerConfig({ auths: {}, credsStore: 'pptest' })
  const r = await runCli(['push', 'c1', '--registry', secure.host], { cwd: dir, env: credEnv() })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.match(readFileSync(helperLog, 'utf8'), new RegExp(`^get ${secure.host}$`, 'm'), 'the helper was run as `get`, the registry host on stdin')
  assert.match(r.stdout, new RegExp(`pushed ${secure.host}/${repo}:c1 sha256:`))
  assert.match(r.stdout, /credentials for .* from docker-credential-pptest \(credsStore/, 'says where the credentials came from')
})

creds("credHelpers: the registry's own helper wins over credsStore", async () => {
  writeHelper({ [secure.host]: { Username: user, Secret: password } })
  writeDockerConfig({ credsStore: 'pptest-not-installed', credHelpers: { [secure.host]: 'pptest' } })
  const r = await runCli(['push', 'c2', '--registry', secure.host], { cwd: dir, env: credEnv() })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.match(r.stdout, new RegExp(`pushed ${secure.host}/${repo}:c2 sha256:`))
  assert.match(r.stdout, /from docker-credential-pptest \(credHelpers/)
})

creds('PYPACKAGE_REGISTRY_USERNAME/PASSWORD come first, before any helper', async () => {
  writeHelper({ [secure.host]: { Username: user, Secret: 'wrong' } })
  writeDockerConfig({ credsStore: 'pptest' })
  const r = await runCli(['push', 'c3', '--registry', secure.host], { cwd: dir, env: credEnv({ PYPACKAGE_REGISTRY_USERNAME: user, PYPACKAGE_REGISTRY_PASSWORD: password }) })
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.not.ok(existsSync(helperLog), 'the helper was not even asked')
})

creds('wrong credentials from the helper: one error, no retries, the hint names the helper and the config', async () => {
  writeHelper({ [secure.host]: { Username: user, Secret: 'wrong' } })
  writeDockerConfig({ credsStore: 'pptest' })
  const r = await runCli(['push', 'c4', '--registry', secure.host], { cwd: dir, env: credEnv() })
  assert.is(r.code, 1, `${r.stdout}\n${r.stderr}`)
  assert.is(errorLines(r.stderr).length, 1, `one error:\n${r.stderr}`)
  assert.match(r.stderr, new RegExp(`error: pushing ${secure.host}/${repo}:c4 failed: the registry refused the credentials from docker-credential-pptest`))
  assert.match(r.stderr, new RegExp(`hint: .*docker-credential-pptest.*credsStore in ${configFile.replace(/[.]/g, '\\.')}`))
  assert.not.match(r.stdout, /retrying/, 'an auth failure is not retried')
  assert.not.ok(await imageExists(`${secure.host}/${repo}:c4`), 'the tag for the refused push is taken back')
})

creds('anonymous (the helper has nothing for this registry; no Docker config at all): says authentication is required and how to give it', async () => {
  writeHelper({ 'other.example': { Username: 'x', Secret: 'y' } })
  writeDockerConfig({ credsStore: 'pptest' })
  const r = await runCli(['push', 'c5', '--registry', secure.host], { cwd: dir, env: credEnv() })
  assert.is(r.code, 1, `${r.stdout}\n${r.stderr}`)
  assert.match(readFileSync(helperLog, 'utf8'), new RegExp(`get ${secure.host}`), 'the helper was asked, and said "not found"')
  assert.is(errorLines(r.stderr).length, 1, `one error:\n${r.stderr}`)
  assert.match(
    r.stderr,
    new RegExp(`error: pushing ${secure.host}/${repo}:c5 failed: ${secure.host} requires authentication, and docker-credential-pptest \\(credsStore in [^)]*\\) has no credentials for it`),
  )
  assert.match(r.stderr, new RegExp(`hint: .*docker login ${secure.host}.*PYPACKAGE_REGISTRY_USERNAME and PYPACKAGE_REGISTRY_PASSWORD`))
  rmSync(configFile)
  const bare = await runCli(['push', 'c5', '--registry', secure.host], { cwd: dir, env: credEnv() })
  assert.is(bare.code, 1, `${bare.stdout}\n${bare.stderr}`)
  assert.match(bare.stderr, new RegExp(`error: pushing ${secure.host}/${repo}:c5 failed: ${secure.host} requires authentication, and no credentials for it were found`), 'no Docker config at all')
  assert.match(bare.stderr, new RegExp(`hint: .*docker login ${secure.host}`))
})

creds('a helper the config names but PATH lacks: one error naming it and the config, before any push', async () => {
  writeDockerConfig({ credsStore: 'pptest-not-installed' })
  const r = await runCli(['push', 'c6', '--registry', secure.host], { cwd: dir, env: credEnv() })
  assert.is(r.code, 1, `${r.stdout}\n${r.stderr}`)
  assert.is(errorLines(r.stderr).length, 1, `one error:\n${r.stderr}`)
  assert.match(r.stderr, /error: .*docker-credential-pptest-not-installed.* not found on PATH/)
  assert.match(r.stderr, new RegExp(`hint: .*credsStore.*${configFile.replace(/[.]/g, '\\.')}`))
})

creds.run()
