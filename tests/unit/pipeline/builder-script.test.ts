import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MOUNT } from '../../../lib/pipeline/builder-mounts.js'
import { builderScript, FRONTEND, sourceList } from '../../../lib/pipeline/builder-script.js'
import type { LocalPackage } from '../../../lib/pipeline/wheel-inputs.js'

// ---------------------------------------------------------------------------------------------
const BuilderScript = suite('builderScript')

const app: LocalPackage = { key: 'app', dir: '/project', mount: MOUNT.source }
const speedups: LocalPackage = { key: 'speedups', dir: '/project/libs/speedups', mount: `${MOUNT.packages}/speedups` }
const shared: LocalPackage = { key: 'shared', dir: '/project/libs/shared', mount: `${MOUNT.packages}/shared` }

type ScriptOpts = Parameters<typeof builderScript>[0]
const scriptLines = (over: Partial<ScriptOpts> = {}) => builderScript({ build: [app], reuse: [], buildIsolation: true, hasPrevious: false, ...over }).split('\n')
const resolveLine = (lines: string[]) => lines.find((l) => l.trim().startsWith('pip wheel --wheel-dir /tmp/all '))

BuilderScript('stops at the first failing command', () => {
  assert.is(scriptLines()[0], 'set -eu', 'the script should start with "set -eu"')
})

BuilderScript('with build isolation, pip builds each package (it installs the build requirements)', () => {
  const lines = scriptLines({ build: [app, speedups], buildIsolation: true })
  for (const p of [app, speedups]) assert.ok(lines.includes(`pip wheel --no-deps --wheel-dir /tmp/local/${p.key} /tmp/src/${p.key}`), `pip should build ${p.key}`)
  assert.not.ok(
    lines.some((l) => l.startsWith(`python ${FRONTEND} /tmp/src/`)),
    'the PEP 517 frontend should not build anything',
  )
})

BuilderScript('without build isolation, our PEP 517 frontend builds each package (no pip start-up)', () => {
  const lines = scriptLines({ build: [app, speedups], buildIsolation: false })
  const written = lines.indexOf(`cat > ${FRONTEND} <<'PY'`)
  assert.ok(written > 0 && lines.indexOf('PY', written) > written, 'the frontend should be written first, from a quoted here-document')
  for (const p of [app, speedups]) assert.ok(lines.includes(`python ${FRONTEND} /tmp/src/${p.key} /tmp/local/${p.key}`), `the frontend should build ${p.key}`)
  assert.not.ok(
    lines.some((l) => l.startsWith('pip wheel --no-deps')),
    'pip should not build our own packages',
  )
})

for (const pkg of [app, speedups]) {
  BuilderScript(`copies ${pkg.key} out of its read-only mount, then builds the copy into its own folder`, () => {
    const lines = scriptLines({ build: [pkg] })
    const copy = lines.findIndex((l) => l.startsWith(`tar -C ${pkg.mount} `))
    const build = lines.indexOf(`pip wheel --no-deps --wheel-dir /tmp/local/${pkg.key} /tmp/src/${pkg.key}`) // buildIsolation: true
    assert.ok(copy >= 0, `${pkg.key} should be copied out of ${pkg.mount}`)
    assert.match(lines[copy], new RegExp(`\\| tar -C /tmp/src/${pkg.key} -xf -$`), `the copy should land in /tmp/src/${pkg.key}`)
    assert.ok(build > copy, `pip should build /tmp/src/${pkg.key} into /tmp/local/${pkg.key}, after the copy`)
    assert.ok(lines.indexOf(`mkdir -p /tmp/src/${pkg.key} /tmp/local/${pkg.key}`) < copy, 'its folders should be made before the copy')
  })
}

BuilderScript('each copy takes exactly the listed files (NUL-separated, no recursion): the list is the inputs', () => {
  const lines = scriptLines({ build: [app, speedups] })
  for (const p of [app, speedups]) {
    const copy = lines.find((l) => l.startsWith(`tar -C ${p.mount} `))!
    assert.match(copy, ` --null --no-recursion -T ${sourceList(p.key)} -cf - `, `${p.key} should be copied from its list only`)
    assert.not.match(copy, /--exclude|-cf - \./, 'no tree walk of its own: what the list leaves out never reaches the builder')
  }
})

BuilderScript('a reused package is copied from the previous wheelhouse, not built', () => {
  const lines = scriptLines({ build: [app], reuse: [{ key: 'speedups', wheel: 'speedups-1.0-cp312-linux_x86_64.whl' }], hasPrevious: true })
  assert.ok(lines.includes(`cp ${MOUNT.previous}/speedups-1.0-cp312-linux_x86_64.whl /tmp/local/speedups/`), 'the previous wheel should be copied to /tmp/local/speedups')
  assert.not.ok(
    lines.some((l) => l.includes('/tmp/src/speedups')),
    'a reused package should be neither copied nor built',
  )
})

BuilderScript('every command that can fail stands on its own line: under set -e an && list would hide its failure', () => {
  const lines = scriptLines({
    build: [app, shared],
    reuse: [{ key: 'speedups', wheel: 's.whl' }],
    hasPrevious: true,
    requirements: ['/application/requirements.txt'],
    previous: { wheels: { app: 'a.whl', shared: 'b.whl' }, dependencies: ['d.whl'] },
  })
  const chained = lines.filter((l) => l.includes('&&') && /\b(pip|cp|python)\b/.test(l))
  assert.equal(chained, [], 'no pip, cp or python command inside an && list')
})

const links: { name: string; over: Partial<ScriptOpts>; want: string }[] = [
  { name: 'the built package, without a previous wheelhouse', over: {}, want: '--find-links /tmp/local/app --find-links /tmp/all /tmp/local/*/*.whl' },
  {
    name: 'built and reused packages, then the previous wheelhouse',
    over: { build: [app, shared], reuse: [{ key: 'speedups', wheel: 's.whl' }], hasPrevious: true },
    want: `--find-links /tmp/local/app --find-links /tmp/local/shared --find-links /tmp/local/speedups --find-links ${MOUNT.previous} --find-links /tmp/all /tmp/local/*/*.whl`,
  },
]
for (const c of links) {
  BuilderScript(`resolves dependencies with find-links: ${c.name}`, () => {
    assert.is(resolveLine(scriptLines(c.over)), `pip wheel --wheel-dir /tmp/all ${c.want}`, `the resolve command should end with "${c.want}"`)
  })
}

BuilderScript('fills the wheelhouse after the dependencies were resolved', () => {
  const lines = scriptLines()
  const resolve = lines.indexOf(resolveLine(lines)!)
  const out = lines.indexOf(`cp /tmp/all/*.whl ${MOUNT.wheelhouse}/all/`)
  assert.ok(resolve >= 0, 'dependencies should be resolved')
  assert.ok(out > resolve, 'the wheels should be copied to the wheelhouse after all were built')
})

for (const buildIsolation of [true, false]) {
  BuilderScript(`reuses the previous dependency wheels when every rebuilt wheel had one before (Requires-Dist compared${buildIsolation ? ', after pip' : ', by the last build'})`, () => {
    const lines = scriptLines({
      build: [app],
      buildIsolation,
      hasPrevious: true,
      previous: { wheels: { app: 'app-0.1-py3-none-any.whl' }, dependencies: ['django-5.0-py3-none-any.whl', 'asgiref-3.8-py3-none-any.whl'] },
    })
    const pair = `/tmp/local/app=${MOUNT.previous}/app-0.1-py3-none-any.whl`
    const compare = lines.indexOf(buildIsolation ? `python ${FRONTEND} --compare ${pair}` : `python ${FRONTEND} /tmp/src/app /tmp/local/app ${pair}`)
    assert.ok(compare > 0, 'the new app wheel should be compared with its previous wheel')
    const test = lines.indexOf('if [ -e /tmp/requires-unchanged ]; then')
    const otherwise = lines.indexOf('else')
    const reuse = lines.indexOf(`  cp ${MOUNT.previous}/django-5.0-py3-none-any.whl ${MOUNT.previous}/asgiref-3.8-py3-none-any.whl /tmp/all/`)
    assert.ok(compare < test && test < reuse && reuse < otherwise, 'when Requires-Dist is unchanged the previous dependency wheels should be copied')
    assert.ok(lines.indexOf(resolveLine(lines)!) > otherwise && lines.indexOf('fi') > otherwise, 'otherwise the dependencies should be resolved again')
  })
}

BuilderScript('with no previous dependency wheels the unchanged branch copies only the local wheels', () => {
  const lines = scriptLines({ hasPrevious: true, previous: { wheels: { app: 'app-0.1-py3-none-any.whl' }, dependencies: [] } })
  assert.ok(lines.includes('  cp /tmp/local/*/*.whl /tmp/all/'), 'only the local wheels should be copied')
  assert.not.ok(
    lines.some((l) => l.includes(`cd ${MOUNT.previous}`)),
    'no dependency copy should appear',
  )
})

BuilderScript('always resolves when a rebuilt package had no wheel before', () => {
  const lines = scriptLines({ build: [app, speedups], hasPrevious: true, previous: { wheels: { app: 'app-0.1-py3-none-any.whl' }, dependencies: ['django-5.0-py3-none-any.whl'] } })
  assert.not.ok(
    lines.some((l) => l.startsWith('if [ -e /tmp/requires-unchanged') || (l.startsWith(`python ${FRONTEND} `) && l.includes('='))),
    'there should be no Requires-Dist comparison',
  )
  assert.ok(lines.includes(resolveLine(lines)!) && !resolveLine(lines)!.startsWith(' '), 'the dependencies should be resolved unconditionally')
})

BuilderScript('always resolves without a previous build', () => {
  const lines = scriptLines()
  assert.not.ok(
    lines.some((l) => l.startsWith('if [ -e /tmp/requires-unchanged') || (l.startsWith(`python ${FRONTEND} `) && l.includes('='))),
    'there should be no Requires-Dist comparison',
  )
  assert.ok(resolveLine(lines)?.startsWith('pip wheel'), 'the dependencies should be resolved unconditionally')
})

BuilderScript('gives the wheelhouse back to the owner when one is given', () => {
  const lines = scriptLines({ owner: '1000:1000' })
  assert.is(lines[lines.length - 1], `chown -R 1000:1000 ${MOUNT.wheelhouse}`, 'the last command should chown the wheelhouse to the owner')
})

BuilderScript('does not chown without an owner', () => {
  assert.not.ok(
    scriptLines().some((l) => l.includes('chown')),
    'without an owner there should be no chown',
  )
})

BuilderScript.run()
