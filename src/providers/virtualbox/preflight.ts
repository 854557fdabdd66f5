/** What `VBoxManage --version` and the host tell us before anything is created, each with its fix. */
import type { Preflight } from '../provider.js'
import { kernelModuleFix } from './vbox-hints.js'
import { atLeast, shortVersion, type VersionOutput } from './version.js'

const DOWNLOAD = 'https://www.virtualbox.org/wiki/Downloads'

export const NOT_INSTALLED: Preflight = {
  problem: 'VBoxManage (VirtualBox) is not installed, or not on PATH',
  fix: `install VirtualBox 7 from ${DOWNLOAD}, or add the folder holding VBoxManage to PATH`,
  fatal: true,
}

export function versionFailed(why: string): Preflight {
  return { problem: `\`VBoxManage --version\` failed: ${why}`, fix: `reinstall VirtualBox (${DOWNLOAD})`, fatal: true }
}

/** Problems with the installation itself: the CPU, the kernel module, the version. */
export function installationProblems(out: VersionOutput, host: { platform: NodeJS.Platform; arch: string }): Preflight[] {
  const problems: Preflight[] = []
  if (host.platform === 'darwin' && host.arch === 'arm64') {
    problems.push({
      problem: 'VirtualBox on Apple silicon runs only ARM guests, and the lab OSes install from x86-64 media',
      fix: 'use the qemu provider (`--provider qemu`), or a PC / Intel Mac with VirtualBox',
      fatal: true,
    })
  }
  if (out.kernelModuleMissing) {
    problems.push({
      problem: `VirtualBox's kernel module is not loaded, so no VM can start:\n${out.warnings}`,
      fix: kernelModuleFix(host.platform),
      fatal: true,
    })
  }
  if (!out.version) {
    problems.push({ problem: '`VBoxManage --version` printed no version', fix: `reinstall VirtualBox (${DOWNLOAD})`, fatal: true })
  } else if (!atLeast(out.version, 6, 1)) {
    problems.push({
      problem: `VirtualBox ${shortVersion(out.version)} is too old (vmlab needs 6.1 or later)`,
      fix: `install VirtualBox 7 from ${DOWNLOAD}`,
      fatal: true,
    })
  }
  return problems
}
