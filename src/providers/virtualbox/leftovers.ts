/**
 * What VBoxManage calls killed half way leave in the machine folder, and how it goes.
 *
 * Machine folders that no registered VM owns. `createvm` saves the settings file, then registers the VM
 * (handleCreateVM: SaveSettings, then RegisterMachine), and `clonevm` registers its clone only after the
 * copy: a VBoxManage killed in between leaves `<machine folder>/<group>/<name>/<name>.vbox` that `list vms`
 * does not show, and every later `createvm` of that name fails with "Machine settings file '…' already
 * exists". Such a folder holds nothing VirtualBox knows of (disks are attached later, to a registered VM),
 * so it is removed; one that holds a disk VirtualBox has registered is left alone and named instead.
 */
import { existsSync } from 'node:fs'
import { readdir, readFile, rm } from 'node:fs/promises'
import { basename, dirname, join, sep } from 'node:path'
import { LabError } from '../../util/errors.js'
import type { VBoxDriver } from './driver.js'
import type { HardDisk } from './lists.js'
import { VBoxError } from './vbox-error.js'

const SETTINGS_EXISTS = /Machine settings file '(.+)' already exists/

/** The settings file VirtualBox refused to overwrite, when that is what the error says. */
export function existingSettingsFile(error: unknown): string | undefined {
  if (!(error instanceof VBoxError) || error.codeName !== 'VBOX_E_FILE_ERROR') return undefined
  return SETTINGS_EXISTS.exec(error.info.messages.join('\n'))?.[1]
}

/** Where VirtualBox puts new VMs: the configured folder, else its default machine folder. */
export async function machineFolder(driver: VBoxDriver, configured: string | undefined): Promise<string | undefined> {
  if (configured !== undefined) return configured
  const { stdout } = await driver.exec(['list', 'systemproperties'])
  return /^Default machine folder:\s+(.*?)\s*$/m.exec(stdout.replace(/\r\n/g, '\n'))?.[1]
}

/** The UUID a settings file gives its machine; undefined when the file is unreadable or cut short. */
async function settingsUuid(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '')
  return /<Machine\b[^>]*\buuid="\{([0-9a-fA-F-]{36})\}"/.exec(text)?.[1]?.toLowerCase()
}

/** The registered VM that uses this folder's settings file (by its name or its UUID), if any. */
async function registeredOwner(driver: VBoxDriver, folder: string): Promise<string | undefined> {
  const name = basename(folder)
  const uuid = await settingsUuid(join(folder, `${name}.vbox`))
  return (await driver.listVms()).find((v) => v.name === name || (uuid !== undefined && v.uuid.toLowerCase() === uuid))?.name
}

/** The disk images VirtualBox has registered inside `folder`, parents before their children. */
async function disksIn(driver: VBoxDriver, folder: string): Promise<HardDisk[]> {
  const inside = folder.endsWith(sep) ? folder : folder + sep
  return (await driver.listHdds()).filter((d) => d.location.startsWith(inside))
}

/**
 * Closes and deletes the disks VirtualBox still has registered in a VM's folder once the VM is unregistered:
 * a createmedium that finished after the `lab` that ran it was killed made a disk nothing attached, which
 * `unregistervm --delete` leaves (it deletes only attached media) and which blocks the next createmedium.
 */
export async function closeLeftoverDisks(driver: VBoxDriver, folder: string): Promise<void> {
  // Children before their parents.
  for (const disk of (await disksIn(driver, folder)).reverse()) {
    await driver.exec(['closemedium', 'disk', disk.uuid, '--delete'])
  }
}

/** Names of the VM folders in `groupFolder` that start with `prefix` and hold a settings file no registered VM owns. */
export async function unregisteredFolders(driver: VBoxDriver, groupFolder: string, prefix: string): Promise<string[]> {
  const entries = await readdir(groupFolder, { withFileTypes: true }).catch(() => [])
  const candidates = entries.filter((e) => e.isDirectory() && e.name.startsWith(prefix) && existsSync(join(groupFolder, e.name, `${e.name}.vbox`)))
  const found: string[] = []
  for (const e of candidates) if ((await registeredOwner(driver, join(groupFolder, e.name))) === undefined) found.push(e.name)
  return found.sort()
}

/** Removes the folder of a VM that VirtualBox does not have registered; refuses when it holds a registered disk. */
export async function removeUnregisteredFolder(driver: VBoxDriver, folder: string): Promise<void> {
  const owner = await registeredOwner(driver, folder)
  if (owner !== undefined) {
    throw new LabError(`${folder} is the folder of the registered VirtualBox VM ${owner}`, {
      hint: `rename or remove that VM (\`VBoxManage unregistervm ${owner} --delete\`) if it is not needed, then run the command again`,
    })
  }
  const disks = await disksIn(driver, folder)
  if (disks.length > 0) {
    throw new LabError(`${folder} holds a VM that VirtualBox does not have registered, with disks it still knows: ${disks.map((d) => basename(d.location)).join(', ')}`, {
      hint: `register it again (\`VBoxManage registervm ${join(folder, `${basename(folder)}.vbox`)}\`) and remove it with \`VBoxManage unregistervm --delete\`, or close those disks (\`VBoxManage closemedium disk <file>\`) and run the command again`,
    })
  }
  await rm(folder, { recursive: true, force: true })
}

/**
 * Runs a createvm or clonevm; when an earlier one killed half way left the new VM's settings file behind
 * unregistered, removes that folder and runs it again.
 */
export async function replacingUnregistered<T>(driver: VBoxDriver, create: () => Promise<T>): Promise<T> {
  try {
    return await create()
  } catch (error) {
    const file = existingSettingsFile(error)
    if (file === undefined) throw error
    await removeUnregisteredFolder(driver, dirname(file))
    return create()
  }
}
