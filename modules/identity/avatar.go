package identity

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/gif"  // decoders for the formats people upload
	_ "image/jpeg" //
	_ "image/png"  //
	"net/http"

	_ "golang.org/x/image/webp" //

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/imagebudget"
)

// MaxAvatarBytes bounds an uploaded picture.
const MaxAvatarBytes = 1 << 20

// maxAvatarDecoded bounds what decoding one picture may allocate: 2048 x
// 2048 pixels of 8-bit RGBA. A 16-bit picture of that size (32 MiB
// decoded from a file of 32 KB) is refused before it is decoded.
const maxAvatarDecoded = 2048*2048*4 + 64<<10

// avatarDecodeMemory is the share of the image budget profile pictures
// may hold at once: two of the largest. A flood of uploads waits for it
// and leaves the rest of the budget to file previews.
const avatarDecodeMemory = 2 * maxAvatarDecoded

// SetMyAvatar stores the caller's picture (JPEG, PNG, GIF or WebP, at most
// 1 MiB, 2048 pixels a side and 16 MiB decoded). Directory accounts get
// theirs from the directory.
func (m *Module) SetMyAvatar(ctx context.Context, data []byte) (User, error) {
	me, err := authn.Require(ctx)
	if err != nil {
		return User{}, err
	}
	if u, err := m.lookup(ctx, m.db, me.UserID); err != nil {
		return User{}, err
	} else if u.Source == SourceLDAP {
		return User{}, errPictureFromDirectory()
	}
	if len(data) == 0 {
		return User{}, apperr.Invalid("body", "send the picture as the request body")
	}
	if len(data) > MaxAvatarBytes {
		return User{}, apperr.TooLarge("a picture is at most 1 MiB; this one has %d bytes", len(data))
	}
	ct := http.DetectContentType(data)
	if !avatarTypes[ct] {
		return User{}, apperr.Invalid("body", "a picture is a JPEG, PNG, GIF or WebP image").WithCode(apperr.CodeNotAnImage)
	}
	// The bytes must really be a whole image of a sane size: the header
	// first (cheap, and it bounds what decoding allocates), then all of
	// it, under the process's image budget so that many uploads at once
	// cannot take the memory.
	bad := apperr.Invalid("body", "the picture cannot be read").WithCode(apperr.CodeNotAnImage)
	hdr, err := imagebudget.Inspect(bytes.NewReader(data))
	if err != nil {
		return User{}, bad
	}
	if hdr.Width > 2048 || hdr.Height > 2048 || hdr.Bytes > maxAvatarDecoded {
		return User{}, apperr.Invalid("body", "the picture is too large to process (%dx%d pixels, %d MiB decoded); at most 2048 pixels a side and 16 MiB decoded (8 bits per channel) are accepted",
			hdr.Width, hdr.Height, (hdr.Bytes+1<<20-1)>>20).WithCode(apperr.CodeImageTooLarge)
	}
	release, err := m.images.Acquire(ctx, hdr.Bytes)
	if err != nil {
		return User{}, fmt.Errorf("avatar: wait for the image budget: %w", err)
	}
	_, _, err = image.Decode(bytes.NewReader(data))
	release()
	if err != nil {
		return User{}, bad
	}
	return m.changeMyAvatar(ctx, me, func(tx *db.Tx, u *User) error {
		sum := sha256.Sum256(data)
		u.HasAvatar = true
		return putAvatar(ctx, tx, u.ID, ct, hex.EncodeToString(sum[:16]), data, m.now())
	})
}

// DeleteMyAvatar removes the caller's picture.
func (m *Module) DeleteMyAvatar(ctx context.Context) (User, error) {
	me, err := authn.Require(ctx)
	if err != nil {
		return User{}, err
	}
	return m.changeMyAvatar(ctx, me, func(tx *db.Tx, u *User) error {
		u.HasAvatar = false
		return deleteAvatar(ctx, tx, u.ID)
	})
}

func (m *Module) changeMyAvatar(ctx context.Context, me *authn.Principal, change func(*db.Tx, *User) error) (User, error) {
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		u, err := m.lookup(ctx, tx, me.UserID)
		if err != nil {
			return err
		}
		if u.Source == SourceLDAP {
			return errPictureFromDirectory()
		}
		if err := change(tx, &u); err != nil {
			return err
		}
		now := m.now()
		if err := updateUser(ctx, tx, u, now); err != nil {
			return err
		}
		return m.audit.Record(ctx, tx, now, "user.update_avatar", "user", u.ID, map[string]any{"username": u.Username, "has_avatar": u.HasAvatar})
	})
	if err != nil {
		return User{}, err
	}
	return m.lookup(ctx, m.db, me.UserID)
}

func errPictureFromDirectory() error {
	return apperr.Invalid("body", "your picture comes from the company directory; ask IT to change it there").WithCode(apperr.CodeManagedByDirectory)
}
