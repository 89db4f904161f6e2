import type { Event } from './events.js'
import { formatMs } from './events.js'

/** One formatter per event kind: line-by-line output for CI logs and pipes. */
const formatters: { [K in Event['type']]: (e: Extract<Event, { type: K }>, verbose: boolean) => string | undefined } = {
  'task:start': (e) => `▶ ${e.title}${e.why ? ` (${e.why})` : ''}`,
  plan: (e) => `${e.action === 'run' ? '▶ would build' : '↓ would skip '} ${e.title}: ${e.why}`,
  'task:skip': (e) => `↓ ${e.title} [skipped: ${e.reason}]`,
  'task:done': (e) => `✔ ${e.title}${e.summary ? `: ${e.summary}` : ''} (${formatMs(e.ms)})`,
  'task:fail': (e) => `✖ ${e.title} (${formatMs(e.ms)})`,
  'build:step': (e) => `  ${e.step}`,
  'build:output': (e) => `    ${e.line}`,
  info: (e) => e.message,
  pushed: (e) => `pushed ${e.ref}${e.digest ? ` ${e.digest}` : ''} (${(e.ms / 1000).toFixed(1)} s)`,
  output: (e) => e.line,
}

export function formatPlain(e: Event, verbose = false): string | undefined {
  return (formatters[e.type] as (e: Event, v: boolean) => string | undefined)(e, verbose)
}

/** An Emit that prints plain lines to `write`. */
export function plainRenderer(write: (line: string, stream: 'stdout' | 'stderr') => void, verbose = false): (e: Event) => void {
  return (e) => {
    const line = formatPlain(e, verbose)
    if (line !== undefined) write(line, e.type === 'output' ? e.stream : 'stdout')
  }
}
