package slackapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestCheckSlackBlocks(t *testing.T) {
	str := func(n int) string { return strings.Repeat("a", n) }
	text := func(kind string, n int) map[string]any { return map[string]any{"type": kind, "text": str(n)} }
	button := func(id string, extra map[string]any) map[string]any {
		b := map[string]any{"type": "button", "action_id": id, "text": text("plain_text", 5)}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	actions := func(elements ...any) map[string]any { return map[string]any{"type": "actions", "elements": elements} }
	buttons := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = button(fmt.Sprint("b", i), nil)
		}
		return out
	}
	repeat := func(n int, v any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	cases := []struct {
		name   string
		blocks []any
		want   string // the pointer of the only problem; empty: valid
	}{
		{"section with fields at the limits", []any{map[string]any{"type": "section", "fields": repeat(10, text("mrkdwn", 2000))}}, ""},
		{"11 fields", []any{map[string]any{"type": "section", "fields": repeat(11, text("mrkdwn", 1))}}, "/blocks/0/fields"},
		{"field over 2000", []any{map[string]any{"type": "section", "fields": []any{text("mrkdwn", 2001)}}}, "/blocks/0/fields/0/text"},
		{"section without text or fields", []any{map[string]any{"type": "section"}}, "/blocks/0"},
		{"empty section text", []any{map[string]any{"type": "section", "text": text("mrkdwn", 0)}}, "/blocks/0/text/text"},
		{"mrkdwn header", []any{map[string]any{"type": "header", "text": text("mrkdwn", 5)}}, "/blocks/0/text/type"},
		{"header at 150", []any{map[string]any{"type": "header", "text": text("plain_text", 150)}}, ""},
		{"context with 11 elements", []any{map[string]any{"type": "context", "elements": repeat(11, text("mrkdwn", 1))}}, "/blocks/0/elements"},
		{"context image without alt_text", []any{map[string]any{"type": "context", "elements": []any{map[string]any{"type": "image", "image_url": "https://x"}}}}, "/blocks/0/elements/0"},
		{"25 actions", []any{actions(buttons(25)...)}, ""},
		{"26 actions", []any{actions(buttons(26)...)}, "/blocks/0/elements"},
		{"button url over 3000", []any{actions(button("a", map[string]any{"url": "https://" + str(2993)}))}, "/blocks/0/elements/0/url"},
		{"button url at 3000", []any{actions(button("a", map[string]any{"url": "https://" + str(2992)}))}, ""},
		{"button value over 2000", []any{actions(button("a", map[string]any{"value": str(2001)}))}, "/blocks/0/elements/0/value"},
		{"button style", []any{actions(button("a", map[string]any{"style": "green"}))}, "/blocks/0/elements/0/style"},
		{"action_id over 255", []any{actions(button(str(256), nil))}, "/blocks/0/elements/0/action_id"},
		{"duplicate action_id in a block", []any{actions(button("same", nil), button("same", nil))}, "/blocks/0/elements/1/action_id"},
		{"same action_id in two blocks", []any{actions(button("same", nil)), actions(button("same", nil))}, ""},
		{"block_id over 255", []any{map[string]any{"type": "divider", "block_id": str(256)}}, "/blocks/0/block_id"},
		{"unsupported block", []any{map[string]any{"type": "carousel"}}, "/blocks/0/type"},
		{"unsupported element", []any{actions(map[string]any{"type": "slider"})}, "/blocks/0/elements/0/type"},
		{"overflow with one option", []any{actions(map[string]any{"type": "overflow", "action_id": "o",
			"options": []any{map[string]any{"text": text("plain_text", 3), "value": "v"}}})}, "/blocks/0/elements/0/options"},
		{"accessory image", []any{map[string]any{"type": "section", "text": text("mrkdwn", 3),
			"accessory": map[string]any{"type": "image", "image_url": "https://x", "alt_text": "x"}}}, ""},
		{"image in actions", []any{actions(map[string]any{"type": "image", "image_url": "https://x", "alt_text": "x"})}, "/blocks/0/elements/0/type"},
		{"markdown over 12000", []any{map[string]any{"type": "markdown", "text": str(12001)}}, "/blocks/0/text"},
		{"confirm without deny", []any{actions(button("a", map[string]any{"confirm": map[string]any{
			"title": text("plain_text", 3), "text": text("mrkdwn", 3), "confirm": text("plain_text", 3)}}))}, "/blocks/0/elements/0/confirm"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data, err := json.Marshal(tc.blocks)
			if err != nil {
				t.Fatal(err)
			}
			_, problems, err := checkSlackBlocks(data, slackMaxMessageBlocks)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if len(problems) != 0 {
					t.Errorf("valid blocks refused: %q", problems)
				}
				return
			}
			if len(problems) != 1 || !strings.HasSuffix(problems[0], fmt.Sprintf("[json-pointer:%s]", tc.want)) {
				t.Errorf("problems %q, want one at %s", problems, tc.want)
			}
		})
	}
	for _, bad := range []string{`{"type":"divider"}`, `[1]`, `not json`} {
		if _, _, err := checkSlackBlocks([]byte(bad), slackMaxMessageBlocks); err == nil {
			t.Errorf("%s accepted as a blocks array", bad)
		}
	}
}
