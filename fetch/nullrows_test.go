package fetch_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/tenantgen"
)

// nullRow is user i's row with isAdmin and userType null, as Graph's schema
// allows.
func nullRow(t *testing.T, i int) string {
	t.Helper()
	u := tenantgen.GenerateUser(testSeed, i, testNow)
	row := userRow(i)
	for _, p := range []string{`"isAdmin":` + map[bool]string{true: "true", false: "false"}[u.IsAdmin], `"userType":"` + u.UserType + `"`} {
		name, _, _ := strings.Cut(p, ":")
		if !strings.Contains(row, p) {
			t.Fatalf("row %d lacks %s: %s", i, p, row)
		}
		row = strings.Replace(row, p, name+":null", 1)
	}
	return row
}

// Deduplication hashes the row as Graph sent it: a row holding nulls that
// is listed twice verbatim is kept once, with its nulls, and counted; the
// same user listed again with a value where the null was is a change.
func TestDuplicateRowsWithNulls(t *testing.T) {
	odd := nullRow(t, 1)
	t.Run("identical repeat of a row with nulls", func(t *testing.T) {
		_, o := hostile(t, pages(t, func(base string) []string {
			return []string{
				pageOf(base+"?$skiptoken=2", userRow(0), odd),
				pageOf("", odd, userRow(2)),
			}
		}))
		out := filepath.Join(t.TempDir(), "snap.json")
		res, err := fetch.Fetch(context.Background(), out, o)
		if err != nil {
			t.Fatal(err)
		}
		if res.Manifest.UserCount != 3 || res.Manifest.DuplicateRows != 1 {
			t.Errorf("manifest: %d users, %d duplicate rows; want 3 and 1", res.Manifest.UserCount, res.Manifest.DuplicateRows)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), odd); n != 1 {
			t.Errorf("the row with nulls is in the snapshot %d times, want once verbatim", n)
		}
		ids, _ := readSnapshot(t, out) // the loader reads it back, integrity check included
		if len(ids) != 3 {
			t.Errorf("snapshot holds %d users, want 3", len(ids))
		}
	})
	t.Run("a null that became a value", func(t *testing.T) {
		_, o := hostile(t, pages(t, func(base string) []string {
			return []string{
				pageOf(base+"?$skiptoken=2", userRow(0), odd),
				pageOf("", userRow(1), userRow(2)),
			}
		}))
		out := filepath.Join(t.TempDir(), "snap.json")
		_, err := fetch.Fetch(context.Background(), out, o)
		if !errors.Is(err, fetch.ErrChanged) || exitClass(err) != exitInconclusive {
			t.Fatalf("error %v: want the report changed (exit 4)", err)
		}
		checkOutputDir(t, out, false)
	})
	t.Run("a wrong type names page, row and field", func(t *testing.T) {
		bad := strings.Replace(odd, `"isAdmin":null`, `"isAdmin":"null"`, 1)
		_, o := hostile(t, pages(t, func(base string) []string {
			return []string{pageOf(base+"?$skiptoken=2", userRow(0)), pageOf("", userRow(2), bad)}
		}))
		out := filepath.Join(t.TempDir(), "snap.json")
		_, err := fetch.Fetch(context.Background(), out, o)
		if !errors.Is(err, fetch.ErrRow) || errors.Is(err, fetch.ErrPaging) || exitClass(err) != exitInconclusive {
			t.Fatalf("error %v: want an invalid row (exit 4)", err)
		}
		if want := "invalid row: page 2 row 2: userRegistrationDetails[2].isAdmin: want boolean, got string"; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
		checkOutputDir(t, out, false)
	})
}
