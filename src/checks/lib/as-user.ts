import { commandText } from '../../guest/remote-command.js'

/**
 * A command run as `user` instead of root (checks log in as root). A login shell, because a student's
 * command works in the student's own session: their home, profile (PATH, DOCKER_HOST) and groups (docker).
 */
export function asUser(user: string, command: string | readonly string[]): string[] {
  return ['runuser', '-l', user, '-c', commandText(command)]
}
