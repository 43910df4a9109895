package realtime

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// presence keeps who is online. Each node knows its own connections and
// tells the others its view over the bus; a person's status is the best
// across nodes: do not disturb, then active, then away, else offline.
type presence struct {
	conns  localConns
	db     *db.DB // user_presence: do not disturb and last seen
	pub    publisher
	clock  clock.Clock
	log    *slog.Logger
	node   string
	away   time.Duration // Config.IdleAway
	beat   time.Duration // Config.PresenceBeat
	mu     sync.Mutex
	manual map[string]string // user -> "dnd" while set, for local users
	remote map[string]nodeView
	shown  map[string]string // the status last announced per user
}

type nodeView struct {
	users map[string]string
	seen  time.Time
}

type presenceMsg struct {
	Node  string            `json:"node"`
	Full  bool              `json:"full"`
	Users map[string]string `json:"users"` // status, or "" when the user left this node
}

var rank = map[string]int{"offline": 0, "away": 1, "active": 2, "dnd": 3}

// localConns is what presence needs of the hub: this node's connections
// and the presence subscriptions.
type localConns interface {
	connsOf(userID string) []*conn
	localUsers() []string
	sendWatchers(userID string, f qframe)
}

// publisher tells the other nodes.
type publisher interface {
	Publish(ctx context.Context, subject string, data []byte) error
}

func newPresence(conns localConns, d *db.DB, pub publisher, clk clock.Clock, log *slog.Logger, node string, cfg Config) *presence {
	return &presence{conns: conns, db: d, pub: pub, clock: clk, log: log, node: node, away: cfg.IdleAway, beat: cfg.PresenceBeat,
		manual: map[string]string{}, remote: map[string]nodeView{}, shown: map[string]string{}}
}

// localStatus is userID's status from this node's connections ("" if none).
func (p *presence) localStatus(userID string) string {
	conns := p.conns.connsOf(userID)
	if len(conns) == 0 {
		return ""
	}
	p.mu.Lock()
	manual := p.manual[userID]
	p.mu.Unlock()
	if manual == "dnd" {
		return "dnd"
	}
	idle := p.clock.Now().Add(-p.away).UnixMilli()
	for _, c := range conns {
		if c.status.Load() == "active" && c.lastActive.Load() >= idle {
			return "active"
		}
	}
	return "away"
}

// status is userID's status across the cluster.
func (p *presence) status(userID string) string {
	best := "offline"
	if s := p.localStatus(userID); s != "" {
		best = s
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, v := range p.remote {
		if s, ok := v.users[userID]; ok && rank[s] > rank[best] {
			best = s
		}
	}
	return best
}

func (p *presence) connected(ctx context.Context, c *conn) {
	var manual string
	err := p.db.QueryRowContext(ctx, `SELECT manual FROM user_presence WHERE user_id = ?`, c.userID).Scan(&manual)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		p.log.Warn("read presence", "error", err)
	}
	p.mu.Lock()
	p.manual[c.userID] = manual
	p.mu.Unlock()
	p.changed(ctx, c.userID)
}

func (p *presence) disconnected(ctx context.Context, c *conn) {
	if len(p.conns.connsOf(c.userID)) == 0 {
		p.mu.Lock()
		delete(p.manual, c.userID)
		p.mu.Unlock()
		if err := p.saveLastSeen(ctx, c.userID); err != nil {
			p.log.Warn("save last seen", "error", err)
		}
	}
	p.changed(ctx, c.userID)
}

func (p *presence) saveLastSeen(ctx context.Context, userID string) error {
	_, err := p.db.ExecContext(ctx, `INSERT INTO user_presence (user_id, last_seen_at) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at`, userID, p.clock.Now().UnixMilli())
	return err
}

// setStatus records what a client reports; dnd sticks to the person
// across connections and restarts until they report active or away.
func (p *presence) setStatus(ctx context.Context, c *conn, s string) {
	manual := ""
	if s == "dnd" {
		manual = "dnd"
	} else {
		c.status.Store(s)
	}
	p.mu.Lock()
	was := p.manual[c.userID]
	p.manual[c.userID] = manual
	p.mu.Unlock()
	if was != manual {
		if _, err := p.db.ExecContext(ctx, `INSERT INTO user_presence (user_id, manual) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET manual = excluded.manual`, c.userID, manual); err != nil {
			p.log.Warn("save presence", "error", err)
		}
	}
	p.changed(ctx, c.userID)
}

// changed tells the other nodes this node's view of userID and, when the
// cluster-wide status moved, every local connection.
func (p *presence) changed(ctx context.Context, userID string) {
	b, _ := json.Marshal(presenceMsg{Node: p.node, Users: map[string]string{userID: p.localStatus(userID)}})
	if err := p.pub.Publish(ctx, subjectPresence, b); err != nil {
		p.log.Warn("publish presence", "error", err)
	}
	p.announce(userID)
}

// announce sends a presence frame to local connections if userID's
// cluster-wide status differs from the last one sent.
func (p *presence) announce(userID string) {
	s := p.status(userID)
	p.mu.Lock()
	if p.shown[userID] == s || (p.shown[userID] == "" && s == "offline") {
		p.mu.Unlock()
		return
	}
	p.shown[userID] = s
	if s == "offline" {
		delete(p.shown, userID)
	}
	p.mu.Unlock()
	p.conns.sendWatchers(userID, ephemeral(framePresence.With(p.view(userID, s)), ""))
}

// view is userID's presence frame payload for status s, for a live
// change: someone who just went offline was last seen now. (presence_sub
// and the presence API read the saved time instead.)
func (p *presence) view(userID, s string) Presence {
	pr := Presence{UserID: userID, Status: s}
	if s == "offline" {
		now := p.clock.Now().UTC()
		pr.LastSeenAt = &now
	}
	return pr
}

// onRemote merges another node's view.
func (p *presence) onRemote(_ string, data []byte) {
	var msg presenceMsg
	if json.Unmarshal(data, &msg) != nil || msg.Node == "" || msg.Node == p.node {
		return
	}
	var touched []string
	p.mu.Lock()
	v := p.remote[msg.Node]
	if v.users == nil || msg.Full {
		for u := range v.users {
			touched = append(touched, u)
		}
		v.users = map[string]string{}
	}
	for u, s := range msg.Users {
		if s == "" {
			delete(v.users, u)
		} else {
			v.users[u] = s
		}
		touched = append(touched, u)
	}
	v.seen = p.clock.Now()
	p.remote[msg.Node] = v
	p.mu.Unlock()
	for _, u := range touched {
		p.announce(u)
	}
}

// run sends this node's full view regularly, forgets nodes that went
// silent, and notices connections that went idle.
func (p *presence) run(ctx context.Context) {
	t := time.NewTicker(p.beat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		users := p.conns.localUsers()
		view := make(map[string]string, len(users))
		for _, u := range users {
			view[u] = p.localStatus(u)
		}
		b, _ := json.Marshal(presenceMsg{Node: p.node, Full: true, Users: view})
		if err := p.pub.Publish(ctx, subjectPresence, b); err != nil {
			p.log.Warn("publish presence", "error", err)
		}
		var touched []string
		p.mu.Lock()
		for node, v := range p.remote {
			if p.clock.Now().Sub(v.seen) > 3*p.beat {
				for u := range v.users {
					touched = append(touched, u)
				}
				delete(p.remote, node)
			}
		}
		p.mu.Unlock()
		for _, u := range append(touched, users...) {
			p.announce(u)
		}
	}
}

// lastSeen reads when people were last online; people never seen are
// not in the answer.
func (p *presence) lastSeen(ctx context.Context, userIDs []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for len(userIDs) > 0 {
		n := min(len(userIDs), 200)
		chunk := userIDs[:n]
		userIDs = userIDs[n:]
		args := make([]any, len(chunk))
		for i, u := range chunk {
			args[i] = u
		}
		rows, err := p.db.QueryContext(ctx, `SELECT user_id, last_seen_at FROM user_presence WHERE user_id IN (?`+
			strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("read last seen: %w", err)
		}
		for rows.Next() {
			var u string
			var at int64
			if err := rows.Scan(&u, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read last seen: %w", err)
			}
			if at > 0 {
				out[u] = time.UnixMilli(at).UTC()
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("read last seen: %w", err)
		}
	}
	return out, nil
}
