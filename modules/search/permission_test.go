package search

import (
	"testing"
)

// TestPermissionMatrix: for every kind of conversation, a member finds its
// message; a non-member, a former member and an admin who is not a member
// do not, not even by naming the channel.
func TestPermissionMatrix(t *testing.T) { eachFilter(t, permissionMatrix) }

func permissionMatrix(t *testing.T, f *fixture) {
	owner, member, former, outsider := f.w.user("owner"), f.w.user("member"), f.w.user("former"), f.w.user("outsider")
	admin := f.w.user("admin")

	type conv struct {
		kind, id, in string
	}
	dm := f.w.dm(owner, member)
	formerDM := f.w.dm(owner, former)
	convs := []conv{
		{"public channel", f.w.channel("public", true, owner, member, former), "in:~public"},
		{"private channel", f.w.channel("private", false, owner, member, former), "in:~private"},
		{"archived channel", f.w.channel("archived", false, owner, member, former), "in:~archived"},
		{"group DM", f.w.channel("group-dm", false, owner, member, former), ""},
		{"DM", dm, "in:@owner"},
	}
	words := map[string]string{}
	for _, c := range convs {
		word := "geheimwort" + c.id[2:]
		words[c.id] = word
		f.post(c.id, owner, "Das "+word+" steht hier", func(ch *Change) { ch.ChannelName = "" })
	}
	f.post(formerDM, owner, "Das geheimwortformerdm steht hier")
	f.sync()
	// former leaves every channel (and cannot leave a DM: search the one
	// DM former has, to show DMs work for the participant).
	for _, c := range convs {
		if c.kind != "DM" {
			f.w.setMember(c.id, former, false)
		}
	}

	for _, c := range convs {
		word := words[c.id]
		t.Run(c.kind, func(t *testing.T) {
			if got := f.search(member, word); len(got) != 1 {
				t.Errorf("member: %v, want the message", got)
			}
			for who, id := range map[string]string{"non-member": outsider, "former member": former, "admin without membership": admin} {
				if got := f.search(id, word); len(got) != 0 {
					t.Errorf("%s finds %v", who, got)
				}
				if got := f.search(id, "Das"); len(got) != 0 && id != former {
					t.Errorf("%s finds %v with a common word", who, got)
				}
				if c.in != "" {
					res, err := f.m.Search(asAdmin(id), Request{Query: word + " " + c.in})
					if err == nil && len(res.Items) > 0 {
						t.Errorf("%s finds %d hits by naming %s", who, len(res.Items), c.in)
					}
				}
			}
		})
	}
	t.Run("DM participant", func(t *testing.T) {
		if got := f.search(former, "geheimwortformerdm"); len(got) != 1 {
			t.Errorf("former finds %v in their own DM", got)
		}
		if got := f.search(member, "geheimwortformerdm"); len(got) != 0 {
			t.Errorf("someone else's DM leaks: %v", got)
		}
	})
	t.Run("removed member stops finding at once", func(t *testing.T) {
		priv := convs[1].id
		if got := f.search(member, words[priv]); len(got) != 1 {
			t.Fatalf("member before removal: %v", got)
		}
		f.w.setMember(priv, member, false)
		if got := f.search(member, words[priv]); len(got) != 0 {
			t.Errorf("member after removal still finds %v", got)
		}
		f.w.setMember(priv, member, true)
		if got := f.search(member, words[priv]); len(got) != 1 {
			t.Errorf("member added back: %v", got)
		}
	})
	t.Run("a user in no channel finds nothing", func(t *testing.T) {
		loner := f.w.user("loner")
		if got := f.search(loner, "from:@owner"); len(got) != 0 {
			t.Errorf("loner finds %v", got)
		}
	})
}
