package compliance

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kontorhq/kontor/compliance/journal"
)

// The journal's signing key, as the console shows it: a compliance officer
// compares the fingerprint with the one she keeps apart from the server
// (from `kontor compliance key`) and sees how far the last signed
// checkpoint reaches. Only public facts: the private key never leaves the
// key file.

// JournalKeys is what the desk reads from the journal.
type JournalKeys interface {
	VerifierKey() string
	Latest(ctx context.Context) (journal.Checkpoint, error)
	Size(ctx context.Context) (int64, error)
}

// JournalInfo describes the journal's public key and its newest checkpoint.
type JournalInfo struct {
	PublicKey   string `json:"public_key" doc:"The signed-note verifier key that checks every checkpoint (pass it to 'kontor compliance verify-journal --key'); empty when the key file is missing."`
	KeyName     string `json:"key_name" doc:"The key's name, the first part of the public key."`
	Fingerprint string `json:"fingerprint" doc:"SHA-256 of the raw public key, as colon-separated hex pairs: compare it with the one kept apart from the server."`
	Entries     int64  `json:"entries" doc:"Entries in the journal now."`
	// Checkpoint is absent until the first one is signed.
	Checkpoint *CheckpointInfo `json:"checkpoint,omitempty" doc:"The newest signed checkpoint; absent before the first."`
}

// CheckpointInfo is a signed tree head without its note.
type CheckpointInfo struct {
	Size int64     `json:"size" doc:"Entries the checkpoint vouches for."`
	Root string    `json:"root" doc:"The Merkle tree's root hash at that size."`
	At   time.Time `json:"at" doc:"When it was signed."`
}

type journalInfoOutput struct{ Body JournalInfo }

// Fingerprint is the SHA-256 of a signed-note verifier key's raw key
// bytes (the key type byte and the Ed25519 key), as colon-separated hex
// pairs. ok is false for text that is not a verifier key.
func Fingerprint(vkey string) (name, fp string, ok bool) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 || parts[0] == "" {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) == 0 {
		return "", "", false
	}
	sum := sha256.Sum256(raw)
	h := hex.EncodeToString(sum[:])
	pairs := make([]string, 0, len(sum))
	for i := 0; i < len(h); i += 2 {
		pairs = append(pairs, h[i:i+2])
	}
	return parts[0], strings.ToUpper(strings.Join(pairs, ":")), true
}

// JournalInfo returns the journal's public key, its fingerprint and the
// newest checkpoint (compliance officers).
func (m *Module) JournalInfo(ctx context.Context) (JournalInfo, error) {
	if _, err := requireCompliance(ctx); err != nil {
		return JournalInfo{}, err
	}
	if m.keys == nil {
		return JournalInfo{}, fmt.Errorf("journal info: the desk was built without the journal")
	}
	var out JournalInfo
	out.PublicKey = m.keys.VerifierKey()
	if name, fp, ok := Fingerprint(out.PublicKey); ok {
		out.KeyName, out.Fingerprint = name, fp
	}
	n, err := m.keys.Size(ctx)
	if err != nil {
		return JournalInfo{}, fmt.Errorf("journal info: %w", err)
	}
	out.Entries = n
	cp, err := m.keys.Latest(ctx)
	if err != nil {
		return JournalInfo{}, fmt.Errorf("journal info: %w", err)
	}
	if cp.Size > 0 {
		out.Checkpoint = &CheckpointInfo{Size: cp.Size, Root: cp.Root, At: cp.At}
	}
	return out, nil
}

func (m *Module) registerJournalInfo(api huma.API) {
	huma.Register(api, op("compliance-journal", http.MethodGet, "/compliance/journal",
		"The journal's public key, its fingerprint and the newest signed checkpoint (compliance officers)"),
		func(ctx context.Context, _ *struct{}) (*journalInfoOutput, error) {
			info, err := m.JournalInfo(ctx)
			if err != nil {
				return nil, err
			}
			return &journalInfoOutput{Body: info}, nil
		})
}
