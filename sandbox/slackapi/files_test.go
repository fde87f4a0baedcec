package slackapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// TestSlackUploadFlow holds the upload flow to its order: a file is shared
// only once its declared bytes arrived, and then as one message.
func TestSlackUploadFlow(t *testing.T) {
	s, api, base := newSlackTest(t, Options{})
	ctx := context.Background()
	ch := s.Options().Channels[0].ID
	for _, form := range []url.Values{{"length": {"5"}}, {"filename": {"t.png"}, "length": {"0"}}} {
		if err := slackCallRaw(t, base, "files.getUploadURLExternal", s.Options().BotToken, form); slackErrCode(err) != "invalid_arguments" {
			t.Errorf("%v: %v", form, err)
		}
	}
	u, err := api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: "t.png", FileSize: 5, AltTxt: "a line going up"})
	if err != nil {
		t.Fatal(err)
	}
	complete := func(thread string) error {
		_, err := api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
			Files: []slack.FileSummary{{ID: u.FileID, Title: "Timeline"}}, Channel: ch, ThreadTimestamp: thread})
		return err
	}
	if err := complete(""); slackErrCode(err) != "file_not_found" {
		t.Errorf("complete before the upload: %v", err)
	}
	path := u.UploadURL[strings.Index(u.UploadURL, slackUploadPath):]
	post := func(body string) int {
		resp, err := http.Post(base+path, "application/octet-stream", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("1234"); code != http.StatusBadRequest {
		t.Errorf("short upload answered %d", code)
	}
	if code := post("12345"); code != http.StatusOK {
		t.Fatalf("upload answered %d", code)
	}
	if err := complete("1.000001"); slackErrCode(err) != "thread_not_found" {
		t.Errorf("unknown thread: %v", err)
	}
	if err := complete(""); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages(ch)
	if len(msgs) != 1 || len(msgs[0].Files) != 1 {
		t.Fatalf("messages: %+v", msgs)
	}
	if f := msgs[0].Files[0]; string(f.Data) != "12345" || f.AltText != "a line going up" || f.Title != "Timeline" || f.Name != "t.png" {
		t.Errorf("file: %+v", f)
	}
	if err := complete(""); slackErrCode(err) != "file_not_found" {
		t.Errorf("shared twice: %v", err)
	}
}
