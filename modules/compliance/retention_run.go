package compliance

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/jobs"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// retentionPage is how many messages or files one step weighs, and so
// the largest batch one transaction purges.
const retentionPage = 1000

// RetentionItem is one message or file that retention would remove.
type RetentionItem struct {
	Type      string    `json:"type" enum:"message,file"`
	ID        string    `json:"id"`
	ChannelID string    `json:"channel_id,omitempty" doc:"The message's channel; for a file, the first channel it was shared in (empty: never shared)."`
	CreatedAt time.Time `json:"created_at"`
	PolicyID  string    `json:"policy_id" doc:"The policy whose period it outlived."`
	Held      bool      `json:"held,omitempty" doc:"A legal hold keeps it: a run leaves it."`
	HoldIDs   []string  `json:"hold_ids,omitempty"`
}

// PolicyCount is what one policy would remove.
type PolicyCount struct {
	PolicyID string `json:"policy_id"`
	Scope    string `json:"scope"`
	Target   string `json:"target"`
	Messages int64  `json:"messages"`
	Files    int64  `json:"files"`
	Held     int64  `json:"held" doc:"Due, but kept by a legal hold."`
}

// ChannelCount is what retention would remove in one channel.
type ChannelCount struct {
	ChannelID string `json:"channel_id" doc:"Empty: files never shared in a channel."`
	Messages  int64  `json:"messages"`
	Files     int64  `json:"files"`
	Held      int64  `json:"held"`
}

// DryRun is what a retention run as of AsOf would remove.
type DryRun struct {
	AsOf      time.Time       `json:"as_of" doc:"Pass it to a run to remove exactly this (if nothing changed in between)."`
	Messages  int64           `json:"messages" doc:"Messages that would go."`
	Files     int64           `json:"files" doc:"Files that would go."`
	Held      int64           `json:"held" doc:"Messages and files due but kept by a legal hold."`
	ByPolicy  []PolicyCount   `json:"by_policy"`
	ByChannel []ChannelCount  `json:"by_channel"`
	Items     []RetentionItem `json:"items" doc:"One page: messages, then files, oldest first; held ones flagged."`
	Next      int             `json:"next,omitempty" doc:"Pass as cursor for the next page; absent on the last."`
}

// RetentionRun is the outcome of a run.
type RetentionRun struct {
	ID         string    `json:"id"`
	ActorID    string    `json:"actor_id,omitempty" doc:"Empty: the daily job."`
	AsOf       time.Time `json:"as_of"`
	Messages   int64     `json:"messages" doc:"Messages purged."`
	Files      int64     `json:"files" doc:"Files purged."`
	Held       int64     `json:"held" doc:"Due, but kept by a legal hold."`
	Tombstones int       `json:"tombstones" doc:"Journal entries (retention.purged) naming what went."`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
}

// resolver finds the policy that decides for a message or file.
type resolver struct {
	global   *Policy
	kinds    map[string]*Policy // chat's kind -> policy
	channels map[string]*Policy
	byID     map[string]*Policy
}

func newResolver(ps []Policy) resolver {
	r := resolver{kinds: map[string]*Policy{}, channels: map[string]*Policy{}, byID: map[string]*Policy{}}
	for i := range ps {
		p := &ps[i]
		r.byID[p.ID] = p
		switch p.Scope {
		case ScopeGlobal:
			r.global = p
		case ScopeKind:
			r.kinds[kindTargets[p.Target]] = p
		case ScopeChannel:
			r.channels[p.Target] = p
		}
	}
	return r
}

func days(p *Policy, files bool) int64 {
	if p == nil {
		return 0
	}
	if files {
		return p.FileDays
	}
	return p.MessageDays
}

// period returns the period for content in a channel of kind, and the
// policy that sets it: the channel's, else its kind's, else the global
// one (channel > kind > global); 0 and nil: kept.
func (r resolver) period(channelID, kind string, files bool) (int64, *Policy) {
	for _, p := range []*Policy{r.channels[channelID], r.kinds[kind], r.global} {
		if d := days(p, files); d > 0 {
			return d, p
		}
	}
	return 0, nil
}

// shortest is the shortest period any policy sets (0: none does).
func (r resolver) shortest(files bool) int64 {
	var out int64
	for _, p := range r.byID {
		if d := days(p, files); d > 0 && (out == 0 || d < out) {
			out = d
		}
	}
	return out
}

func cutoff(asOf time.Time, d int64) time.Time { return asOf.Add(-time.Duration(d) * 24 * time.Hour) }

// due walks what retention removes as of asOf, page by page (messages
// first, then files, oldest first), calling fn with each page's due items.
// It reads before fn runs, so fn may purge what it was given.
func (m *Module) due(ctx context.Context, asOf time.Time, r resolver, fn func(items []RetentionItem) error) error {
	if m.messages == nil || m.files == nil {
		return fmt.Errorf("compliance: retention needs Messages and Files")
	}
	if d := r.shortest(false); d > 0 {
		var at time.Time
		var after string
		for {
			ms, err := m.messages.MessagesBefore(ctx, cutoff(asOf, d), at, after, retentionPage)
			if err != nil {
				return err
			}
			if len(ms) == 0 {
				break
			}
			var items []RetentionItem
			for _, msg := range ms {
				if pd, p := r.period(msg.ChannelID, msg.ChannelKind, false); p != nil && msg.CreatedAt.Before(cutoff(asOf, pd)) {
					items = append(items, RetentionItem{Type: "message", ID: msg.ID, ChannelID: msg.ChannelID, CreatedAt: msg.CreatedAt, PolicyID: p.ID})
				}
			}
			at, after = ms[len(ms)-1].CreatedAt, ms[len(ms)-1].ID
			if len(items) > 0 {
				if err := fn(items); err != nil {
					return err
				}
			}
		}
	}
	d := r.shortest(true)
	if d == 0 {
		return nil
	}
	kinds := map[string]string{}
	var at time.Time
	var after string
	for {
		fs, err := m.files.FilesBefore(ctx, cutoff(asOf, d), at, after, retentionPage)
		if err != nil {
			return err
		}
		if len(fs) == 0 {
			return nil
		}
		at, after = fs[len(fs)-1].CreatedAt, fs[len(fs)-1].ID
		idList := make([]string, len(fs))
		for i, f := range fs {
			idList[i] = f.ID
		}
		shared, err := m.fileChannels(ctx, idList)
		if err != nil {
			return err
		}
		var unknown []string
		for _, chs := range shared {
			for _, c := range chs {
				if _, ok := kinds[c]; !ok {
					unknown = append(unknown, c)
					kinds[c] = ""
				}
			}
		}
		if len(unknown) > 0 {
			ks, err := m.messages.ChannelKinds(ctx, unknown)
			if err != nil {
				return err
			}
			for c, k := range ks {
				kinds[c] = k
			}
		}
		var items []RetentionItem
		for _, f := range fs {
			// A file shared in several conversations stays until the
			// longest of their periods is over; one that keeps it keeps it.
			chs := shared[f.ID]
			var longest int64
			var pol *Policy
			if len(chs) == 0 {
				longest, pol = r.period("", "", true)
			}
			for _, c := range chs {
				pd, p := r.period(c, kinds[c], true)
				if p == nil {
					pol = nil
					break
				}
				if pd > longest {
					longest, pol = pd, p
				}
			}
			if pol == nil || !f.CreatedAt.Before(cutoff(asOf, longest)) {
				continue
			}
			first := ""
			if len(chs) > 0 {
				first = chs[0]
			}
			items = append(items, RetentionItem{Type: "file", ID: f.ID, ChannelID: first, CreatedAt: f.CreatedAt, PolicyID: pol.ID})
		}
		if len(items) > 0 {
			if err := fn(items); err != nil {
				return err
			}
		}
	}
}

// fileChannels returns, for each file, the channels the journal recorded
// it shared in (file.attached), in the order it was.
func (m *Module) fileChannels(ctx context.Context, fileIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	err := db.EachIn(fileIDs, func(chunk []string) error {
		rows, err := m.db.QueryContext(ctx, `SELECT subject_id, channel_id FROM journal_entries
			WHERE subject_id IN (`+db.In(len(chunk))+`) AND kind = 'file.attached' ORDER BY seq`, db.Args(chunk)...)
		if err != nil {
			return fmt.Errorf("file channels: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var f, c string
			if err := rows.Scan(&f, &c); err != nil {
				return fmt.Errorf("file channels: %w", err)
			}
			if c != "" && !slices.Contains(out[f], c) {
				out[f] = append(out[f], c)
			}
		}
		return rows.Err()
	})
	return out, err
}

// asOf checks the time a run or dry run looks from (nil: now).
func (m *Module) asOf(t *time.Time) (time.Time, error) {
	now := m.clock.Now().UTC()
	if t == nil || t.IsZero() {
		return time.UnixMilli(now.UnixMilli()).UTC(), nil
	}
	if t.After(now) {
		return time.Time{}, apperr.Invalid("as_of", "as_of is later than now").WithCode(apperr.CodeRetentionAsOfFuture)
	}
	return time.UnixMilli(t.UnixMilli()).UTC(), nil
}

// RetentionDryRun lists what a run as of asOf (nil: now) would remove,
// with counts per policy and per channel, and flags what a legal hold
// keeps (compliance officers). Items are paged: cursor is the number of
// items already seen.
func (m *Module) RetentionDryRun(ctx context.Context, asOf *time.Time, cursor, limit int) (DryRun, error) {
	if _, err := requireCompliance(ctx); err != nil {
		return DryRun{}, err
	}
	at, err := m.asOf(asOf)
	if err != nil {
		return DryRun{}, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	ps, err := policies(ctx, m.db)
	if err != nil {
		return DryRun{}, err
	}
	r := newResolver(ps)
	out := DryRun{AsOf: at, ByPolicy: []PolicyCount{}, ByChannel: []ChannelCount{}, Items: []RetentionItem{}}
	byPolicy, byChannel := map[string]*PolicyCount{}, map[string]*ChannelCount{}
	seen := 0
	err = m.due(ctx, at, r, func(items []RetentionItem) error {
		idList := make([]string, len(items))
		for i, it := range items {
			idList[i] = it.ID
		}
		held, err := journal.HoldsCoveringMany(ctx, m.db, idList)
		if err != nil {
			return err
		}
		for _, it := range items {
			it.HoldIDs = held[it.ID]
			it.Held = len(it.HoldIDs) > 0
			pc := byPolicy[it.PolicyID]
			if pc == nil {
				p := r.byID[it.PolicyID]
				pc = &PolicyCount{PolicyID: p.ID, Scope: p.Scope, Target: p.Target}
				byPolicy[it.PolicyID] = pc
			}
			cc := byChannel[it.ChannelID]
			if cc == nil {
				cc = &ChannelCount{ChannelID: it.ChannelID}
				byChannel[it.ChannelID] = cc
			}
			switch {
			case it.Held:
				out.Held++
				pc.Held++
				cc.Held++
			case it.Type == "message":
				out.Messages++
				pc.Messages++
				cc.Messages++
			default:
				out.Files++
				pc.Files++
				cc.Files++
			}
			if seen >= cursor && len(out.Items) < limit {
				out.Items = append(out.Items, it)
			} else if seen >= cursor && out.Next == 0 {
				out.Next = seen
			}
			seen++
		}
		return nil
	})
	if err != nil {
		return DryRun{}, err
	}
	for _, pc := range byPolicy {
		out.ByPolicy = append(out.ByPolicy, *pc)
	}
	sort.Slice(out.ByPolicy, func(i, j int) bool { return out.ByPolicy[i].PolicyID < out.ByPolicy[j].PolicyID })
	for _, cc := range byChannel {
		out.ByChannel = append(out.ByChannel, *cc)
	}
	sort.Slice(out.ByChannel, func(i, j int) bool { return out.ByChannel[i].ChannelID < out.ByChannel[j].ChannelID })
	return out, nil
}

// RunRetention purges now what retention removes as of asOf (nil: now);
// compliance officers. A run with the dry run's as_of removes exactly
// what the dry run listed as not held, if nothing changed in between.
func (m *Module) RunRetention(ctx context.Context, asOf *time.Time) (RetentionRun, error) {
	p, err := requireCompliance(ctx)
	if err != nil {
		return RetentionRun{}, err
	}
	at, err := m.asOf(asOf)
	if err != nil {
		return RetentionRun{}, err
	}
	return m.runRetention(ctx, p.UserID, at)
}

// lockName is the cluster-wide lock of retention runs.
const lockName = "compliance-retention-run"

func (m *Module) runRetention(ctx context.Context, actorID string, asOf time.Time) (RetentionRun, error) {
	busy := apperr.Conflict("a retention run is going on").WithCode(apperr.CodeRetentionRunning)
	if !m.runMu.TryLock() {
		return RetentionRun{}, busy
	}
	defer m.runMu.Unlock()
	unlock, ok, err := m.db.TryLock(ctx, lockName)
	if err != nil {
		return RetentionRun{}, err
	}
	if !ok {
		return RetentionRun{}, busy
	}
	defer unlock()

	started := m.clock.Now().UTC()
	run := RetentionRun{ID: ids.NewAt(started), ActorID: actorID, AsOf: asOf, StartedAt: time.UnixMilli(started.UnixMilli()).UTC()}
	if _, err := m.db.ExecContext(ctx, `INSERT INTO retention_runs (id, actor_id, as_of, started_at) VALUES (?, ?, ?, ?)`,
		run.ID, actorID, asOf.UnixMilli(), started.UnixMilli()); err != nil {
		return run, fmt.Errorf("retention run: %w", err)
	}
	ps, err := policies(ctx, m.db)
	if err != nil {
		return run, err
	}
	r := newResolver(ps)
	if actorID == "" {
		ctx = authn.SystemContext(ctx, "retention")
	}
	runErr := m.due(ctx, asOf, r, func(items []RetentionItem) error {
		// One batch per policy, so each tombstone names the policy it
		// carried out.
		type group struct{ messages, files []string }
		groups := map[string]*group{}
		var order []string
		for _, it := range items {
			g := groups[it.PolicyID]
			if g == nil {
				g = &group{}
				groups[it.PolicyID] = g
				order = append(order, it.PolicyID)
			}
			if it.Type == "message" {
				g.messages = append(g.messages, it.ID)
			} else {
				g.files = append(g.files, it.ID)
			}
		}
		for _, pid := range order {
			g, pol := groups[pid], r.byID[pid]
			var res Purged
			err := m.db.WithTx(ctx, func(tx *db.Tx) error {
				var err error
				res, err = m.PurgeContent(ctx, tx, Purge{Kind: record.RetentionPurged, ActorID: actorID, Reason: "retention",
					Messages: g.messages, Files: g.files, Meta: map[string]string{"policy": pol.ID, "policy_scope": pol.Scope,
						"policy_target": pol.Target, "run": run.ID, "as_of": asOf.Format(time.RFC3339Nano)}})
				return err
			})
			if err != nil {
				return err
			}
			run.Messages += int64(len(res.Messages))
			run.Files += int64(len(res.Files))
			run.Held += int64(len(res.Held))
			if res.Tombstone != 0 {
				run.Tombstones++
			}
		}
		return nil
	})
	finished := m.clock.Now().UTC()
	run.FinishedAt = time.UnixMilli(finished.UnixMilli()).UTC()
	errText := ""
	if runErr != nil {
		errText = runErr.Error()
	}
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE retention_runs SET finished_at = ?, messages = ?, files = ?, held = ?, error = ? WHERE id = ?`,
			finished.UnixMilli(), run.Messages, run.Files, run.Held, errText, run.ID); err != nil {
			return fmt.Errorf("retention run: %w", err)
		}
		return m.audit.Record(ctx, tx, finished, "retention.run", "retention_run", run.ID, map[string]any{"as_of": asOf.Format(time.RFC3339),
			"messages": run.Messages, "files": run.Files, "held": run.Held, "tombstones": run.Tombstones, "failed": runErr != nil})
	})
	if runErr != nil {
		return run, fmt.Errorf("retention run %s: %w", run.ID, runErr)
	}
	if err != nil {
		return run, err
	}
	m.log.Info("retention run", "run", run.ID, "as_of", asOf, "messages", run.Messages, "files", run.Files, "held", run.Held)
	return run, nil
}

// RetentionTick is the daily job's step: it runs retention when a day
// has passed since the last run the job made (by the module's clock, so
// tests drive it with a fake clock) and any policy exists.
func (m *Module) RetentionTick(ctx context.Context) error {
	var n int64
	if err := m.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM retention_policies`).Scan(&n); err != nil || n == 0 {
		return err
	}
	var last int64
	if err := m.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(started_at), 0) FROM retention_runs WHERE actor_id = ''`).Scan(&last); err != nil {
		return fmt.Errorf("retention job: %w", err)
	}
	now := m.clock.Now().UTC()
	if last != 0 && now.Sub(time.UnixMilli(last)) < 24*time.Hour {
		return nil
	}
	_, err := m.runRetention(ctx, "", time.UnixMilli(now.UnixMilli()).UTC())
	return err
}

// Start runs the daily retention job: on each tick of the configured
// interval, under the scheduler's cluster lock, RetentionTick.
func (m *Module) Start(ctx context.Context, s *jobs.Scheduler) {
	if m.retention.Interval < 0 {
		return
	}
	s.Every(ctx, "retention", m.retention.Interval, m.RetentionTick)
}
