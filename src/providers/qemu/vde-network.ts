/**
 * The lab LAN without root: one vde_switch per lab, every VM's second NIC plugged into it. (The host
 * cannot reach it; ports users need are forwarded on the NAT NIC instead.)
 */
import { mkdir, readFile, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ensureSocketFolder, socketPath } from './socket-path.js'
import type { CliRunner } from '../cli-runner.js'
import { QEMU_PROBE, qemuCallOptions } from './call-limits.js'
import { LabError } from '../../util/errors.js'
import { sleep } from '../../util/sleep.js'
import { pidAlive } from '../../util/pid-alive.js'

export function vdePaths(networksDir: string, lab: string) {
  const dir = join(networksDir, lab)
  // Every VM plugged in adds a socket of its own below ctl (`.<pid>-<n>`): room for that too.
  return { dir, ctl: socketPath(join(dir, 'ctl'), 20), pid: join(dir, 'vde_switch.pid') }
}

export async function switchPid(pidFile: string): Promise<number | undefined> {
  let pid: number
  try {
    pid = Number((await readFile(pidFile, 'utf8')).trim())
  } catch {
    return undefined
  }
  return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined
}

/** vde_switch's arguments: -d daemonizes after the socket exists, so the VMs can connect as soon as it returns. */
export function vdeSwitchArgs(p: ReturnType<typeof vdePaths>): string[] {
  return ['-s', p.ctl, '-d', '-p', p.pid, '-m', '0700']
}

/** Starts the lab's switch unless it runs already; returns its control socket folder. */
export async function ensureVdeSwitch(runner: CliRunner, binary: string, networksDir: string, lab: string): Promise<{ ctl: string; created: boolean }> {
  const p = vdePaths(networksDir, lab)
  if ((await switchPid(p.pid)) && existsSync(p.ctl)) return { ctl: p.ctl, created: false }
  await rm(p.dir, { recursive: true, force: true })
  await mkdir(p.dir, { recursive: true })
  if (dirname(p.ctl) !== p.dir) {
    await ensureSocketFolder(p.ctl)
    await rm(p.ctl, { recursive: true, force: true })
  }
  await runner.run(binary, vdeSwitchArgs(p), qemuCallOptions(binary, QEMU_PROBE))
  // The daemon writes its pid file after the command that started it has returned: on a busy machine
  // it comes a moment later. Failing at once left a running switch that no journal or state knew of.
  for (let i = 0; i < 50 && !(await switchPid(p.pid)); i++) await sleep(100)
  if (!(await switchPid(p.pid))) throw new LabError(`vde_switch did not stay up for lab ${lab}`, { hint: `try it by hand: ${binary} -s ${p.ctl} -p ${p.pid}` })
  return { ctl: p.ctl, created: true }
}

export async function stopVdeSwitch(networksDir: string, lab: string): Promise<void> {
  const p = vdePaths(networksDir, lab)
  const pid = await switchPid(p.pid)
  if (pid) process.kill(pid, 'SIGTERM')
  for (let i = 0; i < 50 && pid && (await switchPid(p.pid)); i++) await sleep(100)
  await rm(p.dir, { recursive: true, force: true })
  await rm(p.ctl, { recursive: true, force: true })
}
