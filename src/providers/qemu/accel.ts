/**
 * Which accelerator QEMU can use here. /dev/kvm is not enough: under nested virtualisation (our CI machines)
 * KVM answers but runs a guest so slowly that a Linux boot seems to hang. So a 512-byte boot sector that
 * tells QEMU to exit (isa-debug-exit) is run once with KVM and once with TCG: KVM is used only when it is
 * clearly the faster. TCG always works, slowly.
 */
import { accessSync, constants, statSync } from 'node:fs'
import { writeFile, mkdtemp, rm, readFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import type { CliRunner } from '../cli-runner.js'
import type { Accel } from './qemu-vm.js'

/** mov al,1; out 0xf4,al; hlt; jmp $ — then the boot signature. */
function bootSector(): Buffer {
  const code = Buffer.from([0xb0, 0x01, 0xe6, 0xf4, 0xf4, 0xeb, 0xfe])
  const b = Buffer.alloc(512)
  code.copy(b)
  b[510] = 0x55
  b[511] = 0xaa
  return b
}

/** How long a boot of the exit sector took with `accel`, undefined when it did not end as it should. */
async function timeBoot(runner: CliRunner, qemu: string, accel: 'kvm' | 'tcg', image: string, timeoutMs: number): Promise<number | undefined> {
  try {
    const r = await runner.run(qemu, bootArgv(accel, image), { timeoutMs, reject: false })
    // isa-debug-exit exits with (value << 1) | 1 = 3.
    return r.exitCode === 3 ? r.durationMs : undefined
  } catch {
    // not startable, or it hung past the time limit
    return undefined
  }
}

function bootArgv(accel: 'kvm' | 'tcg', image: string): string[] {
  return ['-accel', accel, '-M', 'pc', '-nodefaults', '-display', 'none', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-drive', `file=${image},format=raw,if=ide`, '-no-reboot']
}

export interface AccelChoice {
  accel: Accel
  /** Why not hardware acceleration, for a warning. */
  note?: string
}

/**
 * Remembers the probe's answer per QEMU binary (it takes seconds when KVM is slow), in `cacheFile`.
 */
export async function cachedAccel(runner: CliRunner, qemu: string, cacheFile: string, env: NodeJS.ProcessEnv = process.env): Promise<AccelChoice> {
  if (env.VMLAB_QEMU_ACCEL) return chooseAccel(runner, qemu, env)
  const st = statSync(qemu, { throwIfNoEntry: false })
  const key = `${qemu}:${st?.mtimeMs ?? 0}`
  try {
    const saved = JSON.parse(await readFile(cacheFile, 'utf8')) as { key: string; choice: AccelChoice }
    if (saved.key === key) return saved.choice
  } catch {
    // no answer saved yet
  }
  const choice = await chooseAccel(runner, qemu, env)
  await mkdir(dirname(cacheFile), { recursive: true })
  await writeFile(cacheFile, JSON.stringify({ key, choice }) + '\n')
  return choice
}

/** `kvmDevice`: where KVM is (a test gives another file). */
export async function chooseAccel(runner: CliRunner, qemu: string, env: NodeJS.ProcessEnv = process.env, kvmDevice = '/dev/kvm'): Promise<AccelChoice> {
  const forced = env.VMLAB_QEMU_ACCEL
  if (forced === 'kvm' || forced === 'tcg' || forced === 'hvf' || forced === 'whpx') return { accel: forced }
  if (process.platform === 'darwin') return { accel: 'hvf' }
  if (process.platform === 'win32') return { accel: 'whpx' }
  try {
    accessSync(kvmDevice, constants.R_OK | constants.W_OK)
  } catch {
    return { accel: 'tcg', note: 'no usable /dev/kvm: QEMU runs in software emulation (10-50x slower); load the kvm module and add yourself to the kvm group' }
  }
  const dir = await mkdtemp(join(tmpdir(), 'vmlab-accel-'))
  try {
    const image = join(dir, 'boot.img')
    await writeFile(image, bootSector())
    const [kvm, tcg] = [await timeBoot(runner, qemu, 'kvm', image, 10_000), await timeBoot(runner, qemu, 'tcg', image, 10_000)]
    if (kvm !== undefined && (tcg === undefined || kvm < Math.max(1000, tcg * 3))) return { accel: 'kvm' }
    return {
      accel: 'tcg',
      note: `KVM is present but ${kvm === undefined ? 'does not work' : `runs a guest slower than emulation (${kvm} ms vs ${tcg} ms for a boot sector: nested virtualisation?)`}; using software emulation. Set VMLAB_QEMU_ACCEL=kvm to force it`,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
