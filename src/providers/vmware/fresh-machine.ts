/**
 * What a VMware Workstation 17 host on which vmlab has created nothing answers, for the RecordingRunner
 * behind `lab plan --commands --provider vmware`: no VM runs, no VM has snapshots, disks get created.
 */
import type { FreshMachine } from '../cli-runner.js'

const VMRUN_VERSION = 'vmrun version 1.17.0 build-24238078'

function program(file: string): string {
  return (file.split(/[\\/]/).pop() ?? file).replace(/\.exe$/i, '').toLowerCase()
}

export const freshMachine: FreshMachine = (file, args) => {
  switch (program(file)) {
    case 'vmrun': {
      const command = (args[0] === '-T' ? args[2] : args[0])?.toLowerCase()
      // Without a command vmrun prints its usage, headed by its version, and exits with -1.
      if (command === undefined) return { stdout: `${VMRUN_VERSION}\n\nUsage: vmrun [AUTHENTICATION-FLAGS] COMMAND [PARAMETERS]\n`, exitCode: 255 }
      if (command === 'list') return { stdout: 'Total running VMs: 0\n' }
      if (command === 'listsnapshots') return { stdout: 'Total snapshots: 0\n' }
      return {}
    }
    case 'vmware-vdiskmanager':
      return { stdout: `Creating disk '${args[args.length - 1] ?? ''}'\n  Create: 100% done.\nVirtual disk creation successful.\n` }
    case 'reg':
      return { stderr: 'ERROR: The system was unable to find the specified registry key or value.\n', exitCode: 1 }
    default:
      return {}
  }
}
