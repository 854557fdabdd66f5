import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Every path under dir with size and mtime: to assert that a command wrote nothing. */
export function snapshotTree(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      const st = statSync(p)
      out.push(`${p} ${st.isDirectory() ? 'dir' : st.size} ${st.mtimeMs}`)
      if (st.isDirectory()) walk(p)
    }
  }
  walk(dir)
  return out.sort()
}
