package compliance

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/record"
	"github.com/kontorhq/kontor/modules/platform/text"
)

// Saved searches: an e-discovery search kept under a matter's name, so
// the matter's query can be run again and exported (the export takes
// SavedSearch as it is). Creating and deleting one are journal and
// audit entries; the journal keeps a deleted search's content.

// Limits of a saved search.
const (
	MaxSavedName  = 200
	MaxSavedQuery = 1000
)

// SavedSearch is an e-discovery search saved for a matter.
type SavedSearch struct {
	ID        string           `json:"id"`
	Matter    string           `json:"matter" example:"Müller ./. Kontor GmbH" doc:"The matter, as legal holds name it."`
	Name      string           `json:"name" example:"Angebote an Müller 2026"`
	Query     string           `json:"query"`
	Filters   DiscoveryFilters `json:"filters"`
	Sort      string           `json:"sort" enum:"newest,oldest,relevance"`
	CreatedBy string           `json:"created_by"`
	CreatedAt time.Time        `json:"created_at"`
}

// NewSavedSearch is what a compliance officer saves.
type NewSavedSearch struct {
	Matter  string           `json:"matter" maxLength:"800"`
	Name    string           `json:"name" maxLength:"800"`
	Query   string           `json:"query,omitempty" maxLength:"1000"`
	Filters DiscoveryFilters `json:"filters,omitempty"`
	Sort    string           `json:"sort,omitempty" enum:"newest,oldest,relevance"`
}

func savedNotFound(id string) error {
	return apperr.NotFound("no saved search %q", id).WithCode(apperr.CodeSavedSearchNotFound)
}

// SaveSearch saves a search for a matter. The search must run (a query
// that does not parse is refused) when e-discovery is available.
func (m *Module) SaveSearch(ctx context.Context, in NewSavedSearch) (SavedSearch, error) {
	p, err := requireCompliance(ctx)
	if err != nil {
		return SavedSearch{}, err
	}
	matter, err := text.Line("body.matter", in.Matter, MaxMatter)
	if err != nil {
		return SavedSearch{}, err
	}
	if matter == "" {
		return SavedSearch{}, apperr.Invalid("body.matter", "name the matter the search is for")
	}
	name, err := text.Line("body.name", in.Name, MaxSavedName)
	if err != nil {
		return SavedSearch{}, err
	}
	if name == "" {
		return SavedSearch{}, apperr.Invalid("body.name", "name the search")
	}
	q, err := text.Line("body.query", in.Query, MaxSavedQuery)
	if err != nil {
		return SavedSearch{}, err
	}
	if in.Filters, err = in.Filters.check(); err != nil {
		return SavedSearch{}, err
	}
	if in.Sort == "" {
		in.Sort = "newest"
	}
	if m.finderDep != nil {
		// Only to check that it runs: nothing is read, nothing audited.
		if _, err := m.finderDep.Find(ctx, in.Filters.request(q, in.Sort, 0, 1)); err != nil {
			return SavedSearch{}, err
		}
	}
	now := m.clock.Now().UTC()
	s := SavedSearch{ID: ids.NewAt(now), Matter: matter, Name: name, Query: q, Filters: in.Filters, Sort: in.Sort,
		CreatedBy: p.UserID, CreatedAt: time.UnixMilli(now.UnixMilli()).UTC()}
	filters, err := json.Marshal(s.Filters)
	if err != nil {
		return SavedSearch{}, err
	}
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ediscovery_saved_searches (id, matter, name, query, filters, sort, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, matter, name, q, string(filters), s.Sort, p.UserID, now.UnixMilli()); err != nil {
			return fmt.Errorf("save search: %w", err)
		}
		if _, err := m.journal.Append(ctx, tx, record.Entry{Kind: string(record.SavedSearchCreated), ActorID: p.UserID, SubjectID: s.ID,
			Content: s, Meta: map[string]string{"matter": matter, "name": name}}); err != nil {
			return err
		}
		return m.audit.Record(ctx, tx, now, "ediscovery.saved_search.create", "saved_search", s.ID, map[string]any{
			"matter": matter, "name": name, "query": q, "filters": json.RawMessage(filters)})
	})
	return s, err
}

const savedCols = `id, matter, name, query, filters, sort, created_by, created_at`

func scanSaved(s interface{ Scan(...any) error }) (SavedSearch, error) {
	var x SavedSearch
	var filters string
	var at int64
	if err := s.Scan(&x.ID, &x.Matter, &x.Name, &x.Query, &filters, &x.Sort, &x.CreatedBy, &at); err != nil {
		return SavedSearch{}, err
	}
	if err := json.Unmarshal([]byte(filters), &x.Filters); err != nil {
		return SavedSearch{}, fmt.Errorf("saved search %s: filters: %w", x.ID, err)
	}
	x.CreatedAt = time.UnixMilli(at).UTC()
	return x, nil
}

// SavedSearches lists the saved searches, of one matter when matter is
// given, newest first.
func (m *Module) SavedSearches(ctx context.Context, matter string) ([]SavedSearch, error) {
	if _, err := requireCompliance(ctx); err != nil {
		return nil, err
	}
	where, args := "1=1", []any{}
	if matter != "" {
		where, args = "matter = ?", append(args, matter)
	}
	rows, err := m.db.QueryContext(ctx, `SELECT `+savedCols+` FROM ediscovery_saved_searches WHERE `+where+
		` ORDER BY created_at DESC, id DESC LIMIT 1000`, args...)
	if err != nil {
		return nil, fmt.Errorf("list saved searches: %w", err)
	}
	defer rows.Close()
	out := []SavedSearch{}
	for rows.Next() {
		s, err := scanSaved(rows)
		if err != nil {
			return nil, fmt.Errorf("list saved searches: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func savedSearch(ctx context.Context, q db.Querier, id string) (SavedSearch, error) {
	if !ids.Valid(id) {
		return SavedSearch{}, savedNotFound(id)
	}
	s, err := scanSaved(q.QueryRowContext(ctx, `SELECT `+savedCols+` FROM ediscovery_saved_searches WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return SavedSearch{}, savedNotFound(id)
	}
	if err != nil {
		return SavedSearch{}, fmt.Errorf("saved search %s: %w", id, err)
	}
	return s, nil
}

// SavedSearch reads one saved search.
func (m *Module) SavedSearch(ctx context.Context, id string) (SavedSearch, error) {
	if _, err := requireCompliance(ctx); err != nil {
		return SavedSearch{}, err
	}
	return savedSearch(ctx, m.db, id)
}

// DeleteSavedSearch removes a saved search; the journal keeps what it was.
func (m *Module) DeleteSavedSearch(ctx context.Context, id string) error {
	p, err := requireCompliance(ctx)
	if err != nil {
		return err
	}
	return m.db.WithTx(ctx, func(tx *db.Tx) error {
		s, err := savedSearch(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM ediscovery_saved_searches WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete saved search %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return savedNotFound(id) // deleted at the same moment by someone else
		}
		if _, err := m.journal.Append(ctx, tx, record.Entry{Kind: string(record.SavedSearchDeleted), ActorID: p.UserID, SubjectID: id,
			Meta: map[string]string{"matter": s.Matter, "name": s.Name}}); err != nil {
			return err
		}
		return m.audit.Record(ctx, tx, m.clock.Now(), "ediscovery.saved_search.delete", "saved_search", id, map[string]any{
			"matter": s.Matter, "name": s.Name})
	})
}
