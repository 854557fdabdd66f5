import { join } from 'node:path'

/** Where each piece of a lab's state lives under `.lab/<lab>/`. */
export function stateLayout(stateDir: string) {
  return {
    dir: stateDir,
    state: join(stateDir, 'state.json'),
    journal: join(stateDir, 'journal.jsonl'),
    lock: join(stateDir, 'lock'),
    secrets: join(stateDir, 'secrets.json'),
    keysDir: join(stateDir, 'keys'),
    userKey: join(stateDir, 'keys', 'id_ed25519'),
    knownHosts: join(stateDir, 'known_hosts'),
    logsDir: join(stateDir, 'logs'),
    commandLog: join(stateDir, 'logs', 'commands.log'),
    mediaDir: join(stateDir, 'media'),
  }
}

export type StateLayout = ReturnType<typeof stateLayout>
