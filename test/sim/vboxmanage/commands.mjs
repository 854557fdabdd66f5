// The commands the simulator knows. `injectAt` is where VMLAB_SIM_FAIL makes a command fail
// (the call VBoxManage makes first that can fail with VirtualBox's transient error).
import { hostOnlyNetworksAvailable } from './hostnet.mjs'
import { CALLS } from './calls.mjs'

// Each command module is loaded only when its command runs: the simulator starts once per
// invocation, hundreds of times in a test run.
const lazy = (load, name) => async (ctx, args) => (await load())[name](ctx, args)

export const COMMANDS = {
  list: { run: lazy(() => import('./cmd-list.mjs'), 'runList') },
  showvminfo: { run: lazy(() => import('./cmd-showvminfo.mjs'), 'runShowVmInfo') },
  createvm: { run: lazy(() => import('./cmd-createvm.mjs'), 'runCreateVm') },
  modifyvm: {
    run: lazy(() => import('./cmd-modifyvm.mjs'), 'runModifyVm'),
    injectAt: { call: CALLS.lockWrite, file: 'VBoxManageModifyVM.cpp', line: [578, 554] },
  },
  clonevm: { run: lazy(() => import('./cmd-clonevm.mjs'), 'runCloneVm'), injectAt: { call: CALLS.cloneTo, file: 'VBoxManageMisc.cpp', line: [697, 592] } },
  startvm: {
    run: lazy(() => import('./cmd-power.mjs'), 'runStartVm'),
    injectAt: {
      call: CALLS.launch,
      file: 'VBoxManageMisc.cpp',
      line: [728, 626],
    },
  },
  controlvm: {
    run: lazy(() => import('./cmd-power.mjs'), 'runControlVm'),
    injectAt: { call: CALLS.lockShared, file: 'VBoxManageControlVM.cpp', line: [320, 388] },
  },
  storagectl: { run: lazy(() => import('./cmd-storage.mjs'), 'runStorageCtl') },
  storageattach: { run: lazy(() => import('./cmd-storage.mjs'), 'runStorageAttach') },
  createmedium: { run: lazy(() => import('./cmd-medium.mjs'), 'runCreateMedium') },
  createhd: { alias: 'createmedium' },
  createvdi: { alias: 'createmedium' },
  closemedium: { run: lazy(() => import('./cmd-medium.mjs'), 'runCloseMedium') },
  snapshot: {
    run: lazy(() => import('./cmd-snapshot.mjs'), 'runSnapshot'),
    injectAt: { call: CALLS.lockShared, file: 'VBoxManageSnapshot.cpp', line: [453, 424] },
  },
  unregistervm: { run: lazy(() => import('./cmd-unregistervm.mjs'), 'runUnregisterVm') },
  hostonlyif: { run: lazy(() => import('./cmd-hostonly.mjs'), 'runHostOnlyIf') },
  hostonlynet: { run: lazy(() => import('./cmd-hostonly.mjs'), 'runHostOnlyNet'), available: hostOnlyNetworksAvailable },
  dhcpserver: { run: lazy(() => import('./cmd-dhcpserver.mjs'), 'runDhcpServer') },
  guestproperty: { run: lazy(() => import('./cmd-guestproperty.mjs'), 'runGuestProperty') },
}

/** Real VBoxManage commands the simulator does not implement: said plainly, not faked. */
export const NOT_SIMULATED = [
  'registervm',
  'discardstate',
  'adoptstate',
  'import',
  'export',
  'movevm',
  'encryptvm',
  'cloud',
  'cloudprofile',
  'showmediuminfo',
  'showhdinfo',
  'modifymedium',
  'modifyhd',
  'clonemedium',
  'clonehd',
  'mediumproperty',
  'encryptmedium',
  'checkmediumpwd',
  'convertfromraw',
  'getextradata',
  'setextradata',
  'setproperty',
  'usbfilter',
  'sharedfolder',
  'guestcontrol',
  'debugvm',
  'metrics',
  'natnetwork',
  'extpack',
  'bandwidthctl',
  'unattended',
  'updatecheck',
  'modifynvram',
  'mediumio',
  'signova',
  'usbdevsource',
  'internalcommands',
]
