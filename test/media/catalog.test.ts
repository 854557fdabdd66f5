import t from 'tap'
import { OS_CATALOG, OS_IDS, isKickstartOs } from '../../src/lab/os-catalog.js'

/**
 * ISOs shipped without a pinned SHA-256. Adding one here is a conscious act: it needs a
 * `checksumUrl` (rolling releases) or it can only be fetched with --insecure-skip-checksum.
 */
// Rolling releases, and the EL10 point releases whose vault CHECKSUM is read at download time
const UNPINNED = [
  'Rocky-10.1-x86_64-minimal.iso',
  'Rocky-10.1-x86_64-boot.iso',
  'AlmaLinux-10.1-x86_64-minimal.iso',
  'AlmaLinux-10.1-x86_64-boot.iso',
  'CentOS-Stream-9-latest-x86_64-boot.iso',
  'CentOS-Stream-9-latest-x86_64-dvd1.iso',
  'CentOS-Stream-10-latest-x86_64-boot.iso',
  'CentOS-Stream-10-latest-x86_64-dvd1.iso',
]

const EL = OS_IDS.filter(isKickstartOs)
const all = EL.flatMap((id) => OS_CATALOG[id].isos.map((iso) => ({ id, iso })))

/** ISOs come from https servers, or from the CentOS vault. */
function allowedUrl(url: string): boolean {
  return url.startsWith('https://') || url.startsWith('http://vault.centos.org/')
}

t.test('every EL OS has install media, the minimal ISO first where there is one', async (t) => {
  t.same(EL, ['centos7', 'rocky8', 'rocky9', 'rocky10', 'alma8', 'alma9', 'alma10', 'centos-stream9', 'centos-stream10'])
  for (const id of EL) {
    const isos = OS_CATALOG[id].isos
    t.ok(isos.length > 0, `${id} has an ISO`)
    if (isos.some((i) => i.kind === 'minimal')) t.equal(isos[0]!.kind, 'minimal', `${id} prefers minimal`)
    t.equal(new Set(isos.map((i) => i.kind)).size, isos.length, `${id} lists each kind once`)
    t.ok(
      isos.some((i) => i.kind === 'boot'),
      `${id} lists a boot ISO`,
    )
  }
  t.same(
    OS_CATALOG['centos-stream9'].isos.map((i) => i.kind),
    ['boot', 'dvd'],
    'Stream 9 has only boot and dvd1',
  )
})

t.test('checksums are SHA-256 hex, and only the listed ISOs have none', async (t) => {
  for (const { id, iso } of all) {
    t.match(iso.sha256, /^([0-9a-f]{64})?$/, `${id} ${iso.file}`)
  }
  t.same(
    all.filter(({ iso }) => iso.sha256 === '').map(({ iso }) => iso.file),
    UNPINNED,
  )
  for (const { iso } of all.filter(({ iso }) => iso.sha256 === '')) {
    t.ok(iso.checksumUrl?.startsWith('https://'), `${iso.file} names its published checksum list`)
  }
  t.equal(new Set(all.map(({ iso }) => iso.sha256).filter(Boolean)).size, all.length - UNPINNED.length, 'no checksum is used twice')
})

t.test('URLs: allowed servers, file name is the last segment, mirror path is their common tail', async (t) => {
  for (const { id, iso } of all) {
    t.ok(iso.urls.length > 0, `${id} ${iso.file} has a URL`)
    for (const url of iso.urls) {
      t.ok(allowedUrl(url), `${url} is https or the CentOS vault`)
      t.equal(new URL(url).pathname.split('/').at(-1), iso.file, `${url} ends with the file name`)
      t.ok(iso.mirrorPath !== undefined && url.endsWith(`/${iso.mirrorPath}`), `${url} ends with /${iso.mirrorPath}`)
    }
    t.notOk(iso.mirrorPath?.startsWith('/'), 'a mirror path is relative to the mirror URL')
    t.ok(iso.file.endsWith('.iso'))
  }
  t.equal(new Set(all.map(({ iso }) => iso.file)).size, all.length, 'file names are unique: the cache is keyed by them')
})

t.test('pinned releases: one point release per OS, matching its package repository', async (t) => {
  const release: Record<string, string> = {
    centos7: '7.9.2009',
    rocky8: '8.10',
    rocky9: '9.6',
    rocky10: '10.1',
    alma8: '8.10',
    alma9: '9.6',
    alma10: '10.1',
    'centos-stream9': '9-stream',
    'centos-stream10': '10-stream',
  }
  for (const id of EL) {
    const os = OS_CATALOG[id]
    for (const iso of os.isos) t.ok(iso.mirrorPath?.startsWith(`${release[id]}/`), `${iso.file} is from ${release[id]}`)
    t.ok(os.installUrl !== undefined && allowedUrl(os.installUrl) && os.installUrl.endsWith('/'), `${id} installUrl`)
    t.match(os.installUrl, `/${release[id]}/`, `${id} installs packages of the same release as its ISOs`)
  }
})

t.test('an OS on the command line for aarch64: its aarch64 entry, or the OSes that have one', async (t) => {
  const { osWithIsos } = await import('../../src/media/iso-select.js')
  const { InputError } = await import('../../src/util/errors.js')
  t.equal(osWithIsos('rocky10', 'aarch64').isos[0]!.file, 'Rocky-10.1-aarch64-minimal.iso')
  t.equal(osWithIsos('rocky10').isos[0]!.file, 'Rocky-10.1-x86_64-minimal.iso')
  t.throws(() => osWithIsos('alma8', 'aarch64'), InputError)
  t.throws(() => osWithIsos('alma8', 'aarch64'), { message: 'alma8 has no aarch64 ISO in the catalog (it has: x86_64)', hint: 'for aarch64: rocky9, rocky10, alma9, alma10, centos-stream10' })
})
