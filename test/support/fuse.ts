/** What the FUSE tests need from the system: whether a mount can be made, tools run without throwing, lazy unmount. */
import fs from 'node:fs';
import { execFile, execFileSync } from 'node:child_process';

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('which', [cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A real mount needs the kernel device and fusermount (Debian: fuse libfuse2). */
export const fuseAvailable = fs.existsSync('/dev/fuse') && hasCommand('fusermount');

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without blocking this process; resolves { code, stdout, stderr }, never throws. */
export function runTool(file: string, args: string[]): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** `fusermount -uz`, quietly: the mount may be gone already. */
export function unmountQuietly(mnt: string): void {
  try {
    execFileSync('fusermount', ['-uz', mnt], { stdio: 'ignore' });
  } catch {
    // not mounted any more
  }
}
