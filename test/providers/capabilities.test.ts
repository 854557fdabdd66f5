/**
 * What each hypervisor can do, asked by capability instead of by name: the answers the lab checks, the plan
 * and `provider: auto` gave when they tested names, and each provider carrying its own record.
 */
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { anyOf, capabilitiesOf, cloudImageProblem, plannedDisks, providersThat } from '../../src/providers/capabilities.js'
import { createProvider } from '../../src/providers/index.js'
import { labMac, macProblem } from '../../src/lab/mac.js'
import { macFor } from '../../src/lab/resolve.js'
import { loadLab, parseLab } from '../../src/lab/load.js'
import { chooseProvider } from '../../src/engine/lab-plan.js'
import { LabFileError, type Problem } from '../../src/lab/problems.js'
import { OS_CATALOG, OS_IDS } from '../../src/lab/os-catalog.js'
import { PROVIDER_NAMES } from '../../src/lab/provider-names.js'
import { virtualboxOsType } from '../../src/providers/virtualbox/os-types.js'
import { vmwareGuestOs } from '../../src/providers/vmware/guest-os.js'

function labText(os: string, provider: string, extra = ''): string {
  return `name: caps\nos: ${os}\nprovider: ${provider}\nnetwork:\n  cidr: 192.168.56.0/24\n${extra}nodes:\n  - name: master\n`
}

function problemsOf(text: string): Problem[] {
  try {
    parseLab(text, 'lab.yaml')
  } catch (err) {
    if (err instanceof LabFileError) return err.problems
    throw err
  }
  return []
}

t.test('each provider carries the record capabilitiesOf gives for its name', async (t) => {
  const lab = parseLab(labText('rocky9', 'auto'), 'lab.yaml')
  for (const name of PROVIDER_NAMES) {
    const p = await createProvider(name, { stateDir: t.testdirName, lab })
    t.equal(p.capabilities, capabilitiesOf(name), name)
  }
})

t.test('what each hypervisor makes and keeps', async (t) => {
  t.same(
    providersThat((c) => c.guests.debian !== undefined),
    ['qemu', 'libvirt'],
    'Debian guests: QEMU and libvirt (which runs QEMU), as images',
  )
  t.equal(capabilitiesOf('qemu').guests.debian, 'image')
  for (const family of ['el7', 'el8', 'el9'] as const)
    t.same(
      providersThat((c) => c.guests[family] === 'kickstart'),
      PROVIDER_NAMES,
      `${family}: every provider installs it by kickstart`,
    )
  t.same(
    providersThat((c) => c.cloudImages !== undefined),
    ['qemu'],
    'cloud images: QEMU only',
  )
  t.same(
    providersThat((c) => c.liveRestore),
    ['virtualbox', 'vmware', 'qemu', 'libvirt', 'proxmox'],
  )
  t.same(
    providersThat((c) => c.reclaimsFreedMemory),
    ['qemu'],
  )
  t.same(
    ['virtualbox', 'vmware', 'qemu', 'libvirt'].map((n) => capabilitiesOf(n as 'qemu').title),
    ['VirtualBox', 'VMware', 'QEMU', 'libvirt'],
  )
  t.same([anyOf([]), anyOf(['a']), anyOf(['a', 'b']), anyOf(['a', 'b', 'c'])], ['', 'a', 'a or b', 'a, b or c'])
})

t.test('the OS type ids moved into the provider folders unchanged', async (t) => {
  const vbox = Object.fromEntries(OS_IDS.map((id) => [id, virtualboxOsType(OS_CATALOG[id])]))
  t.same(vbox, {
    centos7: 'RedHat_64',
    rocky8: 'RedHat_64',
    rocky9: 'RedHat_64',
    rocky10: 'RedHat_64',
    alma8: 'RedHat_64',
    alma9: 'RedHat_64',
    alma10: 'RedHat_64',
    'centos-stream9': 'RedHat_64',
    'centos-stream10': 'RedHat_64',
    debian12: 'Debian_64',
  })
  const vmware = Object.fromEntries(OS_IDS.map((id) => [id, vmwareGuestOs(OS_CATALOG[id])]))
  t.same(vmware, {
    centos7: 'centos7-64',
    rocky8: 'rhel8-64',
    rocky9: 'rhel9-64',
    rocky10: 'rhel9-64',
    alma8: 'rhel8-64',
    alma9: 'rhel9-64',
    alma10: 'rhel9-64',
    'centos-stream9': 'rhel9-64',
    'centos-stream10': 'rhel9-64',
    debian12: 'debian12-64',
  })
  t.notOk('virtualboxOsType' in OS_CATALOG.rocky9 || 'vmwareGuestOs' in OS_CATALOG.rocky9, 'the catalog names no hypervisor')
})

t.test('derived MACs: the same addresses as when lab/mac.ts knew every range', async (t) => {
  const ip = ((192 << 24) | (168 << 16) | (56 << 8) | 10) >>> 0
  const mac = (p: 'virtualbox' | 'vmware' | 'qemu', lab: string) => labMac(capabilitiesOf(p).macs, lab, ip)
  t.same(
    ['swarm', 'demo', 'cloud'].map((l) => mac('virtualbox', l)),
    ['08:00:27:44:38:0a', '08:00:27:2a:38:0a', '08:00:27:56:38:0a'],
  )
  // VMware's static range ends at 00:50:56:3f: the lab's byte is cut to fit (0x44 → 0x04, 0x56 → 0x16).
  t.same(
    ['swarm', 'demo', 'cloud'].map((l) => mac('vmware', l)),
    ['00:50:56:04:38:0a', '00:50:56:2a:38:0a', '00:50:56:16:38:0a'],
  )
  t.same(
    ['swarm', 'demo', 'cloud'].map((l) => mac('qemu', l)),
    ['52:54:00:44:38:0a', '52:54:00:2a:38:0a', '52:54:00:56:38:0a'],
  )
  const lab = parseLab(
    labText('rocky9', 'auto').replace('  - name: master\n', '  - name: master\n    ip: 192.168.56.10\n  - name: node1\n    ip: 192.168.56.11\n    mac: 08:00:27:00:00:99\n'),
    'lab.yaml',
  )
  t.equal(macFor(lab, lab.nodes[0]!, 'vmware'), labMac(capabilitiesOf('vmware').macs, 'caps', ip))
  t.equal(macFor(lab, lab.nodes[1]!, 'vmware'), '08:00:27:00:00:99', 'a MAC the lab gives is kept as it is')
})

t.test('MAC rules: unicast always, the range only where the hypervisor enforces it', async (t) => {
  const vmware = capabilitiesOf('vmware').macs
  t.equal(macProblem(vmware, '00:50:56:40:00:01'), 'is outside the static range VMware accepts (00:50:56:00:00:00 to 00:50:56:3f:ff:ff)')
  t.equal(macProblem(vmware, '08:00:27:00:00:01'), 'is outside the static range VMware accepts (00:50:56:00:00:00 to 00:50:56:3f:ff:ff)')
  t.equal(macProblem(vmware, '00:50:56:3F:FF:FF'), undefined)
  for (const p of ['virtualbox', 'qemu'] as const) t.equal(macProblem(capabilitiesOf(p).macs, '00:50:56:40:00:01'), undefined, `${p} takes any unicast MAC`)
  t.equal(macProblem(undefined, '00:50:56:40:00:01'), undefined, 'provider not known yet: no range')
  for (const range of [undefined, vmware]) t.equal(macProblem(range, '01:50:56:00:00:01'), 'is a multicast address (the first byte must be even)')
  // With provider: auto only what every MAC must be is checked (as when auto was checked as VirtualBox).
  t.same(problemsOf(labText('rocky9', 'auto').replace('  - name: master\n', '  - name: master\n    mac: 00:50:56:40:00:01\n')), [])
  t.match(problemsOf(labText('rocky9', 'vmware').replace('  - name: master\n', '  - name: master\n    mac: 00:50:56:40:00:01\n')), [
    { path: ['nodes', 0, 'mac'], message: /static range VMware accepts/ },
  ])
})

t.test('the lab checks ask the capabilities and say what they said', async (t) => {
  for (const provider of ['virtualbox', 'vmware']) {
    t.same(
      problemsOf(labText('debian12', provider)).map((p) => [p.path, p.message, p.hint]),
      [[['os'], 'debian12 guests are built as images for the qemu or libvirt provider only', 'use provider: qemu or libvirt, or an EL OS (rocky9, alma9, …) with VirtualBox, VMware or Proxmox VE']],
    )
  }
  t.same(problemsOf(labText('debian12', 'qemu')), [])
  t.same(
    problemsOf(labText('debian12', 'qemu', 'install:\n  packages: [nftables, "@core"]\n')).map((p) => [p.path, p.message]),
    [[['install', 'packages', 1], '"@core" is not a Debian package name']],
    'debootstrap takes plain package names: validate says so before a build',
  )
  t.same(problemsOf(labText('debian12', 'auto')), [])
  const image = 'install:\n  image: cloud.qcow2\n'
  t.same(
    problemsOf(labText('rocky9', 'virtualbox', image)).map((p) => [p.path, p.message, p.hint]),
    [[['install', 'image'], 'a cloud image works with the qemu provider only, not virtualbox', 'set provider: qemu, or remove install.image to install the OS from its ISO']],
  )
  t.same(
    problemsOf(labText('rocky9', 'auto', image)).map((p) => p.message),
    ['a cloud image needs the qemu provider, and provider: auto may pick another'],
  )
  t.same(problemsOf(labText('rocky9', 'qemu', image)), [])
})

t.test('the cloud image file is checked by the provider that would boot it', async (t) => {
  const dir = t.testdir({ 'cloud.qcow2': Buffer.from([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3]), 'cloud.raw': Buffer.alloc(8) })
  for (const provider of ['qemu', 'virtualbox', 'vmware', 'auto'] as const) {
    t.equal(cloudImageProblem(provider, join(dir, 'cloud.qcow2')), undefined, `${provider}: a qcow2 file is what QEMU boots`)
    t.match(cloudImageProblem(provider, join(dir, 'cloud.raw')), { message: /is not a qcow2 image/, hint: /qemu-img convert -O qcow2/ }, provider)
  }
  t.match(cloudImageProblem('qemu', join(dir, 'none.qcow2')), { missing: true, message: /^no file at / })
  // Through the lab file: the located problem `lab validate` prints.
  writeFileSync(join(dir, 'lab.yaml'), labText('rocky9', 'qemu', 'install:\n  image: cloud.raw\n'))
  const err = await loadLab('lab.yaml', { cwd: dir }).catch((e: unknown) => e)
  t.match((err as LabFileError).problems, [{ path: ['install', 'image'], line: 7, col: 10, message: /cloud\.raw is not a qcow2 image/ }])
})

t.test('provider: auto picks the one provider that makes the OS, without looking for it', async (t) => {
  const loaded = (text: string) => ({ lab: parseLab(text, 'lab.yaml') }) as Parameters<typeof chooseProvider>[0]
  const path = process.env.PATH
  process.env.PATH = '/nonexistent'
  t.teardown(() => {
    process.env.PATH = path
  })
  t.same(chooseProvider(loaded(labText('debian12', 'auto'))), { name: 'qemu', chosen: 'auto' })
  t.throws(() => chooseProvider(loaded(labText('rocky9', 'auto'))), { message: /no hypervisor found/ }, 'an EL OS: any provider, so one must be found')
  t.same(chooseProvider(loaded(labText('debian12', 'auto')), 'vmware'), { name: 'vmware', chosen: 'flag' }, 'the flag still wins')
})

t.test('the disks a plan shows come from the provider that makes them', async (t) => {
  const qemu = plannedDisks('qemu')
  t.equal(qemu.cloudImage, join('<image cache>', 'cloud-<sha256>', 'cloud.qcow2'))
  t.equal(qemu.image('debian12'), join('<image cache>', 'debian12.qcow2'))
  // VirtualBox and VMware make neither: their createBase is shown the same files, and answers as it would.
  for (const p of ['virtualbox', 'vmware'] as const) t.same([plannedDisks(p).cloudImage, plannedDisks(p).image('debian12')], [qemu.cloudImage, qemu.image('debian12')], p)
})
