package trendtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"

	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/snapshot"
)

// The planted usage changes between OldUsage and NewUsage (d7, delegated
// on both sides), as failure rates and shares.
const (
	// SMSResetOld and SMSResetNew: mobileSMS reset failed 8 of 40, then 15 of 45.
	SMSResetOld, SMSResetNew = 0.20, 15.0 / 45
	// PushRegOld and PushRegNew: appNotification registration 5 of 100, then 2 of 100.
	PushRegOld, PushRegNew = 0.05, 0.02
	// MfaShareOld and MfaShareNew: 950 of 1000 sign-ins a day, then 900.
	MfaShareOld, MfaShareNew = 0.95, 0.90
	// TelephonyOld and TelephonyNew: 200 of 1000 successful sign-ins by
	// SMS, then 100 by SMS and 20 by mobileCall of 1000.
	TelephonyOld, TelephonyNew = 0.20, 0.12
)

// usage builds a d7 usage section ending at end: each day multi
// multi-factor sign-ins of 1000, the given activity and sign-ins.
func usage(end time.Time, multi int64, activity []snapshot.RegistrationActivity, signIns []snapshot.SignInsByMethod) *snapshot.Usage {
	u := &snapshot.Usage{
		Period: snapshot.UsagePeriodD7, Start: end.Add(-7 * 24 * time.Hour).Format(time.RFC3339), End: end.Format(time.RFC3339),
		UserRegistrationActivity: activity, ActivitySource: snapshot.SourceGraph,
		UserSignInsByAuthMethodSummary: signIns, SignInsSource: snapshot.SourceGraph, Offset: -1,
	}
	for d := 6; d >= 0; d-- {
		day := end.Add(-time.Duration(d) * 24 * time.Hour).Truncate(24 * time.Hour)
		u.UserMfaSignInSummary = append(u.UserMfaSignInSummary, snapshot.MfaSignInDay{
			CreatedDateTime: day.Format(time.RFC3339), MultiFactorSignIns: multi, SingleFactorSignIns: 1000 - multi, TotalSignIns: 1000})
	}
	return u
}

// OldUsage is the usage section of the old snapshot: mobileSMS reset and
// appNotification registration at SMSResetOld and PushRegOld,
// securityQuestion reset (10 of 30 failed) only here, MfaShareOld,
// TelephonyOld.
func OldUsage() *snapshot.Usage {
	return usage(OldTime, 950, []snapshot.RegistrationActivity{
		{AuthMethod: "appNotification", Feature: "registration", SuccessfulActivityCount: 95, FailureActivityCount: 5},
		{AuthMethod: "mobileSMS", Feature: "reset", SuccessfulActivityCount: 32, FailureActivityCount: 8},
		{AuthMethod: "securityQuestion", Feature: "reset", SuccessfulActivityCount: 20, FailureActivityCount: 10},
	}, []snapshot.SignInsByMethod{
		{AuthenticationMethod: "microsoftAuthenticatorPush", SuccessActivityCount: 800},
		{AuthenticationMethod: "sms", SuccessActivityCount: 200},
	})
}

// NewUsage is the usage section of the new snapshot: SMSResetNew,
// PushRegNew, fido registration (1 of 20 failed) only here, MfaShareNew,
// TelephonyNew.
func NewUsage() *snapshot.Usage {
	return usage(NewTime, 900, []snapshot.RegistrationActivity{
		{AuthMethod: "appNotification", Feature: "registration", SuccessfulActivityCount: 98, FailureActivityCount: 2},
		{AuthMethod: "fido", Feature: "registration", SuccessfulActivityCount: 19, FailureActivityCount: 1},
		{AuthMethod: "mobileSMS", Feature: "reset", SuccessfulActivityCount: 30, FailureActivityCount: 15},
	}, []snapshot.SignInsByMethod{
		{AuthenticationMethod: "microsoftAuthenticatorPush", SuccessActivityCount: 880},
		{AuthenticationMethod: "sms", SuccessActivityCount: 100},
		{AuthenticationMethod: "mobileCall", SuccessActivityCount: 20},
	})
}

// WriteWithUsage writes one snapshot of the pair (the old one when old is
// set) with u as its usage section, where fetch --include usage puts it:
// after the summaries, before the manifest. A nil u writes none.
func WriteWithUsage(path string, old bool, u *snapshot.Usage) error {
	at := NewTime
	if old {
		at = OldTime
	}
	t := tenantgen.Tenant{Seed: Seed, Users: Users, Now: at}
	m := snapshot.Manifest{
		TenantID: tenantgen.DefaultTenantID(Seed), Cloud: "global", GraphEndpoint: "https://graph.microsoft.com",
		APIVersion: "v1.0", FetchedAt: at.Format(time.RFC3339),
	}
	var doc bytes.Buffer
	if err := tenantgen.WriteSnapshot(&doc, t, tenantgen.SnapshotOptions{Manifest: m, Extra: extras(at, old), Summaries: true}); err != nil {
		return err
	}
	raw := doc.Bytes()
	if u != nil {
		b, err := json.Marshal(u)
		if err != nil {
			return fmt.Errorf("write usage: %w", err)
		}
		at := []byte(",\n\"manifest\":")
		if !bytes.Contains(raw, at) {
			return errors.New("write usage: the snapshot has no manifest member where the writer puts it")
		}
		raw = bytes.Replace(raw, at, append(append([]byte(",\n\"usage\":"), b...), at...), 1)
	}
	return atomicfile.Write(path, 0o600, func(w io.Writer) error {
		_, err := w.Write(raw)
		return err
	})
}

// WriteUsagePair writes old.snapshot.json and new.snapshot.json in dir, the
// pair of WritePair with OldUsage and NewUsage, and returns their paths.
func WriteUsagePair(dir string) (oldPath, newPath string, err error) {
	oldPath, newPath = filepath.Join(dir, "old.snapshot.json"), filepath.Join(dir, "new.snapshot.json")
	if err := WriteWithUsage(oldPath, true, OldUsage()); err != nil {
		return "", "", err
	}
	if err := WriteWithUsage(newPath, false, NewUsage()); err != nil {
		return "", "", err
	}
	return oldPath, newPath, nil
}
