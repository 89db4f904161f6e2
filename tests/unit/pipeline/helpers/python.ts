import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'

// Python source the tool embeds as strings (run in the builder), loaded as a module by the host's
// python3 and called on JSON arguments: many calls in one process, so a table of cases stays fast.

/** Write `source` (a fragment: it may use os, re and sys without importing them) as `<dir>/<name>.py`. */
export function writeFragment(dir: string, name: string, source: string): string {
  const file = path.join(dir, `${name}.py`)
  writeFileSync(file, `import os, re, sys\n${source}`)
  return file
}

/** One call's outcome: its JSON value, or the exception as `ValueError: …`. */
export type Outcome = { ok: unknown } | { error: string }

/**
 * Load `file` as a module and make each call `[function, args]`. `before` runs first (it can hide
 * modules: `sys.modules["tomllib"] = None`), `after` with the module's namespace as `ns` (it can
 * add helpers to it).
 */
export function callPython(file: string, calls: [string, unknown[]][], opts: { before?: string; after?: string; interpreter?: string } = {}): Outcome[] {
  const runner = [
    'import json, runpy, sys',
    opts.before ?? '',
    `ns = runpy.run_path(${JSON.stringify(file)}, run_name="fragment")`,
    opts.after ?? '',
    'out = []',
    'for fn, args in json.load(sys.stdin):',
    '    try:',
    '        out.append({"ok": ns[fn](*args)})',
    '    except Exception as e:',
    '        out.append({"error": "%s: %s" % (type(e).__name__, e)})',
    'print(json.dumps(out, default=list))',
  ].join('\n')
  const r = spawnSync(opts.interpreter ?? 'python3', ['-c', runner], { encoding: 'utf8', input: JSON.stringify(calls) })
  if (r.status !== 0) throw new Error(`python3 could not run ${path.basename(file)}:\n${r.stderr}`)
  return JSON.parse(r.stdout) as Outcome[]
}

/** Whether the fragment parses as Python 3.9 (the oldest a base image may carry): '' or the SyntaxError. */
export function python39SyntaxError(file: string): string {
  const r = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read(), feature_version=(3, 9))', file], { encoding: 'utf8' })
  return r.status === 0 ? '' : r.stderr.trim().split('\n').pop()!
}
