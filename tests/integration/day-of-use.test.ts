import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LABEL_PROJECT } from '../../lib/docker/labels.js'
import { PIP_CACHE_VOLUME } from '../../lib/pipeline/builder-mounts.js'
import { runCli, runCommand, type CliResult } from '../helpers/cli.js'
import { docker, isWarmContainer } from '../helpers/engine.js'
import { httpGet, poll } from '../helpers/poll.js'
import { copyExampleProject } from '../helpers/project.js'

// A team's day with one project, twice in a row: release, edit a view and release again, release
// --force, start the release environment (the app + PostgreSQL) and GET it, stop, clean. After
// each day nothing of the project's may be left on the engine — no container, image (tagged or
// superseded), volume or network with its label, nor any object the day was seen to create —
// while what is shared stays: the OS image and the pip cache volume. The second day reuses the
// same copy, and the engine's build cache from the first.
//
// The copy is a git repository, as a team's is: images are tagged with the commit. Day 1 starts
// from a clean tree (release → <sha>, the edit → <sha>-dirty). Day 2 starts with day 1's edit still
// uncommitted, so its edit rebuilds under the same <sha>-dirty tag: the image it supersedes is
// left untagged, and must go.
const ns = `pptestday${process.pid}`
const p = copyExampleProject(ns, 'pptest-day-')
const OS_IMAGE = 'debian:bookworm-slim'
const VIEWS = 'example/polls/views.py'
const originalViews = readFileSync(p.at(VIEWS), 'utf8')
const byLabel = { label: [`${LABEL_PROJECT}=${p.project}`] }
/** The names `start` gives (lib/pipeline/environment.ts): `<namespace>-<app>-…`. */
const stem = p.project.replace(/[^a-zA-Z0-9_.-]+/g, '-')

/** Each command's duration, printed at the end: how long a day takes, and what the cache saves. */
const timings: string[] = []

const git = async (...args: string[]) => {
  const r = await runCommand('git', ['-c', 'user.name=Day Test', '-c', 'user.email=day@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd: p.dir, timeoutMs: 60_000 })
  assert.is(r.code, 0, `git ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`)
  return r.stdout.trim()
}

interface JsonEvent {
  type: string
  id?: string
  title?: string
  action?: string
  /** A verdict (events v2: data, lib/events.ts Reason). */
  why?: unknown
  reason?: unknown
  message?: string
  data?: { image?: { id: string; tags: string[] } }
}

const show = (r: CliResult) => `--- stdout\n${r.stdout.slice(-6000)}\n--- stderr\n${r.stderr.slice(-4000)}`

/** Run one command of the day in the project; it must exit 0. */
async function step(day: number, args: string[]): Promise<CliResult> {
  const started = Date.now()
  const r = await runCli(args, { cwd: p.dir, timeoutMs: 480_000 })
  timings.push(`day ${day}: ${args.join(' ').padEnd(20)} ${((Date.now() - started) / 1000).toFixed(1)} s`)
  assert.is(r.code, 0, `day ${day}: \`pypackage-tasks ${args.join(' ')}\` exits 0, not ${r.code}\n${show(r)}`)
  return r
}

/** The JSON events of a --json run, every line parsed (a line that is not JSON fails, naming it). */
function events(r: CliResult): JsonEvent[] {
  return r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      try {
        return JSON.parse(l) as JsonEvent
      } catch {
        throw new Error(`--json printed a line that is not JSON: ${JSON.stringify(l)}\n${show(r)}`)
      }
    })
}

const outcome = (evs: JsonEvent[], id: string) => evs.find((e) => (e.type === 'task:done' || e.type === 'task:skip' || e.type === 'task:fail') && e.id === id)
const describe = (evs: JsonEvent[]) =>
  evs
    .filter((e) => e.type.startsWith('task:') || e.type === 'plan')
    .map((e) => `${e.type} ${e.id}${e.why ? ` (${JSON.stringify(e.why)})` : e.reason ? ` (${JSON.stringify(e.reason)})` : ''}`)
    .join('\n')

/** The release image's id as the run reported it. */
function releaseId(evs: JsonEvent[], r: CliResult): string {
  const id = evs.find((e) => e.type === 'task:done' && e.id === 'image:release')?.data?.image?.id
  assert.ok(id?.startsWith('sha256:'), `the run reports the release image it built:\n${describe(evs)}\n${show(r)}`)
  return id!
}

/** Every image id a --json run reported building (to check afterwards that clean removed each). */
const builtIds = (evs: JsonEvent[]) => evs.flatMap((e) => (e.type === 'task:done' && e.data?.image?.id ? [e.data.image.id] : []))

/** Images of ours that no tag names any more: what a rebuild under the same tag must not leave. */
async function danglingOfOurs(): Promise<string> {
  const left = await docker.listImages({ filters: { ...byLabel, dangling: ['true'] } })
  return left.map((i) => `${i.Id.slice(7, 19)} (created ${new Date(i.Created * 1000).toISOString()})`).join(', ')
}

/** Containers of the project, any state, as `name (image, state)`. */
async function containersLeft(): Promise<string> {
  // The warm builder stays between builds by design (clean removes it).
  const left = (await docker.listContainers({ all: true, filters: byLabel })).filter((c) => !isWarmContainer(c))
  return left.map((c) => `${c.Names.join(',')} (${c.Image}, ${c.State})`).join(', ')
}

/** What the engine still holds of the project, by label and by what the day was seen to create. */
async function assertNothingLeft(day: number, seen: { images: Set<string>; volumes: Set<string>; networks: Set<string> }) {
  assert.is(await containersLeft(), '', `day ${day}: containers of the project are left`)
  const images = await docker.listImages({ all: true, filters: byLabel })
  assert.is(images.map((i) => `${i.Id.slice(7, 19)} [${(i.RepoTags ?? []).join(' ')}]`).join(', '), '', `day ${day}: images of the project are left (id [tags])`)
  const stillThere: string[] = []
  for (const id of seen.images)
    if (
      await docker
        .getImage(id)
        .inspect()
        .catch(() => undefined)
    )
      stillThere.push(id.slice(7, 19))
  assert.is(stillThere.join(', '), '', `day ${day}: images the day built are left (label or not)`)
  const volumes = (await docker.listVolumes({ filters: byLabel })).Volumes ?? []
  assert.is(volumes.map((v) => v.Name).join(', '), '', `day ${day}: volumes of the project are left`)
  const namedLeft: string[] = []
  for (const name of seen.volumes)
    if (
      await docker
        .getVolume(name)
        .inspect()
        .catch(() => undefined)
    )
      namedLeft.push(name)
  assert.is(namedLeft.join(', '), '', `day ${day}: volumes the environment's containers mounted are left (anonymous ones included)`)
  const networks = await docker.listNetworks({ filters: byLabel })
  assert.is(networks.map((n) => n.Name).join(', '), '', `day ${day}: networks of the project are left`)
  const netLeft: string[] = []
  for (const name of seen.networks)
    if (
      await docker
        .getNetwork(name)
        .inspect()
        .catch(() => undefined)
    )
      netLeft.push(name)
  assert.is(netLeft.join(', '), '', `day ${day}: networks the environment used are left`)
  const leftFiles = ['wheelhouse', 'wheelhouse-manifest.json', 'wheelhouse-sbom.cdx.json', '.pypackage/lock'].filter((f) => existsSync(p.at(f)))
  assert.is(leftFiles.join(', '), '', `day ${day}: files of the tool are left in the project`)
}

/** What is shared, not the project's: it must outlive clean. */
async function assertSharedStays(day: number, osImageId: string) {
  const os = await docker
    .getImage(OS_IMAGE)
    .inspect()
    .catch(() => undefined)
  assert.ok(os, `day ${day}: the OS image ${OS_IMAGE} is still there`)
  assert.is(os!.Id, osImageId, `day ${day}: ${OS_IMAGE} is the same image as before the day`)
  const cache = await docker
    .getVolume(PIP_CACHE_VOLUME)
    .inspect()
    .catch(() => undefined)
  assert.ok(cache, `day ${day}: the shared pip cache volume ${PIP_CACHE_VOLUME} is still there`)
  assert.is.not(cache!.Labels?.[LABEL_PROJECT], p.project, `day ${day}: the pip cache is not labelled as the project's (clean would take it)`)
}

const Day = suite('a day of use leaves nothing behind (release, edit, release, --force, start, stop, clean; twice)')

let osImageId = ''
Day.before(async () => {
  const os = await docker
    .getImage(OS_IMAGE)
    .inspect()
    .catch(() => undefined)
  assert.ok(os, `${OS_IMAGE} is on the engine (bash .ci/setup.sh makes it)`)
  osImageId = os!.Id
  p.write('.gitignore', 'wheelhouse/\nwheelhouse-*.json\n.pypackage/\n')
  await git('init', '-q')
  await git('add', '.')
  await git('commit', '-qm', "the team's project")
})

Day.after(async () => {
  console.log(`day-of-use timings:\n  ${timings.join('\n  ')}`)
  // Whatever failed, the project goes: clean first (the tool's way), then by label.
  await runCli(['clean'], { cwd: p.dir, timeoutMs: 120_000 }).catch(() => undefined)
  await p.remove()
})

async function day(n: number) {
  const seen = { images: new Set<string>(), volumes: new Set<string>(), networks: new Set<string>() }
  const text = `ok, day ${n} edit`
  const sha = await git('rev-parse', '--short=7', 'HEAD')
  // Day 1 from the commit; day 2 with day 1's edit still in the tree (a dirty tree).
  const tag = n === 1 ? sha : `${sha}-dirty`

  // 1. release: everything the project needs, from what is there (cold on day 1, cached on day 2).
  const first = await step(n, ['release', '--json'])
  const firstEvents = events(first)
  const firstId = releaseId(firstEvents, first)
  const firstTags = firstEvents.find((e) => e.id === 'image:release' && e.type === 'task:done')!.data!.image!.tags
  assert.ok(
    firstTags.some((t) => t.endsWith(`:${tag}`)),
    `day ${n}: the release image is tagged ${tag}: ${firstTags.join(', ')}`,
  )
  builtIds(firstEvents).forEach((id) => seen.images.add(id))
  assert.is(await containersLeft(), '', `day ${n}: release leaves no container`)
  assert.is(await danglingOfOurs(), '', `day ${n}: release leaves no untagged image of ours`)

  // 2. edit a view's response text: plan says what changed, release rebuilds the wheels and the release image only.
  assert.ok(originalViews.includes('HttpResponse("ok", '), `the fixture's healthz view answers "ok":\n${originalViews}`)
  const before = readFileSync(p.at(VIEWS), 'utf8')
  writeFileSync(p.at(VIEWS), originalViews.replace('HttpResponse("ok", ', `HttpResponse(${JSON.stringify(text)}, `))
  assert.is.not(readFileSync(p.at(VIEWS), 'utf8'), before, `day ${n}: the edit changes ${VIEWS}`)
  const planEvents = events(await step(n, ['plan', '--json']))
  const planWheels = planEvents.find((e) => e.type === 'plan' && e.id === 'wheels')
  assert.is(planWheels?.action, 'run', `day ${n}: plan would rebuild the wheels after the edit:\n${describe(planEvents)}`)
  assert.match(JSON.stringify(planWheels?.why ?? ''), /views\.py/, `day ${n}: plan names the edited file as why`)
  const edited = await step(n, ['release', '--json'])
  const editedEvents = events(edited)
  const editedId = releaseId(editedEvents, edited)
  builtIds(editedEvents).forEach((id) => seen.images.add(id))
  assert.is(outcome(editedEvents, 'wheels')?.type, 'task:done', `day ${n}: the wheels were rebuilt after the edit:\n${describe(editedEvents)}`)
  for (const id of ['image:base', 'image:builder']) {
    assert.is(outcome(editedEvents, id)?.type, 'task:skip', `day ${n}: ${id} is reused after a source edit:\n${describe(editedEvents)}`)
  }
  assert.is.not(editedId, firstId, `day ${n}: the edit gives a new release image`)
  const editedTags = editedEvents.find((e) => e.id === 'image:release' && e.type === 'task:done')!.data!.image!.tags
  assert.ok(
    editedTags.some((t) => t.endsWith(`:${sha}-dirty`)),
    `day ${n}: the edited release is tagged ${sha}-dirty: ${editedTags.join(', ')}`,
  )
  const firstNow = await docker
    .getImage(firstId)
    .inspect()
    .catch(() => undefined)
  if (n === 1) {
    // Built under another tag (<sha>): still named by it, not superseded.
    assert.ok(
      firstNow?.RepoTags?.some((t) => t.endsWith(`:${sha}`)),
      `day ${n}: the morning's release keeps its tag ${sha}: ${firstNow?.RepoTags?.join(', ') ?? 'gone'}`,
    )
  } else {
    // Rebuilt under the same <sha>-dirty tag: the morning's image is superseded, and removed —
    // unless the warm appender runs from it (the edit was appended in a container of it): then
    // it is named for that, <release>:appender, and nothing else (clean removes both).
    const names = firstNow?.RepoTags ?? []
    const heldBy = (await docker.listContainers({ filters: { ...byLabel, label: [...byLabel.label, 'pypackage-tasks.task=appender'] } })).filter((c) => c.ImageID === firstId)
    const held = names.length === 1 && names[0].endsWith(':appender') && heldBy.length === 1
    assert.ok(!firstNow || held, `day ${n}: the release image the edit superseded under ${sha}-dirty is left: ${firstId.slice(7, 19)} [${names.join(' ')}]`)
  }
  assert.is(await danglingOfOurs(), '', `day ${n}: release after the edit leaves no untagged image of ours`)

  // 3. release --force: every stage again; the images it supersedes under the same tags go.
  const forced = await step(n, ['release', '--force', '--json'])
  const forcedEvents = events(forced)
  const forcedId = releaseId(forcedEvents, forced)
  timings.push(`day ${n}: release image ids: ${[firstId, editedId, forcedId].map((id) => id.slice(7, 19)).join(' → ')}`)
  builtIds(forcedEvents).forEach((id) => seen.images.add(id))
  const skipped = forcedEvents.filter((e) => e.type === 'task:skip' && (e.id === 'wheels' || e.id?.startsWith('image:')))
  assert.is(skipped.map((e) => e.id).join(', '), '', `day ${n}: release --force skips no stage:\n${describe(forcedEvents)}`)
  assert.is(await containersLeft(), '', `day ${n}: release --force leaves no container`)
  assert.is(await danglingOfOurs(), '', `day ${n}: release --force leaves no superseded (untagged) image of ours`)
  for (const ref of (await docker.listImages({ filters: byLabel })).map((i) => i.Id)) seen.images.add(ref)

  // 4. start: the release environment (the app + PostgreSQL); the app answers with the edit.
  const started = await step(n, ['start', '--port', '0'])
  const url = started.stdout.match(/(http:\/\/127\.0\.0\.1:\d+)\//)?.[1]
  assert.ok(url, `day ${n}: start prints the app's URL\n${show(started)}`)
  const health = await poll(
    `day ${n}: the app's /healthz to answer 200`,
    async () => {
      const r = await httpGet(`${url}/healthz`)
      return r.status === 200 ? r : undefined
    },
    60_000,
    300,
  )
  assert.is(health.body, text, `day ${n}: the app serves the edited view`)
  const home = await httpGet(`${url}/`, 30_000)
  assert.is(home.status, 200, `day ${n}: / (which reads PostgreSQL) answers 200:\n${home.body.slice(0, 2000)}`)
  for (const name of [`${stem}-web`, `${stem}-db`]) {
    const info = await docker
      .getContainer(name)
      .inspect()
      .catch(() => undefined)
    assert.ok(info?.State.Running, `day ${n}: ${name} runs after start`)
    for (const m of info!.Mounts) if (m.Type === 'volume' && m.Name) seen.volumes.add(m.Name)
    for (const net of Object.keys(info!.NetworkSettings.Networks)) seen.networks.add(net)
    seen.images.add(info!.Image)
  }
  assert.ok(seen.volumes.has(`${stem}-pgdata`), `day ${n}: the database's data volume is mounted: ${[...seen.volumes].join(', ')}`)

  // 5. stop: the containers go (the data volume stays, as documented, until clean).
  await step(n, ['stop'])
  assert.is(await containersLeft(), '', `day ${n}: stop leaves containers of the project`)
  assert.ok(
    await docker
      .getVolume(`${stem}-pgdata`)
      .inspect()
      .catch(() => undefined),
    `day ${n}: the database volume ${stem}-pgdata stays after stop (until clean)`,
  )

  // 6. clean: everything of the project's, and no error on the way.
  const cleaned = await step(n, ['clean'])
  assert.not.match(`${cleaned.stdout}\n${cleaned.stderr}`, /error|warn|fail/i, `day ${n}: clean printed an error or warning\n${show(cleaned)}`)
  assert.match(cleaned.stdout, /removed \d+ containers, \d+ networks, \d+ volumes, \d+ images/, `day ${n}: clean says what it removed\n${show(cleaned)}`)

  await assertNothingLeft(n, seen)
  await assertSharedStays(n, osImageId)
}

Day('day 1: release, edit + release, release --force, start (HTTP 200), stop, clean', () => day(1))
Day('day 2, same project: the same again, nothing left either', () => day(2))

Day.run()
