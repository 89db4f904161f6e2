import { existsSync, readFileSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startCli, stopCli } from '../helpers/cli.js'
import { containersOf, docker } from '../helpers/engine.js'
import { httpGet, poll, within } from '../helpers/poll.js'
import { asUser, copyExampleProject, tail } from '../helpers/project.js'

// `dev` on a copy of the example app, with the real engine and real saves: it releases and serves
// on a free port; a saved view is served; a view that no longer compiles leaves the previous one
// serving, with the error printed; the fix is served; Ctrl-C leaves nothing and exits 130.

const ns = `pptest${process.pid}dev`
const p = copyExampleProject(ns, 'pptest-dev-')
const VIEWS = 'example/polls/views.py'
const original = readFileSync(p.at(VIEWS), 'utf8')
/** The index view answering `text`, the rest of views.py as it is. */
const viewSaying = (text: string) =>
  original.replace(/def index\(request\):\n( {4}.*\n|\n)*?(?=\n\ndef )/, `def index(request):\n    return HttpResponse(${JSON.stringify(text)}, content_type="text/plain")\n`)

const Dev = suite('dev: save → served, a broken save keeps the previous one, Ctrl-C leaves nothing')
Dev.after(() => p.remove())

Dev('the example app: A, then B served on the same port, a syntax error keeps B, the fix is served, Ctrl-C → 130', async () => {
  assert.match(viewSaying('dev says A'), /return HttpResponse\("dev says A"/, 'the index view is replaced')
  p.write(VIEWS, viewSaying('dev says A'))
  const app = startCli(['dev', '--port', '0'], { cwd: p.dir, env: asUser })
  const says = async (url: string, text: string) => ((await httpGet(`${url}/`).catch(() => undefined))?.body === text ? true : undefined)
  try {
    const url = await poll('dev to serve', async () => app.stdout().match(/^Serving (http:\/\/127\.0\.0\.1:\d+)\//m)?.[1] ?? (app.child.exitCode !== null ? 'exited' : undefined), 600_000, 250)
    assert.not.equal(url, 'exited', `dev exited before serving:\n${tail(app.output())}`)
    await poll('dev to watch', async () => (/^watching \d+ files/m.test(app.stdout()) ? true : undefined), 30_000, 100)
    assert.ok(await says(url, 'dev says A'), 'GET / shows A')
    assert.is((await httpGet(`${url}/visits`)).body, 'visits: 1', 'a row written')

    p.write(VIEWS, viewSaying('dev says B'))
    const savedB = Date.now()
    await poll('B to be served', () => says(url, 'dev says B'), 300_000, 50)
    const seenB = Date.now() - savedB
    const servedB = await poll('the "served" line', async () => app.stdout().match(/^served the change in ([\d.]+) s/m)?.[1], 10_000, 50)
    assert.is((await httpGet(`${url}/visits`)).body, 'visits: 2', "the new container has the old one's database")
    console.log(`    change → served: ${servedB} s as dev measured it (save → first answer); ${(seenB / 1000).toFixed(1)} s until this test's poll saw B`)

    p.write(VIEWS, viewSaying('dev says B').replace('def index(request):', 'def index(request)'))
    await poll('the error to be printed', async () => (/^✖ the new image does not serve: /m.test(app.stdout()) ? true : undefined), 300_000, 100)
    assert.match(app.output(), /SyntaxError/, "the app's own error is printed")
    assert.ok(await poll('B to be served again', () => says(url, 'dev says B'), 60_000, 100), 'the previous image still serves B')
    assert.match(app.stdout(), /the previous image still serves http:\/\/127\.0\.0\.1:\d+\/; save again to retry/)

    p.write(VIEWS, viewSaying('dev says C'))
    await poll('the fix to be served', () => says(url, 'dev says C'), 300_000, 50)
    // The line follows the first answer (the test's poll may see it first).
    await poll('two "served" lines', async () => ((app.stdout().match(/^served the change in/gm) ?? []).length === 2 ? true : undefined), 10_000, 50)
    assert.is((await containersOf(p.project)).length, 1, 'one container serves')

    app.child.kill('SIGINT')
    const code = await within(app.done, 60_000, 'dev to end after Ctrl-C')
    assert.is(code, 130, `exit code 130 after Ctrl-C:\n${tail(app.output())}`)
    assert.equal(await containersOf(p.project), [], 'no container of the project is left')
    const { Volumes } = await docker.listVolumes({ filters: JSON.stringify({ label: [`pypackage-tasks.project=${p.project}`] }) })
    assert.equal(Volumes ?? [], [], 'no volume of the project is left')
    assert.not.ok(existsSync(p.at('.pypackage')), 'no lock or staging folder is left')
    assert.match(app.stderr(), /^error: interrupted \(SIGINT\)$/m)
  } finally {
    // dev's own lines (not the app's access log): the timeline of each change.
    console.log(
      app
        .stdout()
        .split('\n')
        .filter((l) => /^(✔|↓|▶|✖|changed|served|Serving|watching|the previous|hint)/.test(l))
        .map((l) => `    | ${l}`)
        .join('\n'),
    )
    await stopCli(app)
  }
})

Dev.run()
