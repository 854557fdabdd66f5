/** The instance the command line asked for (`lab --instance ID …`): every command that loads the lab uses it. */
let current: string | undefined

export function setCurrentInstance(id: string | undefined): void {
  current = id
}

export function currentInstance(): string | undefined {
  return current
}
