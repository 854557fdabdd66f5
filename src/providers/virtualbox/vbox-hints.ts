/**
 * What to do about a VBoxManage error. The known user pains (Hyper-V holding VT-x, the kernel module
 * missing after a kernel update, the host-only range limit, sessions locked after a crash, names left
 * over by an interrupted run) each get the exact fix.
 */
import { formatIPv4, parseIPv4 } from '../../lab/net.js'
import { networksConfLine } from './networks-conf.js'
import type { VBoxErrorInfo } from './vbox-error.js'

/**
 * A session (or medium) lock someone else holds: VBOX_E_INVALID_OBJECT_STATE with "The machine 'X' is already
 * locked for a session (or being unlocked)", "… already locked by a session (or being locked or unlocked)",
 * "Cannot unregister the machine 'X' while it is locked" (Machine::unregister), "Medium '…' is locked for
 * writing by another task". VBoxSVC keeps a VM's session for seconds after it powered off.
 */
export const SESSION_LOCKED = /already locked|being locked or unlocked|while it is locked|is locked for (reading|writing)/i

const VTX_TAKEN_ON_WINDOWS =
  'Hyper-V holds VT-x/AMD-V (it is on when WSL2, Docker Desktop, Windows Sandbox, Credential Guard or Memory integrity are used). ' +
  'Either turn it off: in an administrator prompt run `bcdedit /set hypervisorlaunchtype off` and reboot ' +
  '(`bcdedit /set hypervisorlaunchtype auto` turns it back on), or use VirtualBox 7 which can run on top of Hyper-V (slowly); ' +
  'if Hyper-V is off, enable Intel VT-x / AMD-V in the BIOS/UEFI setup'

const VTX_OFF = 'enable Intel VT-x / AMD-V ("virtualization technology", "SVM mode") in the BIOS/UEFI setup of this computer; inside a VM, enable nested virtualization for it'

function hardwareHint(status: string, platform: NodeJS.Platform): string | undefined {
  switch (status) {
    case 'VERR_SUPDRV_NO_RAW_MODE_HYPER_V_ROOT':
    case 'VERR_NEM_NOT_AVAILABLE':
    case 'VERR_NEM_MISSING_KERNEL_API_1':
    case 'VERR_NEM_MISSING_KERNEL_API_2':
    case 'VERR_NEM_INIT_FAILED':
      return VTX_TAKEN_ON_WINDOWS
    case 'VERR_VMX_NO_VMX':
    case 'VERR_SVM_NO_SVM':
    case 'VERR_VMX_MSR_ALL_VMX_DISABLED':
    case 'VERR_VMX_MSR_VMX_DISABLED':
    case 'VERR_SVM_DISABLED':
      return platform === 'win32' ? VTX_TAKEN_ON_WINDOWS : VTX_OFF
    case 'VERR_VMX_IN_VMX_ROOT_MODE':
      return 'KVM holds VT-x: stop other hypervisors (QEMU/KVM, libvirt VMs) and unload it with `sudo modprobe -r kvm_intel kvm`'
    case 'VERR_SVM_IN_USE':
      return 'KVM holds AMD-V: stop other hypervisors (QEMU/KVM, libvirt VMs) and unload it with `sudo modprobe -r kvm_amd kvm`'
    case 'VERR_VM_DRIVER_NOT_INSTALLED':
    case 'VERR_VM_DRIVER_NOT_ACCESSIBLE':
    case 'VERR_VM_DRIVER_OPEN_ERROR':
    case 'VERR_VM_DRIVER_VERSION_MISMATCH':
      return kernelModuleFix(platform)
    default:
      return undefined
  }
}

/** The fix for VirtualBox's kernel driver missing (after a host kernel update, typically). */
export function kernelModuleFix(platform: NodeJS.Platform): string {
  if (platform === 'darwin') {
    return 'allow the Oracle kernel extension in System Settings → Privacy & Security, reboot, and try again (reinstall VirtualBox if it is not listed)'
  }
  if (platform === 'win32') return 'reinstall VirtualBox (its drivers are not loaded) and reboot'
  return (
    'rebuild and load it with `sudo /sbin/vboxconfig`; if that fails, install the headers of the running kernel ' +
    '(`sudo apt install linux-headers-$(uname -r)` or `sudo dnf install kernel-devel-$(uname -r)`) and run it again, ' +
    'or reinstall VirtualBox for this kernel'
  )
}

function argAfter(command: readonly string[], flag: string): string | undefined {
  const i = command.indexOf(flag)
  return i >= 0 ? command[i + 1] : undefined
}

/** `* a.b.c.d/p` for the address and mask of a refused `hostonlyif ipconfig`. */
function refusedRange(command: readonly string[]): string | undefined {
  const ip = parseIPv4(argAfter(command, '--ip') ?? '')
  const mask = parseIPv4(argAfter(command, '--netmask') ?? '255.255.255.0')
  if (ip === undefined || mask === undefined) return undefined
  const prefix = mask.toString(2).replace(/0+$/, '').length
  return networksConfLine(`${formatIPv4((ip & mask) >>> 0)}/${prefix}`)
}

/** What the user can do about a VBoxManage failure. */
export function explainError(info: VBoxErrorInfo, command: readonly string[], platform: NodeJS.Platform): string {
  const text = info.messages.join('\n')
  const sub = command[1]
  const vm = command[2]
  if (SESSION_LOCKED.test(text)) {
    return (
      `VirtualBox still holds the session lock of ${vm ?? 'the VM'}: it lets go a few seconds after a power-off, and vmlab waits half a minute for that. ` +
      'If it persists, something else has the VM open: close its window in the VirtualBox GUI, let another VBoxManage or `lab` command on it finish, ' +
      `or, if VirtualBox crashed and left it locked, power it off with \`VBoxManage controlvm ${vm ?? 'VM'} poweroff\` ` +
      'or end its stale VBoxHeadless process; then run the command again'
    )
  }
  if (/object is not ready/i.test(text)) return 'VirtualBox is still finishing the previous operation: run the command again in a few seconds'
  const hardware = info.status ? hardwareHint(info.status, platform) : undefined
  if (hardware) return hardware
  if (/kernel driver not installed|\/dev\/vboxnetctl|vboxdrv/i.test(text)) return kernelModuleFix(platform)
  if (/terminated unexpectedly during startup/i.test(text)) {
    const usual =
      platform === 'linux' || platform === 'darwin'
        ? `usually VirtualBox's kernel module is not loaded: ${kernelModuleFix(platform)}`
        : 'usually Hyper-V or security software keeps VirtualBox from starting VMs: reinstall VirtualBox, turn Hyper-V off (`bcdedit /set hypervisorlaunchtype off`, reboot)'
    return `the log named above says why; ${usual}`
  }
  if (info.codeName === 'E_ACCESSDENIED' && (sub === 'hostonlyif' || /EnableStaticIPConfig/.test(info.context ?? ''))) {
    const line = refusedRange(command)
    return (
      'VirtualBox only allows host-only addresses in 192.168.56.0/21 unless /etc/vbox/networks.conf lists more: ' +
      `add the line \`${line ?? '* 10.0.0.0/8 192.168.0.0/16'}\` to /etc/vbox/networks.conf (as root), or use a lab network inside 192.168.56.0/21`
    )
  }
  // Machine::deleteConfig cannot close a base image that linked clones still build on.
  if (sub === 'unregistervm' && /because it has \d+ child media/i.test(text)) {
    return (
      `if other VMs are linked clones of ${vm ?? 'this VM'} (the nodes of a lab built from this base), destroy them first ` +
      '(`lab destroy` for each lab); `VBoxManage list vms` shows what VirtualBox still knows'
    )
  }
  if (info.codeName === 'VBOX_E_OBJECT_NOT_FOUND') {
    if (/snapshot/i.test(text)) return `\`VBoxManage snapshot ${vm ?? 'VM'} list\` shows the snapshots it has; \`lab up\` takes the ones a lab needs`
    if (/machine/i.test(text)) return "`VBoxManage list vms` shows the VMs VirtualBox knows; `lab up` creates the lab's VMs"
  }
  if (info.codeName === 'VBOX_E_FILE_ERROR' && /already exists/i.test(text)) {
    return (
      'a VM of that name (or its folder) is left over, maybe from an interrupted run: remove it with ' +
      '`VBoxManage unregistervm NAME --delete`, or delete the folder named in the message if no VM is registered under that name'
    )
  }
  if (/Cannot delete the current state of the running machine/i.test(text)) return 'power the VM off first, then restore the snapshot'
  if (/unknown option|invalid parameter|syntax error|unknown sub-?command|invalid command/i.test(text)) {
    return 'this VBoxManage does not accept these arguments: vmlab needs VirtualBox 6.1 or 7.x (`VBoxManage --version`); update VirtualBox, or report the command above as a bug'
  }
  return "the message is VirtualBox's own; run the command above yourself to see all it prints, and look at the VM's log " + `(\`VBoxManage showvminfo ${vm ?? 'VM'} --log 0\`) if a VM was involved`
}
