import type { Pack } from 'tar-stream'

/**
 * tar-stream's `pack.entry`, each entry given an error listener. Every entry is a stream of its
 * own: when the reader of the pack goes away — the engine closing a build's request once it has
 * what it needs, a command exiting before it read its stdin (EPIPE) — the pack is destroyed and
 * its pending entries with it, with that error. Whoever reads the pack hears of the failure; an
 * entry nobody listens to would end the process.
 */
export function entryAdder(pack: Pack): (header: Parameters<Pack['entry']>[0], body?: Buffer) => void {
  return (header, body) => void (body ? pack.entry(header, body) : pack.entry(header)).on('error', () => undefined)
}
