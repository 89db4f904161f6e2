/**
 * What a Dockerfile's instructions and FROM lines say, read with the grammar of the engine's
 * Dockerfile frontend (BuildKit's parser): parser directives (`# escape=`), comments, line
 * continuations, heredocs, and shell words for ARG and FROM. Pure: text in, instructions out.
 */
import { processWord, processWords, ShellSyntaxError, type Vars } from './shell-words.js'

export interface FromLine {
  /** The image reference after substituting ARGs, as the engine will see it. */
  ref: string
  /** `AS name`, if any. */
  stage?: string
  /** 1-based line number of the FROM instruction. */
  line: number
}

/** A here-document of RUN, COPY or ADD (`<<EOF`): its lines follow the instruction's line. */
interface Heredoc {
  /** The terminator word, quotes removed. */
  name: string
  /** The lines between the instruction and the terminator, each ending in a newline. */
  body: string
}

export interface Instruction {
  /** 1-based line number of the instruction's first line. */
  line: number
  /** The keyword, upper-cased. */
  keyword: string
  /** The rest of the instruction, continuation lines joined, flags included, trimmed. */
  rest: string
  /** Its heredocs, when it has any (then their bodies are not instructions). */
  heredocs?: Heredoc[]
}

/** A Dockerfile the engine would refuse too, at a 1-based line. */
export class DockerfileSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message)
    this.name = 'DockerfileSyntaxError'
  }
}

const DIRECTIVES = new Set(['syntax', 'escape', 'check'])
const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD'])

/** A line's end, however the file ends its lines. */
const trimNewline = (s: string) => s.replace(/[\r\n]+$/, '')
const isComment = (s: string) => s.trimStart().startsWith('#')

/** The whole Dockerfile: its escape token (`\`, or what `# escape=` chose) and its instructions. */
function parseDockerfile(text: string): { escape: string; instructions: Instruction[] } {
  const lines = text.replace(/^\uFEFF/, '').split('\n')
  let escape = '\\'
  let continuation = continuationRegex(escape)
  const seen = new Set<string>()
  let directives = true // parser directives only before the first comment, blank line or instruction
  const out: Instruction[] = []
  let i = 0
  while (i < lines.length) {
    const first = trimNewline(lines[i++]).trimStart()
    const start = i
    if (directives) {
      const directive = readDirective(first, seen, start)
      directives = directive !== undefined
      if (directive?.key === 'escape') {
        escape = directive.value
        continuation = continuationRegex(escape)
      }
    }
    let [joined, ended] = cutContinuation(isComment(first) ? '' : first, continuation)
    if (ended && joined === '') continue
    while (!ended && i < lines.length) {
      const next = trimNewline(lines[i++])
      // Comment lines and empty lines inside a continuation are skipped; they do not end it.
      if (isComment(next) || next.trim() === '') continue
      let part: string
      ;[part, ended] = cutContinuation(next, continuation)
      joined += part
    }
    const m = joined.trim().match(/^(\S+)(?:[\t\v\f\r ]+([\s\S]*))?$/)
    if (!m) continue
    const ins: Instruction = { line: start, keyword: m[1].toUpperCase(), rest: (m[2] ?? '').trim() }
    if (joined.includes('<<') && mayHaveHeredocs(ins.keyword, ins.rest, escape)) {
      // Their bodies are the lines that follow: the next instruction starts after them.
      const { heredocs, next } = readHeredocs(lines, i, joined, start)
      i = next
      if (heredocs.length) ins.heredocs = heredocs
    }
    out.push(ins)
  }
  return { escape, instructions: out }
}

/**
 * The parser directive (`# escape=…`, `# syntax=…`, `# check=…`) on a line, or undefined when
 * the line is none: then the directives have ended. A repeated directive and an escape token
 * other than `\` or `` ` `` are refused, as the engine refuses them; `seen` collects the keys.
 */
function readDirective(line: string, seen: Set<string>, at: number): { key: string; value: string } | undefined {
  const m = line.match(/^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/)
  const key = m?.[1].toLowerCase()
  if (!m || !key || !DIRECTIVES.has(key)) return undefined
  if (seen.has(key)) throw new DockerfileSyntaxError(`only one ${key} parser directive can be used`, at)
  seen.add(key)
  if (key === 'escape' && m[2] !== '\\' && m[2] !== '`') throw new DockerfileSyntaxError(`invalid escape token '${m[2]}' does not match \` or \\`, at)
  return { key, value: m[2] }
}

/**
 * The bodies of an instruction's heredocs, read from `lines[from]` on, one after the other, each
 * up to its terminator line (leading tabs stripped for `<<-`); `next` is the first line after
 * the last terminator. An instruction at line `at` whose terminator never comes is refused.
 */
function readHeredocs(lines: string[], from: number, joined: string, at: number): { heredocs: Heredoc[]; next: number } {
  const heredocs: Heredoc[] = []
  let i = from
  for (const doc of heredocWords(joined, at)) {
    let body = ''
    let terminated = false
    while (i < lines.length) {
      const line = lines[i++]
      const candidate = doc.chomp ? trimNewline(line).replace(/^\t+/, '') : trimNewline(line)
      if (candidate === doc.name) {
        terminated = true
        break
      }
      body += `${trimNewline(line)}\n`
    }
    if (!terminated) throw new DockerfileSyntaxError(`unterminated heredoc <<${doc.name}: no line "${doc.name}" ends it`, at)
    heredocs.push({ name: doc.name, body })
  }
  return { heredocs, next: i }
}

/** Logical instructions: continuation lines joined, comments and blanks dropped, heredoc bodies attached. */
export function instructions(text: string): Instruction[] {
  return parseDockerfile(text).instructions
}

/**
 * The escape token as the last character of a line, unless it is itself escaped (`\\`), or
 * alone on its line: BuildKit's own test, which keeps the character before the token.
 */
function continuationRegex(escape: string): RegExp {
  const e = escape === '\\' ? '\\\\' : escape
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`)
}

function cutContinuation(line: string, re: RegExp): [string, boolean] {
  return re.test(line) ? [line.replace(re, '$1'), false] : [line, true]
}

/** RUN, COPY and ADD take heredocs (also after ONBUILD); their JSON (exec) form does not. */
function mayHaveHeredocs(keyword: string, rest: string, escape: string): boolean {
  if (keyword === 'ONBUILD') {
    const sub = rest.match(/^(\S+)(?:[\t\v\f\r ]+([\s\S]*))?$/)
    return !!sub && sub[1].toUpperCase() !== 'ONBUILD' && mayHaveHeredocs(sub[1].toUpperCase(), (sub[2] ?? '').trim(), escape)
  }
  if (!HEREDOC_KEYWORDS.has(keyword)) return false
  const args = splitFlags(rest, escape).args.trimStart()
  if (!args.startsWith('[')) return true
  try {
    const parsed: unknown = JSON.parse(args)
    return !(Array.isArray(parsed) && parsed.every((a) => typeof a === 'string'))
  } catch {
    return true
  }
}

/**
 * The heredocs a line opens: every shell word of the form `[n]<<[-]WORD`, as BuildKit finds
 * them (quotes and escapes kept while splitting, so `"<<EOF"` is no heredoc).
 */
function heredocWords(line: string, lineNo: number): { name: string; chomp: boolean }[] {
  // Heredoc words are read with `\` whatever the escape directive, and never expanded.
  const lex = (text: string, raw: boolean) => processWords(text, {}, { escape: '\\', skipUnset: true, rawQuotes: raw, rawEscapes: raw })
  let words: string[]
  try {
    words = lex(line, true)
  } catch {
    return [] // a line the shell lexer cannot read opens no heredoc (BuildKit ignores the error too)
  }
  const docs: { name: string; chomp: boolean }[] = []
  for (const word of words) {
    const m = word.match(/^(\d*)<<(-?)\s*([^<]*)$/)
    if (!m || !m[3]) continue
    let name: string[]
    try {
      name = lex(m[3], false)
    } catch (e) {
      throw new DockerfileSyntaxError(`heredoc ${word}: ${(e as Error).message}`, lineNo)
    }
    if (name.length === 1) docs.push({ name: name[0], chomp: m[2] === '-' })
  }
  return docs
}

/**
 * Leading `--flag[=value]` words (quotes and escapes allowed), and the arguments after them:
 * BuildKit's extractBuilderFlags.
 */
function splitFlags(rest: string, escape = '\\'): { flags: string[]; args: string } {
  const flags: string[] = []
  let i = 0
  for (;;) {
    while (i < rest.length && /\s/.test(rest[i])) i++
    if (!rest.startsWith('--', i)) return { flags, args: rest.slice(i) }
    let word = ''
    let quote = ''
    for (; i < rest.length; i++) {
      const c = rest[i]
      if (!quote && /\s/.test(c)) break
      if (!quote && (c === '"' || c === "'")) quote = c
      else if (quote && c === quote) quote = ''
      else if (c === escape) {
        if (i + 1 < rest.length) word += rest[++i]
      } else word += c
    }
    if (word === '--') return { flags, args: rest.slice(i).trimStart() }
    flags.push(word)
  }
}

/**
 * An instruction's words as the frontend splits ARG (and LABEL, ENV) arguments: on whitespace
 * outside quotes, quotes and escapes kept for the later expansion (BuildKit's parseWords).
 */
function splitWords(rest: string, escape = '\\'): string[] {
  const words: string[] = []
  const chars = Array.from(rest)
  let word = ''
  let inWord = false
  let quote = ''
  let blankOk = false
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]
    if (!inWord) {
      if (/\s/u.test(c)) continue
      inWord = true
    }
    if (!quote) {
      if (/\s/u.test(c)) {
        if (blankOk || word) words.push(word)
        word = ''
        inWord = false
        blankOk = false
        continue
      }
      if (c === '"' || c === "'") {
        quote = c
        blankOk = true
      } else if (c === escape) {
        if (i + 1 === chars.length) continue // an escape token at the end is dropped
        word += c + chars[++i]
        continue
      }
      word += c
      continue
    }
    if (c === quote) quote = ''
    else if (c === escape && quote !== "'") {
      if (i + 1 === chars.length) continue
      word += c + chars[++i]
      continue
    }
    word += c
  }
  if (inWord && (blankOk || word)) words.push(word)
  return words
}

/** Substitute $VAR, ${VAR}, ${VAR:-default}, … and remove quotes, the way the Dockerfile frontend does. */
export function substitute(s: string, vars: Vars, escape = '\\'): string {
  return processWord(s, vars, { escape })
}

/** `processWord` with the instruction's line on a syntax error. */
function expand(word: string, vars: Vars, escape: string, line: number): string {
  try {
    return substitute(word, vars, escape)
  } catch (e) {
    if (e instanceof ShellSyntaxError) throw new DockerfileSyntaxError(`${word}: ${e.message}`, line)
    throw e
  }
}

/**
 * The FROM lines of a Dockerfile. ARGs declared before the first FROM take their default unless
 * `buildArgs` overrides them, as `docker build --build-arg` does.
 */
export function parseFrom(text: string, buildArgs: Record<string, string> = {}): FromLine[] {
  const { escape, instructions: all } = parseDockerfile(text)
  const vars: Vars = {}
  const froms: FromLine[] = []
  for (const ins of all) {
    if (ins.keyword === 'ARG' && froms.length === 0) {
      for (const decl of splitWords(ins.rest, escape)) {
        const eq = decl.indexOf('=')
        const name = eq < 0 ? decl : decl.slice(0, eq)
        // A build arg's value is taken as given; a default is a shell word, expanded with the ARGs before it.
        vars[name] = Object.hasOwn(buildArgs, name) ? buildArgs[name] : eq < 0 ? undefined : expand(decl.slice(eq + 1), vars, escape, ins.line)
      }
    } else if (ins.keyword === 'FROM') {
      const words = splitFlags(ins.rest, escape)
        .args.split(/[\t\v\f\r ]+/)
        .filter(Boolean)
      const ref = expand(words[0] ?? '', vars, escape, ins.line)
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
  const { escape, instructions: all } = parseDockerfile(text)
  const names = new Set<string>()
  for (const ins of all) {
    if (ins.keyword !== 'ARG') continue
    for (const decl of splitWords(ins.rest, escape)) if (decl) names.add(decl.split('=')[0])
  }
  return names
}
