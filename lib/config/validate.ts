import type { SchemaNode } from './schema.js'

export interface ConfigProblem {
  /** Dotted key path: `pip.findLinks[0]`. */
  key: string
  message: string
  fix: string
}

function typeOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  return typeof v
}

function typeMatches(v: unknown, want: string): boolean {
  const got = typeOf(v)
  return got === want || (want === 'number' && got === 'integer')
}

function show(v: unknown): string {
  return JSON.stringify(v)
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  return path ? `${path}.${key}` : key
}

/** Edit distance, for "did you mean" on unknown keys. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1))
      prev = cur
    }
  }
  return row[b.length]
}

function suggest(key: string, known: string[]): string | undefined {
  const best = known.map((k) => [k, distance(key, k)] as const).sort((x, y) => x[1] - y[1])[0]
  return best && best[1] <= Math.max(2, Math.floor(key.length / 3)) ? best[0] : undefined
}

/**
 * Check `value` against `schema` and return it with defaults filled in. Pure: folder existence is
 * reported through `folderExists` so tests need no file system. Problems are collected in
 * `problems` (shared by the recursion into items and keys, so they come out in document order).
 */
export function validate(
  value: unknown,
  schema: SchemaNode,
  folderExists: (p: string) => boolean = () => true,
  path = '',
  problems: ConfigProblem[] = [],
): { value: unknown; problems: ConfigProblem[] } {
  const label = path || 'the configuration'
  // A value of the wrong type or outside the enum says nothing more: its contents are not checked.
  const refused = typeProblem(value, schema, label) ?? enumProblem(value, schema, label)
  if (refused) {
    problems.push(refused)
    return { value, problems }
  }
  problems.push(...stringProblems(value, schema, label, folderExists), ...numberProblems(value, schema, label))
  if (Array.isArray(value) && schema.items) {
    const items = schema.items
    return { value: value.map((v, i) => validate(v, items, folderExists, join(path, i), problems).value), problems }
  }
  if (typeOf(value) === 'object') return { value: validateObject(value as Record<string, unknown>, schema, folderExists, path, problems), problems }
  return { value, problems }
}

function typeProblem(value: unknown, schema: SchemaNode, label: string): ConfigProblem | undefined {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type]
  if (!types.length || types.some((t) => typeMatches(value, t))) return undefined
  const want = types.map((t) => (t === 'null' ? 'null' : `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}`)).join(' or ')
  return {
    key: label,
    message: `"${label}" must be ${want}, got ${typeOf(value)} ${show(value)}`,
    fix: `set "${label}" to ${want}${schema.description ? ` (${schema.description})` : ''}`,
  }
}

function enumProblem(value: unknown, schema: SchemaNode, label: string): ConfigProblem | undefined {
  if (!schema.enum || schema.enum.includes(value)) return undefined
  return {
    key: label,
    message: `"${label}" is ${show(value)}, not one of ${schema.enum.map(show).join(', ')}`,
    fix: `set "${label}" to one of ${schema.enum.map(show).join(', ')}`,
  }
}

/** A string that misses its pattern, or (x-folder) names a folder that is not there: the pattern first, the folder only when it matches. */
function stringProblems(value: unknown, schema: SchemaNode, label: string, folderExists: (p: string) => boolean): ConfigProblem[] {
  if (typeof value !== 'string') return []
  if (schema.pattern && !new RegExp(schema.pattern).test(value)) {
    return [
      {
        key: label,
        message: `"${label}" is ${show(value)}, which is not a valid value`,
        fix: schema['x-fix']
          ? `${schema['x-fix']} for "${label}"`
          : `use lower-case letters, digits and single separators (. _ -) for "${label}"${schema.description ? `: ${schema.description}` : ''}`,
      },
    ]
  }
  if (schema['x-folder'] && !folderExists(value)) {
    return [
      {
        key: label,
        message: `"${label}" names folder ${show(value)}, which does not exist`,
        fix: `create the folder or point "${label}" at an existing one (paths are relative to the project root, where the config file is)`,
      },
    ]
  }
  return []
}

function numberProblems(value: unknown, schema: SchemaNode, label: string): ConfigProblem[] {
  if (typeof value !== 'number') return []
  const found: ConfigProblem[] = []
  if (schema.minimum !== undefined && value < schema.minimum) {
    found.push({ key: label, message: `"${label}" is ${value}, below the minimum ${schema.minimum}`, fix: `use a value from ${schema.minimum} to ${schema.maximum ?? '∞'}` })
  }
  if (schema.maximum !== undefined && value > schema.maximum) {
    found.push({ key: label, message: `"${label}" is ${value}, above the maximum ${schema.maximum}`, fix: `use a value from ${schema.minimum ?? '-∞'} to ${schema.maximum}` })
  }
  return found
}

/** An object's keys validated (unknown ones refused unless additionalProperties allows them), then the missing keys' defaults. */
function validateObject(obj: Record<string, unknown>, schema: SchemaNode, folderExists: (p: string) => boolean, path: string, problems: ConfigProblem[]): Record<string, unknown> {
  const props = schema.properties ?? {}
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(obj)) {
    const sub = props[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined)
    if (sub) out[k] = validate(v, sub, folderExists, join(path, k), problems).value
    else if (schema.additionalProperties === false) problems.push(unknownKey(k, Object.keys(props), path))
    else out[k] = v
  }
  for (const [k, sub] of Object.entries(props)) {
    if (k in out || sub.default === undefined) continue
    // Nested objects get their own children's defaults.
    out[k] = validate(structuredClone(sub.default), sub, () => true, join(path, k), []).value
  }
  return out
}

/** A key the schema does not know: the nearest known key as "did you mean", or the list of known keys. */
function unknownKey(key: string, props: string[], path: string): ConfigProblem {
  const known = props.filter((p) => p !== '$schema')
  const guess = suggest(key, known)
  return {
    key: join(path, key),
    message: `unknown key "${join(path, key)}"`,
    fix: guess ? `did you mean "${join(path, guess)}"?` : `remove it; known keys${path ? ` of "${path}"` : ''}: ${known.join(', ')}`,
  }
}
