package reports

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// cdp is a minimal Chrome DevTools Protocol client over
// --remote-debugging-pipe: NUL-terminated JSON messages on fds 3 and 4.
type cdp struct {
	w      io.Writer
	mu     sync.Mutex
	nextID int
	wait   map[int]chan cdpMsg
	events chan cdpMsg
}

type cdpMsg struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

func (c *cdp) read(r io.Reader) {
	br := bufio.NewReader(r)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			close(c.events)
			return
		}
		var m cdpMsg
		if json.Unmarshal(bytes.TrimSuffix(raw, []byte{0}), &m) != nil {
			continue
		}
		if m.ID != 0 {
			c.mu.Lock()
			ch := c.wait[m.ID]
			delete(c.wait, m.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		c.events <- m
	}
}

func (c *cdp) call(ctx context.Context, session, method string, params any, out any) error {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan cdpMsg, 1)
	c.wait[id] = ch
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	b, _ := json.Marshal(msg)
	_, err := c.w.Write(append(b, 0))
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// chromium returns the browser binary, skipping the test when it is absent
// (failing under CI, where .ci/run installs Debian's chromium package).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	needTool(t, "chromium", false)
	return ""
}

// TestHTMLInChromium opens the HTML report in headless Chromium, fails on
// any console message of level error or warning, script exception or failed
// request (a CSP refusal is reported as a console error), checks that the
// inline script ran under the page's CSP, that each chart has a non-zero
// size and the expected number of bars, and saves a PNG screenshot and a PDF
// print under $AUTHGATE_ARTIFACTS (default: a temporary directory).
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	r, o := htmlFixture()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, render(t, "html", o, r), 0o644); err != nil {
		t.Fatal(err)
	}
	artifacts := os.Getenv("AUTHGATE_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	toBrowser, ourW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ourR, fromBrowser, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps", "--disable-extensions",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--remote-debugging-pipe", "--window-size=1200,900", "about:blank")
	cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser} // fds 3 and 4
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	defer func() {
		ourW.Close()
		cancel()
		_ = cmd.Wait()
	}()
	c := &cdp{w: ourW, wait: map[int]chan cdpMsg{}, events: make(chan cdpMsg, 256)}
	go c.read(ourR)

	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := c.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := c.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		t.Fatal(err)
	}
	s := attached.SessionID
	for _, m := range []string{"Runtime.enable", "Log.enable", "Network.enable", "Page.enable"} {
		if err := c.call(ctx, s, m, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	// open navigates to a file and returns the problems seen until load.
	open := func(path string) []string {
		t.Helper()
		if err := c.call(ctx, s, "Page.navigate", map[string]any{"url": "file://" + path}, nil); err != nil {
			t.Fatal(err)
		}
		var problems []string
		for {
			select {
			case ev, ok := <-c.events:
				if !ok {
					t.Fatalf("chromium exited:\n%s", stderr.String())
				}
				if p := problem(ev); p != "" {
					problems = append(problems, p)
				}
				if ev.Method == "Page.loadEventFired" {
					return problems
				}
			case <-ctx.Done():
				t.Fatal("the page did not load")
			}
		}
	}
	// drain collects late events (a refused resource may be reported after load).
	drain := func() []string {
		var problems []string
		deadline := time.After(300 * time.Millisecond)
		for {
			select {
			case ev := <-c.events:
				if p := problem(ev); p != "" {
					problems = append(problems, p)
				}
			case <-deadline:
				return problems
			}
		}
	}

	// The test must be able to fail: a page whose script no longer matches
	// its CSP hash and that loads an image is refused and reported.
	bad := bytes.Replace(render(t, "html", o, r), []byte("<script>"), []byte("<img src=\"https://example.invalid/x.png\" alt=\"\"><script>//tampered"), 1)
	badPage := filepath.Join(dir, "tampered.html")
	if err := os.WriteFile(badPage, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := append(open(badPage), drain()...); len(got) == 0 {
		t.Error("a tampered page raised no console error: the browser checks prove nothing")
	}

	// chartsOf opens a page and checks that the inline script ran, that it
	// raised no problem, and that each chart has a non-zero size and the
	// expected number of bars, each painted.
	chartsOf := func(path string, want map[string]int) {
		t.Helper()
		problems := open(path)
		var eval struct {
			Result struct {
				Value string `json:"value"`
			} `json:"result"`
		}
		const probe = `JSON.stringify({js: document.documentElement.classList.contains("js"),
	  charts: [...document.querySelectorAll("svg.chart")].map(s => { const r = s.getBoundingClientRect();
	    return {id: s.id, w: r.width, h: r.height, bars: [...s.querySelectorAll("rect.bar")].length,
	      painted: [...s.querySelectorAll("rect.bar")].filter(b => { const r = b.getBoundingClientRect();
	        return (r.height > 0 || b.dataset.judged === "false") && getComputedStyle(b).fill !== "rgb(0, 0, 0)"; }).length}; }),
	  filtered: (() => { const i = document.querySelector('input[data-table="t-AM-ADM-01"]'); if (!i) return -1;
	    i.value = "carol"; i.dispatchEvent(new Event("input"));
	    const t = document.getElementById(i.dataset.table); const n = [...t.tBodies[0].rows].filter(r => !r.hidden).length;
	    i.value = ""; i.dispatchEvent(new Event("input")); return n; })()})`
		if err := c.call(ctx, s, "Runtime.evaluate", map[string]any{"expression": probe, "returnByValue": true}, &eval); err != nil {
			t.Fatal(err)
		}
		var got struct {
			JS     bool `json:"js"`
			Charts []struct {
				ID      string  `json:"id"`
				W       float64 `json:"w"`
				H       float64 `json:"h"`
				Bars    int     `json:"bars"`
				Painted int     `json:"painted"`
			} `json:"charts"`
			Filtered int `json:"filtered"`
		}
		if err := json.Unmarshal([]byte(eval.Result.Value), &got); err != nil {
			t.Fatalf("probe: %v: %s", err, eval.Result.Value)
		}
		name := filepath.Base(path)
		if !got.JS {
			t.Errorf("%s: the inline script did not run (blocked by the page's CSP?)", name)
		}
		if got.Filtered != 1 {
			t.Errorf("%s: filtering the first violator table for \"carol\" left %d rows, want 1", name, got.Filtered)
		}
		if len(got.Charts) != len(want) {
			t.Errorf("%s: %d charts, want %d", name, len(got.Charts), len(want))
		}
		for _, ch := range got.Charts {
			if ch.W <= 0 || ch.H <= 0 {
				t.Errorf("%s: %s: size %vx%v", name, ch.ID, ch.W, ch.H)
			}
			if ch.Bars != want[ch.ID] {
				t.Errorf("%s: %s: %d bars, want %d", name, ch.ID, ch.Bars, want[ch.ID])
			}
			if ch.Painted != ch.Bars {
				t.Errorf("%s: %s: %d of %d bars painted with a non-zero height and a colour", name, ch.ID, ch.Painted, ch.Bars)
			}
		}
		for _, p := range append(problems, drain()...) {
			t.Errorf("browser: %s: %s", name, p)
		}
	}

	// A report with usage: the failure rate of 5 methods and features, 6
	// of 7 days with sign-ins, 4 sign-in methods.
	ur, uo := htmlUsageFixture(true)
	usagePage := filepath.Join(dir, "usage.html")
	if err := os.WriteFile(usagePage, render(t, "html", uo, ur), 0o644); err != nil {
		t.Fatal(err)
	}
	chartsOf(usagePage, map[string]int{"chart-coverage": 12, "chart-methods": 5, "chart-trend": 6,
		"chart-usage-failures": 5, "chart-usage-mfa": 6, "chart-usage-signins": 4})
	var usageShot struct {
		Data string `json:"data"`
	}
	if err := c.call(ctx, s, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &usageShot); err != nil {
		t.Fatal(err)
	}
	if b, err := base64.StdEncoding.DecodeString(usageShot.Data); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(filepath.Join(artifacts, "report-usage.png"), b, 0o644); err != nil {
		t.Fatal(err)
	}

	// A report with a methods policy section: the same charts, no problem,
	// one table row per method configuration, and the hostile target group
	// shown as escapes, not as a reordered line or markup.
	pr, po := htmlPolicyFixture()
	policyPage := filepath.Join(dir, "policy.html")
	if err := os.WriteFile(policyPage, render(t, "html", po, pr), 0o644); err != nil {
		t.Fatal(err)
	}
	chartsOf(policyPage, map[string]int{"chart-coverage": 12, "chart-methods": 5, "chart-trend": 6})
	var policyEval struct {
		Result struct {
			Value string `json:"value"`
		} `json:"result"`
	}
	const policyProbe = `JSON.stringify((() => { const t = document.getElementById("t-methods-policy"); if (!t) return null;
	  const r = t.getBoundingClientRect(); return {w: r.width, h: r.height, rows: [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent)),
	    scripts: document.scripts.length}; })())`
	if err := c.call(ctx, s, "Runtime.evaluate", map[string]any{"expression": policyProbe, "returnByValue": true}, &policyEval); err != nil {
		t.Fatal(err)
	}
	var policyGot *struct {
		W, H    float64
		Rows    [][]string
		Scripts int
	}
	if err := json.Unmarshal([]byte(policyEval.Result.Value), &policyGot); err != nil {
		t.Fatalf("policy probe: %v: %s", err, policyEval.Result.Value)
	}
	switch {
	case policyGot == nil:
		t.Error("policy.html: no methods policy table")
	case policyGot.W <= 0 || policyGot.H <= 0 || len(policyGot.Rows) != 5:
		t.Errorf("policy.html: table %vx%v with %d rows, want 5", policyGot.W, policyGot.H, len(policyGot.Rows))
	default:
		want := []string{"sms", "enabled", `group \x1b[2Jops\u202etxt.exe<script>alert(1)</script>`, "nobody", "120", "35"}
		if got := policyGot.Rows[3]; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("policy.html: sms row reads %q, want %q", got, want)
		}
		if policyGot.Scripts != 1 {
			t.Errorf("policy.html: %d scripts, want the page's own", policyGot.Scripts)
		}
	}

	chartsOf(page, map[string]int{"chart-coverage": 12, "chart-methods": 5, "chart-trend": 6})
	var problems []string
	var shot struct {
		Data string `json:"data"`
	}
	if err := c.call(ctx, s, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &shot); err != nil {
		t.Fatal(err)
	}
	pngBytes, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 900 {
		t.Errorf("screenshot is %dx%d", b.Dx(), b.Dy())
	}
	if err := os.WriteFile(filepath.Join(artifacts, "report.png"), pngBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	var pdf struct {
		Data string `json:"data"`
	}
	if err := c.call(ctx, s, "Page.printToPDF", map[string]any{"printBackground": true}, &pdf); err != nil {
		t.Fatal(err)
	}
	pdfBytes, _ := base64.StdEncoding.DecodeString(pdf.Data)
	if !bytes.HasPrefix(pdfBytes, []byte("%PDF-")) {
		t.Error("printToPDF did not return a PDF")
	}
	if err := os.WriteFile(filepath.Join(artifacts, "report.pdf"), pdfBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	problems = append(problems, drain()...)
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
	t.Logf("screenshot and PDF in %s", artifacts)
}

// problem describes a console error or warning, an exception or a failed
// request, or returns "".
func problem(ev cdpMsg) string {
	switch ev.Method {
	case "Runtime.consoleAPICalled":
		var p struct {
			Type string `json:"type"`
			Args []struct {
				Value any `json:"value"`
			} `json:"args"`
		}
		_ = json.Unmarshal(ev.Params, &p)
		if p.Type == "error" || p.Type == "warning" || p.Type == "assert" {
			return fmt.Sprintf("console.%s %v", p.Type, p.Args)
		}
	case "Runtime.exceptionThrown":
		return "exception: " + string(ev.Params)
	case "Log.entryAdded":
		var p struct {
			Entry struct {
				Level, Text, URL string
			} `json:"entry"`
		}
		_ = json.Unmarshal(ev.Params, &p)
		if p.Entry.Level == "error" || p.Entry.Level == "warning" {
			return fmt.Sprintf("log %s: %s %s", p.Entry.Level, p.Entry.Text, p.Entry.URL)
		}
	case "Network.loadingFailed":
		return "request failed: " + string(ev.Params)
	case "Network.requestWillBeSent":
		var p struct {
			Request struct{ URL string } `json:"request"`
		}
		_ = json.Unmarshal(ev.Params, &p)
		if !strings.HasPrefix(p.Request.URL, "file://") && !strings.HasPrefix(p.Request.URL, "data:") {
			return "request to " + p.Request.URL
		}
	}
	return ""
}
