package journal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// Report is the outcome of Verify.
type Report struct {
	Entries     int64 `json:"entries"`
	Checkpoints int   `json:"checkpoints"`
	Purged      int64 `json:"purged" doc:"Entries whose content retention removed, each with its purge on record."`
	// Root is the tree's root over all entries (empty for an empty journal).
	Root string `json:"root,omitempty"`
	// Priors lists the checkpoints kept elsewhere that the journal was
	// proved to extend.
	Priors []string `json:"priors,omitempty"`
	// FirstBroken is the sequence number of the first entry that fails, or 0.
	FirstBroken int64  `json:"first_broken,omitempty"`
	Problem     string `json:"problem,omitempty"`
}

// OK reports whether the journal verified.
func (r Report) OK() bool { return r.Problem == "" }

const verifyBatch = 2000

// VerifyOptions say what Verify checks against.
type VerifyOptions struct {
	// Key is the public key pinned by whoever checks (kept off the server);
	// empty: the journal's own, which only proves the journal agrees with
	// itself.
	Key string
	// Prior are signed checkpoints seen before and kept elsewhere (label:
	// where each came from). The journal must extend each of them.
	Prior []Prior
	// Progress, if not nil, is told how far Verify got.
	Progress func(done, total int64)
}

// Prior is a signed checkpoint kept outside the journal's database.
type Prior struct {
	Label string // where it came from, for the report
	Note  string // the signed note
}

// Verify is VerifyWith with the journal's own key, the checkpoint file
// and no other checkpoints; progress, if not nil, is told how far it got.
func (j *Journal) Verify(ctx context.Context, progress func(done, total int64)) (Report, error) {
	return j.VerifyWith(ctx, VerifyOptions{Progress: progress})
}

// VerifyWith checks the whole journal: every entry is present and in order,
// its fields and content match its hashes, the stored Merkle tree is
// consistent with the entries, every signed checkpoint matches the tree
// and its signature (by opt.Key), every purged content has its purge on
// record, and the journal extends (RFC 6962 consistency proof) every
// checkpoint kept elsewhere: the ones in opt.Prior and the copy of the
// last one signed on this machine. An empty journal fails: a wiped
// journal looks like that. It stops at the first problem.
func (j *Journal) VerifyWith(ctx context.Context, opt VerifyOptions) (Report, error) {
	var rep Report
	if opt.Key == "" {
		opt.Key = j.vkey
	}
	if opt.Key == "" {
		return rep, errors.New("verify journal: no public key to check the checkpoints with")
	}
	total, err := j.Size(ctx)
	if err != nil {
		return rep, err
	}
	cps, err := j.Checkpoints(ctx)
	if err != nil {
		return rep, err
	}
	priors := append([]Prior(nil), opt.Prior...)
	fileNote, err := readCheckpointFile(j.cpFile)
	if err != nil {
		return rep, err
	}
	if fileNote != "" {
		priors = append(priors, Prior{Label: "the copy of the last checkpoint in " + j.cpFile, Note: fileNote})
	}
	progress := opt.Progress
	fail := func(seq int64, format string, args ...any) (Report, error) {
		rep.FirstBroken = seq
		rep.Problem = fmt.Sprintf(format, args...)
		return rep, nil
	}
	cache := &hashCache{ctx: ctx, q: j.db, known: map[int64]tlog.Hash{}}
	purgedWithoutRecord := map[int64]bool{}
	next := int64(1)
	cpi := 0
	for {
		es, err := entries(ctx, j.db, Filter{After: next - 1, Limit: verifyBatch})
		if err != nil {
			return rep, err
		}
		if len(es) == 0 {
			break
		}
		first, last := es[0].Seq, es[len(es)-1].Seq
		if err := cache.load(tlog.StoredHashIndex(0, first-1), tlog.StoredHashIndex(0, last)); err != nil {
			return rep, err
		}
		for _, e := range es {
			if e.Seq != next {
				return fail(next, "entry %d is missing", next)
			}
			data := e.leaf().bytes()
			h := tlog.RecordHash(data)
			if h.String() != e.LeafHash {
				return fail(e.Seq, "entry %d was altered: its fields no longer match its hash", e.Seq)
			}
			switch {
			case e.Purged && e.Content != nil:
				return fail(e.Seq, "entry %d is marked purged but still has content", e.Seq)
			case e.Purged:
				rep.Purged++
				purgedWithoutRecord[e.Seq] = true
			case e.Content == nil:
				return fail(e.Seq, "the content of entry %d is missing without a purge", e.Seq)
			default:
				sum := sha256.Sum256(e.Content)
				if hex.EncodeToString(sum[:]) != e.ContentSHA256 {
					return fail(e.Seq, "the content of entry %d was altered: it no longer matches its SHA-256", e.Seq)
				}
			}
			if e.Kind == "content.purged" {
				if n, err := strconv.ParseInt(e.SubjectID, 10, 64); err == nil {
					delete(purgedWithoutRecord, n)
				}
			}
			if record.IsTombstone(e.Kind) {
				// A batch purge records every entry it blanked in one tombstone.
				for _, f := range strings.Fields(e.Meta[record.MetaPurgedSeqs]) {
					if n, err := strconv.ParseInt(f, 10, 64); err == nil {
						delete(purgedWithoutRecord, n)
					}
				}
			}
			n := e.Seq - 1
			want, err := tlog.StoredHashesForRecordHash(n, h, cache)
			if err != nil {
				return fail(e.Seq, "the tree hashes before entry %d cannot be read: %v", e.Seq, err)
			}
			base := tlog.StoredHashIndex(0, n)
			for i, w := range want {
				got, ok := cache.known[base+int64(i)]
				if !ok || got != w {
					return fail(e.Seq, "the Merkle tree stored for entry %d does not match the entries", e.Seq)
				}
			}
			for cpi < len(cps) && cps[cpi].Size == e.Seq {
				if r, bad := checkCheckpoint(cps[cpi], opt.Key, cache); bad {
					return fail(e.Seq, "%s", r)
				}
				rep.Checkpoints++
				cpi++
			}
			rep.Entries++
			next++
		}
		cache.forget(tlog.StoredHashIndex(0, first-1))
		if progress != nil {
			progress(rep.Entries, total)
		}
	}
	if rep.Entries != total {
		return fail(rep.Entries+1, "the journal counted %d entries but only %d are present: entries after %d were removed", total, rep.Entries, rep.Entries)
	}
	if cpi < len(cps) {
		return fail(cps[cpi].Size, "a signed checkpoint vouches for %d entries but only %d are present", cps[cpi].Size, rep.Entries)
	}
	for seq := range purgedWithoutRecord {
		return fail(seq, "the content of entry %d was removed without a record of the purge", seq)
	}
	var root tlog.Hash
	if rep.Entries > 0 {
		if root, err = tlog.TreeHash(rep.Entries, cache); err != nil {
			return fail(rep.Entries, "the tree at %d cannot be computed: %v", rep.Entries, err)
		}
		rep.Root = root.String()
	}
	for _, p := range priors {
		tree, err := OpenCheckpoint(p.Note, opt.Key)
		if err != nil {
			return fail(0, "%s does not verify with the key %s: %v", p.Label, opt.Key, err)
		}
		if err := consistent(rep.Entries, root, tree, cache); err != nil {
			at := min(tree.N, rep.Entries+1)
			return fail(at, "%s: %v", p.Label, err)
		}
		rep.Priors = append(rep.Priors, fmt.Sprintf("%s (%d entries)", p.Label, tree.N))
	}
	if rep.Entries == 0 {
		return fail(0, "the journal is empty: nothing is on record (a wiped journal looks like this; check it against a checkpoint kept elsewhere)")
	}
	return rep, nil
}

func checkCheckpoint(c Checkpoint, vkey string, r tlog.HashReader) (string, bool) {
	tree, err := OpenCheckpoint(c.Note, vkey)
	if err != nil {
		return fmt.Sprintf("the checkpoint at %d does not verify: %v", c.Size, err), true
	}
	if tree.N != c.Size || tree.Hash.String() != c.Root {
		return fmt.Sprintf("the checkpoint at %d was altered: its signed text says size %d", c.Size, tree.N), true
	}
	root, err := tlog.TreeHash(c.Size, r)
	if err != nil {
		return fmt.Sprintf("the tree at %d cannot be computed: %v", c.Size, err), true
	}
	if root != tree.Hash {
		return fmt.Sprintf("the entries up to %d no longer match the root signed at %s", c.Size, c.At.Format("2006-01-02 15:04:05Z")), true
	}
	return "", false
}

// hashCache serves stored hashes: a batch's range loaded at once, and the
// few earlier ones the tree needs read on demand and kept.
type hashCache struct {
	ctx   context.Context
	q     db.Querier
	known map[int64]tlog.Hash
}

func (c *hashCache) load(from, to int64) error {
	rows, err := c.q.QueryContext(c.ctx, `SELECT idx, hash FROM journal_hashes WHERE idx >= ? AND idx < ?`, from, to)
	if err != nil {
		return fmt.Errorf("read tree: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var b []byte
		if err := rows.Scan(&idx, &b); err != nil {
			return err
		}
		var h tlog.Hash
		copy(h[:], b)
		c.known[idx] = h
	}
	return rows.Err()
}

// forget drops hashes below from that no later record can need: only the
// tree's frontier is needed later, and it is re-read on demand.
func (c *hashCache) forget(from int64) {
	if len(c.known) < 4*verifyBatch {
		return
	}
	for k := range c.known {
		if k < from {
			delete(c.known, k)
		}
	}
}

func (c *hashCache) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	var missing []int64
	for _, x := range indexes {
		if _, ok := c.known[x]; !ok {
			missing = append(missing, x)
		}
	}
	if len(missing) > 0 {
		hs, err := hashReader(c.ctx, c.q).ReadHashes(missing)
		if err != nil {
			return nil, err
		}
		for i, x := range missing {
			c.known[x] = hs[i]
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = c.known[x]
	}
	return out, nil
}
