/**
 * VirtualBox 7.1's ARM platform (Apple Silicon), through `lab plan --commands`' recording runner: what an aarch64
 * lab's base and clones are made with, and what is refused before anything is made.
 */
import t from 'tap'
import { RecordingRunner, type FreshMachine } from '../../src/providers/cli-runner.js'
import { freshMachine } from '../../src/providers/virtualbox/fresh-machine.js'
import { VirtualBoxProvider } from '../../src/providers/virtualbox/provider.js'
import { osFor } from '../../src/lab/os-catalog.js'
import type { NetworkSpec } from '../../src/providers/provider.js'

const NET: NetworkSpec = { lab: 'arm', cidr: '192.168.56.0/24', prefix: 24, netmask: '255.255.255.0', hostIp: '192.168.56.1' }
const BASE = 'vmlab-base-rocky9-1a2b3c4d'
const OS = osFor('rocky9', 'aarch64')!

function answering(version: string): FreshMachine {
  return (file, args) => (args[0] === '--version' ? { stdout: `${version}\n` } : freshMachine(file, args))
}

function provider(runner: RecordingRunner, o: { platform?: NodeJS.Platform; arch?: string; guestArch?: 'x86_64' | 'aarch64' } = {}) {
  return new VirtualBoxProvider({ runner, binary: 'VBoxManage', platform: 'darwin', arch: 'arm64', guestArch: 'aarch64', vmFolder: '/Users/t/vms', ...o })
}

t.test('an aarch64 base on 7.1: the ARM platform, UEFI, armv8virtual, virtio-scsi, virtio NICs, nothing of a PC', async (t) => {
  const runner = new RecordingRunner(answering('7.1.4r165100'))
  const p = provider(runner)
  t.same((await p.detect()).problems, [], '7.1 on Apple Silicon with aarch64 guests: nothing in the way')
  const network = await p.ensureNetwork(NET)
  const iso = `/c/isos/${OS.isos[0]!.file}`
  await p.createBase({ name: BASE, os: OS, cpus: 2, memoryMiB: 2048, diskGiB: 20, source: { kind: 'iso', installIso: iso, oemdrvIso: '/m/oemdrv.iso' }, network, installTimeoutMs: 3_600_000 })
  await p.cloneLinked({
    name: 'vmlab-arm-master',
    base: BASE,
    baseSnapshot: 'base',
    cpus: 2,
    memoryMiB: 2048,
    mac: '08:00:27:5e:38:0a',
    seedIso: '/m/seed-master.iso',
    network,
    forwards: [],
    initialSnapshot: 'initial',
  })
  const lines = runner.lines()
  t.ok(lines.includes(`VBoxManage createvm --name ${BASE} --platform-architecture arm --ostype RedHat_arm64 --register --basefolder /Users/t/vms --groups /vmlab`))
  const modify = lines.find((l) => l.startsWith(`VBoxManage modifyvm ${BASE} --memory`))!
  t.match(modify, '--firmware efi --chipset armv8virtual --boot1 dvd')
  t.match(modify, '--rtcuseutc on --graphicscontroller qemuramfb --usb-xhci on --keyboard usb --mouse usb --vram 16 --audio-enabled off')
  t.match(modify, '--nictype1 virtio')
  t.match(modify, '--nictype2 virtio')
  t.notMatch(modify, /--ioapic|vmsvga|82540EM|bios/, 'no x86 option')
  t.ok(lines.includes(`VBoxManage storagectl ${BASE} --name VirtioSCSI --add virtio-scsi --controller VirtIO --portcount 3 --bootable on`))
  t.ok(lines.includes(`VBoxManage storageattach ${BASE} --storagectl VirtioSCSI --port 1 --device 0 --type dvddrive --medium ${iso}`))
  t.ok(lines.includes('VBoxManage storageattach vmlab-arm-master --storagectl VirtioSCSI --port 1 --device 0 --type dvddrive --medium /m/seed-master.iso'), 'the seed disc too')
  // GRUB's menu: up to the install entry and enter; no line is appended (an `e` would open GRUB's editor).
  t.same(
    lines.filter((l) => l.includes('keyboardputscancode')),
    [`VBoxManage controlvm ${BASE} keyboardputscancode e0 48 e0 c8`, `VBoxManage controlvm ${BASE} keyboardputscancode 1c 9c`],
  )
  t.notMatch(lines.join('\n'), /--storagectl SATA/)
})

t.test('refused with the reason: 6.1 and 7.0 on Apple Silicon, x86-64 guests there, ARM guests on a PC', async (t) => {
  for (const version of ['6.1.50r161033', '7.0.20r163906']) {
    const info = await provider(new RecordingRunner(answering(version))).detect()
    t.match(info.problems, [{ fatal: true, problem: /cannot run ARM VMs: 7\.1 is the first release with the arm64 platform/, fix: /VirtualBox 7\.1 or later/ }], version)
  }
  const x86 = await provider(new RecordingRunner(answering('7.1.4r165100')), { guestArch: 'x86_64' }).detect()
  t.match(x86.problems, [{ fatal: true, problem: /VirtualBox on Apple Silicon runs ARM \(aarch64\) guests only: it does not emulate an x86-64 CPU/ }])
  const pc = await provider(new RecordingRunner(answering('7.1.4r165100')), { platform: 'linux', arch: 'x64' }).detect()
  t.match(pc.problems, [{ fatal: true, problem: /VirtualBox on an x86-64 host runs x86-64 guests only/, fix: /provider: qemu/ }])
})
