/**
 * What VBoxManage prints on a machine with VirtualBox 7 and nothing else: no VMs, no host-only
 * interfaces, no snapshots. `lab plan --commands --provider virtualbox` runs the provider against it
 * through a RecordingRunner, so the listed commands are exactly the ones `lab up` would run there.
 */
import { createHash } from 'node:crypto'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { FreshMachine } from '../cli-runner.js'

export const FRESH_VERSION = '7.0.14r161095'

const PROGRESS = '0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n'

/** A stable made-up UUID, so that recorded output does not change from run to run. */
function uuidFor(text: string): string {
  const h = createHash('sha256').update(text).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

function notFound(vm: string): { stderr: string; exitCode: number } {
  return {
    stderr:
      `VBoxManage: error: Could not find a registered machine named '${vm}'\n` +
      'VBoxManage: error: Details: code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), component VirtualBoxWrap, interface IVirtualBox, callee nsISupports\n' +
      'VBoxManage: error: Context: "FindMachine(Bstr(VMNameOrUuid).raw(), machine.asOutParam())" at line 3164 of file VBoxManageInfo.cpp\n',
    exitCode: 1,
  }
}

export const freshMachine: FreshMachine = (_file, args) => {
  const [command, first, second] = args
  switch (command) {
    case '--version':
      return { stdout: `${FRESH_VERSION}\n` }
    case 'showvminfo':
      return notFound(first ?? '')
    case 'snapshot':
      if (second === 'list') return { stdout: 'This machine does not have any snapshots\n', exitCode: 1 }
      return second === 'take' ? { stdout: `Snapshot taken. UUID: ${uuidFor(`${first}/${args[3]}`)}\n` } : {}
    case 'createvm': {
      const name = option(args, '--name') ?? ''
      const group = (option(args, '--groups') ?? '/').split(',')[0]!.split('/').filter(Boolean)
      const folder = option(args, '--basefolder') ?? join(homedir(), 'VirtualBox VMs')
      return {
        stdout: `Virtual machine '${name}' is created and registered.\nUUID: ${uuidFor(name)}\nSettings file: '${join(folder, ...group, name, `${name}.vbox`)}'\n`,
      }
    }
    case 'hostonlyif':
      return first === 'create' ? { stdout: "Interface 'vboxnet0' was successfully created\n", stderr: PROGRESS } : {}
    case 'clonevm':
      return { stdout: `Machine has been successfully cloned as "${option(args, '--name') ?? ''}"\n`, stderr: PROGRESS }
    case 'startvm':
      return { stdout: `Waiting for VM "${first}" to power on...\nVM "${first}" has been successfully started.\n` }
    case 'createmedium':
      return { stdout: `Medium created. UUID: ${uuidFor(option(args, '--filename') ?? '')}\n`, stderr: PROGRESS }
    default:
      // list vms / hostonlyifs / hostonlynets print nothing when there is nothing; the rest succeed quietly.
      return {}
  }
}
