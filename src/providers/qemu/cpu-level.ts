/**
 * Whether the guest CPU QEMU gives can run an OS built for an x86-64 level (EL9: v2, EL10: v3). With
 * hardware acceleration the guest sees the host's CPU (`-cpu host`), so the host's flags decide; under TCG
 * `-cpu max` emulates what this QEMU knows, and AVX/AVX2 came to TCG with QEMU 7.2.
 */
import { readFileSync } from 'node:fs'
import type { CpuLevel, OsInfo } from '../../lab/os-catalog.js'
import type { Accel } from './qemu-vm.js'

/** The /proc/cpuinfo flags each level needs (lzcnt shows as abm). */
const V2 = ['cx16', 'lahf_lm', 'popcnt', 'sse4_1', 'sse4_2', 'ssse3']
export const LEVEL_FLAGS: Record<CpuLevel, readonly string[]> = {
  'x86-64-v2': V2,
  'x86-64-v3': [...V2, 'avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'abm', 'movbe', 'xsave'],
}

/** The first QEMU whose TCG emulates each level (v2's SSE4.2 and POPCNT are much older than any we take). */
const TCG_SINCE: Record<CpuLevel, [number, number]> = { 'x86-64-v2': [0, 0], 'x86-64-v3': [7, 2] }

/** The host CPU's flags (Linux); undefined where /proc/cpuinfo does not tell. */
export function hostCpuFlags(file = '/proc/cpuinfo'): Set<string> | undefined {
  try {
    const line = /^flags\s*:(.*)$/m.exec(readFileSync(file, 'utf8'))?.[1]
    return line === undefined ? undefined : new Set(line.trim().split(/\s+/))
  } catch {
    return undefined
  }
}

export interface CpuProblem {
  problem: string
  fix: string
}

export function cpuLevelProblem(os: Pick<OsInfo, 'title' | 'cpuLevel'>, accel: Accel, qemuVersion: string, hostFlags: Set<string> | undefined): CpuProblem | undefined {
  const level = os.cpuLevel
  if (level === undefined) return undefined
  if (accel === 'tcg') {
    const [major, minor] = qemuVersion.split('.').map((n) => Number.parseInt(n, 10))
    const [wantMajor, wantMinor] = TCG_SINCE[level]
    if (major === undefined || Number.isNaN(major)) return undefined
    if (major > wantMajor || (major === wantMajor && (minor ?? 0) >= wantMinor)) return undefined
    return {
      problem: `${os.title} needs an ${level} CPU, and QEMU ${qemuVersion} does not emulate one in software (AVX2 came to its TCG with 7.2)`,
      fix: 'install QEMU 7.2 or newer, use hardware acceleration (KVM) on a CPU that has the level, or an OS of an earlier release (rocky9)',
    }
  }
  if (hostFlags === undefined) return undefined
  const missing = LEVEL_FLAGS[level].filter((f) => !hostFlags.has(f))
  if (!missing.length) return undefined
  return {
    problem: `${os.title} needs an ${level} CPU; with ${accel} the guest gets this host's CPU, which lacks ${missing.join(', ')}`,
    fix: `use an OS of an earlier release (rocky9 needs only x86-64-v2), a newer machine, or software emulation (VMLAB_QEMU_ACCEL=tcg: slow, but it emulates ${level})`,
  }
}
