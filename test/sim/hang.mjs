// VMLAB_SIM_HANG=cmd[,cmd]: the named invocations hang for ever without a word, as every VBoxManage does while
// VBoxSVC is wedged, or vmrun while a VM's vmware-vmx no longer answers. Shared by both simulators; checked
// before the simulated host's state lock is taken, so that a hung call holds up nothing but its caller.

/** Whether VMLAB_SIM_HANG names this command. */
export function hangs(env, name) {
  return (env.VMLAB_SIM_HANG ?? '').split(',').some((entry) => entry.trim() === name)
}

/** Never returns, and keeps the process alive until it is killed. */
export function hangForEver() {
  setInterval(() => {}, 1 << 30)
  return new Promise(() => {})
}
