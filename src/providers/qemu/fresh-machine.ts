import type { FreshMachine } from '../cli-runner.js'

/**
 * What a machine with QEMU 7.2 and nothing else answers (for `lab plan --commands --provider qemu`). The
 * only image it is asked about is the user's cloud image: a standalone qcow2 of 2 GiB, as Debian's are.
 */
export const freshMachine: FreshMachine = (file, args) => {
  if (args[0] === '--version') return { stdout: 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)\nCopyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n' }
  if (file.endsWith('qemu-img') && args[0] === 'snapshot' && args[1] === '-l') return { stdout: '' }
  if (file.endsWith('qemu-img') && args[0] === 'info')
    return { stdout: JSON.stringify({ 'virtual-size': 2 * 1024 ** 3, filename: args.at(-1), format: 'qcow2', 'actual-size': 350_000_000, 'dirty-flag': false }, null, 4) + '\n' }
  return {}
}
