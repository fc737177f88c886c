package tenantgen

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/snapshot"
)

var update = flag.Bool("update", false, "rewrite testdata/sample.snapshot.json from the generator")

const samplePath = "../../testdata/sample.snapshot.json"

// TestSampleSnapshot keeps the committed sample reproducible: with -update it
// rewrites the file, otherwise it checks the file is what WriteSample gives.
func TestSampleSnapshot(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSample(&buf); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := atomicfile.Write(samplePath, 0o644, func(w io.Writer) error {
			_, err := w.Write(buf.Bytes())
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/graphfake -run TestSampleSnapshot -update)", err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Fatalf("%s is not what the generator gives; run go test ./internal/graphfake -run TestSampleSnapshot -update", samplePath)
	}
	if len(got) >= 300<<10 {
		t.Errorf("sample is %d bytes, want < 300 KB", len(got))
	}

	doc, info, err := snapshot.Load(context.Background(), samplePath)
	if err != nil {
		t.Fatalf("the snapshot package refuses the sample: %v", err)
	}
	users := doc.UserRegistrationDetails
	if want := SampleUsers + len(sampleExtras()); len(users) != want || doc.Manifest.UserCount != int64(want) {
		t.Fatalf("%d users, manifest.userCount %d, want %d", len(users), doc.Manifest.UserCount, want)
	}
	if err := info.Complete(); err != nil {
		t.Error(err)
	}
	if doc.Manifest.LastUpdated == nil || info.LastUpdated == nil || *doc.Manifest.LastUpdated != *info.LastUpdated {
		t.Errorf("manifest.lastUpdated %+v, scan found %+v", doc.Manifest.LastUpdated, info.LastUpdated)
	}

	// One user object per line: line N+2 is user N (after the head lines).
	lines := strings.Split(string(got), "\n")
	for k, u := range users {
		if line := lines[k+2]; !strings.HasPrefix(line, `{"id":"`+u.ID+`"`) {
			t.Fatalf("line %d is not user %d: %.60s", k+3, k, line)
		}
	}

	// The hand-placed cases are there.
	byUPN := map[string]snapshot.UserRegistrationDetails{}
	var tally snapshot.Tally
	for _, u := range users {
		byUPN[u.UserPrincipalName] = u
		tally.Add(&u)
	}
	if u := byUPN["breakglass01@"+Domain]; !u.IsAdmin || !slices.Contains(u.MethodsRegistered, mFido2) {
		t.Errorf("breakglass01: %+v", u)
	}
	if u := byUPN["breakglass02@"+Domain]; !u.IsAdmin || slices.Contains(u.MethodsRegistered, mFido2) || len(u.MethodsRegistered) == 0 {
		t.Errorf("breakglass02: %+v", u)
	}
	if u := byUPN["admin.nomfa@"+Domain]; !u.IsAdmin || u.IsMfaCapable {
		t.Errorf("admin.nomfa: %+v", u)
	}
	if u := byUPN["user90010@"+Domain]; !slices.Contains(u.MethodsRegistered, "quantumToken") {
		t.Errorf("unknown method row: %+v", u)
	}
	fetched, _ := time.Parse(time.RFC3339, doc.Manifest.FetchedAt)
	oldest, _ := time.Parse(time.RFC3339Nano, doc.Manifest.LastUpdated.Min)
	if fetched.Sub(oldest) < 48*time.Hour {
		t.Errorf("no stale row: oldest %s, fetched %s", doc.Manifest.LastUpdated.Min, doc.Manifest.FetchedAt)
	}
	if tally.Guest.Users < 5 || tally.Admin.Users < 6 {
		t.Errorf("sample has %d guests and %d admins", tally.Guest.Users, tally.Admin.Users)
	}

	// Summaries: the five scopes, derivable ones equal to the per-user counts.
	if len(doc.UsersRegisteredByFeature) != 5 || len(doc.UsersRegisteredByMethod) != 5 || len(doc.Manifest.Summaries) != 10 {
		t.Fatalf("summaries: %d feature, %d method, %d manifest sources", len(doc.UsersRegisteredByFeature), len(doc.UsersRegisteredByMethod), len(doc.Manifest.Summaries))
	}
	for k, sc := range snapshot.SummaryScopes {
		fs := doc.UsersRegisteredByFeature[k]
		if fs.UserTypes != sc.UserTypes || fs.UserRoles != sc.UserRoles {
			t.Errorf("feature summary %d scope %s/%s, want %v", k, fs.UserTypes, fs.UserRoles, sc)
		}
		want, ok := tally.FeatureSummary(sc)
		if !ok {
			if fs.TotalUserCount == 0 || fs.TotalUserCount >= tally.Admin.Users {
				t.Errorf("privilegedAdmin total %d of %d admins", fs.TotalUserCount, tally.Admin.Users)
			}
			continue
		}
		fs.Offset = -1
		if d := cmp.Diff(want, fs); d != "" {
			t.Errorf("feature summary %v (-tally +file):\n%s", sc, d)
		}
	}
	for _, src := range doc.Manifest.Summaries {
		if src.Source != snapshot.SourceGraph {
			t.Errorf("summary source %+v, want graph", src)
		}
	}
}

func TestWriteSnapshotBeta(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "beta.json")
	tn := Tenant{Seed: 4, Users: 1234, Now: refNow, TenantID: DefaultTenantID(4)}
	if err := atomicfile.Write(path, 0o600, func(w io.Writer) error {
		return WriteSnapshot(w, tn, SnapshotOptions{Beta: true, Manifest: snapshot.Manifest{
			TenantID: tn.TenantID, Cloud: "custom", GraphEndpoint: "https://127.0.0.1", APIVersion: "beta", FetchedAt: refNow.Format(time.RFC3339)}})
	}); err != nil {
		t.Fatal(err)
	}
	doc, _, err := snapshot.Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.UserRegistrationDetails) != 1234 || doc.UsersRegisteredByFeature != nil {
		t.Fatalf("%d users, summaries %v", len(doc.UserRegistrationDetails), doc.UsersRegisteredByFeature)
	}
	odd := 0
	for i, u := range doc.UserRegistrationDetails {
		want := tn.User(i) // with the legal oddities: the loader reads back each null
		want.Nulls &^= annotateBit
		u.Offset, want.Offset = 0, 0
		if d := cmp.Diff(want, u); d != "" {
			t.Fatalf("user %d (-generated +file):\n%s", i, d)
		}
		if u.Nulls != 0 {
			odd++
		}
	}
	if odd < 10 || odd > 100 {
		t.Errorf("%d of 1234 rows carry nulls, want a small share (about 3%%)", odd)
	}
}
