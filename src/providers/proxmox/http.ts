/**
 * How an API call travels. Plain TLS (a certificate the system trusts) and the simulator's http go through
 * Node's fetch. A pinned fingerprint or a CA file needs control of the TLS handshake, which Node's fetch only
 * gives through an undici dispatcher (`fetch(url, {dispatcher: new Agent({connect: {ca}})})`) and so a
 * dependency on the undici package; node:https's Agent gives the same with what Node ships: a `ca` option,
 * and a createConnection that hands the socket over only once the server's certificate matches the pin.
 */
import { createReadStream, openAsBlob, readFileSync, statSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https'
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls'
import type { Duplex } from 'node:stream'
import { LabError } from '../../util/errors.js'
import type { CliRunner } from '../cli-runner.js'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'
export type Params = Record<string, string | number | undefined>

export interface HttpCall {
  method: HttpMethod
  /** Below /api2/json, e.g. /nodes/pve1/qemu/100/clone. */
  path: string
  params: Params
  /** A file sent as the multipart field `filename` (storage uploads), under the name the storage gives it. */
  upload?: { file: string; name: string }
}

export interface HttpAnswer {
  status: number
  statusText: string
  body: string
}

export type Transport = (call: HttpCall) => Promise<HttpAnswer>

export interface TlsSettings {
  fingerprint?: string
  caFile?: string
}

function defined(params: Params): Array<[string, string]> {
  return Object.entries(params)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => [k, String(v)])
}

async function encode(call: HttpCall): Promise<{ url: string; body?: FormData | URLSearchParams }> {
  const pairs = defined(call.params)
  if (call.method === 'GET' || call.method === 'DELETE') {
    const q = new URLSearchParams(pairs).toString()
    return { url: q ? `${call.path}?${q}` : call.path }
  }
  if (call.upload !== undefined) {
    const form = new FormData()
    for (const [k, v] of pairs) form.append(k, v)
    form.append('filename', await openAsBlob(call.upload.file), call.upload.name)
    return { url: call.path, body: form }
  }
  return { url: call.path, body: new URLSearchParams(pairs) }
}

/** Normalises "aa:bb…" and "AABB…" alike. */
export function normaliseFingerprint(f: string): string {
  return f.replace(/[^0-9a-f]/gi, '').toUpperCase()
}

/** A transport to `baseUrl` (https://host:8006) sending `authorization` with every call. */
export function httpTransport(baseUrl: string, authorization: string, tls: TlsSettings = {}): Transport {
  const root = `${baseUrl.replace(/\/+$/, '')}/api2/json`
  if (tls.fingerprint === undefined && tls.caFile === undefined) {
    return async (call) => {
      const { url, body } = await encode(call)
      const res = await fetch(root + url, { method: call.method, headers: { authorization }, ...(body === undefined ? {} : { body }) }).catch((e: unknown) => {
        throw unreachable(baseUrl, e)
      })
      return { status: res.status, statusText: res.statusText, body: await res.text() }
    }
  }
  const agent = pinnedAgent(tls)
  return async (call) => {
    if (call.upload !== undefined) return sendStreamed(root, call, authorization, agent, baseUrl)
    const { url, body } = await encode(call)
    // Response serialises a FormData or URLSearchParams with its content type (and multipart boundary).
    const encoded = body === undefined ? undefined : new Response(body)
    const headers: Record<string, string> = { authorization }
    const type = encoded?.headers.get('content-type')
    if (type) headers['content-type'] = type
    const payload = encoded ? Buffer.from(await encoded.arrayBuffer()) : undefined
    if (payload) headers['content-length'] = String(payload.length)
    return new Promise<HttpAnswer>((resolve, reject) => {
      const req = httpsRequest(root + url, { method: call.method, headers, agent }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      })
      req.on('error', (e) => reject(e instanceof LabError ? e : unreachable(baseUrl, e)))
      req.end(payload)
    })
  }
}

/**
 * A storage upload as multipart/form-data read from the file as it is sent: an install ISO is gigabytes, so
 * its bytes are never all in memory, and the length is known beforehand (PVE's upload wants Content-Length).
 */
export function multipartBody(params: Params, upload: { file: string; name: string }): { type: string; length: number; stream: () => Readable } {
  const boundary = `----vmlab${randomBytes(12).toString('hex')}`
  const fields = defined(params).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
  // The name is the storage's file name: quotes and line breaks in it would break the part header.
  const safe = upload.name.replace(/["\r\n\\]/g, '_')
  const head = Buffer.from(`${fields.join('')}--${boundary}\r\nContent-Disposition: form-data; name="filename"; filename="${safe}"\r\nContent-Type: application/octet-stream\r\n\r\n`)
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  const length = head.length + statSync(upload.file).size + tail.length
  async function* parts() {
    yield head
    yield* createReadStream(upload.file, { highWaterMark: 64 * 1024 })
    yield tail
  }
  return { type: `multipart/form-data; boundary=${boundary}`, length, stream: () => Readable.from(parts(), { objectMode: false }) }
}

function sendStreamed(root: string, call: HttpCall, authorization: string, agent: HttpsAgent, baseUrl: string): Promise<HttpAnswer> {
  const body = multipartBody(call.params, call.upload!)
  const headers = { authorization, 'content-type': body.type, 'content-length': String(body.length) }
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = httpsRequest(root + call.path, { method: call.method, headers, agent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', (e) => reject(e instanceof LabError ? e : unreachable(baseUrl, e)))
    const stream = body.stream()
    stream.on('error', (e) => req.destroy(e))
    stream.pipe(req)
  })
}

function pinnedAgent(tls: TlsSettings): HttpsAgent {
  if (tls.fingerprint === undefined) return new HttpsAgent({ ca: readFileSync(tls.caFile!), keepAlive: true })
  const pin = normaliseFingerprint(tls.fingerprint)
  const agent = new HttpsAgent({ keepAlive: true })
  // PVE's own certificates are self-signed: the chain is not checked, the certificate itself is, before a
  // single byte (the token above all) goes over the socket.
  ;(agent as unknown as { createConnection: unknown }).createConnection = (options: ConnectionOptions, done: (err: Error | null, s?: Duplex) => void) => {
    const socket: TLSSocket = tlsConnect({ ...options, rejectUnauthorized: false })
    socket.once('secureConnect', () => {
      const got = normaliseFingerprint(socket.getPeerCertificate().fingerprint256 ?? '')
      if (got === pin) return done(null, socket)
      socket.destroy()
      done(
        new LabError(`proxmox: the server's certificate fingerprint ${got.replace(/(..)(?!$)/g, '$1:')} is not the pinned one`, {
          hint: 'compare with `pvenode cert info` on the node; if the certificate was renewed, put the new sha256 fingerprint into proxmox.fingerprint',
        }),
      )
    })
    socket.once('error', (e) => done(e))
    return undefined
  }
  return agent
}

function unreachable(baseUrl: string, e: unknown): LabError {
  const cause = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e)
  return new LabError(`proxmox: cannot reach ${baseUrl}: ${cause}`, {
    hint: 'check proxmox.url (https://HOST:8006) and that this machine reaches port 8006; a self-signed certificate needs proxmox.fingerprint or proxmox.caFile',
    cause: e,
  })
}

/**
 * `lab plan --commands`: every call goes to the recording runner as one line (`https METHOD PATH k=v…`), and
 * the fresh cluster's answer (stdout, JSON of `data`) comes back. No header is recorded: the token stays out.
 */
export function recordingTransport(runner: CliRunner): Transport {
  return async (call) => {
    const args = [call.method, call.path, ...defined(call.params).map(([k, v]) => `${k}=${v}`), ...(call.upload ? [`filename=@${call.upload.file}`, `as=${call.upload.name}`] : [])]
    const r = await runner.run('https', args)
    return { status: r.exitCode === 0 ? 200 : 500, statusText: r.exitCode === 0 ? 'OK' : r.stderr, body: JSON.stringify({ data: r.stdout === '' ? null : JSON.parse(r.stdout) }) }
  }
}
