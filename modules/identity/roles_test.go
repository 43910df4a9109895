package identity_test

import (
	"context"
	"testing"

	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
)

// An admin runs accounts; a compliance officer decides about the record.
// Neither can hand himself the other's power, and every change of roles
// is on the record.
func TestAdminAndComplianceAreSeparate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		a := e.admin()
		e.createUser(a, "bob", "bob-password-1")
		e.createUser(a, "carla", "carla-password-1")
		onRecord := len(e.journal.kinds(identity.KindRolesChanged)) // the accounts above
		refused := func(what, method, path string, body any) {
			t.Helper()
			if r := a.Do(method, path, body); r.Status != 403 || problemCode(r) != "compliance_required" {
				t.Fatalf("admin %s: %d %s", what, r.Status, r.Body)
			}
		}
		refused("grants himself compliance", "PATCH", "/api/v1/admin/users/admin", map[string]any{"roles": []string{"admin", "compliance"}})
		refused("creates a compliance officer", "POST", "/api/v1/admin/users", map[string]any{"username": "stooge", "password": "stooge-password-1", "roles": []string{"compliance"}})
		if n := len(e.journal.kinds(identity.KindRolesChanged)); n != onRecord {
			t.Fatalf("%d role changes on the record after refusals", n)
		}

		// The first compliance officer is made on the server (the operator).
		cli := authn.SystemContext(context.Background(), "cli")
		roles := []authn.Role{authn.RoleCompliance}
		if _, err := e.mod.UpdateUser(cli, "carla", identity.UserPatch{Roles: &roles}); err != nil {
			t.Fatal(err)
		}
		rec := e.journal.kinds(identity.KindRolesChanged)[onRecord:]
		if len(rec) != 1 || rec[0].Content.(identity.RolesChange).Username != "carla" || rec[0].Meta["to"] != "compliance" || rec[0].Meta["by"] != "cli" {
			t.Fatalf("the command line's grant on the record: %+v", rec)
		}

		// The admin can neither take the role away nor take the account over.
		refused("removes compliance", "PATCH", "/api/v1/admin/users/carla", map[string]any{"roles": []string{}})
		refused("disables the compliance officer", "PATCH", "/api/v1/admin/users/carla", map[string]any{"status": "disabled"})
		refused("resets her password", "POST", "/api/v1/admin/users/carla/password", map[string]any{"password": "taken-over-pw-1"})
		carla := e.client()
		carla.Login("carla", "carla-password-1")

		// The compliance officer grants compliance, and nothing else.
		carla.Must(200, "PATCH", "/api/v1/admin/users/bob", map[string]any{"roles": []string{"compliance"}})
		for _, body := range []map[string]any{{"roles": []string{"admin", "compliance"}}, {"title": "Boss"}, {"status": "disabled"}} {
			if r := carla.Do("PATCH", "/api/v1/admin/users/bob", body); r.Status != 403 {
				t.Fatalf("compliance officer changes %v: %d %s", body, r.Status, r.Body)
			}
		}
		// The admin still grants admin (compliance untouched) to a compliance officer.
		a.Must(200, "PATCH", "/api/v1/admin/users/bob", map[string]any{"roles": []string{"admin", "compliance"}})
		rec = e.journal.kinds(identity.KindRolesChanged)[onRecord:]
		if len(rec) != 3 || rec[1].Content.(identity.RolesChange).By != "carla" || rec[1].ActorID == "" || rec[1].Meta["by"] != "" || rec[1].Meta["to"] != "compliance" || rec[2].Meta["to"] != "admin compliance" || rec[2].Meta["from"] != "compliance" {
			t.Fatalf("role changes on the record: %+v", rec)
		}
	})
}
