import { readdirSync, readFileSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli, startCli, stopCli } from '../helpers/cli.js'
import { commandsIn, containersOf, docker, imageExists, warmBuilderOf } from '../helpers/engine.js'
import { startInnerEngine, watchBinds, type InnerEngine } from '../helpers/inner-engine.js'
import { httpGet, poll, within } from '../helpers/poll.js'
import { copyExampleProject, slowPackage, type ExampleProject } from '../helpers/project.js'
import { copyShape, pyindex, type ShapeProject } from '../helpers/shapes.js'

// An engine with a filesystem of its own (a dockerd in a container, DOCKER_HOST=tcp://): none of
// this machine's folders exists there, so the source, the offline index (a find-links folder of
// this machine) and the previous wheelhouse must travel into the builder and test containers
// through the Engine API, and the wheels back. The example app end to end (release --smoke,
// test, run, push), then another shape (a Flask app on flit); then the proof that no container
// the inner engine made had a bind mount of a host folder.
const ns = `pptestdisk${process.pid}`
let inner: InnerEngine
let watched: Awaited<ReturnType<typeof watchBinds>> | undefined
let app: ExampleProject
let flask: ShapeProject | undefined
const env = () => ({ DOCKER_HOST: inner.url })

const own = suite('an engine that does not share this disk (dockerd in a container, over tcp://)')

own.before(async () => {
  inner = await startInnerEngine()
  watched = await watchBinds(inner.docker)
  app = copyExampleProject(ns, 'pptest-own-disk-')
})

own.after(async () => {
  watched?.stop()
  // Everything the tool made lives in the inner engine, whose storage goes with it.
  await inner?.close()
  await app?.remove()
  await flask?.remove()
})

own('release --smoke: images, wheels (offline index uploaded) and the smoke GETs, on the inner engine', async () => {
  const t0 = Date.now()
  const r = await runCli(['release', '--smoke'], { cwd: app.dir, env: env() })
  console.log(`  times own-disk: release --smoke from nothing ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  assert.is(r.code, 0, `release --smoke succeeds:\n${r.stdout.slice(-4000)}\n${r.stderr}`)
  assert.match(r.stdout, /smoke: GET \/ → 200/, 'GET / answers 200 through the port the inner engine published')
  assert.ok(await imageExists(`${app.project}-release:latest`, inner.docker), 'the release image is on the inner engine')
  assert.not.ok(await imageExists(`${app.project}-release:latest`), "and not on this machine's engine")
  assert.ok(
    readdirSync(app.at('wheelhouse')).some((f) => f.startsWith('speedups-') && f.endsWith('.whl')),
    'the wheels came back into the wheelhouse here',
  )
})

// A static file, not a module: an edit of a module the wheel holds is patched without the builder (wheel-patch.test.ts).
own('a one-line change to a static file: only the app wheel is rebuilt, in the same warm builder on the inner engine', async () => {
  const warm = await warmBuilderOf(app.project, inner.docker)
  assert.ok(warm?.State === 'running', 'the release left its warm builder running on the inner engine')
  const before = readFileSync(app.at(`wheelhouse/${readdirSync(app.at('wheelhouse')).find((f) => f.startsWith('django-'))}`))
  app.write('example/polls/static/polls/style.css', `${readFileSync(app.at('example/polls/static/polls/style.css'), 'utf8')}\n/* changed */\n`)
  const t0 = Date.now()
  const r = await runCli(['build'], { cwd: app.dir, env: env() })
  console.log(`  times own-disk: build after a one-line change ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  assert.is(r.code, 0, `${r.stdout.slice(-3000)}\n${r.stderr}`)
  assert.match(r.stdout, /built pollsite-0\.1\.0-py3-none-any\.whl; reused speedups/, `only the app's wheel is built:\n${r.stdout.slice(-1500)}`)
  assert.is((await warmBuilderOf(app.project, inner.docker))?.Id, warm!.Id, 'the same container built it')
  const django = readdirSync(app.at('wheelhouse')).find((f) => f.startsWith('django-'))
  assert.ok(django && readFileSync(app.at(`wheelhouse/${django}`)).equals(before), 'the dependency wheels are the same bytes (taken from the wheelhouse here)')
})

own('Ctrl-C during a build in the warm builder: exits 130, the container goes with the build, the wheelhouse stays', async () => {
  const config = slowPackage(app)
  app.writeConfig(config, { source: 'slowpkg', localPackages: [] })
  const before = readdirSync(app.at('wheelhouse')).map((f) => `${f} ${readFileSync(app.at(`wheelhouse/${f}`)).length}`)
  const id = (await warmBuilderOf(app.project, inner.docker))!.Id
  const build = startCli(['build', '--config', config], { cwd: app.dir, env: env() })
  try {
    await poll('the slow build to run in the warm builder', async () => ((await commandsIn(id, inner.docker)).includes('/tmp/src/') ? true : undefined), 120_000, 200)
    build.child.kill('SIGINT')
    assert.is(await within(build.done, 30_000, 'the build to exit after SIGINT'), 130, `an interrupted build exits 130:\n${build.output()}`)
  } finally {
    await stopCli(build)
  }
  assert.is(await warmBuilderOf(app.project, inner.docker), undefined, 'the warm builder is gone, and its build with it')
  assert.equal(
    readdirSync(app.at('wheelhouse')).map((f) => `${f} ${readFileSync(app.at(`wheelhouse/${f}`)).length}`),
    before,
    'the wheelhouse is as it was',
  )
})

own("test: the app's tests in the builder on the inner engine", async () => {
  const r = await runCli(['test'], { cwd: app.dir, env: env() })
  assert.is(r.code, 0, `test succeeds:\n${r.stdout.slice(-3000)}\n${r.stderr}`)
  assert.match(r.stdout, /passed|OK/, 'the tests ran')
})

own('run: GET / answers through the published port; the serving container has no bind mount', async () => {
  const served = startCli(['run', '--port', '0'], { cwd: app.dir, env: env() })
  try {
    const url = await poll(
      'run to print its URL',
      async () =>
        served
          .output()
          .match(/Serving (http:\/\/127\.0\.0\.1:(\d+))\//)
          ?.slice(1),
      120_000,
    )
    const port = Number(url[1])
    assert.ok(port >= inner.ports[0] && port <= inner.ports[1], `the inner engine published ${port}, from its range ${inner.ports.join('-')}`)
    const page = await httpGet(`${url[0]}/`)
    assert.is(page.status, 200, page.body.slice(0, 300))
    assert.match(page.body, /poll|question/i, "the app's page")
    const [web] = await inner.docker.listContainers({ filters: { label: [`pypackage-tasks.project=${app.project}`] } })
    assert.ok(web, 'the serving container is on the inner engine')
    const mounts = (await inner.docker.getContainer(web.Id).inspect()).Mounts
    assert.equal(
      mounts.filter((m) => m.Type === 'bind'),
      [],
      'no bind mount',
    )
  } finally {
    await stopCli(served, 'SIGINT')
  }
  const left = await containersOf(app.project, inner.docker)
  assert.equal(
    left.map((c) => c.Names[0]),
    [],
    'Ctrl-C on run leaves no container on the inner engine',
  )
})

own('the environment: start (PostgreSQL and the app on the inner engine), a page that writes and reads the database, stop', async () => {
  const start = await runCli(['start', '--port', '0'], { cwd: app.dir, env: env() })
  assert.is(start.code, 0, `start succeeds:\n${start.stdout.slice(-3000)}\n${start.stderr}`)
  const url = start.stdout.match(/(http:\/\/127\.0\.0\.1:\d+)\//)?.[1]
  assert.ok(url, `start prints the URL it answers at:\n${start.stdout}`)
  await poll('the app to answer / (read-only)', async () => ((await httpGet(`${url}/`)).status === 200 ? true : undefined), 60_000, 300)
  const visit = await httpGet(`${url}/visits`, 30_000)
  assert.is(visit.status, 200, visit.body.slice(0, 1000))
  assert.is(visit.body, 'visits: 1', 'the app wrote a row in PostgreSQL and read it back')
  const stop = await runCli(['stop'], { cwd: app.dir, env: env() })
  assert.is(stop.code, 0, stop.stderr)
  const left = await containersOf(app.project, inner.docker)
  assert.equal(
    left.map((c) => c.Names[0]),
    [],
    'no container after stop',
  )
})

own("push: to a registry on the inner engine's loopback", async () => {
  const r = await runCli(['push', 'v1', '--registry', '127.0.0.1:5000'], { cwd: app.dir, env: env() })
  assert.is(r.code, 0, `push succeeds:\n${r.stdout.slice(-3000)}\n${r.stderr}`)
  const tags = await inner.exec(['curl', '-fsS', `http://127.0.0.1:5000/v2/${app.project}-release/tags/list`])
  assert.is(tags.code, 0, tags.output)
  assert.match(tags.output, /"v1"/, `the registry has the v1 tag: ${tags.output}`)
})

own('another shape (flask-flit): init, release --smoke, test', async () => {
  flask = copyShape('flask-flit', `${ns}f`)
  const init = await runCli(['init', '--no-index', '--find-links', pyindex], { cwd: flask.dir, env: env() })
  assert.is(init.code, 0, `init succeeds:\n${init.stdout}\n${init.stderr}`)
  flask.configure({})
  const release = await runCli(['release', '--smoke'], { cwd: flask.dir, env: env() })
  assert.is(release.code, 0, `release --smoke succeeds:\n${release.stdout.slice(-3000)}\n${release.stderr}`)
  assert.match(release.stdout, /smoke: GET \/ → 200/)
  const test = await runCli(['test'], { cwd: flask.dir, env: env() })
  assert.is(test.code, 0, `test succeeds:\n${test.stdout.slice(-3000)}\n${test.stderr}`)
  assert.match(test.stdout, /7 passed/)
})

own('no folder of this machine was mounted: no container had a bind, and the inner engine never saw our paths', async () => {
  const seen = watched!.seen()
  const tasks = new Set(seen.map((c) => c.task))
  // The wheels are built in the warm builder (task builder), its find-links copied in when it was made.
  for (const task of ['builder', 'test', 'smoke', 'run', 'environment-web']) assert.ok(tasks.has(task), `a ${task} container was watched (saw: ${[...tasks].join(', ')})`)
  for (const c of seen) {
    const hostPaths = c.binds.filter((b) => b.startsWith('/'))
    assert.equal(hostPaths, [], `${c.name} (${c.task}) had no bind of a host path: ${c.binds.join(', ')}`)
  }
  // A bind of a missing folder is created by the engine: none of ours exists on its machine.
  for (const dir of [app.dir, pyindex, flask!.dir]) {
    const r = await inner.exec(['test', '-e', dir])
    assert.is.not(r.code, 0, `${dir} does not exist on the inner engine's machine`)
  }
  const outer = await docker.getContainer(inner.container).inspect()
  assert.equal(
    outer.Mounts.map((m) => m.Type),
    ['volume'],
    "the inner engine's own container mounts only its storage volume",
  )
})

own.run()
