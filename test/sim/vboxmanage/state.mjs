// The simulated VirtualBox installation: one JSON file (what VirtualBox.xml and the .vbox
// files hold for real), rewritten atomically under the lock.
import fs from 'node:fs'
import path from 'node:path'

const FILE = 'vbox-state.json'

function empty() {
  return { machines: [], media: [], hostonlyifs: [], hostonlynets: [], dhcpservers: [], injected: {} }
}

export function loadState(dir) {
  const file = path.join(dir, FILE)
  if (!fs.existsSync(file)) return empty()
  return { ...empty(), ...JSON.parse(fs.readFileSync(file, 'utf8')) }
}

export function saveState(dir, state) {
  const file = path.join(dir, FILE)
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 1)}\n`)
  fs.renameSync(tmp, file)
}

/** Where VMs go without --basefolder: "~/VirtualBox VMs" of the simulated user. */
export function defaultMachineFolder(dir) {
  return path.join(path.resolve(dir), 'home', 'VirtualBox VMs')
}
