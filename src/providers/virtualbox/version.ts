/**
 * `VBoxManage --version`: `7.0.14r161095` (distribution builds add a tag: `6.1.38_Ubuntur153438`). When
 * the kernel module is missing, the Linux wrapper script prints a `WARNING:` paragraph first, still on
 * stdout and with exit code 0; VMs will not start until it is fixed.
 */
import { splitLines } from './vbox-error.js'

export interface VBoxVersion {
  /** As printed: 7.0.14r161095. */
  raw: string
  major: number
  minor: number
  patch: number
}

export interface VersionOutput {
  version?: VBoxVersion
  /** Everything printed before the version line (the wrapper's warnings), trimmed. */
  warnings: string
  kernelModuleMissing: boolean
}

export function parseVersion(raw: string): VBoxVersion | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(raw.trim())
  return m ? { raw: raw.trim(), major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined
}

export function parseVersionOutput(stdout: string): VersionOutput {
  const lines = splitLines(stdout)
  const at = lines.findIndex((l) => parseVersion(l) !== undefined)
  const before = (at === -1 ? lines : lines.slice(0, at)).join('\n').trim()
  const warnings = /WARNING:/.test(before) ? before : ''
  const out: VersionOutput = {
    warnings,
    kernelModuleMissing: /kernel module|vboxdrv|kernel driver/i.test(warnings),
  }
  const version = at === -1 ? undefined : parseVersion(lines[at]!)
  if (version) out.version = version
  return out
}

/** "7.0.14": the version without the build revision. */
export function shortVersion(v: VBoxVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`
}

export function atLeast(v: VBoxVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor)
}
