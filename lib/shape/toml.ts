import { parse } from 'smol-toml'
import { UserError } from '../errors.js'

// TOML as the project's files hold it (pyproject.toml, Pipfile): smol-toml, with its errors
// said the way compilers say them.

export type Table = Record<string, unknown>

/** `v` when it is a table, else an empty one: a missing or malformed section reads as empty. */
export const table = (v: unknown): Table => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Table) : {})

/** `text` parsed; invalid TOML is one error at file:line:column, with `reader` (pip, pipenv) named in the hint. */
export function parseToml(text: string, file: string, reader: string): Table {
  try {
    return parse(text) as Table
  } catch (e) {
    // smol-toml's error knows where: file:line:column, as compilers say it.
    const at = e as { line?: number; column?: number; message: string }
    const where = at.line ? `${file}:${at.line}${at.column ? `:${at.column}` : ''}` : file
    throw new UserError(`${where} is not valid TOML: ${at.message.split('\n')[0].replace(/^Invalid TOML document: /, '')}`, { hint: `fix the file (${reader} cannot read it either)`, cause: e })
  }
}
