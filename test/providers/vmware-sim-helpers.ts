/** A simulated VMware host for provider tests: the vmrun / vmware-vdiskmanager stand-ins in a temp dir. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import type { Test } from 'tap'
import type { CliRunner } from '../../src/providers/cli-runner.js'
import { VMwareProvider, type VMwareProviderOptions } from '../../src/providers/vmware/provider.js'
import { buildIso } from '../../src/media/iso9660.js'
import { oemdrvIso } from '../../src/media/oemdrv.js'
import { osInfo } from '../../src/lab/os-catalog.js'
import type { BaseSpec, CloneSpec, NetworkHandle } from '../../src/providers/provider.js'
import { run } from '../../src/util/run.js'

export const SIM_BIN = join(import.meta.dirname, '..', 'sim', 'bin')
export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'vmware-provider')
export const LAB_CIDR = '192.168.56.0/24'

export interface SimHost {
  root: string
  vmsDir: string
  isoDir: string
  env: Record<string, string>
  runner: CliRunner
  provider(extra?: VMwareProviderOptions): VMwareProvider
  vmrun(...args: string[]): Promise<string>
}

/** `sim` holds VMLAB_SIM_* knobs; the runner hands them to every process, as a real host's state would be. */
export function simHost(t: Test, sim: Record<string, string> = {}): SimHost {
  const root = t.testdir({ state: {}, vms: {}, iso: {} })
  const env: Record<string, string> = {
    PATH: [SIM_BIN, process.env.PATH ?? ''].join(delimiter),
    // tap's process-tracking preload would make every simulator call several times slower.
    NODE_OPTIONS: '',
    VMLAB_SIM_STATE: join(root, 'state'),
    VMLAB_SIM_INSTALL_SECONDS: '0.5',
    VMLAB_VMWARE_NETWORKING: join(FIXTURES, 'networking-lab'),
    ...sim,
  }
  const runner: CliRunner = { dryRun: false, run: (file, args, opts) => run(file, args, { ...opts, env: { ...env, ...opts?.env } }) }
  const vmsDir = join(root, 'vms')
  return {
    root,
    vmsDir,
    isoDir: join(root, 'iso'),
    env,
    runner,
    provider: (extra = {}) => new VMwareProvider({ runner, env, platform: 'linux', vmsDir, pollIntervalMs: 50, lockRetryMs: 1500, labCidr: LAB_CIDR, ...extra }),
    vmrun: async (...args) => (await runner.run(join(SIM_BIN, 'vmrun'), args, { reject: false })).stdout,
  }
}

/** The install disc (any ISO; the simulator only looks for the OEMDRV one) and the kickstart disc. */
export function installMedia(h: SimHost): { installIso: string; oemdrvIso: string } {
  mkdirSync(h.isoDir, { recursive: true })
  const installIso = join(h.isoDir, 'Rocky-9.6-x86_64-minimal.iso')
  const oemdrv = join(h.isoDir, 'oemdrv.iso')
  writeFileSync(installIso, buildIso({ volumeId: 'ROCKY', files: [{ path: 'README', data: 'not really Rocky\n' }] }))
  writeFileSync(oemdrv, oemdrvIso('text\nreboot --eject\n'))
  return { installIso, oemdrvIso: oemdrv }
}

export function seedDisc(h: SimHost, node: string): string {
  const file = join(h.isoDir, `${node}-seed.iso`)
  writeFileSync(file, buildIso({ volumeId: 'cidata', files: [{ path: 'meta-data', data: `instance-id: ${node}\n` }] }))
  return file
}

export const BASE = 'vmlab-base-rocky9-1a2b3c4d'

export function baseSpec(network: NetworkHandle, source: BaseSpec['source'], extra: Partial<BaseSpec> = {}): BaseSpec {
  return { name: BASE, os: osInfo('rocky9'), cpus: 2, memoryMiB: 2048, diskGiB: 20, source, network, installTimeoutMs: 30_000, ...extra }
}

export function cloneSpec(h: SimHost, network: NetworkHandle, name: string, index: number): CloneSpec {
  return {
    name,
    base: BASE,
    baseSnapshot: 'base',
    cpus: 1,
    memoryMiB: 1024,
    mac: `00:50:56:2a:00:${(10 + index).toString(16).padStart(2, '0')}`,
    seedIso: seedDisc(h, name),
    network,
    forwards: [],
    initialSnapshot: 'initial',
  }
}
