package realtime

import (
	"hash/maphash"
	"sync"
)

// The registry is the hub's record of this node's connections: who is
// connected, which channels their users are in, who watches whose
// presence. It is split into shards by user, so that registering one
// person's connection and delivering to another's never take the same
// lock, and nothing under its locks does I/O: a delivery only appends to
// connection queues (conn.send), a registration only updates maps. The
// membership a registration needs is loaded before, with no lock held
// (hub.register).
//
// Lock order: a shard's lock, then a conn's; the watchers' lock, then a
// conn's. No two shard locks are ever held at once.
const nShards = 32

type shard struct {
	mu sync.RWMutex
	// users: the users of this shard with connections here.
	users map[string]*localUser
	// members: channel -> the users of this shard in it (a subset of users).
	members map[string]map[*localUser]struct{}
	// pending: users of this shard with a connection loading its membership.
	pending map[string]*pendingUser
}

type localUser struct {
	id    string
	conns []*conn // at most Config.MaxPerUser
	chans map[string]struct{}
}

// pendingUser collects the membership changes of a user that the hub
// dispatched while one of their connections was loading the membership:
// the load may have read the database before them. Per channel only the
// last change counts (an add and a remove of one membership leave what
// the later one says), so replaying them over the loaded list gives the
// membership as of the hub's position, whichever of the changes the load
// saw already.
type pendingUser struct {
	n       int             // connections loading
	changes map[string]bool // channel -> member after the last change
}

func (s *shard) init() {
	s.users = map[string]*localUser{}
	s.members = map[string]map[*localUser]struct{}{}
	s.pending = map[string]*pendingUser{}
}

// joinLocked and leaveLocked change a registered user's membership.
func (s *shard) joinLocked(u *localUser, channelID string) {
	u.chans[channelID] = struct{}{}
	if s.members[channelID] == nil {
		s.members[channelID] = map[*localUser]struct{}{}
	}
	s.members[channelID][u] = struct{}{}
}

func (s *shard) leaveLocked(u *localUser, channelID string) {
	delete(u.chans, channelID)
	if us := s.members[channelID]; us != nil {
		delete(us, u)
		if len(us) == 0 {
			delete(s.members, channelID)
		}
	}
}

// memberChangedLocked applies a membership event to userID, connected or
// still loading.
func (s *shard) memberChangedLocked(userID, channelID string, member bool) {
	if p := s.pending[userID]; p != nil {
		p.changes[channelID] = member
	}
	u := s.users[userID]
	if u == nil {
		return
	}
	if member {
		s.joinLocked(u, channelID)
	} else {
		s.leaveLocked(u, channelID)
	}
}

// sendUserLocked offers f to every connection of userID in this shard.
func (s *shard) sendUserLocked(userID string, f qframe) {
	if u := s.users[userID]; u != nil {
		u.send(f)
	}
}

func (u *localUser) send(f qframe) {
	for _, c := range u.conns {
		c.send(f)
	}
}

// watchers records whose presence which connections asked for. It has a
// lock of its own: presence frames are not the event stream, and a
// connection's watch list spans users of every shard.
type watchers struct {
	mu sync.Mutex
	by map[string]map[*conn]struct{} // watched user -> connections
}

// set replaces the people whose presence c receives.
func (w *watchers) set(c *conn, userIDs []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.clearLocked(c)
	c.watching = make(map[string]struct{}, len(userIDs))
	for _, u := range userIDs {
		c.watching[u] = struct{}{}
		if w.by[u] == nil {
			w.by[u] = map[*conn]struct{}{}
		}
		w.by[u][c] = struct{}{}
	}
}

func (w *watchers) clear(c *conn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.clearLocked(c)
}

func (w *watchers) clearLocked(c *conn) {
	for u := range c.watching {
		if cs := w.by[u]; cs != nil {
			delete(cs, c)
			if len(cs) == 0 {
				delete(w.by, u)
			}
		}
	}
	c.watching = nil
}

func (w *watchers) send(userID string, f qframe) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for c := range w.by[userID] {
		c.send(f)
	}
}

// shardOf is the shard that holds userID.
func (h *hub) shardOf(userID string) *shard {
	return &h.shards[maphash.String(h.seed, userID)%nShards]
}
