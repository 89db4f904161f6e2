/** Poll `check` until it returns a value or the deadline passes: never a fixed sleep. */
export async function poll<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await check()
      if (v !== undefined) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** GET a URL on loopback: status and body. */
export async function httpGet(url: string): Promise<{ status: number; body: string; type: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) })
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' }
}

/** `promise`, or a rejection naming `what` when it takes longer than `ms`: a bound on every wait. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
