/**
 * The aarch64 command line on a real qemu-system-aarch64 (TCG) with Debian's AAVMF firmware: QEMU accepts every
 * option, the monitor answers and the firmware runs (its boot manager prints on the serial console). No guest
 * is installed: an empty disk and no media, stopped after a few seconds.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { qemuArgv, startVm, stopVm, vmFiles, type VmSpec } from '../../src/providers/qemu/qemu-vm.js'
import { findFirmware } from '../../src/providers/qemu/firmware.js'
import { which } from '../../src/util/which.js'
import { sleep } from '../../src/util/sleep.js'

const qemu = which('qemu-system-aarch64', [])
const firmware = qemu ? findFirmware(qemu) : undefined
const skip = !qemu ? 'qemu-system-aarch64 is not installed (apt install qemu-system-arm)' : !firmware ? 'no aarch64 UEFI firmware (apt install qemu-efi-aarch64)' : false

t.test('qemu-system-aarch64 takes the argv and the UEFI firmware boots under TCG', { skip }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vmlab-aarch64-'))
  const files = vmFiles(dir)
  t.teardown(async () => {
    await stopVm(files, { graceMs: 0, quitMs: 5_000 })
    await rm(dir, { recursive: true, force: true })
  })
  const disk = join(dir, 'disk.qcow2')
  const vars = join(dir, 'efi-vars.qcow2')
  execFileSync('qemu-img', ['create', '-f', 'qcow2', disk, '1G'])
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', firmware!.varsTemplate, vars])
  const spec: VmSpec = { name: 'arm-smoke', arch: 'aarch64', firmware: { code: firmware!.code, vars }, accel: 'tcg', cpus: 1, memoryMiB: 512, disk, sshPort: 0, files }
  t.match(qemuArgv(spec).join(' '), /-machine virt .*if=pflash/)
  await startVm(spec, { qemu: qemu!, timeoutMs: 20_000 })
  // The firmware's first lines take a second or two under TCG; give it up to 20 s.
  let serial = ''
  for (let i = 0; i < 40 && !/UEFI|BdsDxe|Shell>|EFI/.test(serial); i++) {
    await sleep(500)
    serial = await readFile(files.serial, 'utf8').catch(() => '')
  }
  t.match(serial, /UEFI|BdsDxe|Shell>|EFI/, 'the firmware printed on the serial console')
  t.match(await readFile(files.log, 'utf8').catch(() => ''), /^(?![\s\S]*(invalid|unsupported|Could not))/, 'QEMU complained about nothing')
})
