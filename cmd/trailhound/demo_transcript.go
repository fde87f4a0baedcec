package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/trailhound/trailhound/sandbox/slackapi"
)

// transcript prints the channel as a reader sees it: roots, then their
// threads; the files shared in it are written into pictures.
func (d *demo) transcript(w io.Writer, pictures string) {
	fmt.Fprintln(w, "#alerts")
	for _, root := range d.slack.Messages(demoChannel) {
		writeMessage(w, root, "", pictures)
		if root.ThreadTS != root.TS {
			continue
		}
		for _, reply := range d.slack.Thread(demoChannel, root.TS)[1:] {
			writeMessage(w, reply, "    │ ", pictures)
		}
	}
}

// transcriptNotificationLines is how much of an alarm notification the
// transcript shows.
const transcriptNotificationLines = 6

func writeMessage(w io.Writer, m slackapi.Message, indent, pictures string) {
	who := m.Username
	switch {
	case m.User == demoBotUserID:
		who = "trailhound"
	case demoUsers[m.User] != "":
		who = demoUsers[m.User]
	case who == "":
		who = m.User
	}
	fmt.Fprintf(w, "%s── %s", indent, who)
	if len(m.Edits) > 0 {
		fmt.Fprintf(w, " (edited %d×)", len(m.Edits))
	}
	fmt.Fprintln(w)
	body := blocksText(m.Blocks)
	if body == "" {
		body = slackToPlain(m.Text)
	}
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	if m.User != demoBotUserID && len(lines) > transcriptNotificationLines {
		// An integration's notification: its head says what it is.
		more := len(lines) - transcriptNotificationLines
		lines = append(lines[:transcriptNotificationLines], fmt.Sprintf("… (%d more lines)", more))
	}
	for _, line := range lines {
		if strings.TrimSpace(line) == "" {
			fmt.Fprintf(w, "%s\n", indent)
			continue
		}
		writeWrapped(&indented{w: w, prefix: indent}, line, "   ", "     ")
	}
	for _, f := range m.Files {
		path := filepath.Join(pictures, f.ID+"-"+filepath.Base(f.Name))
		where := path
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			where = "not written: " + err.Error()
		}
		writeWrapped(&indented{w: w, prefix: indent}, fmt.Sprintf("🖼️ %s (%d KB) → %s", f.Title, (len(f.Data)+1023)/1024, where), "   ", "     ")
		writeWrapped(&indented{w: w, prefix: indent}, "alt: "+f.AltText, "     ", "     ")
	}
}

// indented writes each line it is given after prefix.
type indented struct {
	w      io.Writer
	prefix string
}

func (i *indented) Write(p []byte) (int, error) {
	if _, err := io.WriteString(i.w, i.prefix); err != nil {
		return 0, err
	}
	return i.w.Write(p)
}

// blocksText flattens Block Kit JSON into the text a reader sees.
func blocksText(raw json.RawMessage) string {
	var blocks []map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &blocks) != nil {
		return ""
	}
	var b strings.Builder
	text := func(v any) string {
		if m, ok := v.(map[string]any); ok {
			s, _ := m["text"].(string)
			return s
		}
		return ""
	}
	for _, bl := range blocks {
		switch bl["type"] {
		case "header", "section":
			if t := text(bl["text"]); t != "" {
				b.WriteString(slackToPlain(t) + "\n")
			}
			if fields, ok := bl["fields"].([]any); ok {
				for _, f := range fields {
					b.WriteString(slackToPlain(text(f)) + "\n")
				}
			}
		case "context":
			var parts []string
			for _, e := range anySlice(bl["elements"]) {
				parts = append(parts, slackToPlain(text(e)))
			}
			b.WriteString(strings.Join(parts, " · ") + "\n")
		case "actions":
			var parts []string
			for _, e := range anySlice(bl["elements"]) {
				m, _ := e.(map[string]any)
				label := slackToPlain(text(m["text"]))
				if _, ok := m["url"].(string); ok {
					label += " ↗"
				}
				parts = append(parts, "["+label+"]")
			}
			b.WriteString(strings.Join(parts, " ") + "\n")
		case "divider":
			b.WriteString("\n")
		}
	}
	return b.String()
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// slackToPlain renders Slack's date tokens and links as plain text and undoes
// mrkdwn escaping.
func slackToPlain(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "<")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], ">")
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		token := s[i+1 : i+j]
		if k := strings.LastIndex(token, "|"); k >= 0 {
			b.WriteString(token[k+1:])
		} else {
			b.WriteString(token)
		}
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(b.String())
}

// writeBlocks saves every message's Block Kit JSON, named by thread and ts.
func (d *demo) writeBlocks(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	msgs := d.allMessages()
	sort.SliceStable(msgs, func(i, j int) bool { return msgs[i].TS < msgs[j].TS })
	for _, m := range msgs {
		if len(m.Blocks) == 0 {
			continue
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, m.Blocks, "", "  "); err != nil {
			return fmt.Errorf("demo: blocks of %s: %w", m.TS, err)
		}
		name := filepath.Join(dir, strings.ReplaceAll(m.TS, ".", "_")+".json")
		if err := os.WriteFile(name, pretty.Bytes(), 0o644); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}
