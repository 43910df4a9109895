package files

import "sync"

// fairQueue holds the files whose previews this node should make, by
// owner, and hands them out in turns: one of each person who waits, then
// the next of each. One person uploading a thousand pictures delays
// another's single picture by at most one preview, not a thousand.
type fairQueue struct {
	mu     sync.Mutex
	byUser map[string][]string
	turn   []string // owners with work waiting, in the order they are served
	n      int
	limit  int
	// wake has room for one signal per worker, so that every idle worker
	// wakes for work pushed while it slept.
	wake chan struct{}
}

func newFairQueue(limit, workers int) *fairQueue {
	return &fairQueue{byUser: map[string][]string{}, limit: limit, wake: make(chan struct{}, workers)}
}

// push queues a file of owner; it reports false when the queue is full
// (the periodic scan finds the file instead).
func (q *fairQueue) push(owner, id string) bool {
	q.mu.Lock()
	if q.n >= q.limit {
		q.mu.Unlock()
		return false
	}
	if len(q.byUser[owner]) == 0 {
		q.turn = append(q.turn, owner)
	}
	q.byUser[owner] = append(q.byUser[owner], id)
	q.n++
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// pop takes the next file: the first of the owner whose turn it is, who
// then goes to the back of the line if more of theirs wait.
func (q *fairQueue) pop() (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.turn) == 0 {
		return "", false
	}
	owner := q.turn[0]
	q.turn = q.turn[1:]
	ids := q.byUser[owner]
	id := ids[0]
	if len(ids) == 1 {
		delete(q.byUser, owner)
	} else {
		q.byUser[owner] = ids[1:]
		q.turn = append(q.turn, owner)
	}
	q.n--
	return id, true
}
