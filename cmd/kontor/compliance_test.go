package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
)

// journalDatabases are the two databases with the URL the test opens
// itself to tamper with the tables.
func journalDatabases(t *testing.T) map[string]func(t *testing.T) (url string) {
	return map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "" },
		"postgres": func(t *testing.T) string { return dbtest.PostgresURL(t) },
	}
}

// tamper runs statements on Kontor's database while the server is stopped.
func tamper(t *testing.T, url, dataDir string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, url, dataDir, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, q := range stmts {
		if _, err := d.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// cutJournalBack makes the journal look as if it had ended after n
// entries: rows, tree hashes, checkpoints and counter all agree.
func cutJournalBack(n int64) []string {
	qs := []string{
		fmt.Sprintf(`DELETE FROM journal_entries WHERE seq > %d`, n),
		fmt.Sprintf(`DELETE FROM journal_content WHERE seq > %d`, n),
		fmt.Sprintf(`DELETE FROM journal_hashes WHERE idx >= %d`, tlog.StoredHashCount(n)),
		fmt.Sprintf(`DELETE FROM journal_checkpoints WHERE size > %d`, n),
		fmt.Sprintf(`UPDATE counters SET value = %d WHERE name = 'journal'`, n),
	}
	if n == 0 {
		qs = append(qs, `DELETE FROM counters WHERE name = 'journal'`)
	}
	return qs
}

func checkpointSize(t *testing.T, file string) int64 {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var n int64
	if len(lines) < 2 {
		t.Fatalf("checkpoint file: %q", b)
	}
	fmt.Sscan(lines[1], &n)
	return n
}

// The attacks on the record, one after the other: cut the journal
// back to an earlier checkpoint, remove the key, wipe the journal. Each must
// be caught by verify-journal with a pinned key and a checkpoint kept
// elsewhere, and the server must neither sign the shortened history nor
// make a new key.
func TestVerifyJournalCatchesACutBackOrWipedJournal(t *testing.T) {
	for name, urlFor := range journalDatabases(t) {
		t.Run(name, func(t *testing.T) {
			url, dataDir := urlFor(t), t.TempDir()
			env := []string{"KONTOR_DATA_DIR=" + dataDir, "KONTOR_ADMIN_PASSWORD=chosen-by-ops-123"}
			if url != "" {
				env = append(env, "KONTOR_DATABASE_URL="+url)
			}
			keep := t.TempDir() // "elsewhere": the auditor's machine
			s := startServer(t, env...)
			admin := apitest.New(t, s.URL)
			admin.LoginBearer("admin", "chosen-by-ops-123")
			var ch struct{ ID string }
			admin.Must(201, "POST", "/api/v1/channels", map[string]any{"name": "einkauf"}).JSON(t, &ch)
			post := func(n int) {
				for i := range n {
					admin.Must(201, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": fmt.Sprintf("Angebot %d", i)})
				}
			}
			post(3)
			early, late := filepath.Join(keep, "early.checkpoint"), filepath.Join(keep, "late.checkpoint")
			saveCheckpoint(t, env, early)
			post(3)
			saveCheckpoint(t, env, late)
			s.stop()
			keyFile := filepath.Join(dataDir, "keys", "journal.key")
			pub := publicKeyIn(t, keyFile)
			pubFile := filepath.Join(keep, "journal.pub")
			os.WriteFile(pubFile, []byte(pub+"\n"), 0o644)
			if out, err := run(t, env, "", "compliance", "key"); err != nil || strings.TrimSpace(out) != pub {
				t.Errorf("compliance key: %v %q, want %q", err, out, pub)
			}
			out, err := run(t, env, "", "compliance", "verify-journal", "--key", pubFile, "--checkpoint", early, "--checkpoint", late)
			if err != nil || !strings.Contains(out, "OK: the journal is complete") || strings.Count(out, "extends:") != 3 || strings.Contains(out, "warning") {
				t.Errorf("verify of an untouched journal: %v\n%s", err, out)
			}

			// Cut back to the early checkpoint: the tables agree with themselves.
			tamper(t, url, dataDir, cutJournalBack(checkpointSize(t, early))...)
			// On the server's machine the copy in the data dir catches it.
			out, err = run(t, env, "", "compliance", "verify-journal")
			if err == nil || !strings.Contains(out, "journal was cut back") {
				t.Errorf("verify of a cut-back journal on the server: %v\n%s", err, out)
			}
			out, err = run(t, env, "", "compliance", "verify-journal", "--key", pub, "--checkpoint", late)
			if err == nil || !strings.Contains(out, "journal was cut back") || !strings.Contains(out, late) {
				t.Errorf("verify of a cut-back journal against a kept checkpoint: %v\n%s", err, out)
			}
			// The server does not sign the shortened history.
			out, err = run(t, env, "", "compliance", "checkpoint")
			if err == nil || !strings.Contains(out, "not an extension of its last signed checkpoint") {
				t.Errorf("checkpoint of a cut-back journal: %v\n%s", err, out)
			}

			// The key goes missing: verify reads keys only, serve refuses to start.
			if err := os.Remove(keyFile); err != nil {
				t.Fatal(err)
			}
			out, err = run(t, env, "", "compliance", "verify-journal")
			if err == nil || !strings.Contains(out, keyFile) || !strings.Contains(out, "--key") {
				t.Errorf("verify without its key file: %v\n%s", err, out)
			}
			if _, err := os.Stat(keyFile); err == nil {
				t.Error("verify-journal made a new key")
				os.Remove(keyFile)
			}
			out, refused := serveRefused(t, env)
			if !refused || !strings.Contains(out, keyFile) || !strings.Contains(out, "is missing") {
				t.Errorf("serve with entries but no key (refused: %v):\n%s", refused, out)
			}
			if _, err := os.Stat(keyFile); err == nil {
				t.Error("serve made a new key for a journal with entries")
				os.Remove(keyFile)
			}
			if out, err := run(t, env, "", "compliance", "key"); err == nil || !strings.Contains(out, keyFile) {
				t.Errorf("compliance key without its key file: %v\n%s", err, out)
			}

			// Wiped: nothing left in the journal.
			tamper(t, url, dataDir, cutJournalBack(0)...)
			out, err = run(t, env, "", "compliance", "verify-journal", "--key", pubFile)
			if err == nil || !strings.Contains(out, "journal is empty") {
				t.Errorf("verify of a wiped journal: %v\n%s", err, out)
			}
			out, err = run(t, env, "", "compliance", "verify-journal", "--key", pubFile, "--checkpoint", early)
			if err == nil || !strings.Contains(out, "journal was wiped") {
				t.Errorf("verify of a wiped journal against a kept checkpoint: %v\n%s", err, out)
			}
			// Even with the journal empty, the checkpoint copy says this is no first start.
			out, refused = serveRefused(t, env)
			if !refused || !strings.Contains(out, keyFile) {
				t.Errorf("serve after a wipe without the key (refused: %v):\n%s", refused, out)
			}
			if _, err := os.Stat(keyFile); err == nil {
				t.Error("serve made a new key after a wipe")
			}
		})
	}
}

// The wiped journal of the issue, checked the way an operator would run
// it today: no flags, on the server's machine.
func TestVerifyJournalFailsOnAWipedJournal(t *testing.T) {
	dataDir := t.TempDir()
	env := []string{"KONTOR_DATA_DIR=" + dataDir, "KONTOR_ADMIN_PASSWORD=chosen-by-ops-123"}
	s := startServer(t, env...)
	admin := apitest.New(t, s.URL)
	admin.LoginBearer("admin", "chosen-by-ops-123")
	var ch struct{ ID string }
	admin.Must(201, "POST", "/api/v1/channels", map[string]any{"name": "einkauf"}).JSON(t, &ch)
	admin.Must(201, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Angebot"})
	s.stop()
	tamper(t, "", dataDir, cutJournalBack(0)...)
	out, err := run(t, env, "", "compliance", "verify-journal")
	if err == nil || strings.Contains(out, "OK:") || !strings.Contains(out, "journal is empty") {
		t.Fatalf("verify of a wiped journal: %v\n%s", err, out)
	}
}

// saveCheckpoint signs a checkpoint now and keeps what the command printed in file.
func saveCheckpoint(t *testing.T, env []string, file string) {
	t.Helper()
	printed := mustRun(t, env, "", "compliance", "checkpoint")
	i := strings.Index(printed, "go.sum database tree")
	if i < 0 {
		t.Fatalf("compliance checkpoint printed no checkpoint:\n%s", printed)
	}
	if err := os.WriteFile(file, []byte(printed[i:]), 0o644); err != nil {
		t.Fatal(err)
	}
}

// publicKeyIn reads the public line of a journal key file.
func publicKeyIn(t *testing.T, keyFile string) string {
	t.Helper()
	b, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		t.Fatalf("key file: %d fields", len(f))
	}
	return f[1]
}

// A checkpoint kept elsewhere can be served over HTTP.
func TestVerifyJournalFetchesACheckpointByURL(t *testing.T) {
	env := []string{"KONTOR_DATA_DIR=" + t.TempDir(), "KONTOR_ADMIN_PASSWORD=chosen-by-ops-123"}
	s := startServer(t, env...)
	admin := apitest.New(t, s.URL)
	admin.LoginBearer("admin", "chosen-by-ops-123")
	var ch struct{ ID string }
	admin.Must(201, "POST", "/api/v1/channels", map[string]any{"name": "einkauf"}).JSON(t, &ch)
	admin.Must(201, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Angebot"})
	file := filepath.Join(t.TempDir(), "kept.checkpoint")
	mustRun(t, env, "", "compliance", "checkpoint", "--out", file)
	s.stop()
	note, err := os.ReadFile(file)
	if err != nil || !strings.HasPrefix(string(note), "go.sum database tree\n") {
		t.Fatalf("checkpoint --out wrote %q %v", note, err)
	}
	srv := serveText(t, string(note))
	out := mustRun(t, env, "", "compliance", "verify-journal", "--checkpoint", srv+"/kontor.checkpoint")
	if !strings.Contains(out, "extends: the checkpoint from "+srv) || !strings.Contains(out, "OK:") {
		t.Fatalf("verify against a checkpoint by URL:\n%s", out)
	}
	if out, err := run(t, env, "", "compliance", "verify-journal", "--checkpoint", srv+"/missing"); err == nil || !strings.Contains(out, "404") {
		t.Fatalf("verify against a missing URL: %v\n%s", err, out)
	}
}

// serveRefused runs kontor serve and reports its output and whether it
// refused to start; one that comes up instead is stopped again.
func serveRefused(t *testing.T, env []string) (string, bool) {
	t.Helper()
	cmd := exec.Command(kontorBin, "serve")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "KONTOR_LOG_FORMAT=json",
		"KONTOR_LOG_LEVEL=warn", "KONTOR_ADDR=" + freeAddr(t)}, append(freeCallPorts(), env...)...)
	var mu sync.Mutex
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = lockedWriter{&mu, &out}, lockedWriter{&mu, &out}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for range 1200 { // a minute at most
		select {
		case err := <-done:
			mu.Lock()
			defer mu.Unlock()
			return out.String(), err != nil
		case <-time.After(50 * time.Millisecond):
		}
		mu.Lock()
		up := strings.Contains(out.String(), "is running at")
		mu.Unlock()
		if up {
			_ = cmd.Process.Kill()
			<-done
			mu.Lock()
			defer mu.Unlock()
			return out.String(), false
		}
	}
	_ = cmd.Process.Kill()
	<-done
	t.Fatal("kontor serve neither started nor refused within a minute")
	return "", false
}

// verify-records on the real binary: untouched it passes; a body edited in
// the table and a version row deleted are each named.
func TestVerifyRecordsNamesChangedRows(t *testing.T) {
	for name, urlFor := range journalDatabases(t) {
		t.Run(name, func(t *testing.T) {
			url, dataDir := urlFor(t), t.TempDir()
			env := []string{"KONTOR_DATA_DIR=" + dataDir, "KONTOR_ADMIN_PASSWORD=chosen-by-ops-123"}
			if url != "" {
				env = append(env, "KONTOR_DATABASE_URL="+url)
			}
			s := startServer(t, env...)
			admin := apitest.New(t, s.URL)
			admin.LoginBearer("admin", "chosen-by-ops-123")
			var ch, edited, other struct{ ID string }
			admin.Must(201, "POST", "/api/v1/channels", map[string]any{"name": "einkauf"}).JSON(t, &ch)
			admin.Must(201, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Angebot: 120.000 €"}).JSON(t, &edited)
			admin.Must(201, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Lieferung Freitag"}).JSON(t, &other)
			admin.Must(200, "PATCH", "/api/v1/channels/"+ch.ID+"/messages/"+edited.ID, map[string]any{"text": "Angebot: 125.000 €"})
			s.stop()

			out := mustRun(t, env, "", "compliance", "verify-records")
			if !strings.Contains(out, "messages: 2") || !strings.Contains(out, "versions: 3") || !strings.Contains(out, "OK:") {
				t.Fatalf("verify-records of untouched tables:\n%s", out)
			}
			tamper(t, url, dataDir,
				fmt.Sprintf(`UPDATE messages SET text = 'Lieferung nächste Woche' WHERE id = '%s'`, other.ID),
				fmt.Sprintf(`DELETE FROM message_versions WHERE message_id = '%s'`, edited.ID))
			out, err := run(t, env, "", "compliance", "verify-records")
			if err == nil || !strings.Contains(out, "2 places where the tables disagree") {
				t.Fatalf("verify-records after tampering: %v\n%s", err, out)
			}
			for _, want := range []string{
				"MISMATCH message " + other.ID + " version 1 (journal entry ",
				"content changed: the text in the message row",
				"MISMATCH message " + edited.ID + " version 1 (journal entry ",
				"version row missing",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("verify-records output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}
