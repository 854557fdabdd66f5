import t, { type Test } from 'tap'
import { existsSync } from 'node:fs'
import { readFile, stat, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { hostname } from 'node:os'
import { download, DownloadBusyError, type DownloadProgress } from '../../src/media/download.js'
import { LabError } from '../../src/util/errors.js'
import { fakeIso, sha256, startServer, type FixtureServer } from '../helpers/http-fixture.js'

const fast = { retries: 0, retryDelayMs: 10, stallTimeoutMs: 2000 }

async function setup(t: Test): Promise<{ server: FixtureServer; data: Buffer; dest: string }> {
  const server = await startServer()
  t.teardown(server.close)
  const data = fakeIso()
  server.files.set('/isos/test.iso', { data, etag: '"v1"' })
  const dest = join(t.testdir(), 'test.iso')
  return { server, data, dest }
}

function leftovers(dest: string): string[] {
  return ['', '.part', '.part.json', '.lock'].filter((s) => existsSync(dest + s)).map((s) => `test.iso${s}`)
}

t.test('downloads a complete file and verifies its checksum', async (t) => {
  const { server, data, dest } = await setup(t)
  const seen: DownloadProgress[] = []
  const result = await download(server.url('/isos/test.iso'), dest, { ...fast, sha256: sha256(data), onProgress: (p) => seen.push(p) })
  t.equal(result.sha256, sha256(data))
  t.equal(result.bytes, data.length)
  t.ok((await readFile(dest)).equals(data), 'content is the served file')
  t.same(leftovers(dest), ['test.iso'], 'no .part, metadata or lock left behind')
  t.equal(seen.at(-1)?.received, data.length)
  t.equal(seen.at(-1)?.total, data.length)
  t.notOk(server.requests[0]!.headers.range, 'a fresh download sends no Range')
})

t.test('a checksum mismatch removes everything and says expected vs got', async (t) => {
  const { server, data, dest } = await setup(t)
  const wrong = '0'.repeat(64)
  const err = await download(server.url('/isos/test.iso'), dest, { ...fast, sha256: wrong }).catch((e: unknown) => e)
  t.type(err, LabError)
  t.match((err as Error).message, `expected sha256 ${wrong}, got ${sha256(data)}`)
  t.match((err as Error).message, 'the downloaded file was removed')
  t.same(leftovers(dest), [], 'neither the file nor the .part is left')
})

t.test('an interrupted download resumes with a Range request', async (t) => {
  const { server, data, dest } = await setup(t)
  server.behaviours.push({ kind: 'drop', after: 100_000 })
  const err = await download(server.url('/isos/test.iso'), dest, fast).catch((e: unknown) => e)
  t.type(err, LabError)
  t.match((err as Error).message, /connection lost after .* of 0\.3 MB/)
  t.match((err as LabError).hint, 'resume')
  const partSize = (await stat(`${dest}.part`)).size
  t.ok(partSize > 0 && partSize < data.length, `a partial file is kept (${partSize} bytes)`)
  t.notOk(existsSync(dest), 'nothing at the destination yet')

  const result = await download(server.url('/isos/test.iso'), dest, { ...fast, sha256: sha256(data) })
  t.equal(server.requests.length, 2)
  t.equal(server.requests[1]!.headers.range, `bytes=${partSize}-`, 'the second request asks for the rest')
  t.equal(server.requests[1]!.headers['if-range'], '"v1"', 'and only if the file is unchanged')
  t.equal(result.sha256, sha256(data), 'the hash covers the part from before as well')
  t.ok((await readFile(dest)).equals(data))
  t.same(leftovers(dest), ['test.iso'])
})

t.test('a dropped connection is resumed automatically while retries last', async (t) => {
  const { server, data, dest } = await setup(t)
  server.behaviours.push({ kind: 'drop', after: 50_000 })
  const result = await download(server.url('/isos/test.iso'), dest, { ...fast, retries: 1, sha256: sha256(data) })
  t.equal(server.requests.length, 2)
  t.match(server.requests[1]!.headers.range, /^bytes=\d+-$/)
  t.ok((await readFile(dest)).equals(data))
  t.equal(result.bytes, data.length)
})

t.test('a server that ignores Range makes the download start over cleanly', async (t) => {
  const { server, data, dest } = await setup(t)
  server.rangeSupport = 'ignore-range'
  // A part whose bytes are not the file's: appending to it would give a wrong file.
  await writeFile(`${dest}.part`, fakeIso(120_000))
  const result = await download(server.url('/isos/test.iso'), dest, { ...fast, sha256: sha256(data) })
  t.ok(server.requests[0]!.headers.range, 'a Range request was made')
  t.ok((await readFile(dest)).equals(data), 'the 200 answer replaced the partial file')
  t.equal(result.sha256, sha256(data))
})

t.test('a file that changed upstream since the part was written is fetched whole again', async (t) => {
  const { server, dest } = await setup(t)
  server.behaviours.push({ kind: 'drop', after: 100_000 })
  await download(server.url('/isos/test.iso'), dest, fast).catch(() => undefined)
  const v2 = fakeIso(250_000)
  server.files.set('/isos/test.iso', { data: v2, etag: '"v2"' })
  const result = await download(server.url('/isos/test.iso'), dest, { ...fast, sha256: sha256(v2) })
  t.equal(server.requests[1]!.headers['if-range'], '"v1"')
  t.ok((await readFile(dest)).equals(v2))
  t.equal(result.sha256, sha256(v2))
})

t.test('a part that is already complete is finished after a 416 answer', async (t) => {
  const { server, data, dest } = await setup(t)
  await writeFile(`${dest}.part`, data)
  const result = await download(server.url('/isos/test.iso'), dest, { ...fast, sha256: sha256(data) })
  t.equal(server.requests.length, 1)
  t.equal(server.requests[0]!.headers.range, `bytes=${data.length}-`)
  t.equal(result.sha256, sha256(data))
  t.ok((await readFile(dest)).equals(data))
})

t.test('404 is an error that names the URL', async (t) => {
  const { server, dest } = await setup(t)
  const url = server.url('/isos/missing.iso')
  const err = await download(url, dest, fast).catch((e: unknown) => e)
  t.type(err, LabError)
  t.equal((err as Error).message, `download failed with HTTP 404 Not Found: ${url}`)
  t.same(leftovers(dest), [])
})

t.test('redirects are followed', async (t) => {
  const { server, data, dest } = await setup(t)
  server.redirects.set('/latest.iso', '/mirror/test.iso')
  server.redirects.set('/mirror/test.iso', server.url('/isos/test.iso'))
  const result = await download(server.url('/latest.iso'), dest, { ...fast, sha256: sha256(data) })
  t.same(
    server.requests.map((r) => r.path),
    ['/latest.iso', '/mirror/test.iso', '/isos/test.iso'],
  )
  t.equal(result.url, server.url('/isos/test.iso'))
  t.ok((await readFile(dest)).equals(data))
})

t.test('a refused connection is a clear error with host, port and URL', async (t) => {
  const closed = http.createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  const url = `http://127.0.0.1:${port}/x.iso`
  const err = await download(url, join(t.testdir(), 'x.iso'), fast).catch((e: unknown) => e)
  t.type(err, LabError)
  t.equal((err as Error).message, `connection refused by 127.0.0.1:${port} (${url})`)
})

t.test('a stalled connection times out and keeps the partial file', async (t) => {
  const { server, dest } = await setup(t)
  server.behaviours.push({ kind: 'stall', after: 40_000 })
  const started = Date.now()
  const err = await download(server.url('/isos/test.iso'), dest, { ...fast, stallTimeoutMs: 300 }).catch((e: unknown) => e)
  t.type(err, LabError)
  t.match((err as Error).message, /no data from .* for 0.3 s after .*: the connection stalled/)
  t.ok(Date.now() - started < 5000, 'gave up after the stall timeout')
  t.ok((await stat(`${dest}.part`)).size > 0, 'what arrived is kept for resuming')
})

t.test('only one process downloads a file at a time', async (t) => {
  const { server, data, dest } = await setup(t)
  // Held as state/lock.ts holds a lock: by this (live) process, on this machine.
  const holder = (pid: number) => JSON.stringify({ pid, command: 'download of test.iso', host: hostname(), since: new Date().toISOString() })
  await writeFile(`${dest}.lock`, holder(process.pid))
  const err = await download(server.url('/isos/test.iso'), dest, fast).catch((e: unknown) => e)
  t.type(err, DownloadBusyError)
  t.match((err as Error).message, `test.iso is being downloaded by another lab process (pid ${process.pid})`)
  t.equal(server.requests.length, 0)

  // A lock left by a process that is gone is taken over.
  await writeFile(`${dest}.lock`, holder(999999999))
  await download(server.url('/isos/test.iso'), dest, { ...fast, sha256: sha256(data) })
  t.same(leftovers(dest), ['test.iso'])
})

t.test('only http and https URLs are accepted', async (t) => {
  const err = await download('ftp://127.0.0.1/x.iso', join(t.testdir(), 'x.iso'), fast).catch((e: unknown) => e)
  t.type(err, LabError)
  t.match((err as Error).message, 'only http and https downloads are supported, not ftp:')
})
