/** The QEMU driver that does it: files on disk, QEMU and vde_switch processes, the VMs' monitors. */
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createServer } from 'node:net'
import type { QemuDriver, QemuTools, RunState } from './driver.js'
import { locateQemu } from '../locate.js'
import { which } from '../../util/which.js'
import { sleep } from '../../util/sleep.js'
import { writeCloudBaseSeed, type CloudBaseSeed } from '../../media/cloud-base-seed.js'
import { cachedAccel, type AccelChoice } from './accel.js'
import { findFirmware, type Firmware } from './firmware.js'
import { cachedCloudImage } from './cloud-image-cache.js'
import { machinePaths, readSpec, writeSpec, type MachineSpec } from './machine.js'
import { RunnerDriver } from './runner-driver.js'
import { withQmp, saveVmSnapshot, loadVmSnapshot, deleteVmSnapshot } from './qmp.js'
import { startVm, stopVm, vmRunning, type VmFiles, type VmSpec } from './qemu-vm.js'
import { ensureVdeSwitch, stopVdeSwitch } from './vde-network.js'

export class RealQemuDriver extends RunnerDriver implements QemuDriver {
  findTools(env: NodeJS.ProcessEnv, arch: 'x86_64' | 'aarch64'): QemuTools {
    return { qemu: locateQemu(env, arch), qemuImg: which('qemu-img', [], env), vde: which('vde_switch', [], env) }
  }

  firmware(qemu: string): Firmware | undefined {
    return findFirmware(qemu)
  }

  accel(qemu: string, cacheFile: string, env: NodeJS.ProcessEnv): Promise<AccelChoice> {
    return cachedAccel(this.runner, qemu, cacheFile, env)
  }

  async ensureSwitch(binary: string, networksDir: string, lab: string): Promise<{ ctl: string; created: boolean }> {
    return ensureVdeSwitch(this.runner, binary, networksDir, lab)
  }

  stopSwitch(networksDir: string, lab: string): Promise<void> {
    return stopVdeSwitch(networksDir, lab)
  }

  async described(dir: string): Promise<boolean> {
    return existsSync(machinePaths(dir).spec)
  }

  readDescription(dir: string): Promise<MachineSpec> {
    return readSpec(dir)
  }

  writeDescription(dir: string, m: MachineSpec): Promise<void> {
    return writeSpec(dir, m)
  }

  async machineFolders(vmsDir: string): Promise<string[]> {
    return readdir(vmsDir).catch(() => [])
  }

  async emptyFolder(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true })
    await mkdir(dir, { recursive: true })
  }

  removeFolder(dir: string): Promise<void> {
    return rm(dir, { recursive: true, force: true })
  }

  async copyFile(from: string, to: string, opts: { private?: boolean } = {}): Promise<void> {
    await copyFile(from, to)
    if (opts.private) await chmod(to, 0o600)
  }

  removeFile(path: string): Promise<void> {
    return rm(path, { force: true })
  }

  async writeCloudBaseSeed(path: string, seed: CloudBaseSeed): Promise<void> {
    await writeCloudBaseSeed(path, seed)
    await chmod(path, 0o600)
  }

  cachedCloudImage(cacheRoot: string, image: string, sha256: string): Promise<string> {
    return cachedCloudImage(cacheRoot, image, sha256)
  }

  serialConsole(files: VmFiles): Promise<string | undefined> {
    return readFile(files.serial, 'utf8').catch(() => undefined)
  }

  async folderBytes(dir: string): Promise<number> {
    let total = 0
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const st = await stat(join(dir, name)).catch(() => undefined)
      if (st?.isFile()) total += st.blocks * 512
    }
    return total
  }

  portFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const s = createServer()
      s.once('error', () => resolve(false))
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
    })
  }

  async startVm(qemu: string, spec: VmSpec): Promise<void> {
    await startVm(spec, { qemu })
  }

  vmRunning(files: VmFiles): Promise<boolean> {
    return vmRunning(files)
  }

  async runState(files: VmFiles): Promise<RunState> {
    if (!(await vmRunning(files))) return 'poweroff'
    try {
      const st = await withQmp(files.qmp, (qmp) => qmp.execute<{ status: string }>('query-status'))
      return st.status === 'paused' ? 'paused' : st.status === 'running' ? 'running' : 'busy'
    } catch {
      // The monitor did not answer (QEMU serves one client at a time), but the process is there.
      return 'running'
    }
  }

  async waitForPowerOff(files: VmFiles, timeoutMs: number, pollMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while ((await this.runState(files)) === 'running') {
      if (Date.now() > deadline) return false
      await sleep(pollMs)
    }
    return true
  }

  async stopVm(files: VmFiles, graceMs: number): Promise<void> {
    await stopVm(files, { graceMs })
  }

  async pause(files: VmFiles): Promise<void> {
    await withQmp(files.qmp, (qmp) => qmp.execute('stop'))
  }

  async resume(files: VmFiles): Promise<void> {
    await withQmp(files.qmp, (qmp) => qmp.execute('cont'))
  }

  async typeKeys(files: VmFiles, keys: string[], opts: { delayMs: number; gapMs: number }): Promise<void> {
    await sleep(opts.delayMs)
    await withQmp(files.qmp, async (qmp) => {
      for (const [i, key] of keys.entries()) {
        if (i > 0) await sleep(opts.gapMs)
        await qmp.hmp(`sendkey ${key}`)
      }
    })
  }

  saveLiveSnapshot(files: VmFiles, name: string): Promise<void> {
    return withQmp(files.qmp, (qmp) => saveVmSnapshot(qmp, name))
  }

  loadLiveSnapshot(files: VmFiles, name: string): Promise<void> {
    return withQmp(files.qmp, (qmp) => loadVmSnapshot(qmp, name))
  }

  deleteLiveSnapshot(files: VmFiles, name: string): Promise<void> {
    return withQmp(files.qmp, (qmp) => deleteVmSnapshot(qmp, name))
  }
}
