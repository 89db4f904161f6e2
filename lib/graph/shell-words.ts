/**
 * Shell-word processing as the Dockerfile frontend does it (BuildKit's shell lexer, which the
 * engine applies to FROM, ARG values and heredoc words): single quotes keep their text, double
 * quotes expand `$` and let the escape token escape `"`, `$` and itself, the escape token
 * outside quotes escapes any character, and `$VAR` / `${VAR}` expand with the modifiers
 * `-` `+` `?` (with `:`, an empty value counts as unset), `#` `##` `%` `%%` and `/` `//`. Pure.
 */

/** Variables in scope; `undefined` is declared without a value, which expands as unset. */
export type Vars = Record<string, string | undefined>

export interface LexOptions {
  /** `\` (the default) or the backtick of a `# escape=` directive. */
  escape?: string
  /** Keep the quote characters in the result (they still group words). */
  rawQuotes?: boolean
  /** Keep the escape tokens in the result. */
  rawEscapes?: boolean
  /** Leave a reference to an unset variable as written instead of expanding it to nothing. */
  skipUnset?: boolean
}

/** Text the lexer cannot read: a quote or `${` left open, a bad substitution, `${X?message}`. */
export class ShellSyntaxError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ShellSyntaxError'
  }
}

/** `word` with quotes removed and variables expanded. */
export function processWord(word: string, vars: Vars, opts: LexOptions = {}): string {
  return new Lexer(word, vars, opts).run().result
}

/** `word` expanded, then split on the whitespace that is neither quoted nor escaped. */
export function processWords(word: string, vars: Vars, opts: LexOptions = {}): string[] {
  return new Lexer(word, vars, opts).run().words
}

const isSpace = (c: string) => /\s/u.test(c)
const isDigit = (c: string) => /\p{Nd}/u.test(c)
const isNameChar = (c: string) => /[\p{L}\p{Nd}_]/u.test(c)
// POSIX special parameters ($@, $*, $#, …): names of one character, never set here.
const SPECIAL = new Set(['@', '*', '#', '?', '-', '$', '!', '0'])

/** Word splitting as expansion goes: quoted text and escaped characters never split. */
class Words {
  word = ''
  words: string[] = []
  inWord = false
  addChar(c: string) {
    if (isSpace(c)) {
      if (this.inWord && this.word) {
        this.words.push(this.word)
        this.word = ''
        this.inWord = false
      }
    } else this.addRaw(c)
  }
  addRaw(s: string) {
    this.word += s
    this.inWord = true
  }
  done(): string[] {
    if (this.word) this.words.push(this.word)
    this.word = ''
    return this.words
  }
}

class Lexer {
  private chars: string[]
  private pos = 0
  private rawEscapes: boolean
  private readonly esc: string

  constructor(
    text: string,
    private vars: Vars,
    private opts: LexOptions,
  ) {
    this.chars = Array.from(text)
    this.rawEscapes = opts.rawEscapes ?? false
    this.esc = opts.escape ?? '\\'
  }

  private peek(): string | undefined {
    return this.chars[this.pos]
  }
  private next(): string | undefined {
    return this.chars[this.pos++]
  }

  run(): { result: string; words: string[] } {
    return this.until(undefined, this.rawEscapes)
  }

  /** Process up to `stop` (consumed) or the end; an unseen `stop` is an error. */
  private until(stop: string | undefined, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes
    this.rawEscapes = rawEscapes
    try {
      let result = ''
      const words = new Words()
      for (let c = this.peek(); c !== undefined; c = this.peek()) {
        if (stop !== undefined && c === stop) {
          this.next()
          return { result, words: words.done() }
        }
        if (c === '$' || c === "'" || c === '"') {
          const part = c === '$' ? this.dollar() : c === "'" ? this.singleQuoted() : this.doubleQuoted()
          result += part
          if (c === '$') for (const ch of part) words.addChar(ch)
          else words.addRaw(part)
          continue
        }
        let ch = this.next()!
        if (ch === this.esc) {
          if (this.rawEscapes) {
            words.addRaw(ch)
            result += ch
          }
          const escaped = this.next()
          if (escaped === undefined) break // an escape token at the very end is dropped
          ch = escaped
          words.addRaw(ch)
        } else words.addChar(ch)
        result += ch
      }
      if (stop !== undefined) throw new ShellSyntaxError(`unexpected end of statement while looking for matching ${stop}`)
      return { result, words: words.done() }
    } finally {
      this.rawEscapes = saved
    }
  }

  private singleQuoted(): string {
    let result = this.opts.rawQuotes ? this.next()! : (this.next(), '')
    for (;;) {
      const c = this.next()
      if (c === undefined) throw new ShellSyntaxError('unexpected end of statement while looking for matching single-quote')
      if (c === "'") return this.opts.rawQuotes ? result + c : result
      result += c
    }
  }

  private doubleQuoted(): string {
    let result = this.opts.rawQuotes ? this.next()! : (this.next(), '')
    for (;;) {
      const c = this.peek()
      if (c === undefined) throw new ShellSyntaxError('unexpected end of statement while looking for matching double-quote')
      if (c === '"') {
        this.next()
        return this.opts.rawQuotes ? result + c : result
      }
      if (c === '$') {
        result += this.dollar()
        continue
      }
      let ch = this.next()!
      if (ch === this.esc) {
        if (this.rawEscapes) result += ch
        const after = this.peek()
        if (after === undefined) continue // reported as the missing quote
        // Only these can be escaped inside double quotes; before anything else the token stays.
        if (after === '"' || after === '$' || after === this.esc) ch = this.next()!
      }
      result += ch
    }
  }

  private name(): string {
    let name = ''
    for (let c = this.peek(); c !== undefined; c = this.peek()) {
      if (!name && isDigit(c)) {
        while (this.peek() !== undefined && isDigit(this.peek()!)) name += this.next()
        return name
      }
      if (!name && SPECIAL.has(c)) return this.next()!
      if (!isNameChar(c)) break
      name += this.next()
    }
    return name
  }

  private lookup(name: string): { value: string; set: boolean } {
    const v = Object.hasOwn(this.vars, name) ? this.vars[name] : undefined
    return v === undefined ? { value: '', set: false } : { value: v, set: true }
  }

  private dollar(): string {
    this.next() // $
    if (this.peek() !== '{') {
      const name = this.name()
      if (!name) return '$'
      const { value, set } = this.lookup(name)
      return !set && this.opts.skipUnset ? `$${name}` : value
    }
    this.next() // {
    const first = this.peek()
    if (first === undefined) throw new ShellSyntaxError("syntax error: missing '}'")
    if (first === '{' || first === '}' || first === ':') throw new ShellSyntaxError('syntax error: bad substitution')
    const name = this.name()
    let op = this.next()
    if (op === undefined) throw new ShellSyntaxError("syntax error: missing '}'")
    const { value, set } = this.lookup(name)
    if (op === '}') return !set && this.opts.skipUnset ? `\${${name}}` : value
    if (op === '/') return this.replace(name, value, set)
    let modifier = op
    const nullIsUnset = op === ':'
    if (nullIsUnset) {
      op = this.next()
      modifier += op ?? ''
    }
    if (op === undefined || !'+-?#%'.includes(op)) throw new ShellSyntaxError(`unsupported modifier (${modifier}) in substitution`)
    let word = this.closing(op === '#' || op === '%')
    if (this.opts.skipUnset && !set) return `\${${name}${modifier}${word}}`
    const unset = !set || (nullIsUnset && value === '')
    switch (op) {
      case '-':
        return unset ? word : value
      case '+':
        return unset ? '' : word
      case '?':
        if (unset) throw new ShellSyntaxError(`${name}: ${word || (set ? 'is not allowed to be empty' : 'is not allowed to be unset')}`)
        return value
      default: {
        // # and % take the shortest match, ## and %% the longest.
        const greedy = word.startsWith(op)
        if (greedy) word = word.slice(1)
        return op === '#' ? trimPrefix(word, value, greedy) : reverse(trimPrefix(reversePattern(word), reverse(value), greedy))
      }
    }
  }

  /** The word up to the `}` of a `${…}`; an unclosed one is an error. */
  private closing(rawEscapes: boolean, stop = '}'): string {
    try {
      return this.until(stop, rawEscapes).result
    } catch (e) {
      if (e instanceof ShellSyntaxError && this.peek() === undefined) throw new ShellSyntaxError(`syntax error: missing '${stop}'${stop === '/' ? ' in ${}' : ''}`)
      throw e
    }
  }

  private replace(name: string, value: string, set: boolean): string {
    const all = this.peek() === '/'
    if (all) this.next()
    const pattern = this.closing(true, '/')
    const replacement = this.closing(true)
    if (this.opts.skipUnset && !set) return `\${${name}/${all ? '/' : ''}${pattern}/${replacement}}`
    const re = patternToRegex(pattern, true, false, all)
    return value.replace(re, () => replacement)
  }
}

/** A `${x#pattern}` pattern as a regular expression: `*` any run, `?` one character. */
function patternToRegex(pattern: string, greedy: boolean, anchored: boolean, global = false): RegExp {
  const chars = Array.from(pattern)
  let out = anchored ? '^' : ''
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]
    if (c === '*') out += greedy ? '[\\s\\S]*' : '[\\s\\S]*?'
    else if (c === '?') out += '[\\s\\S]'
    else if (c === '\\') {
      // \} and \/ inside ${} escape the delimiter, not the pattern.
      if (chars[i + 1] === '}' || chars[i + 1] === '/') continue
      const n = chars[++i]
      if (n !== '*' && n !== '?' && n !== '\\') throw new ShellSyntaxError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${n ?? ''}'`)
      out += `\\${n}`
    } else out += c.replace(/[[\]{}.+()|^$/]/g, '\\$&')
  }
  return new RegExp(out, global ? 'gu' : 'u')
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = patternToRegex(pattern, greedy, true).exec(value)
  return m ? value.slice(m[0].length) : value
}

const reverse = (s: string) => Array.from(s).reverse().join('')

/** A pattern reversed for a suffix match, keeping each `\x` escape in front of its character. */
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern)
  const out: string[] = []
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '\\' && i !== chars.length - 1) {
      out.unshift(chars[i], chars[i + 1])
      i++
    } else out.unshift(chars[i])
  }
  return out.join('')
}

/** One word for sh, whatever it holds: single-quoted, each ' written as '\''. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
