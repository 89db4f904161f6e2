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
export async function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string; type: string }> {
  // Our own (ref'd) timer, not AbortSignal.timeout: its timer is unref'd, and a request waiting
  // on a connection the port proxy accepted would then let the test process exit early.
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new Error(`no answer from ${url} within ${timeoutMs} ms`)), timeoutMs)
  try {
    const res = await fetch(url, { signal: controller.signal })
    return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' }
  } finally {
    clearTimeout(timer)
  }
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
