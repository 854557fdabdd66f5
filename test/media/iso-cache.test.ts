import t, { type Test } from 'tap'
import { existsSync } from 'node:fs'
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { OS_CATALOG, type IsoImage } from '../../src/lab/os-catalog.js'
import { fetchIso, fetchIsoImage } from '../../src/media/fetch-iso.js'
import { cacheRoot, cachedIso, cacheState, fileSha256, isCachedCopyGood, isoCachePath, writeCheckRecord } from '../../src/media/iso-cache.js'
import { mirrorUrl } from '../../src/media/iso-select.js'
import { InputError, LabError } from '../../src/util/errors.js'
import { fakeIso, sha256, startServer, type FixtureServer } from '../helpers/http-fixture.js'

const transfer = { retries: 0, retryDelayMs: 10, stallTimeoutMs: 2000 }

t.test('cache root follows each platform convention', async (t) => {
  const home = '/home/ann'
  t.equal(cacheRoot({}, 'linux', home), '/home/ann/.cache/vmlab')
  t.equal(cacheRoot({ XDG_CACHE_HOME: '/var/cache/ann' }, 'linux', home), '/var/cache/ann/vmlab')
  t.equal(cacheRoot({ XDG_CACHE_HOME: 'relative/dir' }, 'linux', home), '/home/ann/.cache/vmlab', 'a relative XDG_CACHE_HOME is ignored')
  t.equal(cacheRoot({ XDG_CACHE_HOME: '/x' }, 'darwin', '/Users/ann'), '/Users/ann/Library/Caches/vmlab')
  t.equal(cacheRoot({ LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' }, 'win32', 'C:\\Users\\ann'), 'C:\\Users\\ann\\AppData\\Local\\vmlab\\Cache')
  t.equal(cacheRoot({}, 'win32', 'C:\\Users\\ann'), 'C:\\Users\\ann\\AppData\\Local\\vmlab\\Cache')
  t.equal(cacheRoot({ VMLAB_CACHE_DIR: '/srv/vmlab', XDG_CACHE_HOME: '/x' }, 'linux', home), '/srv/vmlab')
})

t.test('a file is hashed once while its size and mtime stay the same', async (t) => {
  const env = { VMLAB_CACHE_DIR: t.testdir() }
  const file = join(t.testdir(), 'my.iso')
  const a = fakeIso(50_000)
  const mtime = new Date('2024-05-01T10:00:00Z')
  await writeFile(file, a)
  await utimes(file, mtime, mtime)
  t.equal(await fileSha256(file, { env }), sha256(a))

  // Same size and mtime, other bytes: the recorded hash is used, proving nothing was re-read.
  await writeFile(file, fakeIso(50_000))
  await utimes(file, mtime, mtime)
  t.equal(await fileSha256(file, { env }), sha256(a))

  const later = new Date(mtime.getTime() + 5000)
  await utimes(file, later, later)
  t.equal(await fileSha256(file, { env }), sha256(await readFile(file)), 'a new mtime means hashing again')
})

/** A catalog-like entry for a fake ISO served by the fixture server. */
function entry(server: FixtureServer, data: Buffer, over: Partial<IsoImage> = {}): IsoImage {
  server.files.set('/pub/7.7/isos/Fake-7.7-minimal.iso', { data, etag: '"a"' })
  return {
    kind: 'minimal',
    file: 'Fake-7.7-minimal.iso',
    urls: [server.url('/pub/7.7/isos/Fake-7.7-minimal.iso')],
    sha256: sha256(data),
    mirrorPath: '7.7/isos/Fake-7.7-minimal.iso',
    ...over,
  }
}

async function serve(t: Test): Promise<{ server: FixtureServer; env: NodeJS.ProcessEnv; out: string[]; stderr: { write: (s: string) => boolean } }> {
  const server = await startServer()
  t.teardown(server.close)
  const out: string[] = []
  return { server, env: { VMLAB_CACHE_DIR: t.testdir() }, out, stderr: { write: (s: string) => out.push(s) > 0 } }
}

t.test('fetch downloads into the cache once; the next fetch is a cache hit', async (t) => {
  const { server, env, out, stderr } = await serve(t)
  const data = fakeIso()
  const iso = entry(server, data)
  const first = await fetchIsoImage(OS_CATALOG.rocky9, iso, { env, stderr, transfer })
  t.equal(first.downloaded, true)
  t.equal(first.path, join(env.VMLAB_CACHE_DIR!, 'isos', 'Fake-7.7-minimal.iso'))
  t.ok((await readFile(first.path)).equals(data))
  t.equal(server.requests.length, 1)
  t.same(await cacheState(iso, env), { state: 'verified' })

  const again = await fetchIsoImage(OS_CATALOG.rocky9, iso, { env, stderr, transfer })
  t.equal(again.downloaded, false)
  t.equal(again.path, first.path)
  t.equal(server.requests.length, 1, 'no second request')
  t.match(out.join(''), 'Fake-7.7-minimal.iso is already in the cache')
})

t.test('a damaged cached copy is downloaded again', async (t) => {
  const { server, env, stderr } = await serve(t)
  const data = fakeIso()
  const iso = entry(server, data)
  await mkdir(join(env.VMLAB_CACHE_DIR!, 'isos'), { recursive: true })
  await writeFile(isoCachePath(iso, env), fakeIso())
  t.equal(await isCachedCopyGood(iso, { env }), false)
  const result = await fetchIsoImage(OS_CATALOG.rocky9, iso, { env, stderr, transfer })
  t.equal(result.downloaded, true)
  t.ok((await readFile(result.path)).equals(data))
  t.equal(await isCachedCopyGood(iso, { env }), true)
})

t.test('--mirror replaces everything before the distribution path', async (t) => {
  const rocky = OS_CATALOG.rocky9.isos[0]!
  const expected = 'https://mirror.example.edu/rocky/9.6/isos/x86_64/Rocky-9.6-x86_64-minimal.iso'
  t.equal(mirrorUrl(rocky, 'https://mirror.example.edu/rocky'), expected)
  t.equal(mirrorUrl(rocky, 'https://mirror.example.edu/rocky/'), expected)
  t.equal(mirrorUrl(OS_CATALOG.centos7.isos[0]!, 'http://10.0.0.1:8080/centos-vault/'), 'http://10.0.0.1:8080/centos-vault/7.9.2009/isos/x86_64/CentOS-7-x86_64-Minimal-2009.iso')
  const { mirrorPath: _, ...noPath } = rocky
  t.equal(mirrorUrl(noPath, 'http://10.0.0.1/ignored/'), 'http://10.0.0.1/vault/rocky/9.6/isos/x86_64/Rocky-9.6-x86_64-minimal.iso', 'without mirrorPath only the origin changes')
  t.throws(() => mirrorUrl(rocky, 'not a url'), InputError)
  t.throws(() => mirrorUrl(rocky, 'ftp://mirror.example.edu/'), InputError)

  const { server, env, stderr } = await serve(t)
  const data = fakeIso()
  server.files.set('/local-mirror/rocky/7.7/isos/Fake-7.7-minimal.iso', { data })
  const iso = entry(server, data, { urls: ['http://127.0.0.1:1/never-used.iso'] })
  await fetchIsoImage(OS_CATALOG.rocky9, iso, { env, stderr, transfer, mirror: server.url('/local-mirror/rocky') })
  t.same(
    server.requests.map((r) => r.path),
    ['/local-mirror/rocky/7.7/isos/Fake-7.7-minimal.iso'],
  )
})

t.test('the next source is tried when one fails, and all failures are reported', async (t) => {
  const { server, env, out, stderr } = await serve(t)
  const data = fakeIso()
  const iso = entry(server, data, { urls: [server.url('/gone.iso'), server.url('/pub/7.7/isos/Fake-7.7-minimal.iso')] })
  const result = await fetchIsoImage(OS_CATALOG.rocky9, iso, { env, stderr, transfer })
  t.ok((await readFile(result.path)).equals(data))
  t.match(out.join(''), /warning: download failed with HTTP 404 Not Found: .*\/gone\.iso; trying the next source/)

  const bad = entry(server, data, { file: 'Other.iso', urls: [server.url('/gone1.iso'), server.url('/gone2.iso')] })
  const err = await fetchIsoImage(OS_CATALOG.rocky9, bad, { env, stderr, transfer }).catch((e: unknown) => e)
  t.type(err, LabError)
  t.match((err as Error).message, /could not download Other\.iso from any of its 2 sources:\n  .*gone1\.iso\n  .*gone2\.iso/)
  t.match((err as LabError).hint, 'lab iso fetch rocky9 --mirror URL')
  // Offline: the three ways to a lab without the servers.
  t.match((err as LabError).hint, 'lab up --iso PATH')
  t.match((err as LabError).hint, 'lab up --mirror URL')
  t.match((err as LabError).hint, 'lab up debian-swarm')
})

t.test('a rolling release is checked against the checksum list published beside it', async (t) => {
  const { server, env, stderr } = await serve(t)
  const data = fakeIso()
  server.files.set('/stream/Fake-latest-boot.iso.SHA256SUM', {
    data: Buffer.from(`# Fake-latest-boot.iso: ${data.length} bytes\nSHA256 (Fake-latest-boot.iso) = ${sha256(data)}\n`),
  })
  const iso = entry(server, data, {
    file: 'Fake-latest-boot.iso',
    sha256: '',
    checksumUrl: server.url('/stream/Fake-latest-boot.iso.SHA256SUM'),
  })
  const result = await fetchIsoImage(OS_CATALOG['centos-stream9'], iso, { env, stderr, transfer })
  t.ok((await readFile(result.path)).equals(data))
  t.same(await cacheState(iso, env), { state: 'verified', source: 'published' })
  t.equal(await isCachedCopyGood(iso, { env }), true)
  t.notOk(existsSync(join(env.VMLAB_CACHE_DIR!, 'isos', 'Fake-latest-boot.iso.SHA256SUM')), 'the list is not kept')

  server.files.set('/stream/Fake-latest-boot.iso.SHA256SUM', { data: Buffer.from(`SHA256 (Fake-latest-boot.iso) = ${'1'.repeat(64)}\n`) })
  const again = await fetchIsoImage(OS_CATALOG['centos-stream9'], { ...iso, file: 'Fake2.iso' }, { env, stderr, transfer }).catch((e: unknown) => e)
  t.match((again as Error).message, `expected sha256 ${'1'.repeat(64)}`, 'a changed image that no longer matches is refused')
})

t.test('an ISO without any trusted checksum is refused unless --insecure-skip-checksum', async (t) => {
  const { server, env, out, stderr } = await serve(t)
  const data = fakeIso()
  const iso = entry(server, data, { sha256: '' })
  const err = await fetchIsoImage(OS_CATALOG.rocky9, iso, { env, stderr, transfer }).catch((e: unknown) => e)
  t.type(err, LabError)
  t.match((err as Error).message, 'no trusted SHA-256 is known for Fake-7.7-minimal.iso')
  t.match((err as LabError).hint, '--insecure-skip-checksum')
  t.equal(server.requests.length, 0, 'nothing was downloaded')

  const result = await fetchIsoImage(OS_CATALOG.rocky9, iso, { env, stderr, transfer, insecureSkipChecksum: true })
  t.match(out.join(''), 'warning: Fake-7.7-minimal.iso will NOT be verified')
  t.same(await cacheState(iso, env), { state: 'verified', source: 'unverified' })
  t.equal(await isCachedCopyGood(iso, { env }), false, 'an unverified copy does not count by default')
  t.equal(await isCachedCopyGood(iso, { env, allowUnverified: true }), true)
  t.ok(existsSync(result.path))
})

t.test('cachedIso finds only good copies of the catalog ISOs', async (t) => {
  const env = { VMLAB_CACHE_DIR: t.testdir() }
  await mkdir(join(env.VMLAB_CACHE_DIR, 'isos'), { recursive: true })
  t.equal(await cachedIso('rocky9', { env }), undefined)

  // A file with a catalog name but other bytes is not a copy of it.
  const rockyPath = isoCachePath(OS_CATALOG.rocky9.isos[1]!, env)
  await writeFile(rockyPath, fakeIso(10_000))
  t.equal(await cachedIso('rocky9', { env }), undefined)
  t.same(await cacheState(OS_CATALOG.rocky9.isos[1]!, env), { state: 'mismatch' })

  const stream = OS_CATALOG['centos-stream9'].isos[0]!
  const streamPath = isoCachePath(stream, env)
  await writeFile(streamPath, fakeIso(10_000))
  t.equal(await cachedIso('centos-stream9', { env }), undefined, 'no record of a published-checksum check')
  t.same(await cacheState(stream, env), { state: 'unchecked' })
  await writeCheckRecord(streamPath, sha256(await readFile(streamPath)), 'published', env)
  t.equal(await cachedIso('centos-stream9', { env }), streamPath)
  t.equal(await cachedIso('centos-stream9', { env, kind: 'dvd' }), undefined)
})

t.test('fetchIso checks the OS and kind before any download', async (t) => {
  const env = { VMLAB_CACHE_DIR: t.testdir() }
  await t.rejects(fetchIso('rocky99', { env }), { name: 'InputError', message: "unknown OS 'rocky99': did you mean 'rocky9'?" })
  await t.rejects(fetchIso('debian12', { env }), { name: 'InputError', message: /debian12 has no install ISO/ })
  await t.rejects(fetchIso('rocky9', { env, kind: 'dvd' }), { name: 'InputError', message: 'rocky9 has no dvd ISO; it has: minimal, boot' })
})
