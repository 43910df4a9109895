// Package realtime is the websocket gateway at /api/v1/ws: it delivers
// the event log (platform/eventlog) to the people each event is for, lets
// a reconnecting client catch up from its last cursor without a gap or a
// duplicate, carries typing indicators, keeps presence (online, away, do
// not disturb, offline with last seen) across tabs and cluster nodes, and
// cuts off clients that cannot keep up.
//
// Each node runs one hub. The hub dispatches the event log in sequence
// order: the events committed on this node that continue its stream
// exactly come from memory (eventlog.Log.OnCommit), everything else is
// read from the log (woken by the bus, or every second), so delivery
// never depends on the bus alone. It knows which local users belong to
// which channels from the membership events it dispatches itself. The
// hub is a registry sharded by user with no I/O under its locks: a new
// connection's membership is loaded before it is registered. Each
// connection owns its read and write loops (conn.go).
//
// Consumes: Memberships and Reads (chat), Events (platform/eventlog), the
// bus. Offers: Online (for @here), SessionsRevoked (identity closes a
// disabled user's connections), the presence API. Protocol: docs/realtime.md.
package realtime
