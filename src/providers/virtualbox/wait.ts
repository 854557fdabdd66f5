/** Polling a VM's VMState: VBoxManage has no "wait until" command. */
import type { VBoxDriver } from './driver.js'
import type { VmInfo } from './vm-info.js'
import { sleep } from '../../util/sleep.js'

/**
 * Polls `showvminfo` until `done(info)` holds; returns the last info, or undefined when `timeoutMs`
 * passed first.
 */
export async function waitFor(driver: VBoxDriver, vm: string, done: (info: VmInfo) => boolean, opts: { timeoutMs: number; intervalMs: number }): Promise<VmInfo | undefined> {
  const deadline = Date.now() + opts.timeoutMs
  for (;;) {
    const info = await driver.showVmInfo(vm)
    if (done(info)) return info
    if (Date.now() + opts.intervalMs > deadline) return undefined
    await sleep(opts.intervalMs)
  }
}
