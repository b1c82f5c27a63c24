// redtail prune: remove the shards older than the retention, and say what went.
import { existsSync } from 'node:fs';
import { auditDeletion, AuditRecorder, FolderInUse, FolderLock, keyFileOf, type Log, loadOrCreateKey, osUser, postToInbox, recordDeletions, RETENTION_DAYS, retentionStart, Store } from '../collector/src/index.js';
import { commandFlags } from './args.js';
import { integer } from './integers.js';
import { DATA_FLAGS, dataConfig } from './data-config.js';
import { folderProblem } from './folder-problem.js';

const FLAGS = {
  data: DATA_FLAGS.data,
  'retention-days': { value: 'N', help: 'keep this many days, today included (default from the config, 30)' },
  config: { value: 'FILE', help: 'the collector\'s config file' },
  'dry-run': { value: '', help: 'only say what would be removed' },
  json: { value: '', help: 'print NDJSON, one removed shard a line' },
};
const SUMMARY = 'Removes SQLite shards older than the retention. The running collector also prunes hourly.';

export async function pruneCommand(argv: string[]): Promise<number> {
  const flags = commandFlags('prune', SUMMARY, FLAGS, argv);
  if (typeof flags === 'number') return flags;
  const config = dataConfig('prune', flags);
  if (typeof config === 'number') return config;
  const days = flags['retention-days'] !== undefined ? integer(flags['retention-days'], '--retention-days', RETENTION_DAYS) : config.retentionDays;
  // A folder that is not there holds nothing to prune, and is not made (a dry run least of all).
  if (!existsSync(config.data)) {
    console.error(`redtail prune: no data folder at ${config.data}: nothing to prune (give the collector's with --data)`);
    return 2;
  }
  // Removing shards is writing: not under a running collector (which prunes on its own, hourly).
  let lock: FolderLock | undefined;
  let store: Store;
  try {
    if (flags['dry-run'] === undefined) lock = FolderLock.take(config.data);
    store = new Store(config.data);
  } catch (err) {
    lock?.release();
    // Not usage errors: the command was right, the folder is not ready for it (exit 1).
    const problem = folderProblem(err, { what: 'data folder', folder: config.data });
    if (problem !== undefined) {
      console.error(`redtail prune: ${problem}`);
      return 1;
    }
    if (!(err instanceof FolderInUse)) throw err;
    console.error(`redtail prune: ${err.message} (the running collector prunes on its own, hourly)`);
    return 1;
  }
  const shards = store.list().length;
  const keepFrom = retentionStart(days);
  // The bound first, on stderr (stdout is what went): a surprising removal is explained before it is listed.
  const bound = flags['retention-days'] !== undefined ? '--retention-days'
    : process.env.REDTAIL_RETENTION_DAYS ? 'REDTAIL_RETENTION_DAYS'
      : flags.config !== undefined ? `retention_days of ${flags.config}, or the default` : 'the default; set it with --retention-days';
  console.error(`redtail prune: retention ${days} ${days === 1 ? 'day' : 'days'} (${bound}): keeping the UTC days from ${keepFrom} on, ${flags['dry-run'] !== undefined ? 'listing' : 'removing'} the shards before`);
  const removed = store.prune(keepFrom, { dryRun: flags['dry-run'] !== undefined });
  store.close();
  // What went is recorded beside its checkpoints, signed, as the collector's own pruning does, and
  // in the audit log: this command holds the lock, so it is the audit log's writer meanwhile.
  const keyFile = keyFileOf(config);
  // Days past the retention with checkpoints and no shard (heartbeats only, or a shard removed
  // before): their deletion is recorded too, and said, though no file of records goes.
  let recordedOnly: string[] = [];
  if (flags['dry-run'] === undefined) {
    const who = osUser();
    const by = `redtail prune --retention-days ${days}`;
    const entry = { action: 'prune' as const, who, by, argv, removed: removed.map((r) => r.day) };
    if (existsSync(keyFile)) {
      const { signer } = loadOrCreateKey(keyFile, config.log.name ?? 'redtail');
      const said: Log = (e) => e.level === 'error' && console.error(`redtail prune: ${JSON.stringify(e)}`);
      const audit = new AuditRecorder(config.data, signer, said);
      const { recorded, failed } = recordDeletions(config.data, keepFrom, signer, by);
      for (const f of failed) console.error(`redtail prune: the deletion of ${f.epoch} could not be recorded (${f.error}); the next prune tries again`);
      audit.append(entry);
      for (const epoch of recorded) auditDeletion(audit, config.data, epoch, signer.verifier, { who, by });
      recordedOnly = recorded.filter((epoch) => !removed.some((r) => r.day === epoch));
      audit.thin(keepFrom);
      audit.sign();
    } else {
      // No key yet, so no log to sign: the entry waits in the inbox for the collector's first start.
      postToInbox(config.data, { time: new Date().toISOString(), ...entry });
    }
  }
  lock?.release();
  if (flags.json !== undefined) {
    for (const r of removed) console.log(JSON.stringify({ ...r, dryRun: flags['dry-run'] !== undefined }));
    return 0;
  }
  const verb = flags['dry-run'] !== undefined ? 'would remove' : 'removed';
  if (shards === 0) console.log(`nothing to prune: ${config.data} holds no shards`);
  else if (removed.length === 0 && recordedOnly.length === 0) console.log(`nothing to prune: every shard in ${config.data} is from ${keepFrom} or later`);
  for (const day of recordedOnly) console.log(`recorded  ${day}  deleted (no shard of records: its checkpoints thinned to the evidence, a signed deletion note and an audit entry)`);
  for (const r of removed) console.log(`${verb}  ${r.day}  ${String(r.records).padStart(10)} records  ${(r.bytes / 1048576).toFixed(1).padStart(8)} MiB  ${r.file}`);
  return 0;
}
