import { spawnSync } from 'node:child_process'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Emit, Event } from '../../../lib/events.js'
import { showWithListr } from '../../../lib/render/listr.js'

// lib/render/listr.ts: the task view. showWithListr picks no renderer of its own, so off a
// terminal listr2 falls back to its line renderer: with stdout made a non-TTY and both streams
// captured, each row's end (its final title, skip or failure) and its output lines are lines to
// read. The terminal renderer itself is drawn only on a TTY (tests/integration, under a pty).

/** Run showWithListr with stdout/stderr captured and no terminal; the lines written (ANSI removed), and the outcome. */
async function shown<T>(nodes: { id: string; title: string }[], run: (emit: Emit) => Promise<T>, also?: Emit): Promise<{ lines: string[]; value?: T; error?: unknown }> {
  const written: string[] = []
  const saved = { out: process.stdout.write, err: process.stderr.write, tty: process.stdout.isTTY, force: process.env.LISTR_FORCE_TTY }
  const capture = (chunk: string | Uint8Array) => (written.push(String(chunk)), true)
  process.stdout.write = capture as typeof process.stdout.write
  process.stderr.write = capture as typeof process.stderr.write
  process.stdout.isTTY = false
  delete process.env.LISTR_FORCE_TTY
  try {
    const value = await showWithListr(nodes, run, also)
    return { lines: clean(written), value }
  } catch (error) {
    return { lines: clean(written), error }
  } finally {
    process.stdout.write = saved.out
    process.stderr.write = saved.err
    process.stdout.isTTY = saved.tty
    if (saved.force !== undefined) process.env.LISTR_FORCE_TTY = saved.force
  }
}

/** ESC [ … letter: the colours and cursor moves listr2 writes. */
const ANSI = new RegExp(String.fromCharCode(27) + '\\[[0-9;?]*[A-Za-z]', 'g')
const clean = (chunks: string[]) =>
  chunks
    .join('')
    .replace(ANSI, '')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean)
const tick = () => new Promise((r) => setTimeout(r, 5))

const BASE = { id: 'image:base', title: 'Image docker/base' }
const WEB = { id: 'image:web', title: 'Image docker/web' }
const WHEELS = { id: 'wheels', title: 'Wheels → wheelhouse' }

const View = suite('showWithListr')

View("the work's result; each row ends as its events say: done with its summary, skipped with the reason", async () => {
  const { lines, value, error } = await shown([BASE, WEB], async (emit) => {
    emit({ type: 'task:start', id: 'image:base', title: BASE.title, why: { is: 'changed', changes: [{ input: 'file:Dockerfile', change: 'changed' }] } })
    await tick()
    emit({ type: 'task:done', id: 'image:base', title: BASE.title, ms: 3100, data: { image: { id: 'sha256:b', tags: ['acme/app-base:abc1234', 'acme/app-base:latest'], size: 242e6 } } })
    emit({ type: 'task:skip', id: 'image:web', title: WEB.title, reason: { is: 'current', ref: 'acme/app-web:abc1234' } })
    return 'the result'
  })
  assert.is(error, undefined, `no error: ${error}`)
  assert.is(value, 'the result', 'showWithListr answers what the work answered')
  assert.ok(lines.includes('✔ Image docker/base: acme/app-base:abc1234 (+ :latest)  242 MB  3.1 s'), `done, with the summary:\n${lines.join('\n')}`)
  assert.ok(
    lines.some((l) => l.startsWith('↓ Image docker/web') && l.includes('Image docker/web [skipped: up to date (acme/app-web:abc1234)]')),
    `skipped, with the reason:\n${lines.join('\n')}`,
  )
})

View("a row's engine output goes to its task's output, and a failure shows the row's step and message", async () => {
  const { lines } = await shown([WHEELS], async (emit) => {
    emit({ type: 'task:start', id: 'wheels', title: WHEELS.title })
    await tick()
    emit({ type: 'build:step', id: 'wheels', step: 'Step 2/3 : RUN pip wheel' })
    emit({ type: 'build:output', id: 'wheels', line: 'Building wheel for app' })
    await tick()
    // Later events of the row that carry no output line do not show the last one again.
    emit({ type: 'build:step', id: 'wheels', step: 'Step 3/3 : RUN pip wheel --no-deps' })
    emit({ type: 'build:step', id: 'wheels', step: 'Step 2/3 : RUN pip wheel' })
    emit({ type: 'build:output', id: 'wheels', line: 'Building wheel for app' })
    await tick()
    emit({ type: 'task:fail', id: 'wheels', title: WHEELS.title, message: 'pip failed', ms: 10 })
  })
  assert.equal(
    lines.filter((l) => l === '› Building wheel for app'),
    ['› Building wheel for app', '› Building wheel for app'],
    `each output line once, as many times as it arrived:\n${lines.join('\n')}`,
  )
  assert.ok(lines.includes('✖ Wheels → wheelhouse — Step 2/3 : RUN pip wheel [FAILED: pip failed]'), `the failure, titled with the step it was at:\n${lines.join('\n')}`)
})

View('events that arrive before listr2 starts a row are kept and applied when it does', async () => {
  // Emitted synchronously: listr2 has not started any task yet.
  const { lines } = await shown([BASE], async (emit) => {
    emit({ type: 'task:start', id: 'image:base', title: BASE.title, why: { is: 'never-built' } })
    emit({ type: 'task:fail', id: 'image:base', title: BASE.title, message: 'FROM image missing', ms: 0 })
  })
  assert.ok(lines.includes('✖ Image docker/base (never built) [FAILED: FROM image missing]'), `the early failure, with the start's why in the title:\n${lines.join('\n')}`)
})

View('output lines that arrive before listr2 starts a row are shown when it does, each once', async () => {
  const { lines } = await shown([BASE], async (emit) => {
    emit({ type: 'build:output', id: 'image:base', line: 'first line' })
    emit({ type: 'build:output', id: 'image:base', line: 'second line' })
    await tick()
    emit({ type: 'build:step', id: 'image:base', step: 'Step 2/2 : RUN true' })
    emit({ type: 'task:done', id: 'image:base', title: BASE.title, ms: 1 })
  })
  assert.equal(
    lines.filter((l) => l.startsWith('›')),
    ['› first line', '› second line'],
    lines.join('\n'),
  )
})

View('rows the work never reached end as cancelled, so the view closes', async () => {
  const { lines, error } = await shown([BASE, WEB], async (emit) => {
    emit({ type: 'task:done', id: 'image:base', title: BASE.title, ms: 1 })
  })
  assert.is(error, undefined)
  assert.ok(lines.includes('✖ Image docker/web [FAILED: cancelled]'), lines.join('\n'))
})

View("the work's failure is showWithListr's, after every row was closed", async () => {
  const boom = new Error('the engine went away')
  const { lines, error } = await shown([BASE, WEB], async (emit) => {
    emit({ type: 'task:start', id: 'image:base', title: BASE.title })
    await tick()
    throw boom
  })
  assert.is(error, boom, 'the same error, for cli.ts to print once')
  assert.ok(lines.includes('✖ Image docker/base [FAILED: cancelled]'), lines.join('\n'))
  assert.ok(lines.includes('✖ Image docker/web [FAILED: cancelled]'), lines.join('\n'))
  assert.not.ok(
    lines.some((l) => l.includes('the engine went away')),
    'the error itself is not printed by the view',
  )
})

View('every event also reaches `also` (the --metadata-file collector), those of no row too', async () => {
  const seen: Event[] = []
  const events: Event[] = [
    { type: 'task:start', id: 'image:base', title: BASE.title },
    { type: 'output', stream: 'stdout', line: 'not a row’s' },
    { type: 'task:done', id: 'prewarm', title: 'not shown here', ms: 0 },
    { type: 'task:done', id: 'image:base', title: BASE.title, ms: 1 },
  ]
  const { lines } = await shown(
    [BASE],
    async (emit) => {
      for (const e of events) emit(e)
    },
    (e) => seen.push(e),
  )
  assert.equal(seen, events)
  assert.not.ok(
    lines.some((l) => l.includes('not shown here') || l.includes('not a row')),
    'events of no row are not drawn',
  )
})

View('aborting is left to cli.ts: no SIGINT listener added while the view runs', async () => {
  const before = process.listenerCount('SIGINT')
  let during = -1
  await shown([BASE], async (emit) => {
    await tick()
    during = process.listenerCount('SIGINT')
    emit({ type: 'task:done', id: 'image:base', title: BASE.title, ms: 0 })
  })
  assert.is(during, before, 'listr2 registered no signal listener of its own')
})

View.run()

// ---------------------------------------------------------------------------------------------
const Colour = suite('showWithListr on a terminal: NO_COLOR')

/**
 * A small run drawn by listr2's terminal renderer, in a process of its own (colorette decides on
 * colour when it is loaded, from the environment it starts with): done, skipped and failed rows,
 * an output line. What it wrote, escape codes and all.
 */
function drawn(env: Record<string, string | undefined>): string {
  const listr = new URL('../../../lib/render/listr.js', import.meta.url).href
  const script = `
    const written = []
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.isTTY = true
    process.stdout.columns = 100
    process.stdout.write = process.stderr.write = (chunk) => (written.push(String(chunk)), true)
    const { showWithListr } = await import(${JSON.stringify(listr)})
    const nodes = [{ id: 'a', title: 'Image docker/base' }, { id: 'b', title: 'Image docker/web' }, { id: 'c', title: 'Wheels' }]
    await showWithListr(nodes, async (emit) => {
      emit({ type: 'task:start', id: 'a', title: 'Image docker/base' })
      emit({ type: 'build:output', id: 'a', line: 'Step 1/2 : FROM debian' })
      await new Promise((r) => setTimeout(r, 150))
      emit({ type: 'task:done', id: 'a', title: 'Image docker/base', ms: 1200, data: { image: { id: 'sha256:b', tags: ['p/a-base:1', 'p/a-base:latest'], size: 5e6 } } })
      emit({ type: 'task:skip', id: 'b', title: 'Image docker/web', reason: { is: 'current', ref: 'p/a-web:1' } })
      emit({ type: 'task:fail', id: 'c', title: 'Wheels', message: 'pip failed', ms: 3 })
    }).catch(() => undefined)
    write(JSON.stringify(written.join('')))
  `
  const clean: NodeJS.ProcessEnv = { ...process.env, LISTR_FORCE_TTY: '1', TERM: 'xterm-256color' }
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'CI']) delete clean[k]
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: clean, timeout: 30_000 })
  assert.is(r.status, 0, `the view was drawn:\n${r.stderr}`)
  return JSON.parse(r.stdout) as string
}

/** Foreground colours, normal and bright (ESC [ 3x m, ESC [ 9x m, alone or among other codes). */
const COLOUR = new RegExp(String.fromCharCode(27) + '\\[([0-9;]*;)?[39][0-9]m')

Colour('NO_COLOR=1: the rows drawn (with cursor moves) carry no colour code', () => {
  const out = drawn({ NO_COLOR: '1' })
  assert.match(out, /Image docker\/base/, `the view was drawn on the terminal:\n${JSON.stringify(out)}`)
  assert.ok(out.includes(String.fromCharCode(27)), 'the terminal renderer moves the cursor (escape codes are written)')
  assert.not.match(out, COLOUR, `no colour code:\n${JSON.stringify(out)}`)
})

Colour('the same run with FORCE_COLOR=1 has colours (so the check above can see them)', () => {
  assert.match(drawn({ FORCE_COLOR: '1' }), COLOUR, 'colour codes when forced')
})

Colour.run()
