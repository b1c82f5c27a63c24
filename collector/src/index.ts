// The collector's public face: what the CLI, the relay, the benches and the end-to-end tests use.
// What is not exported here is the collector's own, free to change without them noticing.

// A collector: its configuration, started on one port, and its own events.
export { type CollectorConfig, DEFAULTS, loadConfig, RETENTION_DAYS } from './config.js';
export { ConfigError } from './config-error.js';
export { type Collector, startCollector } from './http/server.js';
export { type Log, stderrLog } from './events.js';
// An exporter's cursor file that cannot be read refuses the start (export/cursor.ts).
export { CursorUnreadable } from './export/cursor.js';

// The data folder without a server (redtail prune, the benches): the shards, queries over them,
// and the free-text index built in process.
export { retentionStart, Store } from './store/store.js';
export { type Filters } from './query/filters.js';
// The most records (or gap notices) one page of an answer holds.
export { MAX_LIMIT, query } from './query/query.js';
// What is known of the trail's completeness over a period (the report's gaps and silent sources).
export { type Completeness, completeness } from './sources/completeness.js';
export { WordsCatchUp } from './search/catch-up.js';

// Ingest, as the filter sends it: what the relay takes in front of a collector, with the same
// contract, limits and answers.
export { readBatch } from './ingest/read.js';
export { answerRefused, ProducerGone, receiveBatch } from './http/receive.js';
export { CLOSE_CUT, cutMessage, PendingBytes } from './http/upload.js';

// Who may do what, and which host names a server answers to; the relay keeps the same rules.
export { authorize, deny, parseTokens, type Scope, type Token } from './http/auth.js';
export { checkHost, isLoopback, parseHosts, servedHosts } from './http/cross-site.js';

// TLS: serving HTTPS and WSS (the relay serves as the collector does), and trusting a collector's certificate.
export { createServer, readTlsFiles, type TlsFiles } from './http/tls.js';
export { tlsFiles } from './config.js';
export { tlsProblem, trustedCas } from './http/trust.js';

// The HTTP helpers: a JSON answer, and Prometheus text.
export { send } from './http/respond.js';
export { Exposition } from './prometheus.js';
export { REJECT_REASONS } from './metrics.js';

// The record's fields (record/schema.ts): the CLI's filter flags come from them.
export { type Field, FIELDS, type Filter, FILTERED } from './record/schema.js';
export { FolderInUse, FolderLock, LOCK_FILE } from './store/lock.js';

// The verifiable log, offline (redtail verify): the public key and the check of a data folder.
export { type EpochReport, verifyLog } from './log/verify.js';
export { keyFileOf, publicKeyFile, readVerifier } from './log/keys.js';
export { NoteError, unsignedText, type Verifier } from './log/note.js';
export { recordDeletion, recordDeletions } from './log/retention.js';
export { loadOrCreateKey } from './log/keys.js';
export { parseTime } from './query/query.js';
export { QueryError } from './query/filters.js';
export { CHECKPOINTS, checkpointEpochs, checkpointFiles } from './log/checkpoints.js';
export { parseCheckpoint } from './log/checkpoint.js';
export { DELETION_FILE } from './log/retention.js';
export { generateSigner } from './log/note.js';
export { type Bundle, checkBundle, type ConsistencyBundle, type InclusionBundle, ProofError, type Proven } from './log/bundle.js';
export { findRecords, formatRef, parseRef, proveConsistency, proveInclusion, type RecordRef } from './log/prove.js';

// The compliance report (redtail report): built once from a data folder, then rendered.
export { buildReport, type ReportOptions } from './report/build.js';
export type { Report } from './report/model.js';
export { renderMarkdown } from './report/markdown.js';
export { renderHtml } from './report/html.js';
export { renderJson } from './report/json.js';

// The audit log (audit/): who read what, itself a verifiable log. Offline commands reach it
// through its writer when they hold the folder's lock, through its inbox when they do not.
export { type AuditEntry, COLLECTOR, entryDetails, osUser } from './audit/entry.js';
export { AUDIT, auditDir } from './audit/files.js';
export { AuditRecorder } from './audit/recorder.js';
export { auditDeletion } from './audit/deletion.js';
export { postToInbox } from './audit/inbox.js';
export { type Listed, readAudit } from './audit/read.js';
export { type AuditReport, verifyAudit } from './audit/verify.js';
