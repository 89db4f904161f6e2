/**
 * A server command (a Procfile `web:` line) with the app it names replaced by the tool's wrapper
 * (docker/release/pypackage_serve.py), which loads that app and serves a Django app's static
 * files in front of it: the user's server and options stay, only the `module:callable` changes.
 */
export interface WrappedCommand {
  /** The command with the wrapper in place of the app: `gunicorn pypackage_serve:wsgi --log-file -`. */
  command: string
  /** The app the wrapper loads: `mysite.wsgi:application`. */
  callable: string
  interface: 'wsgi' | 'asgi'
}

/** Servers whose app argument can be swapped, and the interface they speak by default. */
const SERVERS: Record<string, 'wsgi' | 'asgi'> = { gunicorn: 'wsgi', uvicorn: 'asgi' }
/** Options that make the app argument mean something else (a paste config, a factory to call). */
const REFUSE = /^--(?:paste|factory)\b/
const APP = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?::[A-Za-z_][\w.]*)?$/

/**
 * Wrap the app `command` serves, when it is gunicorn or uvicorn (also `exec …`, `python -m …`,
 * `VAR=value …`) and exactly one of its words is a `module[:callable]` whose module is in the
 * source (`isModule`). Undefined otherwise: the command is then run as it is. Pure.
 */
export function wrapServerCommand(command: string, isModule: (mod: string) => boolean): WrappedCommand | undefined {
  const words = [...command.matchAll(/\S+/g)].map((m) => ({ text: m[0], at: m.index! }))
  let i = 0
  while (i < words.length && (words[i].text === 'exec' || /^\w+=/.test(words[i].text))) i++
  if (/^python[\d.]*$/.test(words[i]?.text ?? '') && words[i + 1]?.text === '-m') i += 2
  const server = words[i]?.text
  if (!server || !(server in SERVERS)) return undefined
  const rest = words.slice(i + 1)
  if (rest.some((w) => REFUSE.test(w.text) || /[;&|<>`]/.test(w.text))) return undefined
  const apps = rest.filter((w) => APP.test(w.text) && isModule(w.text.split(':')[0]))
  if (apps.length !== 1) return undefined
  const [app] = apps
  if (server === 'uvicorn' && !app.text.includes(':')) return undefined
  const texts = rest.map((w) => w.text)
  const iface =
    server === 'uvicorn'
      ? texts.some((t, j) => t === '--interface=wsgi' || (t === '--interface' && texts[j + 1] === 'wsgi'))
        ? 'wsgi'
        : 'asgi'
      : texts.some((t) => /uvicorn\.workers\./.test(t))
        ? 'asgi'
        : 'wsgi'
  return {
    command: `${command.slice(0, app.at)}pypackage_serve:${iface}${command.slice(app.at + app.text.length)}`,
    callable: app.text.includes(':') ? app.text : `${app.text}:application`,
    interface: iface,
  }
}
