/**
 * Where VMware's command-line tools are and which product installed them. Like Packer's VMware driver, the
 * product is read from the file system: Workstation Pro ships a `vmware` program next to `vmrun`, Player only
 * `vmplayer`; on macOS it is always Fusion. (The provider confirms Player with vmrun itself, see detect.)
 */
import { dirname } from 'node:path'
import type { CliRunner } from '../cli-runner.js'
import { PROBE, limitOptions } from '../call-limits.js'
import { locateVmrun } from '../locate.js'
import { which } from '../../util/which.js'

export type VmwareProduct = 'workstation' | 'fusion' | 'player' | 'unknown'

export interface VmwareInstall {
  vmrun: string
  vdiskmanager: string | undefined
  product: VmwareProduct
}

/** Registry keys whose InstallPath names the folder holding vmrun.exe (64-bit Windows first). */
export const WINDOWS_INSTALL_KEYS = [
  'HKLM\\SOFTWARE\\WOW6432Node\\VMware, Inc.\\VMware Workstation',
  'HKLM\\SOFTWARE\\VMware, Inc.\\VMware Workstation',
  'HKLM\\SOFTWARE\\WOW6432Node\\VMware, Inc.\\VMware Player',
  'HKLM\\SOFTWARE\\VMware, Inc.\\VMware Player',
]

/** `reg query KEY /v InstallPath` prints `    InstallPath    REG_SZ    C:\Program Files (x86)\VMware\…\`. */
export function parseRegInstallPath(stdout: string): string | undefined {
  return /^\s*InstallPath\s+REG_(?:EXPAND_)?SZ\s+(.*?)\s*$/im.exec(stdout)?.[1] || undefined
}

/** A program in exactly this folder (with Windows' PATHEXT), not on PATH. */
function inDir(dir: string, name: string, env: NodeJS.ProcessEnv): string | undefined {
  return which(name, [dir], { ...env, PATH: '' })
}

async function vmrunFromRegistry(runner: CliRunner, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const key of WINDOWS_INSTALL_KEYS) {
    const r = await runner.run('reg', ['query', key, '/v', 'InstallPath'], {
      reject: false,
      ...limitOptions(PROBE, `run \`reg query "${key}"\` by hand to see why it does not answer, then run the command again`),
    })
    const dir = r.exitCode === 0 ? parseRegInstallPath(r.stdout) : undefined
    const vmrun = dir === undefined ? undefined : inDir(dir, 'vmrun', env)
    if (vmrun) return vmrun
  }
  return undefined
}

export function productOf(vmrun: string, platform: NodeJS.Platform, env: NodeJS.ProcessEnv): VmwareProduct {
  if (platform === 'darwin') return 'fusion'
  const dir = dirname(vmrun)
  if (inDir(dir, 'vmware', env) ?? which('vmware', [], env)) return 'workstation'
  if (inDir(dir, 'vmplayer', env) ?? which('vmplayer', [], env)) return 'player'
  return 'unknown'
}

/** Finds vmrun (PATH, the usual folders, then on Windows the registry) and vmware-vdiskmanager beside it. */
export async function findVmwareInstall(opts: { runner: CliRunner; env: NodeJS.ProcessEnv; platform: NodeJS.Platform }): Promise<VmwareInstall | undefined> {
  const vmrun = locateVmrun(opts.env) ?? (opts.platform === 'win32' ? await vmrunFromRegistry(opts.runner, opts.env) : undefined)
  if (vmrun === undefined) return undefined
  const vdiskmanager = inDir(dirname(vmrun), 'vmware-vdiskmanager', opts.env) ?? which('vmware-vdiskmanager', [], opts.env)
  return { vmrun, vdiskmanager, product: productOf(vmrun, opts.platform, opts.env) }
}
