/** What a Dockerfile's FROM lines say, after ARG substitution. Pure: text in, refs out. */

export interface FromLine {
  /** The image reference after substituting ARGs, as the engine will see it. */
  ref: string
  /** `AS name`, if any. */
  stage?: string
  /** 1-based line number of the FROM instruction. */
  line: number
}

/** Logical instructions: continuation lines joined, comments and blanks dropped. */
export function instructions(text: string): { line: number; keyword: string; rest: string }[] {
  const out: { line: number; keyword: string; rest: string }[] = []
  const lines = text.split(/\r?\n/)
  let buf = ''
  let start = 0
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]
    if (!buf && /^\s*(#|$)/.test(raw)) continue
    if (buf && /^\s*(#|$)/.test(raw)) continue // comments and blank lines inside a continuation are skipped by Docker
    if (!buf) start = i + 1
    if (/\\\s*$/.test(raw)) {
      buf += raw.replace(/\\\s*$/, ' ')
      continue
    }
    buf += raw
    const m = buf.trim().match(/^(\S+)\s*(.*)$/s)
    if (m) out.push({ line: start, keyword: m[1].toUpperCase(), rest: m[2].trim() })
    buf = ''
  }
  // A last line ending in a backslash still ends the instruction.
  const last = buf.trim().match(/^(\S+)\s*(.*)$/s)
  if (last) out.push({ line: start, keyword: last[1].toUpperCase(), rest: last[2].trim() })
  return out
}

/** Substitute $VAR, ${VAR}, ${VAR:-default} and ${VAR:+alt} the way the Dockerfile parser does. */
export function substitute(s: string, vars: Record<string, string | undefined>): string {
  return s.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, braced, op, word, bare) => {
    const name = braced ?? bare
    const v = vars[name]
    if (op === '-') return v ? v : word
    if (op === '+') return v ? word : ''
    return v ?? ''
  })
}

/**
 * The FROM lines of a Dockerfile. ARGs declared before the first FROM take their default unless
 * `buildArgs` overrides them, as `docker build --build-arg` does.
 */
export function parseFrom(text: string, buildArgs: Record<string, string> = {}): FromLine[] {
  const vars: Record<string, string | undefined> = {}
  const froms: FromLine[] = []
  for (const ins of instructions(text)) {
    if (ins.keyword === 'ARG' && froms.length === 0) {
      for (const decl of ins.rest.split(/\s+/)) {
        const eq = decl.indexOf('=')
        const name = eq < 0 ? decl : decl.slice(0, eq)
        const dflt = eq < 0 ? undefined : decl.slice(eq + 1).replace(/^(["'])(.*)\1$/, '$2')
        vars[name] = name in buildArgs ? buildArgs[name] : dflt === undefined ? undefined : substitute(dflt, vars)
      }
    } else if (ins.keyword === 'FROM') {
      const words = ins.rest.split(/\s+/).filter((w) => !w.startsWith('--'))
      const ref = substitute(words[0] ?? '', vars)
      const stage = words.length >= 3 && words[1].toUpperCase() === 'AS' ? words[2] : undefined
      froms.push({ ref, stage, line: ins.line })
    }
  }
  return froms
}

/** The FROM refs that name images outside this Dockerfile (not `scratch`, not an earlier stage). */
export function externalRefs(froms: FromLine[]): FromLine[] {
  const stages = new Set<string>()
  const out: FromLine[] = []
  for (const f of froms) {
    if (f.ref !== 'scratch' && !stages.has(f.ref.toLowerCase())) out.push(f)
    if (f.stage) stages.add(f.stage.toLowerCase())
  }
  return out
}

/** Every ARG name the Dockerfile declares (any stage): build args outside this set are not sent. */
export function declaredArgs(text: string): Set<string> {
  const names = new Set<string>()
  for (const ins of instructions(text)) {
    if (ins.keyword !== 'ARG') continue
    for (const decl of ins.rest.split(/\s+/)) if (decl) names.add(decl.split('=')[0])
  }
  return names
}
