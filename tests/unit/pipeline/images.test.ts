import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Context } from '../../../lib/context.js'
import { loadGraph, warnAboutGit } from '../../../lib/pipeline/images.js'
import type { Event } from '../../../lib/events.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// ---------------------------------------------------------------------------------------------
const WarnAboutGit = suite('warnAboutGit: a checkout git will not read is said once per run')

const dir = makeTemp('images')
writeTree(dir, { 'docker/base/Dockerfile': 'FROM debian:bookworm-slim\n', 'docker/release/Dockerfile': 'ARG IMAGE_PREFIX\nFROM ${IMAGE_PREFIX}-base\n' })
WarnAboutGit.after(() => removeTemp(dir))

/** A run's context as far as loadGraph and warnAboutGit look, collecting what it emits. */
function run(gitUntrusted?: { repo: string; fix: string }): { ctx: Context; events: Event[] } {
  const events: Event[] = []
  const project = { root: dir, dockerDir: `${dir}/docker`, prefix: 'acme/app', config: { buildArgs: {} }, gitUntrusted }
  return { ctx: { project, emit: (e: Event) => events.push(e) } as unknown as Context, events }
}

WarnAboutGit('one info event however many times the graph is loaded and tags are made', async () => {
  const { ctx, events } = run({ repo: '/x', fix: 'git config --global --add safe.directory /x' })
  await loadGraph(ctx)
  await loadGraph(ctx)
  warnAboutGit(ctx) // as tagRelease does after the build
  assert.equal(events, [{ type: 'git:untrusted', repo: '/x', fix: 'git config --global --add safe.directory /x' }], 'exactly one event, with the folder and the fix')
})

WarnAboutGit('each run says it once', async () => {
  const first = run({ repo: '/w', fix: 'f' })
  const second = run({ repo: '/w', fix: 'f' })
  await loadGraph(first.ctx)
  await loadGraph(second.ctx)
  assert.is(first.events.length + second.events.length, 2, 'one event per run')
})

WarnAboutGit('nothing to say: no event', async () => {
  const { ctx, events } = run(undefined)
  await loadGraph(ctx)
  warnAboutGit(ctx)
  assert.equal(events, [], 'no event without a warning')
})

WarnAboutGit.run()
