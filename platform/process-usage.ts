// A process's use of the machine, read from /proc (Linux): what the bench and the soak report.
import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used (USER_HZ 100). Throws once it has exited. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory of a process in bytes. Throws once it has exited. */
export function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}
