/** What `VBoxManage --version` and the host tell us before anything is created, each with its fix. */
import type { Preflight } from '../provider.js'
import { kernelModuleFix } from './vbox-hints.js'
import { atLeast, shortVersion, type VersionOutput } from './version.js'
import { virtualboxArches } from './arch-support.js'
import { ARM_SINCE } from './flavour.js'

const DOWNLOAD = 'https://www.virtualbox.org/wiki/Downloads'

export const NOT_INSTALLED: Preflight = {
  problem: 'VBoxManage (VirtualBox) is not installed, or not on PATH',
  fix: `install VirtualBox 7 from ${DOWNLOAD}, or add the folder holding VBoxManage to PATH`,
  fatal: true,
}

export function versionFailed(why: string): Preflight {
  return { problem: `\`VBoxManage --version\` failed: ${why}`, fix: `reinstall VirtualBox (${DOWNLOAD})`, fatal: true }
}

/**
 * Problems with the installation itself: the CPU against the lab's guests, the kernel module, the version. An
 * ARM host runs ARM guests only, and only from 7.1 on (6.1 has no arm64 build, 7.0's was an unsupported
 * developer preview without `--platform-architecture`); an x86-64 host runs no ARM guest.
 */
export function installationProblems(out: VersionOutput, host: { platform: NodeJS.Platform; arch: string; guestArch?: 'x86_64' | 'aarch64' }): Preflight[] {
  const problems: Preflight[] = []
  const support = virtualboxArches(host)[host.guestArch ?? 'x86_64']
  if (!support.runs) problems.push({ problem: support.why, fix: support.fix, fatal: true })
  if (host.arch === 'arm64' && out.version && !atLeast(out.version, ARM_SINCE.major, ARM_SINCE.minor)) {
    problems.push({
      problem: `VirtualBox ${shortVersion(out.version)} cannot run ARM VMs: 7.1 is the first release with the arm64 platform (\`createvm --platform-architecture arm\`)`,
      fix: `install VirtualBox 7.1 or later for macOS / Apple Silicon hosts from ${DOWNLOAD}`,
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
