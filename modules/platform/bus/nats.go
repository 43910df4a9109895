package bus

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
)

// NATS is the bus of a cluster: every node connects to the same NATS
// server (or cluster) and sees what every other node publishes.
type NATS struct {
	nc  *nats.Conn
	log *slog.Logger
}

// NewNATS connects to url and keeps reconnecting for as long as the
// process runs; messages published while disconnected are buffered by the
// client up to its limit, then dropped (consumers catch up from the database).
func NewNATS(url string, log *slog.Logger) (*NATS, error) {
	log = log.With("component", "bus")
	nc, err := nats.Connect(url,
		nats.Name("kontor"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500*time.Millisecond),
		nats.Timeout(5*time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: we closed it ourselves
				log.Warn("lost the NATS connection", "error", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("reconnected to NATS", "server", c.ConnectedUrlRedacted()) }),
		nats.ErrorHandler(func(_ *nats.Conn, s *nats.Subscription, err error) {
			subject := ""
			if s != nil {
				subject = s.Subject
			}
			log.Warn("NATS error", "subject", subject, "error", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	return &NATS{nc: nc, log: log}, nil
}

// Publish sends data on subject.
func (b *NATS) Publish(_ context.Context, subject string, data []byte) error {
	if err := b.nc.Publish(subject, data); err != nil {
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	return nil
}

// Subscribe calls fn for every message on subject (".>" matches below it).
func (b *NATS) Subscribe(subject string, fn func(string, []byte)) (func(), error) {
	sub, err := b.nc.Subscribe(subject, func(m *nats.Msg) { fn(m.Subject, m.Data) })
	if err != nil {
		return nil, fmt.Errorf("subscribe %s: %w", subject, err)
	}
	// Bounded like the local bus: a stuck subscriber loses messages, not memory.
	if err := sub.SetPendingLimits(queueLen*16, 64<<20); err != nil {
		return nil, err
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// Ping checks the connection with a round trip to the server.
func (b *NATS) Ping(ctx context.Context) error {
	d := 2 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		d = time.Until(dl)
	}
	if err := b.nc.FlushTimeout(d); err != nil {
		return fmt.Errorf("NATS: %w", err)
	}
	return nil
}

// Close closes the connection; its handlers say nothing more afterwards.
func (b *NATS) Close() error {
	b.nc.SetDisconnectErrHandler(nil)
	b.nc.SetReconnectHandler(nil)
	b.nc.SetErrorHandler(nil)
	b.nc.Close()
	return nil
}
