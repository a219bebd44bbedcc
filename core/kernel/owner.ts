import { hostname } from 'node:os';

/**
 * Whether the process that claimed an item (`host|pid|instance`) is gone, so its item can go back
 * to the queue. Owners on other hosts are left alone: their liveness cannot be known from here.
 */
export function isOrphanOwner(owner: string | null, self: string): boolean {
  if (owner === null) return true;
  const [host, pidText] = owner.split('|');
  const [selfHost, selfPid] = self.split('|');
  if (host !== hostname() || host !== selfHost) return false;
  const pid = Number(pidText);
  if (String(pid) === selfPid) return owner !== self;
  return !pidAlive(pid);
}

/** Whether a process with this pid exists on this machine (EPERM: it exists, as another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
