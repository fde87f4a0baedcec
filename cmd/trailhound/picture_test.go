package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTriagePNG draws the timeline of a scenario through the sandbox
// CloudWatch and checks the file is the picture the output names; a
// composite alarm has no metric, and the report still prints with the reason.
func TestTriagePNG(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.png")
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"triage", "--scenario", "../../testdata/scenarios/001-lambda-role-policy-detached", "--png", path}, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 500 {
		t.Errorf("picture is %v, want 1200×500", b)
	}
	for _, want := range []string{"Timeline picture: " + path, "change #1 Role policy detached from checkout-role", "#1 Role policy detached",
		"access denied errors in /aws/lambda/checkout (#1) from 13:56 to 14:06"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	composite := filepath.Join(dir, "c.png")
	if code := run(context.Background(), []string{"triage", "--scenario", "../../testdata/scenarios/021-composite-ingest-kms-key-pending-deletion", "--png", composite}, &out, &errs); code != 0 {
		t.Fatalf("composite: exit %d: %s", code, errs.String())
	}
	if !strings.Contains(out.String(), "No timeline picture: the alarm has no metric of its own") || !strings.Contains(out.String(), "#1 ") {
		t.Errorf("composite output lacks the report or the reason:\n%s", out.String())
	}
	if _, err := os.Stat(composite); err == nil {
		t.Error("a picture was written for a composite alarm")
	}
}
