package files

import (
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
)

// uploads are the upload bodies being read now. When the server shuts
// down they are ended at once (an upload is acknowledged only once it is
// stored, so nothing acknowledged is lost) instead of holding the
// shutdown until the slowest client is done.
type uploads struct {
	mu       sync.Mutex
	stopping bool
	live     map[*watchedBody]struct{}
}

// stop ends every upload in flight and refuses new ones.
func (u *uploads) stop() {
	u.mu.Lock()
	u.stopping = true
	live := make([]*watchedBody, 0, len(u.live))
	for b := range u.live {
		live = append(live, b)
	}
	u.mu.Unlock()
	for _, b := range live {
		b.abort()
	}
}

// watch wraps an upload's body: a read that gets no byte for idle fails
// (upload_stalled), and stop ends it (shutting_down). done forgets it.
func (u *uploads) watch(body io.Reader, w http.ResponseWriter, idle time.Duration) (*watchedBody, func(), error) {
	b := &watchedBody{r: body, rc: http.NewResponseController(w), idle: idle}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.stopping {
		return nil, nil, errShuttingDown()
	}
	if u.live == nil {
		u.live = map[*watchedBody]struct{}{}
	}
	u.live[b] = struct{}{}
	return b, func() {
		u.mu.Lock()
		delete(u.live, b)
		u.mu.Unlock()
	}, nil
}

// watchedBody sets the connection's read deadline before every read, so
// that a client that stops sending is noticed, and can be aborted by
// moving the deadline to now.
type watchedBody struct {
	r    io.Reader
	rc   *http.ResponseController
	idle time.Duration

	mu      sync.Mutex // orders abort against a read moving the deadline
	aborted bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	if b.aborted {
		b.mu.Unlock()
		return 0, errShuttingDown()
	}
	deadlines := b.rc.SetReadDeadline(time.Now().Add(b.idle)) == nil
	b.mu.Unlock()
	n, err := b.r.Read(p)
	if err != nil && deadlines && errors.Is(err, os.ErrDeadlineExceeded) {
		b.mu.Lock()
		aborted := b.aborted
		b.mu.Unlock()
		if aborted {
			return n, errShuttingDown()
		}
		return n, apperr.Invalid("body", "no bytes of the upload arrived for %s; nothing was stored, try again", b.idle).WithCode(apperr.CodeUploadStalled)
	}
	return n, err
}

func (b *watchedBody) abort() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.aborted = true
	_ = b.rc.SetReadDeadline(time.Now())
}

func errShuttingDown() error {
	return apperr.Unavailable("the server is restarting; the upload was not stored, send it again in a moment").WithCode(apperr.CodeShuttingDown)
}
