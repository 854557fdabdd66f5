/**
 * Where vmlab keeps its VMware VMs: one folder per VM, `<vms dir>/<name>/<name>.vmx`, VMware's own layout.
 * VMware has no registry of VMs that vmrun can query (only `list` of the running ones), so these folders are
 * the inventory.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path'
import { homedir } from 'node:os'
import { cutShort, readVmx } from './vmx.js'
import { readDiskParent } from './vmdk.js'

export function defaultVmsDir(env: NodeJS.ProcessEnv): string {
  return env.VMLAB_VMWARE_VMS_DIR || join(homedir(), 'vmlab', 'vmware')
}

export class VmFolders {
  constructor(
    readonly root: string,
    private readonly platform: NodeJS.Platform,
  ) {}

  dir(name: string): string {
    return join(this.root, name)
  }

  vmx(name: string): string {
    return join(this.root, name, `${name}.vmx`)
  }

  /**
   * Is there a VM VMware can open in `name`'s folder? Not when the folder has no .vmx (killed while the disk
   * was made) or one cut inside a line (killed while vmrun wrote a clone's): both are what a half-made VM left.
   */
  hasVm(name: string): boolean {
    try {
      return !cutShort(readFileSync(this.vmx(name), 'utf8'))
    } catch {
      return false
    }
  }

  /**
   * The VM folders whose name starts with `prefix`, with or without a .vmx: a VM killed while its disk was
   * being made has a folder and a disk but no .vmx yet, and must still be found to be cleaned up. Sorted.
   */
  list(prefix: string): string[] {
    if (!existsSync(this.root)) return []
    return readdirSync(this.root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name.startsWith(prefix))
      .map((e) => e.name)
      .sort()
  }

  /** The same .vmx? macOS and Windows file systems ignore case, and vmrun may print another spelling. */
  samePath(a: string, b: string): boolean {
    const fold = this.platform === 'darwin' || this.platform === 'win32'
    const key = (p: string) => (fold ? normalize(p).toLowerCase() : normalize(p))
    return key(a) === key(b)
  }

  /** Is `file` inside the VM folder `dir`? */
  inside(file: string, dir: string): boolean {
    return this.samePath(dirname(file), dir)
  }

  /**
   * Other VMs under the root whose disks are linked clones of a disk in `name`'s folder. A clone's snapshots
   * add deltas in its own folder, so each chain is followed until it leaves the clone's folder.
   */
  clonesOf(name: string): string[] {
    const baseDir = this.dir(name)
    return this.list('').filter((other) => other !== name && diskFiles(this.vmx(other)).some((disk) => this.leavesFolder(disk, baseDir)))
  }

  private leavesFolder(disk: string, target: string): boolean {
    const home = dirname(disk)
    let file = disk
    for (let depth = 0; depth < 256; depth++) {
      const parent = readDiskParent(file)
      if (parent === undefined) return false
      file = resolve(dirname(file), parent)
      if (this.inside(file, target)) return true
      if (!this.inside(file, home)) return false
    }
    return false
  }
}

const DISK_KEY = /^(?:scsi|sata|ide|nvme)\d+:\d+\.fileName$/i

/** Absolute paths of the hard disks a .vmx attaches (CD-ROM images left out). */
function diskFiles(vmxPath: string): string[] {
  let vmx: ReturnType<typeof readVmx>
  try {
    vmx = readVmx(vmxPath)
  } catch {
    return []
  }
  const dir = dirname(vmxPath)
  return vmx
    .keys()
    .filter((k) => DISK_KEY.test(k))
    .map((k) => vmx.get(k)!)
    .filter((f) => f.toLowerCase().endsWith('.vmdk'))
    .map((f) => (isAbsolute(f) ? f : join(dir, f)))
}

/** The end of the VM's vmware.log: where VMware says why a power-on failed or what the guest did last. */
export function vmwareLogTail(dir: string, lines = 20): string {
  const file = join(dir, 'vmware.log')
  try {
    if (!statSync(file).isFile()) return ''
    return readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean).slice(-lines).join('\n')
  } catch {
    return ''
  }
}
