/**
 * Where each hypervisor's CLI lives on Linux, macOS and Windows. Only file-system look-ups: `provider: auto`
 * and `lab plan` use this without starting any process.
 */
import { join } from 'node:path'
import type { ProviderName } from '../lab/schema.js'
import { which } from '../util/which.js'

export function locateVBoxManage(env: NodeJS.ProcessEnv = process.env): string | undefined {
  // The MSI installer sets these; they may hold several ;-separated folders and lack a trailing backslash.
  const winDirs = [env.VBOX_MSI_INSTALL_PATH, env.VBOX_INSTALL_PATH].flatMap((v) => (v ? v.split(';') : [])).filter(Boolean)
  if (process.platform === 'win32') winDirs.push(join(env.ProgramFiles ?? 'C:\\Program Files', 'Oracle', 'VirtualBox'))
  const macDirs = process.platform === 'darwin' ? ['/Applications/VirtualBox.app/Contents/MacOS'] : []
  return which('VBoxManage', [...winDirs, ...macDirs], env)
}

export function vmwareDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  if (process.platform === 'darwin') return ['/Applications/VMware Fusion.app/Contents/Library']
  if (process.platform === 'win32') {
    const pf86 = env['ProgramFiles(x86)'] ?? 'C:\\Program Files (x86)'
    const pf = env.ProgramFiles ?? 'C:\\Program Files'
    return [join(pf86, 'VMware', 'VMware Workstation'), join(pf, 'VMware', 'VMware Workstation'), join(pf86, 'VMware', 'VMware Player')]
  }
  return ['/usr/bin', '/usr/local/bin']
}

export function locateVmrun(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return which('vmrun', vmwareDirs(env), env)
}

/** qemu-system-x86_64, or qemu-system-aarch64 for aarch64 guests. */
export function locateQemu(env: NodeJS.ProcessEnv = process.env, arch: 'x86_64' | 'aarch64' = 'x86_64'): string | undefined {
  const extra = process.platform === 'darwin' ? ['/opt/homebrew/bin', '/usr/local/bin'] : process.platform === 'win32' ? [join(env.ProgramFiles ?? 'C:\\Program Files', 'qemu')] : []
  return which(`qemu-system-${arch}`, extra, env)
}

/** The order `provider: auto` tries them in: what teachers most often have first. */
export const AUTO_ORDER: ProviderName[] = ['virtualbox', 'vmware', 'qemu']

export function locateProvider(name: ProviderName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  switch (name) {
    case 'virtualbox':
      return locateVBoxManage(env)
    case 'vmware':
      return locateVmrun(env)
    case 'qemu':
      return locateQemu(env)
    case 'libvirt':
      return which('virsh', [], env)
    // A cluster is reached over the network, never found on this machine: a lab names it (proxmox.url).
    case 'proxmox':
      return undefined
  }
}

/** The first installed provider in AUTO_ORDER (of those `among`), or undefined. */
export function autoProvider(env: NodeJS.ProcessEnv = process.env, among: readonly ProviderName[] = AUTO_ORDER): { name: ProviderName; binary: string } | undefined {
  for (const name of AUTO_ORDER.filter((n) => among.includes(n))) {
    const binary = locateProvider(name, env)
    if (binary) return { name, binary }
  }
  return undefined
}
