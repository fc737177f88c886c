package scope

import (
	"strings"
	"testing"
	"time"
)

func known(id string) bool { return strings.HasPrefix(id, "AM-") }

func TestNewRefuses(t *testing.T) {
	ok := Exclusion{Subjects: []string{"a@x"}, Controls: []string{"AM-USR-02"}, Reason: "r", Owner: "o"}
	for _, c := range []struct {
		name string
		edit func(*Exclusion)
		want string
	}{
		{"no subjects or groups", func(e *Exclusion) { e.Subjects = nil }, "names no subjects and no groups"},
		{"no controls", func(e *Exclusion) { e.Controls = nil }, "controls"},
		{"unknown control", func(e *Exclusion) { e.Controls = []string{"XX-1"} }, `"XX-1" is not a loaded control`},
		{"no reason", func(e *Exclusion) { e.Reason = " " }, "reason is required"},
		{"no owner", func(e *Exclusion) { e.Owner = "" }, "owner is required"},
		{"bad review_by", func(e *Exclusion) { e.ReviewBy = "31/12/2026" }, "review_by"},
		{"bad pattern", func(e *Exclusion) { e.Subjects = []string{"[a-@x"} }, "not a valid pattern"},
		{"empty subject", func(e *Exclusion) { e.Subjects = []string{""} }, "subjects[0] is empty"},
		{"empty group", func(e *Exclusion) { e.Subjects, e.Groups = nil, []string{" "} }, "groups[0] is empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := ok
			c.edit(&e)
			_, err := New("authgate.yaml", []Exclusion{ok, e}, known)
			if err == nil || !strings.Contains(err.Error(), "authgate.yaml: exclusions[1]") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want exclusions[1] and %q", err, c.want)
			}
		})
	}
	if _, err := New("authgate.yaml", []Exclusion{ok}, known); err != nil {
		t.Errorf("valid entry refused: %v", err)
	}
}

func TestMatching(t *testing.T) {
	s, err := New("c", []Exclusion{
		{Subjects: []string{"SVC-*@Contoso.com", "0000-AA"}, Controls: []string{"AM-WEAK-01"}, Reason: "r", Owner: "o"},
		{Groups: []string{"G1"}, Controls: []string{All}, Reason: "r", Owner: "o"},
		{Subjects: []string{"bg@contoso.com"}, Controls: []string{All}, Reason: "r", Owner: "o", IncludeAdmins: true},
	}, known)
	if err != nil {
		t.Fatal(err)
	}
	members := func(g, u string) bool { return strings.EqualFold(g, "g1") && u == "u-in-g1" }
	for _, c := range []struct {
		control string
		u       User
		want    int
	}{
		{"AM-WEAK-01", User{ID: "1", UserPrincipalName: "svc-mail@contoso.com"}, 0},
		{"AM-WEAK-01", User{ID: "0000-aa"}, 0},
		{"AM-USR-02", User{ID: "1", UserPrincipalName: "svc-mail@contoso.com"}, -1}, // not its control
		{"AM-WEAK-01", User{ID: "1", UserPrincipalName: "svc@contoso.com.evil"}, -1},
		{"AM-USR-02", User{ID: "u-in-g1"}, 1},
		{"AM-ADM-01", User{ID: "u-in-g1", Admin: true}, -1}, // an admin needs include_admins
		{"AM-PWL-02", User{ID: "u-in-g1", Admin: true}, 1},  // not an AM-ADM or AM-BG control
		{"AM-BG-01", User{UserPrincipalName: "BG@contoso.com", Admin: true}, 2},
		{"AM-USR-02", User{ID: "other"}, -1},
	} {
		if got := s.Excludes(c.control, c.u, members); got != c.want {
			t.Errorf("Excludes(%s, %+v) = %d, want %d", c.control, c.u, got, c.want)
		}
	}
	if g := s.Groups(); len(g) != 1 || g[0] != "g1" {
		t.Errorf("Groups() = %v", g)
	}
}

func TestWarnings(t *testing.T) {
	s, err := New("authgate.yaml", []Exclusion{
		{Subjects: []string{"a@x"}, Controls: []string{All}, Reason: "r", Owner: "o", ReviewBy: "2026-11-01"},
		{Subjects: []string{"b@x"}, Controls: []string{All}, Reason: "r", Owner: "o", ReviewBy: "2026-11-02"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 23, 0, 0, 0, time.UTC)
	if !s.Overdue(0, now) || s.Overdue(1, now) {
		t.Errorf("overdue: %v %v; an entry is due through its review_by day", s.Overdue(0, now), s.Overdue(1, now))
	}
	w := s.Warnings([]Status{{Index: 0, Users: 2, ReviewOverdue: true, Exclusion: s.Entries[0]}, {Index: 1, Users: 0, Exclusion: s.Entries[1]}}, now)
	if len(w) != 2 || !strings.Contains(w[0], "due for review on 2026-11-01") || !strings.Contains(w[1], "exclusions[1]") || !strings.Contains(w[1], "matched no user") {
		t.Errorf("warnings %q", w)
	}
}
