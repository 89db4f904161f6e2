import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import tar from 'tar-stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LABEL_PROJECT } from '../../lib/docker/labels.js'
import { runCli, type CliResult } from '../helpers/cli.js'
import { docker, warmAppenderOf } from '../helpers/engine.js'
import { httpGet, poll } from '../helpers/poll.js'
import { copyExampleProject, packagedOnce, tail } from '../helpers/project.js'

// The proof of appending (lib/pipeline/app-layer.ts): the same one-line change made into a release
// image both ways — appended, and built by the Docker build (--force) — gives the same files and
// the same config, and the appended image serves the change.

const p = copyExampleProject(`pptest${process.pid}append`)
const packaged = packagedOnce(p)
const VIEWS = 'example/polls/views.py'
const CHANGED = 'pollsite appended'
const release = `${p.project}-release`

type JsonEvent = { type: string; id?: string; why?: { is: string; because?: string }; data?: { patched?: { file: string }[] } }
const events = (r: CliResult): JsonEvent[] =>
  r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JsonEvent)

/** One file as the comparison sees it; `pyc`: a bytecode file's code (after its 16-byte header, which holds the source's mtime). */
interface Entry {
  type: string
  mode: number
  uid: number
  gid: number
  hash?: string
  link?: string
  /** A .pyc's header: the source mtime and size it was compiled from. */
  pycSource?: { mtime: number; size: number }
  mtime: number
  size: number
}

/** Every file of an image (a container's archive of /, never started): path → entry. */
async function filesOf(image: string): Promise<Map<string, Entry>> {
  const container = await docker.createContainer({ Image: image, Entrypoint: ['/bin/true'], Labels: { [LABEL_PROJECT]: p.project } })
  const files = new Map<string, Entry>()
  try {
    const extract = tar.extract()
    extract.on('entry', (h, stream, next) => {
      const hash = createHash('sha256')
      let head = Buffer.alloc(0)
      const pyc = h.name.endsWith('.pyc')
      stream.on('data', (chunk: unknown) => {
        let c = chunk as Buffer
        if (pyc && head.length < 16) {
          const need = 16 - head.length
          head = Buffer.concat([head, c.subarray(0, need)])
          c = c.subarray(need)
        }
        hash.update(c)
      })
      stream.on('end', () => {
        files.set(h.name.replace(/\/$/, ''), {
          type: h.type ?? 'file',
          mode: (h.mode ?? 0) & 0o7777,
          uid: h.uid ?? 0,
          gid: h.gid ?? 0,
          hash: h.type === 'file' ? hash.digest('hex') : undefined,
          link: h.linkname ?? undefined,
          pycSource: pyc && head.length === 16 ? { mtime: head.readUInt32LE(8), size: head.readUInt32LE(12) } : undefined,
          mtime: Math.floor((h.mtime?.getTime() ?? 0) / 1000),
          size: h.size ?? 0,
        })
        next()
      })
    })
    await pipeline(await container.getArchive({ path: '/' }), extract)
  } finally {
    await container.remove({ force: true })
  }
  return files
}

/** What differs between two file maps, compared without times and without bytecode headers. */
function differences(a: Map<string, Entry>, b: Map<string, Entry>): string[] {
  const out: string[] = []
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const [x, y] = [a.get(name), b.get(name)]
    if (!x || !y) {
      out.push(`${name}: only in the ${x ? 'appended' : 'built'} image`)
      continue
    }
    for (const key of ['type', 'mode', 'uid', 'gid', 'hash', 'link'] as const) {
      if (x[key] !== y[key]) out.push(`${name}: ${key} ${String(x[key])} (appended) vs ${String(y[key])} (built)`)
    }
  }
  return out
}

const e2e = suite('release: a one-line change appended vs built (real engine)')

e2e.after(async () => {
  await p.remove()
})

let appended = ''

/** Edit the one line, then `release --json`: its result and the release image's verdict. */
async function releaseChange(text: string): Promise<{ r: CliResult; patched?: string; why?: string }> {
  writeFileSync(p.at(VIEWS), readFileSync(p.at(VIEWS), 'utf8').replace(/CHECKSUM_INPUT = b"[^"]*"/, `CHECKSUM_INPUT = b"${text}"`))
  const r = await runCli(['release', '--json'], { cwd: p.dir, timeoutMs: 300_000 })
  assert.is(r.code, 0, tail(r.stdout + r.stderr))
  const patched = events(r).find((e) => e.type === 'task:done' && e.id === 'wheels')?.data?.patched?.[0]?.file
  return { r, patched, why: events(r).find((e) => e.type === 'task:start' && e.id === 'image:release')?.why?.is }
}

e2e('only the app wheel changed: plan says append, release appends (no Docker build), and again on the appended image', async () => {
  await packaged()
  writeFileSync(p.at(VIEWS), readFileSync(p.at(VIEWS), 'utf8').replace('CHECKSUM_INPUT = b"pollsite"', 'CHECKSUM_INPUT = b"pollsite first"'))
  // The wheels first: before they are built, a plan cannot know which of them will change.
  const wheels = await runCli(['build'], { cwd: p.dir, timeoutMs: 300_000 })
  assert.is(wheels.code, 0, tail(wheels.stdout + wheels.stderr))
  const plan = await runCli(['plan', '--json'], { cwd: p.dir })
  assert.is(plan.code, 0, tail(plan.stdout + plan.stderr))
  const verdict = events(plan).find((e) => e.type === 'plan' && e.id === 'image:release')
  assert.is(verdict?.why?.is, 'append', `plan should say the release image gets its app layer appended:\n${tail(plan.stdout)}`)
  const first = await releaseChange('pollsite first')
  assert.is(first.why, 'append', 'the release image is appended')
  assert.not.match(first.r.stdout, /Step \d+\/\d+ : COPY wheels\/app/, 'no Docker build of the release image')
  // The app step ran in the warm appender, which stays for the next change.
  const warm = await warmAppenderOf(p.project)
  assert.is(warm?.State, 'running', 'the warm appender is left running')
  // The compared image is appended to an appended one: the history an append leaves is readable.
  const second = await releaseChange(CHANGED)
  assert.is(second.why, 'append', 'an appended image gets the next app layer appended too')
  // The app wheel of a module's edit is patched (lib/pipeline/patch-wheels.ts): the image appended from it is the one compared and served below.
  assert.is(second.patched, 'pollsite-0.1.0-py3-none-any.whl', `the app wheel is patched:\n${tail(second.r.stdout)}`)
  assert.is((await warmAppenderOf(p.project))?.Id, warm?.Id, 'the second change ran in the same warm appender (its files were the first appended image)')
  appended = (await docker.getImage(`${release}:latest`).inspect()).Id
  // Kept under a name of its own while the Docker build makes the other one.
  await docker.getImage(appended).tag({ repo: release, tag: 'appended' })
})

e2e('the same change built by Docker: the same files (paths, content, modes, owners, links) and config', async () => {
  assert.ok(appended, 'the appended image exists (previous test)')
  const r = await runCli(['release', '--force', '--json'], { cwd: p.dir, timeoutMs: 300_000 })
  assert.is(r.code, 0, tail(r.stdout + r.stderr))
  const built = (await docker.getImage(`${release}:latest`).inspect()).Id
  assert.is.not(built, appended, 'the forced release is built, another image')
  const [a, b] = [await filesOf(appended), await filesOf(built)]
  const diff = differences(a, b)
  assert.equal(diff, [], `the two images differ in ${diff.length} files:\n${diff.slice(0, 30).join('\n')}`)
  // Bytecode is valid where it is: each .pyc names its source's mtime and size as the image has them.
  const stale = [...a].filter(([name, e]) => {
    const source = e.pycSource && a.get(name.replace(/__pycache__\/([^/]+)\.cpython-\d+\.pyc$/, '$1.py'))
    // The app's (the venv's); Debian's own may name a symlink's target.
    return name.includes('appenv/') && e.pycSource && source?.type === 'file' && (source.mtime !== e.pycSource.mtime || source.size !== e.pycSource.size)
  })
  assert.equal(
    stale.map(([n]) => n),
    [],
    'every appended .pyc matches its source',
  )
  assert.ok(
    [...a.keys()].some((n) => /appenv\/.*polls\/__pycache__\/views\.cpython-\d+\.pyc$/.test(n)),
    'the changed module has its bytecode',
  )
  const [ca, cb] = [(await docker.getImage(appended).inspect()).Config, (await docker.getImage(built).inspect()).Config]
  for (const key of ['User', 'Env', 'Cmd', 'Entrypoint', 'Healthcheck', 'ExposedPorts', 'WorkingDir', 'Labels'] as const) {
    assert.equal(ca[key], cb[key], `Config.${key} is the same`)
  }
})

e2e('the appended image serves the change', async () => {
  const container = await docker.createContainer({
    Image: appended,
    Labels: { [LABEL_PROJECT]: p.project },
    ExposedPorts: { '8000/tcp': {} },
    HostConfig: { PortBindings: { '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
  })
  try {
    await container.start()
    const port = (await container.inspect()).NetworkSettings.Ports['8000/tcp']?.[0]?.HostPort
    const page = await poll(
      'the appended image to answer GET /',
      async () => {
        const res = await httpGet(`http://127.0.0.1:${port}/`)
        return res.status === 200 ? res : undefined
      },
      60_000,
    )
    assert.ok(page.body.includes(CHANGED), `GET / shows the changed text "${CHANGED}"`)
  } finally {
    await container.remove({ force: true })
  }
})

e2e('clean removes the warm appender with the rest', async () => {
  const r = await runCli(['clean'], { cwd: p.dir, timeoutMs: 120_000 })
  assert.is(r.code, 0, tail(r.stdout + r.stderr))
  assert.is(await warmAppenderOf(p.project), undefined)
})

e2e.run()
