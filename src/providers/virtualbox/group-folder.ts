/**
 * VirtualBox puts each VM of the `/vmlab` group in `<machine folder>/vmlab/<vm>/`. `unregistervm --delete`
 * removes the VM's own folder once it is empty but never the group's, so the last destroy removes that.
 */
import { rmdir } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { VM_GROUP } from './create-base.js'

/** Removes the group folder above a deleted VM's settings file when nothing is left in it. */
export async function removeEmptyGroupFolder(cfgFile: string): Promise<void> {
  const group = dirname(dirname(cfgFile))
  if (basename(group) !== basename(VM_GROUP)) return
  try {
    await rmdir(group)
  } catch (error) {
    // Other VMs (another lab's, or a node destroyed alongside) still live there, or it is gone already.
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error
  }
}
