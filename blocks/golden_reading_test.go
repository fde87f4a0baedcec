package blocks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// goldenTexts returns every text a person reads in a golden file: text
// objects of blocks and buttons and the fallback, but not the event JSON
// shown as code, which is there to hold the raw record.
func goldenTexts(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "rich_text_preformatted" {
				return // the event JSON, shown as the record it is
			}
			for k, c := range x {
				if s, ok := c.(string); ok && k == "text" {
					out = append(out, s)
					continue
				}
				if k == "style" || k == "url" || k == "value" {
					continue
				}
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

var (
	slackLink  = regexp.MustCompile(`<[^<>]*>`)
	codeBlock  = regexp.MustCompile("(?s)```.*?```")
	trimPunct  = func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
	spaceSplit = strings.Fields
)

// prose is a text without its links and code: what is read as sentences.
func prose(s string) string {
	s = codeBlock.ReplaceAllString(s, " ")
	s = codeSpan.ReplaceAllString(s, " ")
	return slackLink.ReplaceAllString(s, " ")
}

// TestGoldenReadsAsProse holds every golden message to how a report is
// read: no API version suffix, no raw ARN outside a link or code, no "(s)"
// plural, and no cut in the middle of a word (the word before a cut mark
// must appear whole somewhere in the messages).
func TestGoldenReadsAsProse(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	if err != nil || len(paths) < 20 {
		t.Fatalf("golden files: %d, %v", len(paths), err)
	}
	texts := map[string][]string{}
	words := map[string]bool{}
	for _, p := range paths {
		texts[p] = goldenTexts(t, p)
		for _, s := range texts[p] {
			for _, w := range spaceSplit(prose(s)) {
				if !strings.Contains(w, ellipsis) {
					words[strings.TrimFunc(w, trimPunct)] = true
				}
			}
		}
	}
	for _, p := range paths {
		for _, s := range texts[p] {
			text := prose(s)
			if m := versionedAPI.FindString(text); m != "" {
				t.Errorf("%s: API name with its version suffix %q in %.120q", p, m, s)
			}
			if m := arnPattern.FindString(text); m != "" {
				t.Errorf("%s: raw ARN %q outside a link in %.120q", p, m, s)
			}
			if strings.Contains(text, "(s)") {
				t.Errorf("%s: \"(s)\" plural in %.120q", p, s)
			}
			for _, w := range spaceSplit(text) {
				before, _, cut := strings.Cut(w, ellipsis)
				before = strings.TrimFunc(before, trimPunct)
				if cut && before != "" && !words[before] {
					t.Errorf("%s: cut mid-word at %q in %.160q", p, w, s)
				}
			}
		}
	}
}
