package journal_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/platform/authn"
)

// The audit log is tamper-evident: each row changed, removed or added in
// the table behind Kontor's back is named by CheckAuditTrail.
func TestCheckAuditTrailNamesEveryRowThatDisagreesWithTheJournal(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper string
		want   string
	}{
		{"untouched", "", ""},
		{"details rewritten", `UPDATE audit_log SET details = '{"reason":"nichts passiert"}' WHERE action = 'user.set_roles'`, "content changed"},
		{"actor rewritten", `UPDATE audit_log SET actor_name = 'jemand' WHERE action = 'user.set_roles'`, "content changed"},
		{"row deleted", `DELETE FROM audit_log WHERE action = 'user.set_roles'`, "row missing"},
		{"row forged", `INSERT INTO audit_log (seq, id, at, action) VALUES (999999, 'forged-audit', 1, 'user.create')`, "row without journal entry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
				ctx := context.Background()
				adm := s.Person("adm", authn.RoleAdmin)
				ann := s.Person("ann")
				adm.Must(200, "PATCH", "/api/v1/admin/users/"+ann.ID, map[string]any{"roles": []string{"admin"}})
				if tc.tamper != "" {
					if _, err := s.App.DB.ExecContext(ctx, tc.tamper); err != nil {
						t.Fatal(err)
					}
				}
				rep, err := s.App.Journal.CheckAuditTrail(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if rep.Entries < 4 {
					t.Errorf("compared only %d entries", rep.Entries)
				}
				if tc.want == "" {
					if !rep.OK() {
						t.Errorf("untouched trail: %+v", rep.Mismatches)
					}
					return
				}
				if len(rep.Mismatches) != 1 || !strings.Contains(rep.Mismatches[0].String(), tc.want) {
					t.Errorf("want one mismatch with %q: %+v", tc.want, rep.Mismatches)
				}
			})
		})
	}
}
