import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli } from '../helpers/cli.js'
import { docker, imageExists } from '../helpers/engine.js'
import { copyExampleProject, tail } from '../helpers/project.js'
import { startEngineProxy, type EngineProxy } from '../helpers/proxy.js'

// A release that changes nothing, on the real engine: after a release, the next one reads its state
// record (lib/pipeline/state-record.ts) and asks the engine once for every image it names, through
// a proxy that counts the requests. A release image deleted by hand is built again; a file touched
// but not changed is still no change. Nor does it list folders (lib/glob.ts's listing cache):
// a module added right after such a release is still seen by the next one.

const p = copyExampleProject(`pptest${process.pid}look`)
const cache = mkdtempSync(path.join(os.tmpdir(), 'pptest-look-cache-'))
let proxy: EngineProxy

/** `release --plain` of the project; `viaProxy`: through the counting proxy. */
const release = (viaProxy = false) => runCli(['release', '--plain'], { cwd: p.dir, timeoutMs: 300_000, env: { XDG_CACHE_HOME: cache, ...(viaProxy ? { DOCKER_HOST: proxy.url } : {}) } })

const look = suite('a release with nothing changed: one look (real engine)')
look.before(async () => {
  proxy = await startEngineProxy()
})
look.after(async () => {
  await proxy?.close()
  await p.remove()
  rmSync(cache, { recursive: true, force: true })
})

/**
 * A release through the proxy that builds nothing: the requests it made, as the ping then one
 * inspect per image asked side by side (in any order): base, builder, release (each its tag and
 * :latest) and the OS image.
 */
async function noChange(): Promise<string[]> {
  const before = proxy.requests().length
  const r = await release(true)
  assert.is(r.code, 0, tail(r.stdout + r.stderr))
  for (const name of ['base', 'builder', 'release']) assert.match(r.stdout, new RegExp(`Image docker/${name} \\[skipped: up to date`), `${name} up to date:\n${tail(r.stdout)}`)
  assert.match(r.stdout, /Wheels → wheelhouse \[skipped: up to date/)
  const made = proxy.requests().slice(before)
  // The ping, when there is one, first; then the inspects in any order.
  const pinged = made[0] === 'GET /_ping' ? 1 : 0
  return [
    ...made.slice(0, pinged),
    ...made
      .slice(pinged)
      .map((r) => r.replace(/^GET \/images\/.*\/json$/, 'GET /images/{ref}/json'))
      .sort(),
  ]
}

const ONE_LOOK = ['GET /_ping', ...Array<string>(7).fill('GET /images/{ref}/json')]
/** A release answered from the record of the last one (lib/replay/): the image ids only, not even the ping. */
const REPLAYED = Array<string>(7).fill('GET /images/{ref}/json')

/**
 * One look, either way: in full (the ping, then the inspects), or answered from the record of an
 * earlier release that saw the same files and the same image ids (a rebuilt image is the same
 * image: its id is its inputs').
 */
function assertOneLook(made: string[]): void {
  assert.ok(
    [ONE_LOOK, REPLAYED].some((want) => JSON.stringify(want) === JSON.stringify(made)),
    `one look, in full or from the record:\n${made.join('\n')}`,
  )
}

/**
 * Wait until nothing in the project has changed for longer than the racy rule's window (2 s on a
 * file system with whole-second times, 100 ms otherwise; a stat taken sooner is not trusted, so
 * no record is made): computed from the files' times, not guessed.
 */
async function settled(): Promise<void> {
  let newest = 0
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name)
      const st = statSync(abs)
      newest = Math.max(newest, st.mtimeMs, st.ctimeMs)
      if (e.isDirectory()) walk(abs)
    }
  }
  walk(p.dir)
  const wait = newest + 2100 - Date.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
}

look('the second release: the ping and one round of image inspects side by side, nothing else', async () => {
  const first = await release()
  assert.is(first.code, 0, `the first release: ${tail(first.stdout + first.stderr)}`)
  assert.equal(await noChange(), ONE_LOOK)
})

look('the release image deleted by hand: the next release builds it again, then one look again', async () => {
  const latest = `${p.project}-release:latest`
  const { Id } = await docker.getImage(latest).inspect()
  await docker.getImage(Id).remove({ force: true })
  assert.not.ok(await imageExists(latest), 'deleted')
  // Through the proxy, as the run that may have left a replay record: its image ids no longer hold.
  const r = await release(true)
  assert.is(r.code, 0, tail(r.stdout + r.stderr))
  assert.match(r.stdout, /Image docker\/release: /, `built again:\n${tail(r.stdout)}`)
  assert.ok(await imageExists(latest))
  assertOneLook(await noChange())
})

look('nothing changed, nothing written for 2 s: the next release is answered from the record of the last, the same words after the image ids only', async () => {
  await settled()
  // The first makes the record if none holds yet (a full run: the ping first); the second is answered from it.
  const first = await release(true)
  const before = proxy.requests().length
  const second = await release(true)
  assert.is(second.code, 0, tail(second.stdout + second.stderr))
  const made = proxy
    .requests()
    .slice(before)
    .map((r) => r.replace(/^GET \/images\/.*\/json$/, 'GET /images/{ref}/json'))
  assert.equal(made, REPLAYED, 'the image ids only: no ping, no lock, nothing else')
  assert.is(second.stdout, first.stdout, 'the same words')
  const json = await runCli(['release', '--json'], { cwd: p.dir, env: { XDG_CACHE_HOME: cache, DOCKER_HOST: proxy.url } })
  const events = json.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string })
  assert.ok(events.length === 5 && events.every((e) => e.type === 'task:skip'), `--json from the same record: the events:\n${json.stdout}`)
})

look('after a recorded release, the config edited (the same settings, other bytes): the release runs in full, one look', async () => {
  await settled()
  await release(true) // records, if the last one did not
  const config = p.at('.pypackagerc.json')
  writeFileSync(config, readFileSync(config, 'utf8') + '\n')
  assert.equal(await noChange(), ONE_LOOK)
})

look('a source file touched, not changed: still no change, in one look', async () => {
  const later = new Date(Date.now() + 10_000)
  utimesSync(p.at('example/polls/views.py'), later, later)
  assert.equal(await noChange(), ONE_LOOK)
})

look('a module added right after a release that reused its listings: the next release builds the wheels and the release image', async () => {
  assertOneLook(await noChange())
  const folder = path.join(cache, 'pypackage-tasks')
  const record = readdirSync(folder).find((f) => f.endsWith('.listings.json'))
  assert.ok(record && readFileSync(path.join(folder, record), 'utf8').includes(JSON.stringify(p.at('example/polls'))), 'the listing of example/ should be recorded')
  writeFileSync(p.at('example/polls/extra.py'), 'VALUE = 1\n')
  const r = await release()
  assert.is(r.code, 0, tail(r.stdout + r.stderr))
  assert.match(r.stdout, /✔ Wheels → wheelhouse: /, `wheels built:\n${tail(r.stdout)}`)
  assert.match(r.stdout, /extra\.py/, `the new module named as the reason:\n${tail(r.stdout)}`)
  assert.match(r.stdout, /Image docker\/release: /, `release image built:\n${tail(r.stdout)}`)
})

look.run()
