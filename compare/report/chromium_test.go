package report

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds a Chromium; scripts/install-deps installs Debian's.
func chromiumPath(t *testing.T) string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("PLIB_REQUIRE_CHROMIUM") != "" {
		t.Fatal("PLIB_REQUIRE_CHROMIUM is set but no chromium is on PATH (scripts/install-deps installs Debian's chromium)")
	}
	t.Skip("SKIPPED: no chromium on PATH, so the HTML report is not rendered in a browser; scripts/install-deps installs it")
	return ""
}

// TestHTMLReportInChromium opens the HTML report of a recorded run in
// headless Chromium: it renders, the charts and the mechanism table are
// in the page, the page requested nothing but itself and the browser
// refused nothing; a screenshot of the page and one of each chart are
// saved as artifacts (build/artifacts/charts/chart-NN.png).
func TestHTMLReportInChromium(t *testing.T) {
	bin := chromiumPath(t)
	r := load(t, "quick.json")
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var b bytes.Buffer
	if err := r.HTML(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// The browser's profile is not in t.TempDir: chromium's helper
	// processes can still be writing it for a moment after the browser is
	// gone, and TempDir's cleanup fails the test on the first "directory
	// not empty". Removed here with a few tries instead.
	profile, err := os.MkdirTemp("", "plib-chromium-profile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(profile), chromedp.WindowSize(1200, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	var mu sync.Mutex
	var requests, refusals []string
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.LevelError || strings.Contains(e.Entry.Text, "Refused") {
				refusals = append(refusals, e.Entry.Text)
			}
		}
	})
	url := "file://" + page
	var svgs, mechRows int
	var firstHeading string
	var shot []byte
	err = chromedp.Run(ctx, network.Enable(), log.Enable(),
		chromedp.Navigate(url),
		chromedp.WaitReady("body"),
		chromedp.Evaluate(`document.querySelectorAll("figure.chart svg").length`, &svgs),
		chromedp.Evaluate(`document.querySelectorAll("#mechanisms tr").length`, &mechRows),
		chromedp.Evaluate(`document.querySelector("h2").textContent`, &firstHeading),
		chromedp.FullScreenshot(&shot, 100), // quality 100: PNG,
	)
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	// Each chart as a reader sees it on the page: a screenshot of its
	// figure, and its size, which must fit the page's column.
	charts := make([][]byte, svgs)
	var figWidths []float64
	var pageWidth float64
	err = chromedp.Run(ctx,
		chromedp.Evaluate(`[...document.querySelectorAll("figure.chart svg")].map(e => e.getBoundingClientRect().width)`, &figWidths),
		chromedp.Evaluate(`document.body.getBoundingClientRect().width`, &pageWidth))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	for i := range charts {
		if err := chromedp.Run(ctx, chromedp.Screenshot(fmt.Sprintf("#chart-%d", i), &charts[i], chromedp.ByID)); err != nil {
			t.Fatalf("chart %d: %v", i, err)
		}
		if figWidths[i] > pageWidth+1 || figWidths[i] < 300 {
			t.Errorf("chart %d is %.0f pixels wide on a %.0f-pixel page", i, figWidths[i], pageWidth)
		}
	}
	if svgs < 5 {
		t.Errorf("%d charts rendered, want at least 5", svgs)
	}
	if mechRows != len(r.Machines[0].Mechanisms)+1 || firstHeading != "Verdict" {
		t.Errorf("mechanism table: %d rows, first heading %q (the verdict opens the page)", mechRows, firstHeading)
	}
	mu.Lock()
	for _, u := range requests {
		if u != url {
			t.Errorf("the page made a network request: %s", u)
		}
	}
	for _, x := range refusals {
		t.Errorf("the browser reported: %s", x)
	}
	if len(requests) == 0 {
		t.Error("no request seen at all: the network listener is not working")
	}
	mu.Unlock()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if h := img.Bounds().Dy(); h < 2000 {
		t.Errorf("the page is only %d pixels tall", h)
	}
	colours := map[[3]uint32]bool{}
	for y := 0; y < img.Bounds().Dy(); y += 7 {
		for x := 0; x < img.Bounds().Dx(); x += 7 {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, b >> 8}] = true
		}
	}
	if len(colours) < 20 {
		t.Errorf("the screenshot has %d colours: blank?", len(colours))
	}
	art := os.Getenv("PLIB_ARTIFACTS")
	if art == "" {
		art = filepath.Join("..", "..", "build", "artifacts")
	}
	if err := os.MkdirAll(art, 0o755); err == nil {
		p := filepath.Join(art, "report-screenshot.png")
		if err := os.WriteFile(p, shot, 0o644); err == nil {
			t.Logf("screenshot saved: %s", p)
		}
	}
	cdir := filepath.Join(art, "charts")
	if err := os.MkdirAll(cdir, 0o755); err == nil {
		for i, c := range charts {
			if _, err := png.Decode(bytes.NewReader(c)); err != nil {
				t.Errorf("chart %d's screenshot: %v", i, err)
			}
			os.WriteFile(filepath.Join(cdir, fmt.Sprintf("chart-%02d.png", i)), c, 0o644)
		}
		t.Logf("%d chart screenshots saved in %s", len(charts), cdir)
	}
}
