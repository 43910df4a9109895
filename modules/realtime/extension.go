package realtime

import (
	"context"
	"encoding/json"
	"strings"
	"sync"

	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
)

// Extensions let another module speak on the websocket without the
// gateway knowing its frames: it claims a type prefix ("call.") and gets
// every client frame of that type, raw, with a handle on the connection
// that sent it to answer on. internal/app wires them; the gateway keeps
// its rules (frame budgets, the bad-frame count, session expiry) for
// extension frames too.

// FrameHandler handles one client frame whose type has the registered
// prefix. raw is the frame as the client sent it (a JSON object; its type
// and id are in f). A non-nil answer is sent to the client as an error
// frame carrying the frame's id and counts as a bad frame.
type FrameHandler func(ctx context.Context, c Client, f ClientFrame, raw []byte) *ErrorPayload

type extensions struct {
	mu       sync.RWMutex
	handlers map[string]FrameHandler // prefix -> handler
	maxFrame int64                   // the largest frame any extension accepts
}

// HandleFrames routes client frames whose type starts with prefix to h and
// lets clients send frames of up to maxBytes (for SDP, which outgrows the
// gateway's own 8 KiB). Call it before the gateway serves connections.
func (m *Module) HandleFrames(prefix string, maxBytes int64, h FrameHandler) {
	m.ext.mu.Lock()
	defer m.ext.mu.Unlock()
	if m.ext.handlers == nil {
		m.ext.handlers = map[string]FrameHandler{}
	}
	m.ext.handlers[prefix] = h
	if maxBytes > m.ext.maxFrame {
		m.ext.maxFrame = maxBytes
	}
}

// extensionFor returns the handler for a frame type, or nil.
func (m *Module) extensionFor(typ string) FrameHandler {
	m.ext.mu.RLock()
	defer m.ext.mu.RUnlock()
	for p, h := range m.ext.handlers {
		if strings.HasPrefix(typ, p) {
			return h
		}
	}
	return nil
}

// readLimit is the largest client frame accepted.
func (m *Module) readLimit() int64 {
	m.ext.mu.RLock()
	defer m.ext.mu.RUnlock()
	return max(8<<10, m.ext.maxFrame)
}

// sizeAllowed reports whether a frame may be as large as it is: the
// gateway's own frames stay within 8 KiB; only the types of an extension
// that asked for more may be larger.
func (m *Module) sizeAllowed(data []byte) bool {
	if len(data) <= 8<<10 {
		return true
	}
	var head struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(data, &head) == nil && m.extensionFor(head.Type) != nil
}

// Client is one websocket connection as an extension sees it. It is a
// comparable value: two Clients of the same connection are equal, so an
// extension may key maps by it.
type Client struct{ c *conn }

// UserID is who the connection belongs to.
func (c Client) UserID() string { return c.c.userID }

// Principal is the signed-in caller that opened the connection.
func (c Client) Principal() *authn.Principal { return c.c.principal }

// Send queues a frame for this connection only, without blocking (a
// client that does not read is cut off as for every other frame). The
// draft's kind must be listed in the OpenAPI document's frames.
func (c Client) Send(d eventlog.Draft, channelID string) { c.c.send(ephemeral(d, channelID)) }

// Done is closed when the connection has ended.
func (c Client) Done() <-chan struct{} { return c.c.done }

// SendUser queues a frame for every connection userID has on this node.
func (m *Module) SendUser(userID string, d eventlog.Draft, channelID string) {
	f := ephemeral(d, channelID)
	for _, c := range m.hub.connsOf(userID) {
		c.send(f)
	}
}
