import { createHash, randomBytes } from 'node:crypto'
import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A file server on 127.0.0.1 that can misbehave the ways real mirrors do. */
export interface FixtureServer {
  url: (path: string) => string
  port: number
  /** Every request: path and headers, in order. */
  requests: { path: string; headers: IncomingHttpHeaders }[]
  files: Map<string, { data: Buffer; etag?: string }>
  /** How the next requests are answered; consumed in order, `normal` when empty. */
  behaviours: Behaviour[]
  /** `ignore-range`: always answer 200 with the whole file, as some servers do. */
  rangeSupport: 'honour' | 'ignore-range'
  /** Path → redirect target. */
  redirects: Map<string, string>
  close: () => Promise<void>
}

/** `drop`: send this many bytes then cut the connection; `stall`: send them then go silent. */
export type Behaviour = { kind: 'normal' } | { kind: 'drop'; after: number } | { kind: 'stall'; after: number }

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

export function fakeIso(size = 300_000): Buffer {
  return randomBytes(size)
}

export async function startServer(): Promise<FixtureServer> {
  const stalled: ServerResponse[] = []
  const state = {
    requests: [] as FixtureServer['requests'],
    files: new Map<string, { data: Buffer; etag?: string }>(),
    behaviours: [] as Behaviour[],
    rangeSupport: 'honour' as FixtureServer['rangeSupport'],
    redirects: new Map<string, string>(),
  }
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    state.requests.push({ path, headers: req.headers })
    const target = state.redirects.get(path)
    if (target !== undefined) {
      res.writeHead(302, { location: target }).end()
      return
    }
    const file = state.files.get(path)
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    const { data, etag } = file
    const common: Record<string, string> = { 'accept-ranges': 'bytes', ...(etag ? { etag } : {}) }
    let start = 0
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
    const ifRange = req.headers['if-range']
    const rangeValid = range && state.rangeSupport === 'honour' && (ifRange === undefined || ifRange === etag)
    if (rangeValid) {
      start = Number(range[1])
      if (start >= data.length) {
        res.writeHead(416, { ...common, 'content-range': `bytes */${data.length}` }).end()
        return
      }
      res.writeHead(206, {
        ...common,
        'content-length': String(data.length - start),
        'content-range': `bytes ${start}-${data.length - 1}/${data.length}`,
      })
    } else {
      res.writeHead(200, { ...common, 'content-length': String(data.length) })
    }
    const body = data.subarray(start)
    const behaviour = state.behaviours.shift() ?? { kind: 'normal' }
    if (behaviour.kind === 'normal') {
      res.end(body)
      return
    }
    res.write(body.subarray(0, behaviour.after), () => {
      if (behaviour.kind === 'drop') setTimeout(() => res.socket?.destroy(), 20)
      else stalled.push(res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return Object.assign(state, {
    port,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    close: async () => {
      for (const res of stalled) res.socket?.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  })
}
