import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { repoRoot } from '../helpers/cli.js'

// docker/release/install_wheels.py run by the host's python3, in a throwaway venv (so nothing
// lands in the host's Python), on crafted wheels whose tags fit this interpreter or do not.
// The engine-side twin (in the builder image) is in tests/integration/wheel-tools.test.ts.
const script = path.join(repoRoot, 'docker/release/install_wheels.py')
const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-install-wheels-'))
const venv = path.join(dir, 'venv')
const made = spawnSync('python3', ['-m', 'venv', '--without-pip', venv], { encoding: 'utf8' })
if (made.status !== 0) throw new Error(`python3 -m venv failed: ${made.stderr}`)
const python = path.join(venv, 'bin/python')

/** What this interpreter is: its cpXY, its platform (linux_x86_64) and its glibc (2, 36). */
const host = JSON.parse(
  spawnSync(
    python,
    [
      '-c',
      'import json,os,sys,sysconfig; print(json.dumps({"minor": sys.version_info[1], "plat": sysconfig.get_platform().replace("-", "_"), "glibc": os.confstr("CS_GNU_LIBC_VERSION").split()[1]}))',
    ],
    { encoding: 'utf8' },
  ).stdout,
) as { minor: number; plat: string; glibc: string }
const arch = host.plat.replace(/^linux_/, '')
const glibcMinor = Number(host.glibc.split('.')[1])
const cp = `cp3${host.minor}`
const cpNext = `cp3${host.minor + 1}`

const CRAFT = `
import base64, hashlib, sys, zipfile
out, dist, tags = sys.argv[1], sys.argv[2], sys.argv[3:]
info = dist + "-1.0.dist-info/"
files = {dist + "/__init__.py": b"X = 1\\n",
         info + "METADATA": ("Metadata-Version: 2.1\\nName: %s\\nVersion: 1.0\\n" % dist).encode(),
         info + "WHEEL": ("Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: false\\n" + "".join("Tag: %s\\n" % t for t in tags)).encode()}
digest = lambda b: "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
record = "".join("%s,%s,%d\\n" % (n, digest(b), len(b)) for n, b in files.items()) + info + "RECORD,,\\n"
with zipfile.ZipFile(out, "w") as z:
    for n, b in files.items():
        z.writestr(n, b)
    z.writestr(info + "RECORD", record)
`

let count = 0
/** A wheel file named `<dist>-1.0-<fileTag>.whl` whose WHEEL lists `wheelTags` (default: the file name's). */
function craft(fileTag: string, wheelTags?: string[]): { file: string; dist: string } {
  const dist = `tw${++count}`
  const file = path.join(dir, `${dist}-1.0-${fileTag}.whl`)
  const tags = wheelTags ?? [fileTag]
  const r = spawnSync('python3', ['-c', CRAFT, file, dist, ...tags], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(r.stderr)
  return { file, dist }
}

function install(...wheels: string[]): { code: number | null; output: string } {
  const r = spawnSync(python, [script, ...wheels], { encoding: 'utf8' })
  return { code: r.status, output: r.stdout + r.stderr }
}

const installed = (dist: string) => readdirSync(path.join(venv, 'lib', `python3.${host.minor}`, 'site-packages')).some((f) => f.startsWith(`${dist}-`) || f === dist)

// ---------------------------------------------------------------------------------------------
const Tags = suite("install_wheels.py: a wheel's tags against the running interpreter")

Tags.after(() => rmSync(dir, { recursive: true, force: true }))

const accepted: [string, string][] = [
  ['py3-none-any', 'pure Python 3'],
  ['py2.py3-none-any', 'a compressed tag set'],
  [`py3${host.minor}-none-any`, 'this minor version'],
  [`${cp}-none-any`, 'this interpreter, no ABI'],
  [`${cp}-${cp}-${host.plat}`, 'this CPython and ABI, the plain linux platform'],
  [`${cp}-${cp}-manylinux_2_17_${arch}`, 'manylinux_2_17 on a newer glibc'],
  [`${cp}-${cp}-manylinux2014_${arch}.manylinux_2_17_${arch}`, 'a legacy manylinux alias in a set'],
  [`${cp}-${cp}-manylinux_2_${glibcMinor}_${arch}`, 'exactly this glibc'],
  ['cp37-abi3-manylinux1_' + arch, 'the stable ABI of an older CPython'],
  [`${cp}-abi3-${host.plat}`, 'the stable ABI of this CPython'],
]
for (const [tag, why] of accepted) {
  Tags(`installs ${tag} (${why})`, () => {
    const w = craft(tag)
    const r = install(w.file)
    assert.is(r.code, 0, `${tag} should install:\n${r.output}`)
    assert.ok(installed(w.dist), `${w.dist} should be in site-packages`)
  })
}

const refused: [string, string][] = [
  [`${cpNext}-${cpNext}-${host.plat}`, 'a newer CPython'],
  [`${cpNext}-abi3-${host.plat}`, "a newer CPython's stable ABI"],
  [`${cp}-${cp}d-${host.plat}`, 'a debug ABI'],
  [`${cp}-${cp}-manylinux_2_${glibcMinor + 1}_${arch}`, 'a newer glibc than this one'],
  [`${cp}-${cp}-musllinux_1_1_${arch}`, 'musl'],
  [`${cp}-${cp}-win_amd64`, 'Windows'],
  [`${cp}-${cp}-macosx_11_0_arm64`, 'macOS'],
  [`${cp}-${cp}-linux_${arch === 'aarch64' ? 'x86_64' : 'aarch64'}`, 'another machine'],
  ['py2-none-any', 'Python 2 only'],
  [`py3${host.minor + 1}-none-any`, 'a newer minor version only'],
  [`pp3${host.minor}-pypy3${host.minor}_pp73-${host.plat}`, 'PyPy'],
]
for (const [tag, why] of refused) {
  Tags(`refuses ${tag} (${why}) in one line naming the wheel and the interpreter`, () => {
    const w = craft(tag)
    const r = install(w.file)
    assert.is(r.code, 1, `${tag} should be refused:\n${r.output}`)
    const lines = r.output.trim().split('\n')
    assert.is(lines.length, 1, `one line:\n${r.output}`)
    assert.match(lines[0], `install_wheels.py: ${path.basename(w.file)} `, 'the line names the wheel')
    assert.match(lines[0], new RegExp(`CPython 3\\.${host.minor}\\b`), `the line names the interpreter: ${lines[0]}`)
    assert.not.ok(installed(w.dist), 'nothing of it is installed')
  })
}

Tags("refuses a wheel whose WHEEL file's tags contradict its name (a renamed wheel)", () => {
  const w = craft('py3-none-any', [`${cpNext}-${cpNext}-${host.plat}`])
  const r = install(w.file)
  assert.is(r.code, 1, r.output)
  assert.match(r.output, `${cpNext}-${cpNext}-${host.plat}`, 'the line names the tag the WHEEL file declares')
  assert.not.ok(installed(w.dist))
})

Tags('refuses before writing anything: a good wheel named first is not installed either', () => {
  const good = craft('py3-none-any')
  const bad = craft(`${cpNext}-${cpNext}-${host.plat}`)
  const r = install(good.file, bad.file)
  assert.is(r.code, 1, r.output)
  assert.match(r.output, path.basename(bad.file))
  assert.not.ok(installed(good.dist), 'the first wheel should not be installed when the second is refused')
})

Tags('refuses a file name that is no wheel name', () => {
  const w = craft('py3-none-any')
  const odd = path.join(dir, 'not-a-wheel.whl')
  spawnSync('cp', [w.file, odd])
  const r = install(odd)
  assert.is(r.code, 1, r.output)
  assert.match(r.output, /not-a-wheel\.whl/)
  assert.ok(existsSync(odd))
})

Tags.run()
