package reports

import (
	"bufio"
	"fmt"

	"github.com/authgate/authgate/result"
)

// usageSource says where the per-method counts came from.
func usageSource(u *result.UsageSummary) string {
	if u.ActivitySource == "derived" {
		return "derived from userEventsSummary (app-only fetch)"
	}
	return "from Graph's userRegistrationActivity"
}

// usagePct formats a nullable share as a percentage with one decimal, "–" when nil.
func usagePct(f *float64) string {
	if f == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", *f*100)
}

// usageDay shortens Graph's createdDateTime to its date.
func usageDay(s string) string {
	if len(s) >= 10 {
		return s[:10]
	}
	return s
}

// writeUsageText renders the usage section for the text format: the
// failure rate of each method and feature, the MFA share over the period
// and per day, and (delegated fetches) the sign-ins per method. Nothing
// without a usage section.
func writeUsageText(b *bufio.Writer, u *result.UsageSummary) {
	if u == nil {
		return
	}
	fmt.Fprintf(b, "\nusage over %s (%s to %s):\n", Sanitize(u.Period), Sanitize(u.Start), Sanitize(u.End))
	fmt.Fprintf(b, "    registration and reset failure rate per method, %s:\n", usageSource(u))
	if len(u.Methods) == 0 {
		b.WriteString("        no attempts in the period\n")
	}
	for _, m := range u.Methods {
		fmt.Fprintf(b, "        %-22s %-12s %6s  (%d of %d failed)\n", Sanitize(m.AuthMethod), Sanitize(m.Feature), usagePct(m.FailureRate), m.Failed, m.Attempts)
	}
	fmt.Fprintf(b, "    multi-factor sign-ins: %s of %d (%d single-factor)\n", usagePct(u.MfaShare), u.TotalSignIns, u.SingleFactorSignIns)
	if len(u.Days) > 0 {
		b.WriteString("    daily MFA share:\n")
	}
	for _, d := range u.Days {
		fmt.Fprintf(b, "        %s  %6s  (%d of %d)", Sanitize(usageDay(d.Date)), usagePct(d.MfaShare), d.MultiFactor, d.Total)
		if d.Problem != "" {
			fmt.Fprintf(b, "  left out: %s", Sanitize(d.Problem))
		}
		b.WriteString("\n")
	}
	if u.SignInsSource != "graph" {
		b.WriteString("    sign-ins per method: not available (Graph gives them to delegated fetches only)\n")
		return
	}
	fmt.Fprintf(b, "    successful sign-ins per method (SMS and voice %s of %d):\n", usagePct(u.TelephonyShare), u.SuccessfulSignIns)
	for _, m := range u.SignInsByMethod {
		fmt.Fprintf(b, "        %-34s %6s  (%d)\n", Sanitize(m.AuthenticationMethod), usagePct(m.Share), m.Successes)
	}
}

// writeUsageMarkdown renders the usage section for the Markdown format, as
// tables. Nothing without a usage section.
func writeUsageMarkdown(b *bufio.Writer, u *result.UsageSummary) {
	if u == nil {
		return
	}
	fmt.Fprintf(b, "\n### Usage insights (%s)\n\n", md(u.Period))
	fmt.Fprintf(b, "From %s to %s. Registration and reset attempts %s.\n\n", md(u.Start), md(u.End), md(usageSource(u)))
	if len(u.Methods) == 0 {
		b.WriteString("No registration or reset attempts in the period.\n")
	} else {
		b.WriteString("| Method | Feature | Attempts | Failed | Failure rate |\n|---|---|--:|--:|--:|\n")
		for _, m := range u.Methods {
			fmt.Fprintf(b, "| %s | %s | %d | %d | %s |\n", md(m.AuthMethod), md(m.Feature), m.Attempts, m.Failed, usagePct(m.FailureRate))
		}
	}
	fmt.Fprintf(b, "\nMulti-factor sign-ins: **%s** of %d over the period (%d single-factor).\n", usagePct(u.MfaShare), u.TotalSignIns, u.SingleFactorSignIns)
	if len(u.Days) > 0 {
		b.WriteString("\n| Day | Multi-factor | Single-factor | Total | MFA share |\n|---|--:|--:|--:|--:|\n")
		for _, d := range u.Days {
			share := usagePct(d.MfaShare)
			if d.Problem != "" {
				share += " (left out: " + md(d.Problem) + ")"
			}
			fmt.Fprintf(b, "| %s | %d | %d | %d | %s |\n", md(usageDay(d.Date)), d.MultiFactor, d.SingleFactor, d.Total, share)
		}
	}
	if u.SignInsSource != "graph" {
		b.WriteString("\nSign-ins per method: not available (Graph gives them to delegated fetches only).\n")
		return
	}
	fmt.Fprintf(b, "\nSuccessful sign-ins per method (SMS and voice: **%s** of %d):\n\n", usagePct(u.TelephonyShare), u.SuccessfulSignIns)
	b.WriteString("| Method | Sign-ins | Share |\n|---|--:|--:|\n")
	for _, m := range u.SignInsByMethod {
		fmt.Fprintf(b, "| %s | %d | %s |\n", md(m.AuthenticationMethod), m.Successes, usagePct(m.Share))
	}
}
