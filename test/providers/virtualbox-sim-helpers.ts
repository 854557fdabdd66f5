/** A simulated VirtualBox host for provider tests: the VBoxManage stand-in with its state in a temp dir. */
import { readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { CliRunner } from '../../src/providers/cli-runner.js'
import { VirtualBoxProvider } from '../../src/providers/virtualbox/provider.js'
import type { VirtualBoxOptions } from '../../src/providers/virtualbox/options.js'
import { buildIso } from '../../src/media/iso9660.js'
import { oemdrvIso } from '../../src/media/oemdrv.js'
import { osInfo } from '../../src/lab/os-catalog.js'
import type { BaseSpec, CloneSpec, NetworkHandle, NetworkSpec } from '../../src/providers/provider.js'
import { claimPort } from '../../src/state/port-claims.js'
import { run, type RunResult } from '../../src/util/run.js'

export const SIM_BIN = join(import.meta.dirname, '..', 'sim', 'bin')
export const VBOXMANAGE = join(SIM_BIN, 'VBoxManage')

export const LAB_NET: NetworkSpec = { lab: 'demo', cidr: '192.168.56.0/24', prefix: 24, netmask: '255.255.255.0', hostIp: '192.168.56.1' }

export interface SimHost {
  root: string
  vmFolder: string
  isoDir: string
  /** Every argv the provider ran, in order. */
  calls: string[][]
  runner: CliRunner
  provider(extra?: VirtualBoxOptions): VirtualBoxProvider
  /** VBoxManage as a user would run it on this host. */
  vbox(...args: string[]): Promise<RunResult>
}

/** `sim` holds VMLAB_SIM_* knobs; the runner hands them to every VBoxManage it starts. */
export function simHost(t: Test, sim: Record<string, string> = {}): SimHost {
  const root = t.testdir({ state: {}, vms: {}, iso: {} })
  const env: Record<string, string> = {
    // tap's TypeScript loader would be loaded by every simulator process, for nothing: seconds per call.
    NODE_OPTIONS: '',
    VMLAB_SIM_STATE: join(root, 'state'),
    VMLAB_SIM_INSTALL_SECONDS: '1.5',
    VMLAB_SIM_ACPI_SECONDS: '0.3',
    VMLAB_SIM_LOCK_SECONDS: '0.2',
    ...sim,
  }
  const calls: string[][] = []
  const runner: CliRunner = {
    dryRun: false,
    run: (file, args, opts) => {
      calls.push([...args])
      return run(file, args, { ...opts, env: { ...env, ...opts?.env } })
    },
  }
  const vmFolder = join(root, 'vms')
  return {
    root,
    vmFolder,
    isoDir: join(root, 'iso'),
    calls,
    runner,
    provider: (extra = {}) =>
      new VirtualBoxProvider({
        runner,
        binary: VBOXMANAGE,
        platform: 'linux',
        arch: 'x64',
        vmFolder,
        networksConf: join(root, 'networks.conf'),
        retry: { deadlineMs: 3000, initialMs: 100, maxMs: 400 },
        pollIntervalMs: 50,
        bootWaitMs: 0,
        keyDelayMs: 0,
        stopTimeoutMs: 5000,
        portFree: async () => true,
        claimPort: (port) => claimPort(port, { dir: join(root, 'user-state') }),
        ...extra,
      }),
    vbox: (...args) => run(VBOXMANAGE, args, { env, reject: false }),
  }
}

/** The install disc (any ISO; the simulator only looks for the OEMDRV one) and the kickstart disc. */
export function installMedia(h: SimHost): { installIso: string; oemdrvIso: string } {
  const installIso = join(h.isoDir, 'Rocky-9.6-x86_64-minimal.iso')
  const oemdrv = join(h.isoDir, 'oemdrv.iso')
  writeFileSync(installIso, buildIso({ volumeId: 'ROCKY', files: [{ path: 'README', data: 'not really Rocky\n' }] }))
  writeFileSync(oemdrv, oemdrvIso('text\npoweroff\n'))
  return { installIso, oemdrvIso: oemdrv }
}

export function seedIso(h: SimHost, node: string): string {
  const path = join(h.isoDir, `seed-${node}.iso`)
  writeFileSync(path, buildIso({ volumeId: 'cidata', files: [{ path: 'meta-data', data: `instance-id: ${node}\n` }] }))
  return path
}

export function baseSpec(h: SimHost, network: NetworkHandle, name = 'vmlab-base-rocky9-test'): BaseSpec {
  return {
    name,
    os: osInfo('rocky9'),
    cpus: 1,
    memoryMiB: 1536,
    diskGiB: 10,
    source: { kind: 'iso', ...installMedia(h) },
    network,
    installTimeoutMs: 20_000,
  }
}

export function cloneSpec(h: SimHost, network: NetworkHandle, node: string, n: number, base = 'vmlab-base-rocky9-test'): CloneSpec {
  return {
    name: `vmlab-demo-${node}`,
    base,
    baseSnapshot: 'base',
    cpus: 2,
    memoryMiB: 2048,
    mac: `08:00:27:aa:bb:${(10 + n).toString(16).padStart(2, '0')}`,
    seedIso: seedIso(h, node),
    network,
    forwards: node === 'master' ? [{ host: 8080, guest: 80 }] : [],
    initialSnapshot: 'initial',
  }
}

/** Every file (not folder) under dir. */
export function filesUnder(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else out.push(p)
    }
  }
  walk(dir)
  return out
}
