package compliance_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/compliance"
	"github.com/kontorhq/kontor/modules/platform/authn"
)

// The console shows the journal's public key with a fingerprint the
// officer compares with the one kept apart from the server, and how far
// the newest signed checkpoint reaches. Only compliance officers read it.
func TestTheJournalKeyAndItsLastCheckpointForComplianceOfficers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ctx := context.Background()
		comp := s.Person("comp", authn.RoleCompliance)
		adm, ann := s.Person("adm", authn.RoleAdmin), s.Person("ann")
		for name, p := range map[string]*apptest.Person{"admin": adm, "member": ann} {
			r := p.Do("GET", "/api/v1/compliance/journal", nil)
			if r.Status != http.StatusForbidden || r.Problem().Code != "compliance_required" || strings.Contains(string(r.Body), "public_key") {
				t.Errorf("%s reads the journal key: %d %s", name, r.Status, r.Body)
			}
		}

		var before compliance.JournalInfo
		comp.Must(http.StatusOK, "GET", "/api/v1/compliance/journal", nil).JSON(t, &before)
		vkey := s.App.Journal.VerifierKey()
		_, want, ok := compliance.Fingerprint(vkey)
		if !ok || before.PublicKey != vkey || before.Fingerprint != want || before.KeyName != strings.SplitN(vkey, "+", 2)[0] {
			t.Fatalf("key: got %+v, want key %s fingerprint %s", before, vkey, want)
		}
		if len(before.Fingerprint) != 32*3-1 {
			t.Errorf("fingerprint %q: want 32 hex pairs", before.Fingerprint)
		}
		if before.Entries == 0 {
			t.Errorf("entries: %d, but the accounts above are on the record", before.Entries)
		}

		cp, err := s.App.Journal.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var after compliance.JournalInfo
		comp.Must(http.StatusOK, "GET", "/api/v1/compliance/journal", nil).JSON(t, &after)
		if after.Checkpoint == nil || after.Checkpoint.Size != cp.Size || after.Checkpoint.Root != cp.Root || !after.Checkpoint.At.Equal(cp.At) {
			t.Fatalf("checkpoint: got %+v, want %+v", after.Checkpoint, cp)
		}
		if strings.Contains(string(comp.Must(http.StatusOK, "GET", "/api/v1/compliance/journal", nil).Body), "PRIVATE") {
			t.Fatal("the answer holds the private key")
		}
	})
}

// A key's base64 part may hold "+", the separator of its name and hash:
// the fingerprint covers the whole key all the same.
func TestFingerprintOfAKeyWithAPlusInItsBase64(t *testing.T) {
	for i := 0; i < 1000; i++ {
		_, vkey, err := note.GenerateKey(rand.Reader, "kontor-journal")
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.SplitN(vkey, "+", 3)
		if !strings.Contains(parts[2], "+") {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(parts[2])
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		name, fp, ok := compliance.Fingerprint(vkey)
		if got := strings.ReplaceAll(strings.ToLower(fp), ":", ""); !ok || name != "kontor-journal" || got != hex.EncodeToString(sum[:]) {
			t.Fatalf("Fingerprint(%s) = %q %q %v, want %x", vkey, name, fp, ok, sum)
		}
		return
	}
	t.Fatal("no key with a + in 1000 tries")
}

func TestFingerprintRejectsWhatIsNotAKey(t *testing.T) {
	for _, in := range []string{"", "kontor", "a+b", "+1234+AQID", "name+1234+not base64!"} {
		if _, fp, ok := compliance.Fingerprint(in); ok {
			t.Errorf("Fingerprint(%q) = %q, want not ok", in, fp)
		}
	}
}
