import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LABEL_PROJECT } from '../../lib/docker/labels.js'
import { runCli, type CliResult } from '../helpers/cli.js'
import { docker } from '../helpers/engine.js'
import { copyExampleProject, tail } from '../helpers/project.js'

// The proof of the wheel patch (lib/pipeline/patch-wheels.ts): a one-line edit of views.py gives
// a patched app wheel without a builder run, the same files with the same bytes as the wheel
// setuptools builds from the same sources (build --force) — the same wheel, byte for byte — and
// pip installs it. The
// release appended from a patched wheel serves the change: append-layer.test.ts.

const p = copyExampleProject(`pptestwpatch${process.pid}`, 'pptest-wpatch-')
const cli = (args: string[]) => runCli(args, { cwd: p.dir, timeoutMs: 300_000 })
const VIEWS = 'example/polls/views.py'
const WHEEL = 'pollsite-0.1.0-py3-none-any.whl'
const CHANGED = 'pollsite patched'

type WheelsDone = { built: string[]; patched?: { file: string; files: string[] }[]; builder?: string }
type JsonEvent = { type: string; id?: string; data?: WheelsDone; line?: string }
const events = (r: CliResult): JsonEvent[] =>
  r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JsonEvent)
const wheelsDone = (r: CliResult) => events(r).find((e) => e.type === 'task:done' && e.id === 'wheels')?.data

/** Python's zipfile on a wheel (its own CRC checks on read): each entry's sha256, zip fields, and whether RECORD lists every entry as it is. */
function describeWheel(file: string): { entries: Record<string, { sha256: string; date: number[]; attr: number; method: number }>; recordOk: boolean } {
  const script = `
import base64, hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
entries, ok = {}, True
for i in z.infolist():
    data = z.read(i.filename)
    entries[i.filename] = {"sha256": hashlib.sha256(data).hexdigest(), "date": list(i.date_time), "attr": i.external_attr, "method": i.compress_type}
record = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
for line in z.read(record).decode().splitlines():
    name, h, size = line.split(",")
    if h:
        data = z.read(name)
        ok = ok and h == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode() and int(size) == len(data)
print(json.dumps({"entries": entries, "recordOk": ok}))
`
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as ReturnType<typeof describeWheel>
}

const patch = suite('the wheel patch (real engine)')

patch.after(async () => {
  await p.remove()
})

patch('an edit of views.py: the app wheel is patched, no builder runs; built again by setuptools, the same files with the same bytes', async () => {
  const first = await cli(['build'])
  assert.is(first.code, 0, tail(first.stdout + first.stderr))
  writeFileSync(p.at(VIEWS), readFileSync(p.at(VIEWS), 'utf8').replace(/CHECKSUM_INPUT = b"[^"]*"/, `CHECKSUM_INPUT = b"${CHANGED}"`))
  const r = await cli(['build', '--json'])
  assert.is(r.code, 0, tail(r.stdout + r.stderr))
  const done = wheelsDone(r)
  assert.equal(done?.patched, [{ file: WHEEL, files: ['polls/views.py'] }], `the app wheel should be patched for polls/views.py:\n${tail(r.stdout)}`)
  assert.equal(done?.built, [], 'no wheel should be built')
  assert.is(done?.builder, undefined, 'no builder container should be used')
  assert.not.ok(
    events(r).some((e) => e.type === 'build:output' && e.id === 'wheels'),
    'the builder should say nothing: it did not run',
  )
  mkdirSync(p.at('patched'))
  copyFileSync(p.at(`wheelhouse/${WHEEL}`), p.at(`patched/${WHEEL}`))
  const forced = await cli(['build', '--force', '--json'])
  assert.is(forced.code, 0, tail(forced.stdout + forced.stderr))
  assert.ok(wheelsDone(forced)?.built.includes(WHEEL), `--force should build the app wheel with its backend:\n${tail(forced.stdout)}`)
  const [a, b] = [describeWheel(p.at(`patched/${WHEEL}`)), describeWheel(p.at(`wheelhouse/${WHEEL}`))]
  assert.equal(Object.keys(a.entries), Object.keys(b.entries), 'the same entries, in the same order')
  for (const name of Object.keys(b.entries)) assert.is(a.entries[name].sha256, b.entries[name].sha256, `${name}: the same bytes`)
  for (const name of Object.keys(b.entries)) {
    const [x, y] = [a.entries[name], b.entries[name]]
    assert.equal([x.date, x.attr, x.method], [y.date, y.attr, y.method], `${name}: the same time, mode and compression`)
  }
  assert.ok(a.recordOk, "the patched wheel's RECORD lists every entry with its hash and size")
  // The same zip too: each entry deflated as the backend's zlib does (wheel-zip.ts withContent).
  assert.ok(readFileSync(p.at(`patched/${WHEEL}`)).equals(readFileSync(p.at(`wheelhouse/${WHEEL}`))), 'the patched wheel is the one setuptools built, byte for byte')
})

patch('pip installs the patched wheel; the module holds the new text', async () => {
  const container = await docker.createContainer({
    Image: `${p.project}-builder:latest`,
    Cmd: ['sh', '-c', `pip install --no-index --no-deps --target /tmp/t /patched/${WHEEL} >/dev/null && cat /tmp/t/polls/views.py`],
    Labels: { [LABEL_PROJECT]: p.project },
    HostConfig: { Binds: [`${p.at('patched')}:/patched:ro`], NetworkMode: 'none' },
  })
  try {
    const wait = container.wait({ condition: 'next-exit' })
    await container.start()
    const { StatusCode } = (await wait) as { StatusCode: number }
    const logs = (await container.logs({ stdout: true, stderr: true })).toString()
    assert.is(StatusCode, 0, `pip install of the patched wheel should succeed:\n${logs}`)
    assert.ok(logs.includes(`CHECKSUM_INPUT = b"${CHANGED}"`), `the installed views.py should hold the change:\n${logs}`)
  } finally {
    await container.remove({ force: true })
  }
})

patch('edits it does not patch: a static file, pyproject.toml — the backend builds the wheel', async () => {
  for (const [rel, text] of [
    ['example/polls/static/polls/style.css', '\n/* patched? */\n'],
    ['example/pyproject.toml', '\n# patched?\n'],
  ]) {
    writeFileSync(p.at(rel), readFileSync(p.at(rel), 'utf8') + text)
    const r = await cli(['build', '--json'])
    assert.is(r.code, 0, tail(r.stdout + r.stderr))
    const done = wheelsDone(r)
    assert.ok(done?.built.includes(WHEEL) && !done.patched, `${rel}: the app wheel should be built by its backend:\n${tail(r.stdout)}`)
  }
})

patch.run()
