// VMLAB_SIM_HOLD: a file of lines such as `createmedium` or `hostonlyif create`. While the file holds a
// line whose words all appear in an invocation's arguments, that invocation waits before it does anything
// (outside the state lock, as a VBoxManage waiting on a busy VBoxSVC would). Tests hold a call open to
// kill `lab` while it is in progress, however slow the machine, and release it by changing the file.
import fs from 'node:fs'

function held(file, argv) {
  let text
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return false
  }
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).filter(Boolean))
    .some((words) => words.length > 0 && words.every((w) => argv.includes(w)))
}

export async function waitWhileHeld(file, argv) {
  if (!file) return
  while (held(file, argv)) await new Promise((r) => setTimeout(r, 50))
}
