import t from 'tap'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_DEBIAN_MIRROR, hostDebianMirror, mirrorForGuest, mirrorFromDeb822, mirrorFromSourcesList } from '../../src/providers/qemu/host-mirror.js'
import { inertConfigs, rootfsFiles } from '../../src/providers/qemu/debian-rootfs.js'
import { cacheRoot, canonicalJson, commitImage, imageDir, imageKey, makeStagingDir, readCachedImage, sweepAbandonedStaging } from '../../src/providers/qemu/image-cache.js'
import { buildDebianImage, checkBuildHost, debianImageInputs } from '../../src/providers/qemu/image-debian.js'

const dir = await mkdtemp(join(tmpdir(), 'vmlab-image-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

t.test('the host mirror, from apt sources', async (t) => {
  const deb822 = [
    'Types: deb',
    '# http://snapshot.debian.org/archive/debian/20250520T000000Z',
    'URIs: http://deb.debian.org/debian',
    'Suites: bookworm bookworm-updates',
    'Components: main',
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    '',
    'Types: deb',
    'URIs: http://deb.debian.org/debian-security',
    'Suites: bookworm-security',
    'Components: main',
  ].join('\n')
  t.equal(mirrorFromDeb822(deb822), 'http://deb.debian.org/debian', "Debian 12's own debian.sources")
  t.equal(
    mirrorFromDeb822('Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\nTypes: deb\nURIs: http://192.168.1.5:3142/debian/\nSuites: bookworm\n'),
    'http://192.168.1.5:3142/debian',
    'source-only stanzas are skipped, trailing slash dropped',
  )
  t.equal(mirrorFromDeb822('Types: deb\nEnabled: no\nURIs: http://off.example/debian\nSuites: bookworm\n'), undefined, 'disabled stanza')
  t.equal(mirrorFromDeb822('Types: deb\nURIs: cdrom:[Debian 12]/\nSuites: bookworm\n'), undefined, 'a CD-ROM is no mirror')
  t.equal(mirrorFromDeb822('Types: deb\nURIs: http://security.debian.org/debian-security\nSuites: bookworm-security\n'), undefined)

  t.equal(
    mirrorFromSourcesList(
      [
        '# deb cdrom:[Debian GNU/Linux 12]/ bookworm main',
        'deb http://security.debian.org/debian-security bookworm-security main',
        'deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://ftp.fr.debian.org/debian/ bookworm main contrib',
      ].join('\n'),
    ),
    'http://ftp.fr.debian.org/debian',
  )
  t.equal(mirrorFromSourcesList('deb http://deb.debian.org/debian bookworm/updates main\n'), undefined)

  const etc = join(dir, 'etc')
  await mkdir(join(etc, 'apt', 'sources.list.d'), { recursive: true })
  await writeFile(join(etc, 'os-release'), 'PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\n')
  await writeFile(join(etc, 'apt', 'sources.list'), 'deb http://archive.ubuntu.com/ubuntu noble main\n')
  t.equal(await hostDebianMirror(etc), DEFAULT_DEBIAN_MIRROR, "Ubuntu's archive has no bookworm")
  await writeFile(join(etc, 'os-release'), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')
  await writeFile(join(etc, 'apt', 'sources.list'), 'deb cdrom:[Debian GNU/Linux 12]/ bookworm main\n')
  t.equal(await hostDebianMirror(etc), DEFAULT_DEBIAN_MIRROR, 'one-line file with no usable entry')
  await writeFile(join(etc, 'apt', 'sources.list'), 'deb http://mirror.example/debian bookworm main\n')
  t.equal(await hostDebianMirror(etc), 'http://mirror.example/debian', 'sources.list')
  await writeFile(join(etc, 'apt', 'sources.list.d', 'debian.sources'), deb822)
  t.equal(await hostDebianMirror(etc), 'http://deb.debian.org/debian', 'debian.sources wins')
})

t.test('guests reach a mirror on the host loopback through the NAT gateway', async (t) => {
  t.equal(mirrorForGuest('http://127.0.0.1:3142/debian'), 'http://10.0.2.2:3142/debian')
  t.equal(mirrorForGuest('http://localhost/debian'), 'http://10.0.2.2/debian')
  t.equal(mirrorForGuest('http://localhost.example.org/debian'), 'http://localhost.example.org/debian')
  t.equal(mirrorForGuest('http://deb.debian.org/debian'), 'http://deb.debian.org/debian')
})

t.test('what the root file system gets', async (t) => {
  const files = rootfsFiles({ guestMirror: 'http://10.0.2.2:3142/debian' })
  const byPath = new Map(files.map((f) => [f.path, f]))
  t.equal(byPath.get('/etc/fstab')?.content, '/dev/vda\t/\text4\trw,errors=remount-ro\t0\t1\n')
  t.equal(byPath.get('/etc/resolv.conf')?.content, 'nameserver 10.0.2.3\n')
  t.equal(byPath.get('/etc/machine-id')?.content, '', 'empty machine-id: a fresh one at first boot')
  t.match(byPath.get('/etc/apt/sources.list')?.content, /^deb http:\/\/10\.0\.2\.2:3142\/debian bookworm main$/m)
  t.match(byPath.get('/etc/initramfs-tools/conf.d/vmlab.conf')?.content, /^MODULES=list$/m)
  t.match(byPath.get('/etc/initramfs-tools/modules')?.content, /virtio_blk/)
  t.notOk(byPath.has('/root/.ssh/authorized_keys'), 'no keys baked in by default')
  t.notOk(
    files.some((f) => f.path.startsWith('/etc/ssh/ssh_host_')),
    'no host keys',
  )
  const withKeys = rootfsFiles({ guestMirror: 'http://x/debian', authorizedKeys: ['ssh-ed25519 AAAA test'] })
  t.match(
    withKeys.find((f) => f.path === '/root/.ssh/authorized_keys'),
    { mode: 0o600, content: 'ssh-ed25519 AAAA test\n' },
  )
})

t.test('a baked chrony is inert until its module configures it: no time source, left enabled', async (t) => {
  const inert = inertConfigs(['curl', 'chrony', 'docker.io'])
  t.same(
    inert.map((f) => f.path),
    ['/etc/chrony/chrony.conf'],
    'only the packages that would reach out at first boot',
  )
  t.notMatch(inert[0]!.content, /^\s*(pool|server|peer|sourcedir)\b/m, 'no source: chronyd reaches nothing')
  t.match(inert[0]!.content, /^driftfile /m)
  t.same(inertConfigs(['curl']), [])
  t.not(imageKey(debianImageInputs({ extraPackages: ['chrony'] })), imageKey(debianImageInputs({ extraPackages: ['chronyd'] })), 'part of the image key')
  t.match(debianImageInputs({ extraPackages: ['chrony'] }).inert, [{ path: '/etc/chrony/chrony.conf' }])
})

t.test('cache key: the inputs, not the mirror, not their order', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }), '{"a":{"c":null,"d":[2,1]},"b":1}')
  const base = debianImageInputs({})
  t.equal(imageKey(debianImageInputs({ mirror: 'http://elsewhere/debian' })), imageKey(base), 'mirror is not part of the key')
  t.equal(imageKey(debianImageInputs({ extraPackages: ['chrony', 'dbus'] })), imageKey(debianImageInputs({ extraPackages: ['dbus', 'chrony'] })))
  t.not(imageKey(debianImageInputs({ extraPackages: ['chrony'] })), imageKey(base), 'extra packages are')
  const agent = (content: string) => ({ files: [{ path: '/usr/local/sbin/vmlab-identity', mode: 0o755, content }], enableUnits: ['vmlab-identity.service'] })
  t.not(imageKey(debianImageInputs({ agent: agent('v1') })), imageKey(debianImageInputs({ agent: agent('v2') })), 'agent contents are')
  t.not(imageKey(debianImageInputs({ diskGiB: 20 })), imageKey(base), 'disk size is')
  t.throws(() => debianImageInputs({ extraPackages: ['docker.io; rm -rf /'] }), /is not a Debian package name/)
  t.equal(imageDir('/c', 'debian12', 'abcdef0123456789'), '/c/images/debian12-abcdef012345')
})

t.test('cache location', async (t) => {
  // One cache root for ISOs and images (src/util/cache-dir.ts).
  t.equal(cacheRoot({ VMLAB_CACHE_DIR: '/srv/cache' }, 'linux', '/home/u'), '/srv/cache')
  t.equal(cacheRoot({ XDG_CACHE_HOME: '/home/u/.xdg' }, 'linux', '/home/u'), '/home/u/.xdg/vmlab')
  t.equal(cacheRoot({}, 'linux', '/home/u'), '/home/u/.cache/vmlab')
  t.equal(cacheRoot({}, 'darwin', '/Users/u'), '/Users/u/Library/Caches/vmlab')
})

async function fakeImage(at: string, key: string, opts: { truncate?: boolean } = {}): Promise<void> {
  await mkdir(at, { recursive: true })
  await writeFile(join(at, 'base.qcow2'), Buffer.alloc(100))
  await writeFile(join(at, 'vmlinuz'), 'k'.repeat(10))
  await writeFile(join(at, 'initrd.img'), opts.truncate ? 'i' : 'i'.repeat(20))
  const manifest = { name: 'debian12', key, inputs: {}, mirror: 'm', kernelArgs: 'root=/dev/vda', builtAt: '', buildMs: 1, timings: {}, sizes: { disk: 100, kernel: 10, initrd: 20 } }
  await writeFile(join(at, 'manifest.json'), JSON.stringify(manifest))
}

t.test('a cached image counts only when complete', async (t) => {
  const root = join(dir, 'cache1')
  const key = 'a'.repeat(64)
  const final = imageDir(root, 'debian12', key)
  t.equal(await readCachedImage(final, key), undefined, 'nothing there')
  await fakeImage(final, key, { truncate: true })
  t.equal(await readCachedImage(final, key), undefined, 'a truncated file')
  await fakeImage(final, key)
  t.equal(await readCachedImage(final, 'b'.repeat(64)), undefined, 'another key')
  t.match(await readCachedImage(final, key), { dir: final, disk: join(final, 'base.qcow2'), manifest: { kernelArgs: 'root=/dev/vda' } })
})

t.test('buildDebianImage takes a complete cached image without building', async (t) => {
  const root = join(dir, 'cache2')
  const key = imageKey(debianImageInputs({ extraPackages: ['chrony'] }))
  await fakeImage(imageDir(root, 'debian12', key), key)
  // Should the cache lookup miss, fail at the root check instead of starting debootstrap.
  const getuid = process.getuid
  t.teardown(() => {
    process.getuid = getuid
  })
  process.getuid = () => 1000
  const stages: string[] = []
  const image = await buildDebianImage({ cacheDir: root, extraPackages: ['chrony'], mirror: 'http://unused/debian', onProgress: (e) => stages.push(e.stage) })
  t.equal(image.built, false)
  t.equal(image.kernel, join(imageDir(root, 'debian12', key), 'vmlinuz'))
  t.same(stages, ['cached'])
})

t.test('a host that cannot build says what to do', async (t) => {
  const getuid = process.getuid
  t.teardown(() => {
    process.getuid = getuid
  })
  process.getuid = () => 1000
  t.throws(() => checkBuildHost(), { message: /needs root/, hint: /sudo VMLAB_CACHE_DIR=\$HOME\/\.cache\/vmlab lab image build debian12/ })
  process.getuid = () => 0
  const bin = join(dir, 'bin')
  await mkdir(bin, { recursive: true })
  t.throws(() => checkBuildHost({ PATH: bin }), { message: /needs .*qemu-img.*, not found on PATH/, hint: /apt-get install .*qemu-utils/ })
})

t.test('commit: rename into place; a finished twin or a broken leftover is handled', async (t) => {
  const root = join(dir, 'cache3')
  const key = 'c'.repeat(64)
  const final = imageDir(root, 'debian12', key)

  const first = await makeStagingDir(final)
  t.match(first, /debian12-cccccccccccc\.partial-\d+-\d+$/)
  await fakeImage(first, key)
  t.equal((await commitImage(first, final, key)).dir, final)

  const second = await makeStagingDir(final)
  await fakeImage(second, key)
  t.equal((await commitImage(second, final, key)).dir, final, 'the image that finished first is kept')
  t.same((await readdir(join(root, 'images'))).sort(), ['debian12-cccccccccccc'], 'the twin is thrown away')

  await writeFile(join(final, 'initrd.img'), '')
  const third = await makeStagingDir(final)
  await fakeImage(third, key)
  t.ok(await commitImage(third, final, key), 'a broken image under the final name is replaced')
  t.ok(await readCachedImage(final, key))
})

t.test('abandoned staging directories are swept, live ones are not', async (t) => {
  const root = join(dir, 'cache4')
  await mkdir(join(root, 'images', 'debian12-aaaaaaaaaaaa.partial-999999999-1'), { recursive: true })
  await mkdir(join(root, 'images', `debian12-aaaaaaaaaaaa.partial-${process.pid}-2`), { recursive: true })
  await mkdir(join(root, 'images', 'debian12-aaaaaaaaaaaa'), { recursive: true })
  t.same(await sweepAbandonedStaging(root), ['debian12-aaaaaaaaaaaa.partial-999999999-1'])
  t.same((await readdir(join(root, 'images'))).sort(), ['debian12-aaaaaaaaaaaa', `debian12-aaaaaaaaaaaa.partial-${process.pid}-2`])
  t.same(await sweepAbandonedStaging(join(dir, 'nowhere')), [])
})
