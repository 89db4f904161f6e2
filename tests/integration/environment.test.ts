import { existsSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli } from '../helpers/cli.js'
import { containersOf, docker } from '../helpers/engine.js'
import { httpGet, poll } from '../helpers/poll.js'
import { copyExampleProject } from '../helpers/project.js'

// The release environment: the example app and a real PostgreSQL (built from Debian's package by
// docker/postgres) on a private network, the app reaching it through DATABASE_URL.
const ns = `pptestenv${process.pid}`
const p = copyExampleProject(ns, 'pptest-env-')
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { cwd: p.dir, env })
const label = { label: [`pypackage-tasks.project=${p.project}`] }

const env = suite('release environment with PostgreSQL')

env.after(async () => {
  await cli(['clean'])
  await p.remove()
})

async function startedUrl(): Promise<string> {
  const r = await cli(['start', '--port', '0'])
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  const url = r.stdout.match(/(http:\/\/127\.0\.0\.1:\d+)\//)?.[1]
  assert.ok(url, `start prints the URL:\n${r.stdout}`)
  return url!
}

/**
 * One visit: /visits writes a row per request, so it is asked exactly once, after polling the
 * read-only / (which reads the database) until the app and PostgreSQL answer; a retried
 * /visits would count twice.
 */
async function visits(url: string): Promise<string> {
  await poll('the app to answer / (read-only)', async () => ((await httpGet(`${url}/`)).status === 200 ? true : undefined), 60_000, 300)
  const r = await httpGet(`${url}/visits`, 30_000)
  assert.is(r.status, 200, `/visits answers 200:\n${r.body.slice(0, 2000)}`)
  return r.body
}

env('start: PostgreSQL and the app; a page writes a row and reads the count back', async () => {
  const release = await cli(['release'])
  assert.is(release.code, 0, release.stderr)
  const url = await startedUrl()
  assert.is(await visits(url), 'visits: 1', 'the first visit writes the first row')
  assert.is(await visits(url), 'visits: 2', 'the second reads both back')
  const db = await docker.getContainer(`${ns}-pollsite-db`).inspect()
  assert.match(db.Config.Image, /pollsite-postgres/, 'the database is our PostgreSQL image')
})

env('bootstrap: waits for the database, migrates, collects static files, creates the superuser once', async () => {
  const su = { DJANGO_SUPERUSER_USERNAME: 'admin', DJANGO_SUPERUSER_EMAIL: 'admin@example.com', DJANGO_SUPERUSER_PASSWORD: 'not-a-real-password' }
  const r = await cli(['bootstrap'], su)
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  for (const step of ['release phase: python -m django migrate --noinput', 'collectstatic', 'superuser']) assert.ok(r.stdout.includes(`bootstrap: ${step}`), `bootstrap runs ${step}:\n${r.stdout}`)
  assert.is((await cli(['bootstrap'], su)).code, 0, 'bootstrap again is fine (the superuser exists)')
  const count = await cli(['manage', '--', 'shell', '-c', 'from django.contrib.auth.models import User; print(User.objects.filter(is_superuser=True).count())'])
  assert.is(count.code, 0, count.stderr)
  assert.match(count.stdout, /^1$/m, 'exactly one superuser, in PostgreSQL')
})

env("manage passes the exit code; logs shows the app's requests", async () => {
  const bad = await cli(['manage', 'no_such_command'])
  assert.ok(bad.code !== 0, 'an unknown management command fails')
  const logs = await cli(['logs'])
  assert.is(logs.code, 0, logs.stderr)
  assert.match(logs.stdout + logs.stderr, /GET \/visits/, "the app's access log")
})

env('stop, then start again: the data survives in the volume', async () => {
  const stop = await cli(['stop'])
  assert.is(stop.code, 0, stop.stderr)
  assert.equal(await containersOf(p.project), [], 'no container after stop (the warm builder is not the environment: it stays)')
  const url = await startedUrl()
  assert.is(await visits(url), 'visits: 3', 'the two earlier rows are still there')
})

env('clean: removes containers, networks, volumes, images and the wheelhouse of this project only', async () => {
  const r = await cli(['clean'])
  assert.is(r.code, 0, r.stderr)
  assert.equal(await docker.listContainers({ all: true, filters: label }), [], 'no containers')
  assert.equal(await docker.listNetworks({ filters: label }), [], 'no networks')
  assert.equal((await docker.listVolumes({ filters: label })).Volumes ?? [], [], 'no volumes')
  assert.equal(await docker.listImages({ filters: label }), [], 'no images')
  assert.not.ok(existsSync(p.at('wheelhouse')), 'no wheelhouse')
  assert.ok(await docker.getImage('debian:bookworm-slim').inspect(), 'what is not ours stays')
})

env.run()
