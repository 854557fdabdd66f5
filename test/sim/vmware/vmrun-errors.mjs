// What vmrun prints when it fails. Real vmrun writes errors to STDOUT and exits with -1
// (255 on Linux/macOS, 4294967295 as seen by callers on Windows). Texts marked "captured" were
// found verbatim in real output; the others follow VIX's error strings (see README-vmware.md).

import { vmrunUsage } from './vmrun-usage.mjs'

const ERROR_EXIT = 255

export class VmrunError extends Error {
  /** @param {string[]|string} lines  printed on stdout, one per line */
  constructor(lines, exitCode = ERROR_EXIT) {
    const all = Array.isArray(lines) ? lines : [lines]
    super(all.join('\n'))
    this.lines = all
    this.exitCode = exitCode
  }
}

export const errors = {
  // captured
  usage: (invalid) => new VmrunError(vmrunUsage(invalid)),
  cannotOpen: (vmx, why) => new VmrunError(`Error: Cannot open VM: ${vmx}, ${why}`),
  vmNotFound: (vmx) => errors.cannotOpen(vmx, 'The virtual machine cannot be found'),
  unknownSuffix: (vmx) => errors.cannotOpen(vmx, 'unknown file suffix'),
  notPoweredOn: (vmx) => new VmrunError(`Error: The virtual machine is not powered on: ${vmx}`),
  noIpAddress: () => new VmrunError('Error: Unable to get the IP address'),
  toolsNotRunning: (vmx) => new VmrunError(`Error: The VMware Tools are not running in the virtual machine: ${vmx}`),
  unrecognizedCommand: (cmd) => new VmrunError(`Error: Unrecognized command: ${cmd}`),
  invalidSnapshotName: (name) => new VmrunError(`Error: Invalid snapshot name '${name}'`),
  snapshotNotFound: () => new VmrunError('Error: The snapshot does not exist'),
  snapshotNotUnique: () => new VmrunError('Error: The name does not uniquely identify one snapshot'),
  notSupported: () => new VmrunError('Error: The operation is not supported'),
  canceled: () => new VmrunError('Error: The operation was canceled'),
  fileInUse: () => new VmrunError('Error: The file is already in use'),
  noService: (provider) => new VmrunError(['Unable to connect to host.', `Error: Service type ${provider} was specified, but not installed`]),
  // VIX error strings
  cannotReadConfig: (vmx) => errors.cannotOpen(vmx, 'Cannot read the virtual machine configuration file'),
  alreadyRunning: () => new VmrunError('Error: The virtual machine should not be powered on. It is already running.'),
  fileExists: () => new VmrunError('Error: The file already exists'),
  fileNotFound: () => new VmrunError('Error: A file was not found'),
  unknown: () => new VmrunError('Error: Unknown error'),
}
