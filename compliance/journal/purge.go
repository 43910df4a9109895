package journal

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// Batch purges: retention (and erasure) remove thousands of messages and
// files at a time. Purge appends one content.purged entry per entry and
// asks for holds once per subject; PurgeBatch evaluates the holds for the
// whole batch in two queries, blanks the content of every entry about the
// subjects that no hold covers, and appends one tombstone naming them all.

// Batch is one batch of subjects to purge.
type Batch struct {
	// Kind is the tombstone's kind; record.IsTombstone must accept it.
	Kind record.Kind
	// ActorID is who purges (empty: a job).
	ActorID string
	// Reason is kept on the tombstone ("retention", "erasure").
	Reason string
	// Messages and Files are the subjects (message and file ids).
	Messages []string
	Files    []string
	// Meta is added to the tombstone's meta (the policy, the run).
	Meta map[string]string
}

// BatchResult says what a batch purged.
type BatchResult struct {
	// Messages and Files are the subjects purged: those of the batch that
	// no active hold covers. Only these may be removed from the live tables.
	Messages []string
	Files    []string
	// Held maps each held-back subject to the holds covering it.
	Held map[string][]string
	// Entries counts the entries whose content was blanked.
	Entries int
	// Seq is the tombstone's entry; 0 when nothing was purged.
	Seq int64
}

// HoldsCoveringMany returns, for each subject an active hold covers, the
// ids of those holds (HoldsCovering for a batch: two queries, whatever the
// batch's size). Subjects no hold covers are absent.
func HoldsCoveringMany(ctx context.Context, q db.Querier, subjects []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(subjects) == 0 {
		return out, nil
	}
	holds, err := activeHolds(ctx, q)
	if err != nil || len(holds) == 0 {
		return out, err
	}
	type first struct {
		seq, at        int64
		actor, channel string
	}
	firsts := map[string]first{}
	err = db.EachIn(subjects, func(chunk []string) error {
		rows, err := q.QueryContext(ctx, `SELECT subject_id, seq, actor_id, channel_id, at FROM journal_entries
			WHERE seq IN (SELECT MIN(seq) FROM journal_entries WHERE subject_id IN (`+db.In(len(chunk))+`) GROUP BY subject_id)`,
			db.Args(chunk)...)
		if err != nil {
			return fmt.Errorf("holds for a batch: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			var f first
			if err := rows.Scan(&s, &f.seq, &f.actor, &f.channel, &f.at); err != nil {
				return fmt.Errorf("holds for a batch: %w", err)
			}
			firsts[s] = f
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	for s, f := range firsts {
		for _, h := range holds {
			if h.covers(f.actor, f.channel, f.at) {
				out[s] = append(out[s], h.id)
			}
		}
	}
	return out, nil
}

// hold is an active legal hold as the purge checks it.
type hold struct {
	id                   string
	custodians, channels map[string]bool // nil: any
	from, until          int64           // 0: open
}

func (h hold) covers(actor, channel string, at int64) bool {
	return (h.from == 0 || h.from <= at) && (h.until == 0 || at < h.until) &&
		(h.custodians == nil || h.custodians[actor]) && (h.channels == nil || h.channels[channel])
}

func activeHolds(ctx context.Context, q db.Querier) ([]hold, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, custodians, channels, starts_at, ends_at FROM legal_holds WHERE released_at = 0 ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("legal holds: %w", err)
	}
	defer rows.Close()
	set := func(s string) map[string]bool {
		f := strings.Fields(s)
		if len(f) == 0 {
			return nil
		}
		m := make(map[string]bool, len(f))
		for _, x := range f {
			m[x] = true
		}
		return m
	}
	var out []hold
	for rows.Next() {
		var h hold
		var custodians, channels string
		if err := rows.Scan(&h.id, &custodians, &channels, &h.from, &h.until); err != nil {
			return nil, fmt.Errorf("legal holds: %w", err)
		}
		h.custodians, h.channels = set(custodians), set(channels)
		out = append(out, h)
	}
	return out, rows.Err()
}

// PurgeBatch purges, in tx, the content of every journal entry about the
// batch's subjects that no active legal hold covers, and appends one
// tombstone of kind b.Kind naming the subjects purged and the entries
// whose content went. Held subjects are left alone and reported. The
// caller removes the purged subjects (and only those) from its tables in
// the same tx.
func (j *Journal) PurgeBatch(ctx context.Context, tx *db.Tx, b Batch) (BatchResult, error) {
	if !record.IsTombstone(string(b.Kind)) {
		return BatchResult{}, fmt.Errorf("journal: %q is not a tombstone kind (record.IsTombstone)", b.Kind)
	}
	subjects := append(slices.Clone(b.Messages), b.Files...)
	held, err := HoldsCoveringMany(ctx, tx, subjects)
	if err != nil {
		return BatchResult{}, err
	}
	res := BatchResult{Held: held}
	free := func(ids []string) []string {
		var out []string
		for _, id := range ids {
			if _, h := held[id]; !h {
				out = append(out, id)
			}
		}
		return out
	}
	res.Messages, res.Files = free(b.Messages), free(b.Files)
	purge := append(slices.Clone(res.Messages), res.Files...)
	if len(purge) == 0 {
		return res, nil
	}
	var seqs []int64
	err = db.EachIn(purge, func(chunk []string) error {
		rows, err := tx.QueryContext(ctx, `SELECT e.seq FROM journal_entries e JOIN journal_content c ON c.seq = e.seq
			WHERE e.subject_id IN (`+db.In(len(chunk))+`) AND c.purged_at = 0`, db.Args(chunk)...)
		if err != nil {
			return fmt.Errorf("purge batch: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var s int64
			if err := rows.Scan(&s); err != nil {
				return fmt.Errorf("purge batch: %w", err)
			}
			seqs = append(seqs, s)
		}
		return rows.Err()
	})
	if err != nil {
		return res, err
	}
	slices.Sort(seqs)
	now := j.clock.Now().UnixMilli()
	for start := 0; start < len(seqs); start += db.MaxIn {
		chunk := seqs[start:min(start+db.MaxIn, len(seqs))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, now)
		for _, s := range chunk {
			args = append(args, s)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE journal_content SET content = NULL, purged_at = ? WHERE seq IN (`+db.In(len(chunk))+`)`,
			args...); err != nil {
			return res, fmt.Errorf("purge batch: %w", err)
		}
	}
	res.Entries = len(seqs)
	meta := maps.Clone(b.Meta)
	if meta == nil {
		meta = map[string]string{}
	}
	seqText := make([]string, len(seqs))
	for i, s := range seqs {
		seqText[i] = strconv.FormatInt(s, 10)
	}
	meta["reason"] = b.Reason
	meta[record.MetaPurgedMessages] = strings.Join(res.Messages, " ")
	meta[record.MetaPurgedFiles] = strings.Join(res.Files, " ")
	meta[record.MetaPurgedSeqs] = strings.Join(seqText, " ")
	meta["held"] = strconv.Itoa(len(held))
	res.Seq, err = j.Append(ctx, tx, record.Entry{Kind: string(b.Kind), ActorID: b.ActorID, Meta: meta})
	if err != nil {
		return res, err
	}
	if len(held) > 0 {
		j.log.Info("purge held back by legal holds", "subjects", len(held), "reason", b.Reason)
	}
	return res, nil
}

// HoldsCovering is the package's HoldsCovering, for modules that hold a
// Journal (files keeps a held file's bytes when its owner deletes it).
func (j *Journal) HoldsCovering(ctx context.Context, q db.Querier, subjectID string) ([]string, error) {
	return HoldsCovering(ctx, q, subjectID)
}
