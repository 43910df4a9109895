package files

import (
	"context"
	"errors"

	"github.com/kontorhq/kontor/modules/files/blob"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Recorded is a file opened for the compliance desk: any file on record,
// deleted ones too while the store still has their bytes.
type Recorded struct {
	Name, ContentType, SHA256 string
	Size                      int64
	Deleted                   bool
	Object                    blob.Object
}

// OpenRecorded opens a file's bytes for a compliance officer, whatever
// channel it is in. The desk (modules/compliance) audits the download;
// the role is checked here too, so no other caller can use this to pass
// the membership check of Open.
func (m *Module) OpenRecorded(ctx context.Context, id string) (Recorded, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return Recorded{}, err
	}
	if !p.Has(authn.RoleCompliance) {
		return Recorded{}, apperr.Forbidden("this needs the compliance role").WithCode(apperr.CodeComplianceRequired)
	}
	if !ids.Valid(id) {
		return Recorded{}, fileNotFound()
	}
	f, err := getFile(ctx, m.db, id, false)
	if errors.Is(err, errNoRow) {
		return Recorded{}, fileNotFound()
	}
	if err != nil {
		return Recorded{}, err
	}
	obj, err := m.store.Open(ctx, f.BlobKey)
	if errors.Is(err, blob.ErrNotFound) {
		return Recorded{}, apperr.Gone("the file's bytes are gone (deleted or purged); the record keeps its name and SHA-256").WithCode(apperr.CodeFileDeleted)
	}
	if err != nil {
		return Recorded{}, m.storeError("download", err)
	}
	return Recorded{Name: f.Name, ContentType: f.ContentType, SHA256: f.SHA256, Size: f.Size, Deleted: f.DeletedAt != 0, Object: obj}, nil
}

