import t from 'tap'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { resolveLocalIso } from '../../src/media/local-iso.js'
import { isoCachePath, writeCheckRecord } from '../../src/media/iso-cache.js'
import { OS_CATALOG } from '../../src/lab/os-catalog.js'
import { InputError } from '../../src/util/errors.js'
import { fakeIso, sha256 } from '../helpers/http-fixture.js'

// The check records of the user's files go under the cache root.
t.beforeEach((t) => {
  process.env.VMLAB_CACHE_DIR = t.testdir()
})
t.teardown(() => {
  delete process.env.VMLAB_CACHE_DIR
})

t.test('a missing file or a directory is bad input', async (t) => {
  const dir = t.testdir()
  await t.rejects(resolveLocalIso('rocky9', join(dir, 'nope.iso')), { name: 'InputError', message: `ISO file not found: ${join(dir, 'nope.iso')}` })
  await t.rejects(resolveLocalIso('rocky9', dir), { name: 'InputError', message: /^not a file/ })
})

t.test('a file the catalog does not know is accepted with a warning', async (t) => {
  const path = join(t.testdir(), 'my-respin-netinstall.iso')
  await writeFile(path, fakeIso(1000))
  const warnings: string[] = []
  const local = await resolveLocalIso('rocky9', path, { warn: (m) => warnings.push(m) })
  t.same(local, { path, kind: 'boot', verified: false })
  t.same(warnings, ['my-respin-netinstall.iso is not an ISO the catalog knows for rocky9: using it without checking its checksum'])
  const asDvd = await resolveLocalIso('rocky9', path, { kind: 'dvd', warn: () => undefined })
  t.equal(asDvd.kind, 'dvd', 'the caller can say what kind it is')
})

t.test('a known file name with other content is refused, saying expected vs got', async (t) => {
  const path = join(t.testdir(), 'Rocky-9.6-x86_64-boot.iso')
  const data = fakeIso(1000)
  await writeFile(path, data)
  const err = await resolveLocalIso('rocky9', path, { warn: () => t.fail('no warning expected') }).catch((e: unknown) => e)
  t.type(err, InputError)
  t.equal((err as Error).message, `${path} is not a good copy of Rocky-9.6-x86_64-boot.iso: expected sha256 ${OS_CATALOG.rocky9.isos[1]!.sha256}, got ${sha256(data)}`)
  t.equal((err as InputError).hint, 'the file is damaged or incomplete: download it again with lab iso fetch rocky9 --kind boot')
})

t.test("another OS's ISO is refused", async (t) => {
  const path = join(t.testdir(), 'AlmaLinux-9.6-x86_64-minimal.iso')
  await writeFile(path, fakeIso(1000))
  await t.rejects(resolveLocalIso('rocky9', path), {
    name: 'InputError',
    message: `${path} is an install ISO of AlmaLinux 9, but the lab's OS is Rocky Linux 9`,
  })
})

t.test('a rolling-release ISO counts as verified only after a published-checksum check', async (t) => {
  const stream = OS_CATALOG['centos-stream9'].isos[0]!
  const own = join(t.testdir(), stream.file)
  await writeFile(own, fakeIso(1000))
  const warnings: string[] = []
  const local = await resolveLocalIso('centos-stream9', own, { warn: (m) => warnings.push(m) })
  t.same(local, { path: own, kind: 'boot', iso: stream, verified: false })
  t.match(warnings[0], 'has no pinned checksum (CentOS Stream 9 is a rolling release): using it unverified')

  const cached = isoCachePath(stream)
  await mkdir(join(process.env.VMLAB_CACHE_DIR!, 'isos'), { recursive: true })
  await writeFile(cached, fakeIso(1000))
  await writeCheckRecord(cached, sha256(await readFile(cached)), 'published')
  const fetched = await resolveLocalIso('centos-stream9', cached, { warn: () => t.fail('no warning expected') })
  t.equal(fetched.verified, true)
})
