package browsertest

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// readmeShot is the size of the README's screenshot of the explorer: a
// laptop's screen.
const readmeShotW, readmeShotH = 1280, 800

// maxShotBytes keeps the README's picture light to load.
const maxShotBytes = 200 << 10

// TestExplorerScreenshot takes the README's screenshot of the explorer
// (docs/explorer.png): the demo data, the default view (30 days by
// service, daily chart with its anomalies marked), at a laptop's size,
// with no console error. It always runs and saves the picture with the
// other artefacts; to regenerate the README's copy, from the repository
// root:
//
//	TALLY_SCREENSHOT=docs/explorer.png go test ./internal/web/browsertest -run TestExplorerScreenshot
//
// (a relative path is taken from the repository root, not the package's
// folder where go test runs).
func TestExplorerScreenshot(t *testing.T) {
	env := Start(t)
	b := env.Browser(t)
	b.Do(t, chromedp.EmulateViewport(readmeShotW, readmeShotH))
	b.SignIn(t)
	b.WaitFor(t, `Number(document.getElementById('main').dataset.renders || 0) >= 1 && /^\d+$/.test(document.getElementById('main').dataset.anomalies || '')`)
	// The fonts and the chart's last frame settle before the picture.
	b.WaitFor(t, `document.fonts.status === 'loaded'`)
	b.Do(t, chromedp.Sleep(200*time.Millisecond))
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	if s := img.Bounds().Size(); s != (image.Point{readmeShotW, readmeShotH}) {
		t.Fatalf("the screenshot is %v, want %dx%d", s, readmeShotW, readmeShotH)
	}
	// The same pixels at the best compression Go has, kept when smaller
	// than Chromium's own encoding.
	var best bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&best, img); err != nil {
		t.Fatal(err)
	}
	out := bytes.NewBuffer(shot)
	if best.Len() < len(shot) {
		out = &best
	}
	t.Logf("explorer screenshot: %d bytes (Chromium's PNG %d, Go's best compression %d)", out.Len(), len(shot), best.Len())
	if out.Len() > maxShotBytes {
		t.Errorf("the screenshot is %d bytes, more than %d", out.Len(), maxShotBytes)
	}
	dir := os.Getenv("TALLY_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	write(t, filepath.Join(dir, "explorer-readme.png"), out.Bytes())
	if dest := os.Getenv("TALLY_SCREENSHOT"); dest != "" {
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(repoRoot(t), dest)
		}
		write(t, dest, out.Bytes())
	}
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// repoRoot is the folder of go.mod above the package's.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}
