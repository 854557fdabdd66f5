import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpuLevelProblem, hostCpuFlags, LEVEL_FLAGS } from '../../src/providers/qemu/cpu-level.js'
import { OS_CATALOG } from '../../src/lab/os-catalog.js'

const V3 = new Set(LEVEL_FLAGS['x86-64-v3'])
const V2_ONLY = new Set(LEVEL_FLAGS['x86-64-v2'])

t.test('the catalog: EL9 needs x86-64-v2, EL10 v3, older releases nothing', async (t) => {
  t.equal(OS_CATALOG.rocky9.cpuLevel, 'x86-64-v2')
  for (const id of ['rocky10', 'alma10', 'centos-stream10'] as const) t.equal(OS_CATALOG[id].cpuLevel, 'x86-64-v3', id)
  t.equal(OS_CATALOG.rocky8.cpuLevel, undefined)
  t.equal(cpuLevelProblem(OS_CATALOG.rocky8, 'kvm', '7.2.0', new Set()), undefined, 'no level: no question')
})

t.test('TCG emulates v3 from QEMU 7.2 on', async (t) => {
  t.equal(cpuLevelProblem(OS_CATALOG.rocky10, 'tcg', '7.2.22', undefined), undefined)
  t.equal(cpuLevelProblem(OS_CATALOG.rocky10, 'tcg', '8.0', undefined), undefined)
  const old = cpuLevelProblem(OS_CATALOG.alma10, 'tcg', '6.2.0', undefined)
  t.match(old, { problem: /AlmaLinux 10 needs an x86-64-v3 CPU, and QEMU 6\.2\.0 does not emulate one/, fix: /QEMU 7\.2 or newer/ })
  t.equal(cpuLevelProblem(OS_CATALOG.rocky9, 'tcg', '6.2.0', undefined), undefined, 'v2 is emulated by any QEMU we take')
  t.equal(cpuLevelProblem(OS_CATALOG.rocky10, 'tcg', 'unknown', undefined), undefined, 'an unreadable version is not refused')
})

t.test("with KVM the host's flags decide, and the message names what is missing", async (t) => {
  t.equal(cpuLevelProblem(OS_CATALOG.rocky10, 'kvm', '7.2.0', V3), undefined)
  const p = cpuLevelProblem(OS_CATALOG.rocky10, 'kvm', '7.2.0', V2_ONLY)
  t.match(p?.problem, /Rocky Linux 10 needs an x86-64-v3 CPU; with kvm the guest gets this host's CPU, which lacks avx, avx2, bmi1, bmi2, f16c, fma, abm, movbe, xsave/)
  t.match(p?.fix, /rocky9 needs only x86-64-v2.*VMLAB_QEMU_ACCEL=tcg/)
  t.equal(cpuLevelProblem(OS_CATALOG.rocky9, 'kvm', '7.2.0', V2_ONLY), undefined)
  t.equal(cpuLevelProblem(OS_CATALOG.rocky10, 'hvf', '8.2.0', undefined), undefined, 'flags unknown (macOS): not refused')
})

t.test('hostCpuFlags reads the flags line of /proc/cpuinfo', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cpuinfo-'))
  const file = join(dir, 'cpuinfo')
  writeFileSync(file, 'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse4_2 avx2 popcnt\nbugs\t\t: spectre_v1\n')
  t.same([...(hostCpuFlags(file) ?? [])], ['fpu', 'sse4_2', 'avx2', 'popcnt'])
  t.equal(hostCpuFlags(join(dir, 'none')), undefined)
})
