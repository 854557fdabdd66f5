/**
 * aarch64 guests on QEMU, through `lab plan --commands`' driver: qemu-system-aarch64 on the `virt` machine,
 * UEFI from pflash (each VM its own variable store, qcow2 so that savevm takes it), the discs on virtio-scsi,
 * HVF on Apple Silicon and TCG elsewhere.
 */
import t from 'tap'
import { RecordingRunner } from '../../src/providers/cli-runner.js'
import { freshMachine } from '../../src/providers/qemu/fresh-machine.js'
import { QemuProvider } from '../../src/providers/qemu/provider.js'
import { PlanQemuDriver } from '../../src/providers/qemu/plan-driver.js'
import { osFor } from '../../src/lab/os-catalog.js'
import type { NetworkSpec } from '../../src/providers/provider.js'
import type { HostPlatform } from '../../src/util/host-platform.js'
import { findFirmware, firmwareCandidates, PLANNED_FIRMWARE } from '../../src/providers/qemu/firmware.js'

const NET: NetworkSpec = { lab: 'arm', cidr: '192.168.56.0/24', prefix: 24, netmask: '255.255.255.0', hostIp: '192.168.56.1' }
const BASE = 'vmlab-base-rocky9-1a2b3c4d'
const ENV = { PATH: '/nonexistent' }
const MAC: HostPlatform = { platform: 'darwin', arch: 'arm64' }
const PC: HostPlatform = { platform: 'linux', arch: 'x64' }

async function upLab(runner: RecordingRunner, host: HostPlatform, driver = new PlanQemuDriver(runner)) {
  const p = new QemuProvider({ lab: 'arm', runner, driver, dataDir: '/q', env: ENV, arch: 'aarch64', host })
  const info = await p.detect()
  if (info.problems.some((x) => x.fatal)) return { p, info }
  const network = await p.ensureNetwork(NET)
  const os = osFor('rocky9', 'aarch64')!
  const iso = `/c/isos/${os.isos[0]!.file}`
  await p.createBase({ name: BASE, os, cpus: 2, memoryMiB: 2048, diskGiB: 20, source: { kind: 'iso', installIso: iso, oemdrvIso: '/lab/media/oemdrv.iso' }, network, installTimeoutMs: 3_600_000 })
  await p.snapshotTake(BASE, 'vmlab-base')
  await p.cloneLinked({
    name: 'vmlab-arm-master',
    base: BASE,
    baseSnapshot: 'vmlab-base',
    cpus: 2,
    memoryMiB: 1024,
    mac: '52:54:00:5e:38:0a',
    seedIso: '/lab/media/master-seed.iso',
    network,
    forwards: [],
    initialSnapshot: 'clean',
  })
  await p.start('vmlab-arm-master')
  return { p, info }
}

t.test('Apple Silicon: qemu-system-aarch64 -machine virt with HVF and the host CPU, UEFI, the discs on virtio-scsi', async (t) => {
  const runner = new RecordingRunner(freshMachine)
  const { info } = await upLab(runner, MAC)
  t.match(info.product, /^QEMU .* \(hvf\)$/)
  const lines = runner.lines()
  t.equal(lines[0], 'qemu-system-aarch64 --version')
  // The firmware installed here, else where Debian's package would put it.
  const fw = findFirmware('qemu-system-aarch64') ?? PLANNED_FIRMWARE
  t.ok(lines.includes(`qemu-img convert -f raw -O qcow2 ${fw.varsTemplate} /q/vms/${BASE}/efi-vars.qcow2`), 'the base gets its own variable store')
  t.ok(lines.includes(`qemu-img convert -f qcow2 -O qcow2 /q/vms/${BASE}/efi-vars.qcow2 /q/vms/vmlab-arm-master/efi-vars.qcow2`), "a clone starts from the base's, boot entry included")
  const base = lines.find((l) => l.startsWith(`qemu-system-aarch64 -name ${BASE} `))!
  t.match(base, `-name ${BASE} -machine virt -accel hvf -smp 2 -cpu host -m 2048 `)
  t.match(base, `-drive if=pflash,format=raw,unit=0,readonly=on,file=${fw.code} -drive if=pflash,format=qcow2,unit=1,file=/q/vms/${BASE}/efi-vars.qcow2`)
  t.match(
    base,
    '-device virtio-scsi-pci,id=scsi0 -drive file=/c/isos/Rocky-9.6-aarch64-minimal.iso,if=none,media=cdrom,readonly=on,id=cd0 -device scsi-cd,drive=cd0,bootindex=0 -drive file=/lab/media/oemdrv.iso,if=none,media=cdrom,readonly=on,id=cd1 -device scsi-cd,drive=cd1 -no-reboot -device qemu-xhci -device usb-kbd',
  )
  t.notMatch(base, /if=ide|-boot |hpet/, 'nothing of a PC')
  const clone = lines.find((l) => l.startsWith('qemu-system-aarch64 -name vmlab-arm-master '))!
  t.match(clone, '-drive if=pflash,format=qcow2,unit=1,file=/q/vms/vmlab-arm-master/efi-vars.qcow2')
  t.notMatch(clone, /scsi-cd|-no-reboot/, 'no install media on a clone')
})

t.test('an x86-64 host: TCG with the emulated CPU, said once as a warning', async (t) => {
  const runner = new RecordingRunner(freshMachine)
  const { info } = await upLab(runner, PC)
  t.match(info.problems, [{ fatal: false, problem: /aarch64 guests on this x86-64 host are emulated \(TCG\)/ }])
  t.match(
    runner.lines().find((l) => l.startsWith(`qemu-system-aarch64 -name ${BASE} `)),
    '-machine virt -accel tcg,thread=multi -smp 2 -cpu max ',
  )
})

t.test('no firmware installed: detect says so, with the package to install, before anything is made', async (t) => {
  class NoFirmware extends PlanQemuDriver {
    override firmware() {
      return undefined
    }
  }
  const runner = new RecordingRunner(freshMachine)
  const { info } = await upLab(runner, PC, new NoFirmware(runner))
  t.match(info.problems, [{ fatal: true, problem: /no UEFI firmware for aarch64 guests \(looked for .*\/usr\/share\/AAVMF\/AAVMF_CODE\.fd/, fix: /apt install qemu-efi-aarch64.*brew install qemu/ }])
  t.same(runner.lines(), ['qemu-system-aarch64 --version'])
})

t.test('firmware: next to the QEMU in use (Homebrew), then Debian AAVMF, then Fedora edk2', async (t) => {
  const c = firmwareCandidates('/opt/homebrew/bin/qemu-system-aarch64')
  t.same(c[0], { code: '/opt/homebrew/share/qemu/edk2-aarch64-code.fd', varsTemplate: '/opt/homebrew/share/qemu/edk2-arm-vars.fd' })
  t.same(c[1], { code: '/usr/share/AAVMF/AAVMF_CODE.fd', varsTemplate: '/usr/share/AAVMF/AAVMF_VARS.fd' })
  const debian = new Set(['/usr/share/AAVMF/AAVMF_CODE.fd', '/usr/share/AAVMF/AAVMF_VARS.fd'])
  t.equal(findFirmware('/usr/bin/qemu-system-aarch64', (p) => debian.has(p))?.code, '/usr/share/AAVMF/AAVMF_CODE.fd')
  t.equal(
    findFirmware('/usr/bin/qemu-system-aarch64', (p) => p === '/usr/share/AAVMF/AAVMF_CODE.fd'),
    undefined,
    'code without its variable store is not enough',
  )
})

t.test('an x86_64 lab on Apple Silicon: TCG (HVF runs the host CPU only), with the way to the fast one', async (t) => {
  const runner = new RecordingRunner(freshMachine)
  const p = new QemuProvider({ lab: 'x86', runner, dataDir: '/q', env: ENV, arch: 'x86_64', host: MAC })
  const info = await p.detect()
  t.match(info.product, /\(tcg\)$/)
  t.match(info.problems, [{ fatal: false, problem: /x86_64 guests on this arm64 host are emulated \(TCG\).*arch: aarch64/ }])
  t.equal(runner.lines()[0], 'qemu-system-x86_64 --version', 'no accelerator probe')
})
