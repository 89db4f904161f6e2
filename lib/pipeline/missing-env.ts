// An app that reads a variable of its environment at import (SECRET_KEY, DATABASE_URL) and finds
// none: recognised in its output, so smoke, run, start and test say which variable and where to set
// it, instead of "the app exited" and a traceback.

const NAME = String.raw`[A-Za-z_][A-Za-z0-9_]*`

/**
 * What libraries print for a variable that is not set, the variable in the first group. A bare
 * `KeyError: 'X'` is not among them: any dict raises it; it counts only beside an os.environ frame.
 */
const SAYINGS: RegExp[] = [
  // django-environ: ImproperlyConfigured: Set the SECRET_KEY environment variable
  new RegExp(String.raw`ImproperlyConfigured: Set the (${NAME}) environment variable`),
  // environs: environs.EnvError: Environment variable "SECRET_KEY" not set
  new RegExp(String.raw`EnvError: Environment variable "(${NAME})" not set`),
  // python-decouple: decouple.UndefinedValueError: SECRET_KEY not found. Declare it as envvar or define a default value.
  new RegExp(String.raw`UndefinedValueError: (${NAME}) not found\. Declare it as envvar`),
  // Django, when the settings read SECRET_KEY with os.environ.get / getenv and got nothing.
  new RegExp(String.raw`ImproperlyConfigured: The (SECRET_KEY) setting must not be empty`),
]

/** `KeyError: 'X'` as Python prints it, or as pytest does (`E   KeyError: 'X'`). */
const KEY_ERROR = new RegExp(String.raw`^(?:E\s+)?\s*KeyError: '(${NAME})'\s*$`)
/** The frame of os.environ's __getitem__ (`<frozen os>` since 3.11, os.py before), as Python and pytest print it. */
const ENVIRON_FRAME = /(File "(<frozen os>|[^"]*\/os\.py)", line \d+, in __getitem__|^\s*(<frozen os>|\S*\/os\.py):\d+: in __getitem__)/
const environIndex = (name: string) => new RegExp(String.raw`environ\s*\[\s*(['"])${name}\1\s*\]`)

/** A line worth keeping from a long output: it may say which variable is missing. Pure. */
export function isEnvSign(line: string): boolean {
  return KEY_ERROR.test(line) || ENVIRON_FRAME.test(line) || /environ\s*\[/.test(line) || SAYINGS.some((re) => re.test(line))
}

/** The environment variable the app's output says it lacks; undefined when it says nothing of the kind. Pure. */
export function missingEnv(lines: string[]): string | undefined {
  for (const [i, line] of lines.entries()) {
    for (const re of SAYINGS) {
      const m = line.match(re)
      if (m) return m[1]
    }
    const key = line.match(KEY_ERROR)?.[1]
    // The frames just above the KeyError: os.environ's own, or the line of the app that indexed it.
    if (key && lines.slice(Math.max(0, i - 4), i).some((l) => ENVIRON_FRAME.test(l) || environIndex(key).test(l))) return key
  }
  return undefined
}

/** The app's lines that read `name` from os.environ (`SECRET = os.environ["SECRET"]`), once each: where to look, without the traceback. Pure. */
export function envReads(lines: string[], name: string): string[] {
  return [...new Set(lines.filter((l) => environIndex(name).test(l)).map((l) => l.trim()))]
}

/** The error's words for a missing variable: what the app does wrong (after "it" or "the app") and the key that sets it. */
export function missingEnvWords(name: string): { cause: string; hint: string } {
  return {
    cause: `reads the environment variable ${name}, which is not set`,
    hint: `set it in .pypackagerc.json: "release": { "env": { "${name}": "…" } } (smoke, run, start, test and the build-time steps get it; give a placeholder there and the real value at deploy time)`,
  }
}
