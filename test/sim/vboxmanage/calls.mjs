// VBoxManage source calls that show up in "Context:" lines from more than one place.
export const CALLS = {
  cloneTo: 'CloneTo(trgMachine, mode, ComSafeArrayAsInParam(options), progress.asOutParam())',
  lockWrite: 'LockMachine(a->session, LockType_Write)',
  lockShared: 'LockMachine(a->session, LockType_Shared)',
  launch: 'LaunchVMProcess(a->session, sessionType.raw(), ComSafeArrayAsInParam(aBstrEnv), progress.asOutParam())',
}
