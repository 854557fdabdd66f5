import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

/** The folder holding our package.json: templates/, kickstart/ and labs/ live there, from src/ (tsx) and dist/ alike. */
export function packageRoot(): string {
  if (cached) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('vmlab: cannot find the package root (package.json) above ' + fileURLToPath(import.meta.url))
    dir = up
  }
  cached = dir
  return dir
}

export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts)
}
