// Package rtclient is a small websocket client for Kontor's real-time
// protocol, used by tests and by cmd/kontor-load. It keeps the last event
// cursor so that a reconnect resumes where the stream left off.
package rtclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/coder/websocket"

	"github.com/kontorhq/kontor/modules/realtime"
)

// Client is one websocket connection. A goroutine reads frames into a
// buffer, so a caller that stops waiting does not disturb the connection.
type Client struct {
	ws     *websocket.Conn
	frames chan frameOrErr
	Cursor int64 // the last event cursor received
	Hello  realtime.Hello
	// Resync is set when the server said the cursor was too old.
	Resync *realtime.Resync
}

type frameOrErr struct {
	f   realtime.ServerFrame
	err error
}

// Fresh is the cursor that starts a new stream instead of resuming.
const Fresh = -1

// Dial connects to base (http://host:port) with the given credentials,
// resuming after cursor (Fresh: start anew), and reads the first frame.
func Dial(ctx context.Context, base string, header http.Header, cursor int64) (*Client, error) {
	u := strings.Replace(strings.TrimRight(base, "/"), "http", "ws", 1) + "/api/v1/ws"
	if cursor >= 0 {
		u += "?cursor=" + strconv.FormatInt(cursor, 10)
	}
	ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: header, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial: %s: %w", resp.Status, err)
		}
		return nil, fmt.Errorf("dial: %w", err)
	}
	ws.SetReadLimit(1 << 20)
	c := &Client{ws: ws, Cursor: cursor, frames: make(chan frameOrErr, 4096)}
	go c.pump()
	f, err := c.Next(ctx)
	if err != nil {
		ws.CloseNow()
		return nil, err
	}
	switch f.Type {
	case "hello":
		if err := json.Unmarshal(f.Payload, &c.Hello); err != nil {
			return nil, err
		}
		c.Cursor = c.Hello.Cursor
	case "resync":
		var r realtime.Resync
		if err := json.Unmarshal(f.Payload, &r); err != nil {
			return nil, err
		}
		c.Resync, c.Cursor = &r, r.Cursor
	default:
		return nil, fmt.Errorf("first frame is %q, not hello", f.Type)
	}
	return c, nil
}

// pump reads frames until the connection ends; the last item carries the
// error that ended it. If the buffer is full, reading pauses, and the
// server will in time cut the client off as too slow.
func (c *Client) pump() {
	defer close(c.frames)
	for {
		var f realtime.ServerFrame
		typ, data, err := c.ws.Read(context.Background())
		if err == nil && typ != websocket.MessageText {
			err = errors.New("binary frame from the server")
		}
		if err == nil {
			if derr := json.Unmarshal(data, &f); derr != nil {
				err = fmt.Errorf("decode frame: %w", derr)
			}
		}
		c.frames <- frameOrErr{f: f, err: err}
		if err != nil {
			return
		}
	}
}

// Next returns the next frame and remembers its cursor.
func (c *Client) Next(ctx context.Context) (realtime.ServerFrame, error) {
	select {
	case <-ctx.Done():
		return realtime.ServerFrame{}, ctx.Err()
	case x, ok := <-c.frames:
		if !ok {
			return realtime.ServerFrame{}, errClosed
		}
		if x.err != nil {
			// Keep reporting the end to later calls.
			c.frames = closedWith(x.err)
			return x.f, x.err
		}
		if x.f.Cursor > c.Cursor {
			c.Cursor = x.f.Cursor
		}
		return x.f, nil
	}
}

var errClosed = errors.New("connection closed")

func closedWith(err error) chan frameOrErr {
	ch := make(chan frameOrErr, 1)
	ch <- frameOrErr{err: err}
	close(ch)
	return ch
}

// NextOf reads frames until one of the given types arrives.
func (c *Client) NextOf(ctx context.Context, types ...string) (realtime.ServerFrame, error) {
	for {
		f, err := c.Next(ctx)
		if err != nil {
			return f, err
		}
		for _, t := range types {
			if f.Type == t {
				return f, nil
			}
		}
	}
}

// Send writes a client frame.
func (c *Client) Send(ctx context.Context, f realtime.ClientFrame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return c.ws.Write(ctx, websocket.MessageText, b)
}

// SendRaw writes bytes as they are (for tests of malformed frames).
func (c *Client) SendRaw(ctx context.Context, typ websocket.MessageType, b []byte) error {
	return c.ws.Write(ctx, typ, b)
}

// Close closes the connection normally.
func (c *Client) Close() error { return c.ws.Close(websocket.StatusNormalClosure, "") }

// CloseNow drops the connection without a closing handshake.
func (c *Client) CloseNow() error { return c.ws.CloseNow() }

// CloseStatus returns the close code in err, or -1.
func CloseStatus(err error) int { return int(websocket.CloseStatus(err)) }
