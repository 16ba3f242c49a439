/** Problem files: what a scan could not fully read (the kinds, and a problem as the API reports it). */

/**
 * unreadable: the file could not be read (permissions, I/O); metadata_error: not a readable image
 * (empty, truncated, not an image format); decode_error: the pixels cannot be decoded, or only with
 * damage (the image stays indexed with its metadata); timeout: reading took too long and was stopped;
 * not_utf8_name: a name that is not valid UTF-8 (not indexed); folder_unreadable: a folder that
 * could not be listed; outside_library: a symlink whose target leaves the library (not followed).
 */
export const PROBLEM_KINDS = ['unreadable', 'metadata_error', 'decode_error', 'timeout', 'not_utf8_name', 'folder_unreadable', 'outside_library'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface Problem {
  path: string;
  kind: ProblemKind;
  message: string;
  size: number | null;
  mtime_ms: number | null;
  first_seen: string;
  last_seen: string;
}

export interface NewProblem {
  path: string;
  kind: ProblemKind;
  message: string;
  size?: number | null;
  mtimeMs?: number | null;
}
