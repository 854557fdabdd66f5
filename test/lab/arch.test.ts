import t from 'tap'
import { parseLab } from '../../src/lab/load.js'
import { LabFileError } from '../../src/lab/problems.js'
import { guestArch } from '../../src/lab/guest-arch.js'
import { osFor, archesOf } from '../../src/lab/os-catalog.js'

const MAC = { platform: 'darwin' as const, arch: 'arm64' }
const PC = { platform: 'linux' as const, arch: 'x64' }

function lab(head: string, extra = ''): string {
  return `name: demo\n${head}\nnetwork:\n  cidr: 192.168.56.0/24\nnodes:\n  - name: master\n${extra}`
}

/** The lab's problems as `line:col message` on the given host (VMLAB_HOST is what validate reads). */
function problemsOn(host: string, text: string): string[] {
  const saved = process.env.VMLAB_HOST
  process.env.VMLAB_HOST = host
  try {
    parseLab(text, 'lab.yaml')
    return []
  } catch (err) {
    if (err instanceof LabFileError) return err.problems.map((p) => `${p.line}:${p.col} ${p.message} | ${p.hint}`)
    throw err
  } finally {
    if (saved === undefined) delete process.env.VMLAB_HOST
    else process.env.VMLAB_HOST = saved
  }
}

t.test('the default architecture: the host own one where the provider runs no other, else x86_64', async (t) => {
  t.equal(guestArch({ provider: 'virtualbox' }, MAC), 'aarch64')
  t.equal(guestArch({ provider: 'vmware' }, MAC), 'aarch64')
  t.equal(guestArch({ provider: 'auto' }, MAC), 'aarch64', 'auto may pick VirtualBox or Fusion there')
  t.equal(guestArch({ provider: 'qemu' }, MAC), 'x86_64', 'QEMU runs both')
  t.equal(guestArch({ provider: 'auto' }, PC), 'x86_64')
  t.equal(guestArch({ provider: 'qemu', arch: 'aarch64' }, PC), 'aarch64')
})

t.test('aarch64 media: the same releases from the aarch64 trees, checked against the published CHECKSUM', async (t) => {
  const rocky = osFor('rocky9', 'aarch64')!
  t.equal(rocky.arch, 'aarch64')
  t.equal(rocky.cpuLevel, undefined, 'no x86-64 level on ARM')
  t.same(
    rocky.isos.map((i) => i.urls[0]),
    ['https://dl.rockylinux.org/vault/rocky/9.6/isos/aarch64/Rocky-9.6-aarch64-minimal.iso', 'https://dl.rockylinux.org/vault/rocky/9.6/isos/aarch64/Rocky-9.6-aarch64-boot.iso'],
  )
  t.equal(rocky.isos[0]!.checksumUrl, 'https://dl.rockylinux.org/vault/rocky/9.6/isos/aarch64/CHECKSUM')
  t.equal(rocky.installUrl, 'https://dl.rockylinux.org/vault/rocky/9.6/BaseOS/aarch64/os/')
  t.equal(osFor('alma10', 'aarch64')!.isos[0]!.urls[0], 'https://vault.almalinux.org/10.1/isos/aarch64/AlmaLinux-10.1-aarch64-minimal.iso')
  const stream = osFor('centos-stream10', 'aarch64')!.isos[0]!
  t.equal(stream.urls[0], 'https://mirror.stream.centos.org/10-stream/BaseOS/aarch64/iso/CentOS-Stream-10-latest-aarch64-boot.iso')
  t.equal(stream.checksumUrl, `${stream.urls[0]}.SHA256SUM`)
  for (const id of ['rocky9', 'rocky10', 'alma9', 'alma10', 'centos-stream10'] as const) {
    t.same(archesOf(id), ['x86_64', 'aarch64'], id)
    for (const iso of osFor(id, 'aarch64')!.isos) t.notMatch(iso.urls.join(' '), /x86_64/, `${id} ${iso.kind}`)
  }
  t.equal(osFor('centos7', 'aarch64'), undefined)
  t.equal(osFor('rocky9', 'x86_64')!.arch, 'x86_64')
})

t.test('a lab resolves its OS for its architecture', async (t) => {
  const saved = process.env.VMLAB_HOST
  process.env.VMLAB_HOST = 'darwin/arm64'
  t.teardown(() => {
    if (saved === undefined) delete process.env.VMLAB_HOST
    else process.env.VMLAB_HOST = saved
  })
  t.equal(parseLab(lab('os: rocky9\nprovider: vmware'), 'lab.yaml').os.arch, 'aarch64')
  t.equal(parseLab(lab('os: rocky9\nprovider: qemu'), 'lab.yaml').os.arch, 'x86_64')
})

t.test('validate: each architecture rule, located', async (t) => {
  t.same(problemsOn('darwin/arm64', lab('os: rocky9\nprovider: vmware')), [])
  t.same(problemsOn('darwin/arm64', lab('os: rocky9\narch: aarch64\nprovider: virtualbox')), [])
  t.match(problemsOn('darwin/arm64', lab('os: rocky9\narch: x86_64\nprovider: vmware')), [/^3:7 x86_64 guests: VMware Fusion on Apple Silicon runs arm64 guests only.*\| set arch: aarch64/])
  t.match(problemsOn('darwin/arm64', lab('os: rocky9\narch: x86_64\nprovider: virtualbox')), [/^3:7 x86_64 guests: VirtualBox on Apple Silicon runs ARM \(aarch64\) guests only/])
  t.match(problemsOn('linux/x64', lab('os: rocky9\narch: aarch64\nprovider: virtualbox')), [/^3:7 aarch64 guests: VirtualBox on an x86-64 host runs x86-64 guests only.*provider: qemu/])
  t.match(problemsOn('linux/x64', lab('os: rocky9\nprovider: vmware\narch: aarch64')), [/^4:7 aarch64 guests: VMware Workstation runs x86-64 guests only/])
  t.same(problemsOn('linux/x64', lab('os: rocky9\narch: aarch64\nprovider: qemu')), [], 'QEMU emulates it')
  t.match(problemsOn('linux/x64', lab('os: centos7\narch: aarch64\nprovider: qemu')), [
    /^3:7 CentOS 7.9 \(2009\) has no aarch64 media.*\| use one of rocky9, rocky10, alma9, alma10, centos-stream10 for aarch64, or arch: x86_64$/,
  ])
  // Not named: the problem is at the OS, and says why aarch64 is the default.
  t.match(problemsOn('darwin/arm64', lab('os: rocky8\nprovider: virtualbox')), [
    /^2:5 Rocky Linux 8 has no aarch64 media .*\(arch is left out, and VirtualBox runs no x86_64 guest on this host\) \| .*, or arch: x86_64 with provider: qemu, which emulates it$/,
  ])
  t.match(problemsOn('darwin/arm64', lab('os: alma8')), [/^2:5 AlmaLinux 8 has no aarch64 media .*\(arch is left out, and VirtualBox and VMware run no x86_64 guest on this host\)/], 'provider: auto')
  t.match(problemsOn('linux/x64', lab('os: rocky9\narch: aarch64\nprovider: libvirt')), [/^3:7 aarch64 guests: the libvirt provider writes x86-64 domains only so far/])
  t.match(problemsOn('linux/x64', lab('os: rocky9\narch: arm64\nprovider: qemu')), [/^3:7 .*x86_64.*aarch64/], 'the schema names the spellings')
})

t.test('validate: Harbor on aarch64 is refused with the registry module as the way out', async (t) => {
  const harbor = 'modules:\n  - docker\n  - harbor: { node: master, installer: https://example.org/harbor-offline-installer-v2.11.0.tgz }\n'
  t.match(problemsOn('linux/x64', lab('os: rocky9\narch: aarch64\nprovider: qemu', harbor)), [/^11:5 Harbor publishes no official arm64 installer.*\| use the registry module instead/])
  t.same(problemsOn('linux/x64', lab('os: rocky9\nprovider: qemu', harbor)), [], 'x86_64 Harbor is fine')
})
