// A command that cannot use a folder it was given (the data folder, the spool) says so in one
// line: which folder, the system's code and what it means, instead of a stack trace or, worse, a
// line about the port. The error's code is what tells them apart, not the message.

/** What each file-system code means for a folder to be written in. */
const MEANING: Record<string, string> = {
  EACCES: 'permission denied: this user may not write there (run as its owner, or give another folder)',
  EPERM: 'operation not permitted for this user (run as its owner, or give another folder)',
  EROFS: 'the file system is read-only (give a folder on a writable one)',
  EEXIST: 'a file, not a folder, is there (give a folder)',
  ENOTDIR: 'part of the path is a file, not a folder (give a folder)',
  ENOENT: 'a folder on the way does not exist',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'this user\'s disk quota is used up',
  ELOOP: 'too many symbolic links on the way',
  ENAMETOOLONG: 'the path is too long',
};

/** Calls that are not the file system's: a listen's EACCES is about a port, not a folder. */
const NOT_FILES = new Set(['listen', 'bind', 'connect', 'getaddrinfo']);

/** The line for a file-system error while using `folder`, or undefined when err is not one. */
export function folderProblem(err: unknown, { what, folder }: { what: string; folder: string }): string | undefined {
  const { code, syscall, path } = err as NodeJS.ErrnoException;
  if (code === undefined || !(code in MEANING) || typeof path !== 'string' || (syscall !== undefined && NOT_FILES.has(syscall))) return undefined;
  const at = path === folder ? '' : ` (at ${path})`;
  return `cannot use the ${what} ${folder}: ${code}: ${MEANING[code]}${at}`;
}
