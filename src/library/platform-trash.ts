/**
 * The platform trash outside the freedesktop.org world, through the platform's own tools: Restore
 * needs to know where a file went, which the trash packages do not say. macOS asks Finder
 * (osascript), which answers the trashed item's path; Windows sends the file to the Recycle Bin with
 * .NET's FileSystem.DeleteFile (PowerShell) and finds it again by the `$I` record the Recycle Bin
 * keeps beside each `$R` file. Nothing is ever deleted: the tools move, Restore moves back.
 * Only the freedesktop.org trash runs in the tests on a real system (CI is Linux); the commands
 * built here and the records read are unit-tested.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConflictError, TrashDisabledError } from '../core/errors.js';

/** A program run without a shell: arguments and environment are passed as they are (no quoting). */
export interface PlatformCommand {
  program: string;
  args: string[];
  env?: Record<string, string>;
}

/** Runs a command and answers its standard output (throws when it fails). */
export type CommandRunner = (command: PlatformCommand) => string;

export const runCommand: CommandRunner = (c) =>
  execFileSync(c.program, c.args, { env: { ...process.env, ...c.env }, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });

/** Where the trash is kept on a platform, or null where the vault knows no trash. */
export type TrashKind = 'freedesktop' | 'finder' | 'recycle-bin';

export function trashKindOf(platform: NodeJS.Platform): TrashKind | null {
  if (platform === 'darwin') return 'finder';
  if (platform === 'win32') return 'recycle-bin';
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd' || platform === 'netbsd') return 'freedesktop';
  return null;
}

export function unsupportedTrash(platform: string): TrashDisabledError {
  return new TrashDisabledError(
    `moving originals to the trash is not supported on ${platform} (Linux/BSD freedesktop.org trash, macOS Finder and the Windows Recycle Bin only): nothing was moved`,
  );
}

/** Finder moves the file (a volume's own .Trashes, a unique name on a clash) and answers where it went. */
export function finderTrashCommand(file: string): PlatformCommand {
  return {
    program: '/usr/bin/osascript',
    args: [
      '-e',
      'on run argv',
      '-e',
      'set target to POSIX file (item 1 of argv) as alias',
      '-e',
      'tell application "Finder" to set trashed to delete target',
      '-e',
      'return POSIX path of (trashed as alias)',
      '-e',
      'end run',
      file,
    ],
  };
}

/** The path osascript printed for the trashed file. */
export function parseFinderAnswer(stdout: string, file: string): string {
  const trashed = stdout.replace(/\r?\n$/, '');
  if (!path.isAbsolute(trashed)) throw new Error(`Finder did not say where ${file} went (it answered ${JSON.stringify(stdout)})`);
  return trashed;
}

/** The file comes from the environment (no quoting); the script prints the user's SID, which names their Recycle Bin folder. */
const RECYCLE_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  'Add-Type -AssemblyName Microsoft.VisualBasic',
  "[Microsoft.VisualBasic.FileIO.FileSystem]::DeleteFile($env:VV_TRASH_FILE, 'OnlyErrorDialogs', 'SendToRecycleBin')",
  '[System.Security.Principal.WindowsIdentity]::GetCurrent().User.Value',
].join('; ');

export function recycleBinCommand(file: string): PlatformCommand {
  return { program: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', RECYCLE_SCRIPT], env: { VV_TRASH_FILE: file } };
}

/**
 * The original path a Recycle Bin `$I` record holds: version 1 (Vista–8.1: a fixed 260-character
 * path at byte 24) or version 2 (Windows 10+: its length at byte 24, the path from byte 28), UTF-16LE.
 */
export function readRecycleRecord(record: Buffer): string | null {
  if (record.length < 28) return null;
  const version = record.readBigInt64LE(0);
  let text: string;
  if (version === 2n) text = record.toString('utf16le', 28, Math.min(record.length, 28 + 2 * record.readUInt32LE(24)));
  else if (version === 1n) text = record.toString('utf16le', 24, Math.min(record.length, 24 + 520));
  else return null;
  const end = text.indexOf('\0');
  return end < 0 ? text : text.slice(0, end);
}

/** The `$R` file in a Recycle Bin folder whose record says it was `file` (the newest, when several do). */
export function findRecycled(binDir: string, file: string): string | null {
  let best: { trashed: string; mtime: number } | null = null;
  for (const name of fs.readdirSync(binDir)) {
    if (!name.startsWith('$I')) continue;
    const info = path.join(binDir, name);
    const recorded = readRecycleRecord(fs.readFileSync(info));
    if (recorded === null || recorded.toLowerCase() !== file.toLowerCase()) continue;
    const trashed = path.join(binDir, `$R${name.slice(2)}`);
    const mtime = fs.statSync(info).mtimeMs;
    if (fs.existsSync(trashed) && (!best || mtime > best.mtime)) best = { trashed, mtime };
  }
  return best?.trashed ?? null;
}

export function parseSid(stdout: string): string {
  const sid = stdout.trim().split(/\r?\n/).pop() ?? '';
  if (!/^S-\d+(-\d+)+$/.test(sid)) throw new Error(`PowerShell did not answer the user's SID (it answered ${JSON.stringify(stdout)})`);
  return sid;
}

/** Moves a file to the macOS or Windows trash with the platform's tool; returns where it went. */
export function moveToPlatformTrash(kind: 'finder' | 'recycle-bin', file: string, run: CommandRunner): string {
  const absolute = path.resolve(file);
  if (kind === 'finder') {
    const trashed = parseFinderAnswer(run(finderTrashCommand(absolute)), absolute);
    if (fs.existsSync(absolute) || !fs.existsSync(trashed)) throw new Error(`Finder did not move ${absolute} to ${trashed}`);
    return trashed;
  }
  const sid = parseSid(run(recycleBinCommand(absolute)));
  const binDir = path.join(path.parse(absolute).root, '$Recycle.Bin', sid);
  const trashed = findRecycled(binDir, absolute);
  if (fs.existsSync(absolute) || !trashed) throw new Error(`the Recycle Bin in ${binDir} holds no record of ${absolute}`);
  return trashed;
}

/**
 * Moves a file back from the macOS or Windows trash (never over another file); the Recycle Bin's
 * `$I` record goes with it. Returns how to put it back as it was (when the edit it belongs to fails).
 */
export function restoreFromPlatformTrash(kind: 'finder' | 'recycle-bin', trashFile: string, file: string): () => void {
  if (fs.existsSync(file)) throw new ConflictError(`cannot restore ${file}: a file with that name is there now`);
  if (!fs.existsSync(trashFile)) throw new ConflictError(`cannot restore ${file}: it is no longer in the trash (${trashFile})`);
  const record = kind === 'recycle-bin' && path.basename(trashFile).startsWith('$R') ? path.join(path.dirname(trashFile), `$I${path.basename(trashFile).slice(2)}`) : null;
  const recordBytes = record && fs.existsSync(record) ? fs.readFileSync(record) : null;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.renameSync(trashFile, file);
  if (record) fs.rmSync(record, { force: true });
  return () => {
    if (record && recordBytes) fs.writeFileSync(record, recordBytes);
    fs.renameSync(file, trashFile);
  };
}
