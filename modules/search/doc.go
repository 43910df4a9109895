// Package search owns full-text search over messages and files: a Bleve
// (scorch) index in the data directory, the indexer that keeps it up to
// date by tailing the record journal, the query language people type, and
// the permission filter that keeps every hit inside the channels the
// searcher may read now.
//
// What it consumes, through interfaces declared here and wired in
// internal/app:
//   - Source: the changes to index, in sequence order (Change). The server
//     passes FromJournal(Journal, Content): the record journal's entries,
//     and chat, identity and files as they are now; what each journal kind
//     means for the index is decided here (journal.go), not by the caller.
//   - Access: the channels and DMs a user may read, asked at every search,
//     so a removed member stops finding a channel's messages at once.
//   - Users, Channels: names typed in from:@alice, in:~general, in:@bob.
//
// What it offers: GET /api/v1/search, the admin operations on the index
// (status, rebuild), Reindex for the command line, Notify for whoever
// learns first that the journal has grown (the indexer gathers what is
// notified within Config.BatchDelay into one batch).
//
// Storage: <data dir>/search/current names the live index directory
// (index-<id>). The journal position the index reflects is kept inside
// the index and written in the same batch as the documents, so after a
// crash or restart the indexer resumes exactly where the index stands.
// Every node keeps its own index and cursor; nothing is in the database
// (except an audit record when an admin starts a rebuild).
//
// Sub-packages: analyze (the multilingual analyzer) and query (the query
// language parser).
package search
