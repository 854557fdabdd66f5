/** A ProxmoxProvider on the PVE simulator, with the files a lab would hand it. */
import { writeFileSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import { PveSim, type SimOptions } from '../sim/proxmox/pve-sim.js'
import { ProxmoxProvider } from '../../src/providers/proxmox/provider.js'
import type { ProxmoxSettings } from '../../src/providers/proxmox/settings.js'
import type { BaseSpec, CloneSpec } from '../../src/providers/provider.js'
import { OS_CATALOG } from '../../src/lab/os-catalog.js'

export async function pveLab(t: Test, sim: SimOptions = {}, settings: Partial<ProxmoxSettings> = {}) {
  const s = new PveSim(sim)
  const url = await s.start()
  t.teardown(() => s.stop())
  const dir = t.testdir({ 'install.iso': 'ISO', 'oemdrv.iso': 'OEMDRV', 'node1-seed.iso': 'SEED1', 'node2-seed.iso': 'SEED2' })
  const secretFile = join(dir, 'token')
  writeFileSync(secretFile, `${s.secret}\n`)
  chmodSync(secretFile, 0o600)
  const provider = new ProxmoxProvider({
    settings: { url, token: s.tokenId, secretFile, storage: 'local-lvm', isoStorage: 'local', bridge: 'vmbr1', pool: 'vmlab-lab', ...settings },
    api: { pollMs: 10, lockBackoffMs: [50, 100, 200, 400, 800] },
  })
  const network = { id: 'vmbr1', created: false }
  const base: BaseSpec = {
    name: 'vmlab-base-rocky9-abcdef12',
    os: OS_CATALOG.rocky9,
    cpus: 2,
    memoryMiB: 2048,
    diskGiB: 20,
    source: { kind: 'iso', installIso: join(dir, 'install.iso'), oemdrvIso: join(dir, 'oemdrv.iso') },
    network,
    installTimeoutMs: 10_000,
  }
  const clone = (node: string, mac: string): CloneSpec => ({
    name: `vmlab-lab-${node}`,
    base: base.name,
    baseSnapshot: 'vmlab-base',
    cpus: 1,
    memoryMiB: 1024,
    mac,
    seedIso: join(dir, `${node}-seed.iso`),
    network,
    forwards: [],
    initialSnapshot: 'clean',
  })
  return { sim: s, url, provider, base, clone, dir, secretFile }
}
